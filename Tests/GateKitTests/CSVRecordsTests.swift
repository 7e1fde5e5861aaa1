import GateKit
import GateTestSupport
import Testing

/// The one CSV reader: RFC 4180 quoting, line ends, blank lines, and its refusals with
/// line and column.
@Suite struct CSVRecordsTests {
    static func records(_ text: String) throws -> [(line: Int, fields: [String])] {
        var out: [(Int, [String])] = []
        try Array(text.utf8).withUnsafeBytes { bytes in
            var reader = CSVRecords(bytes, path: "t.csv")
            while let record = try reader.next() {
                out.append((record.line, (0..<record.count).map(record.string)))
            }
        }
        return out
    }

    @Test("quoted commas, doubled quotes and line breaks; CRLF; blank lines skipped; records keep their first line")
    func quoting() throws {
        let read = try Self.records("a,b\r\n\"x, \"\"y\"\"\",2\r\n\r\n\"two\nlines\",\"\"\n,\n3,4")
        #expect(read.map(\.line) == [1, 2, 4, 6, 7])
        #expect(read.map(\.fields) == [["a", "b"], ["x, \"y\"", "2"], ["two\nlines", ""], ["", ""], ["3", "4"]])
    }

    @Test("refusals name line and column", arguments: [
        ("a,b\n\"open,1\n2,3\n", "t.csv:2:1: a quoted field opened here is never closed"),
        ("a,b\nab\"c,1\n", "t.csv:2:3: a quote inside an unquoted field"),
        ("a,b\n\"x\"y,1\n", "t.csv:2:4: text after a closing quote"),
    ])
    func refusals(text: String, message: String) {
        expectError(containing: message) { _ = try Self.records(text) }
    }

    @Test("an empty input has no records")
    func empty() throws {
        #expect(try Self.records("").isEmpty)
        #expect(try Self.records("\n\n").isEmpty)
    }
}
