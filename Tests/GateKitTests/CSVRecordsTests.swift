import CIntrinsics
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

    /// The records as a reader taking `nextPlain` first (falling back to `next()`) sees them,
    /// each marked with the path that read it.
    static func plainRecords(_ text: String, fields: Int) throws -> (records: [(line: Int, fields: [String])], plain: Int) {
        var out: [(Int, [String])] = []
        var plain = 0
        try Array(text.utf8).withUnsafeBytes { bytes in
            var reader = CSVRecords(bytes, path: "t.csv")
            let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * fields)
            defer { bounds.deallocate() }
            while true {
                switch reader.nextPlain(fields: fields, bounds: bounds) {
                case .end: return
                case .row(let line):
                    plain += 1
                    out.append((line, (0..<fields).map { String(decoding: bytes[bounds[2 * $0]..<bounds[2 * $0 + 1]], as: UTF8.self) }))
                case .other:
                    guard let record = try reader.next() else { return }
                    out.append((record.line, (0..<record.count).map(record.string)))
                }
            }
        }
        return (out, plain)
    }

    @Test("the plain-line path reads every record as the full reader does: line ends, blank lines, long fields, quotes, other field counts", arguments: [
        "a,b,c\n1,2,3\n",
        "a,b,c\r\n1,2,3\r\n\r\n\n4,,6\r\n,,\r\n7,8,\r",
        "name,agent,category\nx,Mozilla/5.0 (device-0973; build 5187) AppleWebKit/537.36,catalog/department-01/category-000001\n",
        "a,b,c\n1,\"2,5\",3\n4,5,6\n\"seven\nlines\",8,9\n10,11,12",
        "a,b,c\n1,2\n3,4,5,6\n7,8,9\n",
        "a,b,c\n1,2\r3,4\n5,6\r,7\n  ,\t, \n",
        "a,b,c\n01234567,89abcdef,ghijklmnopqrstuvwxyz0123456789\n,,,\n",
        "a,b,c\n1,2,3\nx,\"y\",z", "a,b,c\n1,2,3\n\u{E9},\u{FC},\u{DF}", "a,b,c\n1,2,3\n1,2",
    ])
    func plainPath(text: String) throws {
        let full = try Self.records(text)
        let (fast, plain) = try Self.plainRecords(text, fields: 3)
        #expect(fast.map(\.line) == full.map(\.line))
        #expect(fast.map(\.fields) == full.map(\.fields))
        #expect(plain > 0)
    }

    /// Thousands of records of every length, so that commas, quotes, carriage returns, blank
    /// lines and line ends fall at every offset of the scanner's 32-byte steps and in the tail.
    @Test("the plain-line path reads long random texts as the full reader does, quotes and line ends at every offset")
    func plainPathRandom() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<20 {
            var text = "a,b,c\n"
            for _ in 0..<400 {
                var fields: [String] = []
                for _ in 0..<(next(20) == 0 ? 2 + next(3) : 3) {
                    // Printable ASCII but the comma and the quote.
                    let plain = String(decoding: (0..<next(40)).map { _ in [UInt8(0x20 + next(0x5F))].map { $0 == 0x2C || $0 == 0x22 ? 0x3B : $0 }[0] }, as: UTF8.self)
                    fields.append(next(15) == 0 ? "\"" + plain + ",\"\"\n" + "\"" : plain)
                }
                text += fields.joined(separator: ",") + [String](["\n", "\r\n", "\n\n", "\r\n\r\n"])[next(4)]
            }
            if round % 2 == 1 { text.removeLast() }
            let full = try Self.records(text)
            let (fast, plain) = try Self.plainRecords(text, fields: 3)
            #expect(fast.map(\.line) == full.map(\.line))
            #expect(fast.map(\.fields) == full.map(\.fields))
            #expect(plain > 200)
        }
    }

    @Test("the plain-line path leaves a bad record where it is, for the full reader to refuse")
    func plainPathRefusals() {
        expectError(containing: "t.csv:3:3: a quote inside an unquoted field") { _ = try Self.plainRecords("a,b\n1,2\nab\"c,1\n", fields: 2) }
        expectError(containing: "t.csv:2:1: a quoted field opened here is never closed") { _ = try Self.plainRecords("a,b\n\"1,2\n3,4\n", fields: 2) }
    }

    @Test("an empty input has no records")
    func empty() throws {
        #expect(try Self.records("").isEmpty)
        #expect(try Self.records("\n\n").isEmpty)
    }
}

