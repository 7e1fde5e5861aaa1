import Foundation
import GateKit
import GateTestSupport
@testable import Relevance
import Testing

/// The parallel read of a large run gives what the one-thread read gives: the same run, or
/// the same first error, whatever the parts.
@Suite struct ParallelReadTests {
    static func outcome(_ read: () throws -> (run: Run, input: InputDigest)) -> String {
        do {
            let (run, input) = try read()
            let queries = run.queries.keys.sorted().map { query in
                query + ":" + run.queries[query]!.map { "\($0.document)=\($0.score)" }.joined(separator: ",")
            }
            return queries.joined(separator: "\n") + "\n" + input.sha256
        } catch {
            return "error: \(error)"
        }
    }

    /// A run of `queries` queries, grouped or interleaved, with comments, blank lines and CRLF
    /// here and there; `damage` plants one problem at a line.
    static func text(seed: UInt64, queries: Int, interleaved: Bool, damage: (line: Int, kind: Int)?) -> String {
        var state = seed
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % n
        }
        var lines: [String] = []
        var documents: [[String]] = Array(repeating: [], count: queries)
        for index in 0..<(queries * 40) {
            let query = interleaved ? Int(next(UInt64(queries))) : index / 40
            let document = "doc-\(query)-\(documents[query].count)-\(next(1000))"
            documents[query].append(document)
            lines.append("q\(query) Q0 \(document) \(documents[query].count) \(Double(next(50)) / 10) tag" + (next(10) == 0 ? "\r" : ""))
            if next(25) == 0 { lines.append(next(2) == 0 ? "# a comment" : "") }
        }
        if let (line, kind) = damage, line < lines.count {
            switch kind {
            case 0: lines[line] = "q1 Q0 broken"
            case 1: lines[line] = "q1 Q0 d 1 not-a-number tag"
            case 3: lines[line] = "q1 Q0 " + String(repeating: "x", count: InputLimits.lineBytes) + " 1 1 tag"
            default:
                // The document of an earlier line of the same query again.
                let earlier = lines[..<line].last { $0.hasPrefix("q0 ") } ?? lines[0]
                lines[line] = earlier
            }
        }
        return lines.joined(separator: "\n") + (next(2) == 0 ? "\n" : "")
    }

    @Test("every cut into parts reads as one thread does: the run, or the first error in the file")
    func parity() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/r.run"
        var cases: [(UInt64, Int, Bool, (Int, Int)?)] = []
        for seed in 1...4 as ClosedRange<UInt64> {
            cases.append((seed, 30, seed % 2 == 0, nil))
            for kind in 0..<4 { cases.append((seed, 30, seed % 2 == 1, (Int(seed) * 97 + kind * 251, kind))) }
        }
        // A duplicate in another part than its first occurrence, and an error after it.
        cases.append((9, 3, false, (110, 2)))
        for (seed, queries, interleaved, damage) in cases {
            let text = Self.text(seed: seed, queries: queries, interleaved: interleaved, damage: damage)
            try Fixtures.write(text, to: path)
            let expected = Self.outcome { try TRECFiles.readStreamed(path) }
            // Every planted problem is an error, every clean run reads.
            #expect(expected.hasPrefix("error: ") == (damage != nil), "seed \(seed), damage \(String(describing: damage)): \(expected.prefix(120))")
            for parts in [1, 2, 3, 7, 16] {
                let file = try #require(MappedFile(path))
                let got = Self.outcome { try TRECFiles.readMapped(file, path: path, parts: parts) }
                #expect(got == expected, "seed \(seed), \(parts) parts, damage \(String(describing: damage)): \(got.prefix(200)) vs \(expected.prefix(200))")
            }
        }
    }

    @Test("lines split as they are scanned, fed in chunks of any size, give the fields a split of each whole line gives")
    func splitInChunks() throws {
        // Fields of every length around a word, separators of every kind, a control byte
        // inside a field, comments, blank lines, CRLF, lines of seven and of nine fields.
        var lines = ["q1 Q0 d1 1 0.5 run", "q1\tQ0\tdocument-with-a-long-name-0001 2 -1e3 run", "# comment line", "", "   ",
                     "q2 Q0 d\u{01}x 3 4 run\r", "a b c d e f g", "a b c d e f g h i", "q3 Q0 \(String(repeating: "x", count: 40)) 1 2"]
        for length in 1...20 { lines.append("q\(length) Q0 \(String(repeating: "d", count: length)) \(length) 1.\(length) tag") }
        let text = lines.joined(separator: "\n") + "\nq9 Q0 last 1 1"
        func split(_ text: String, chunk: Int) throws -> [String] {
            var splitter = LineSplitter(path: "r")
            var out: [String] = []
            let body: (Int, TRECFiles.Fields) throws -> Void = { line, fields in
                out.append("\(line):" + (0..<fields.count).map { fields.string($0) }.joined(separator: "|"))
            }
            let bytes = Array(text.utf8)
            try bytes.withUnsafeBufferPointer { all in
                for start in stride(from: 0, to: all.count, by: chunk) {
                    try splitter.feed(UnsafeBufferPointer(rebasing: all[start..<min(all.count, start + chunk)]), body: body)
                }
            }
            try splitter.finish(body: body)
            return out
        }
        var expected: [String] = []
        for (index, line) in text.utf8.split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            var fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }).prefix(7).map { String(decoding: $0, as: UTF8.self) }
            if fields.first?.hasPrefix("#") == true { fields = [] }
            if !fields.isEmpty { expected.append("\(index + 1):" + fields.joined(separator: "|")) }
        }
        #expect(expected.count == lines.count - 2)
        for chunk in [1, 2, 3, 7, 8, 9, 16, 64, text.utf8.count] {
            #expect(try split(text, chunk: chunk) == expected, "chunks of \(chunk)")
        }
    }
}