/// The word-at-a-time byte helpers the scanners and tables share.
@Suite struct ByteHashTests {
    @Test("two byte strings are equal exactly when their bytes are, at every length and wherever they differ")
    func equal() {
        for length in 0...80 {
            let a = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            // Copies followed by different bytes: nothing past the strings' ends may be compared.
            let x = a + Array(repeating: 0x00, count: 16), y = a + Array(repeating: 0xFF, count: 16)
            #expect(x.withUnsafeBytes { x in y.withUnsafeBytes { ByteHash.equal(UnsafeRawBufferPointer(rebasing: x[0..<length]), UnsafeRawBufferPointer(rebasing: $0[0..<length])) } })
            #expect(x.withUnsafeBytes { x in y.withUnsafeBytes { ByteHash.of(UnsafeRawBufferPointer(rebasing: x[0..<length])) == ByteHash.of(UnsafeRawBufferPointer(rebasing: $0[0..<length])) } })
            for position in 0..<length {
                var b = a
                b[position] ^= 0x20
                #expect(!a.withUnsafeBytes { x in b.withUnsafeBytes { ByteHash.equal(x, $0) } }, "length \(length), byte \(position)")
            }
            let longer = a + [0]
            #expect(!a.withUnsafeBytes { x in longer.withUnsafeBytes { ByteHash.equal(x, $0) } })
        }
    }

    @Test("the sixteen-byte compare marks exactly the commas, quotes and line feeds, wherever they are")
    func csvMarks() {
        for value in 0...255 {
            for position in 0..<16 {
                for fill: UInt8 in [0x00, 0x2B, 0xFF] {
                    var bytes = [UInt8](repeating: fill, count: 16)
                    bytes[position] = UInt8(value)
                    var expected: UInt32 = 0
                    for (index, byte) in bytes.enumerated() where byte == 0x2C || byte == 0x22 || byte == 0x0A { expected |= 1 << UInt32(index) }
                    #expect(bytes.withUnsafeBytes { gate_csv_marks16($0.baseAddress!) } == expected, "byte \(value) at \(position) among \(fill)")
                }
            }
        }
    }

    /// Families of values that differ in a few bytes anywhere — in the middle of a long shared
    /// text, only in length, or in a word that zeroes one factor of a multiply — hash apart.
    @Test("values differing in a few bytes anywhere hash to distinct values spread over a table's slots", arguments: [0, 1, 2])
    func hashSpread(shape: Int) {
        let count = 50_000
        var hashes = Set<UInt64>()
        var slots = [Int](repeating: 0, count: 4_096)
        for i in 0..<count {
            let value: [UInt8]
            switch shape {
            case 0: value = Array("Mozilla/5.0 (device-\(i); build \(i * 7919 % 100_000)) AppleWebKit/537.36".utf8)
            case 1: value = Array(repeating: 0x61, count: i % 200) + [UInt8(i / 200)]
            default:
                // The multiplier's bytes first: a hash that only multiplied would forget the next word.
                value = withUnsafeBytes(of: UInt64(0x9E37_79B9_7F4A_7C15).littleEndian, Array.init) + withUnsafeBytes(of: UInt64(i), Array.init) + Array("-a-constant-tail-".utf8)
            }
            let hash = value.withUnsafeBytes { ByteHash.of($0) }
            hashes.insert(hash)
            slots[Int(truncatingIfNeeded: hash) & 4_095] += 1
        }
        #expect(hashes.count == count)
        // About 12 per slot when spread evenly; a family hashing alike would pile into a few.
        #expect(slots.max()! < 40)
    }
}

@Suite struct TextLinesTests {
    @Test("lines cut at LF bytes, a CR before the LF or at the end dropped; a CR elsewhere kept", arguments: [
        ("", [""]), ("a", ["a"]), ("a\n", ["a", ""]), ("a\r\nb\r\n", ["a", "b", ""]), ("a\nb\r\nc", ["a", "b", "c"]),
        ("a\rb\n", ["a\rb", ""]), ("\r\n\r\n", ["", "", ""]), ("é\r\nü", ["é", "ü"]), ("x\r", ["x"]),
    ])
    func lines(_ text: String, _ expected: [String]) {
        #expect(TextLines.of(text).map(String.init) == expected)
    }
}
