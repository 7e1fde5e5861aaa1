import Foundation
@testable import GateKit
import GateTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The shared input layer: limits, encodings, special files, YAML without aliases, short quotes.
@Suite struct InputLimitsTests {
    static func file(_ bytes: [UInt8]) throws -> (directory: String, path: String) {
        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/input"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return (directory, path)
    }

    @Test("a line over the limit is found across chunk boundaries, with its line number")
    func lineAcrossChunks() throws {
        // Line 3 is 300 bytes, read in 64-byte chunks; the limit is 256.
        let text = "short\nshort\n" + String(repeating: "z", count: 300) + "\nend\n"
        let (directory, path) = try Self.file(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let limits = InputLimits(maxBytes: nil, bytesVariable: "", maxLineLength: 256, isText: true)
        expectError(containing: "input:3: a line longer than 256 bytes") {
            _ = try InputFile.stream(path, expected: "text", limits: limits, chunkSize: 64) { _ in }
        }
        var lenient = limits
        lenient.maxLineLength = 300
        _ = try InputFile.stream(path, expected: "text", limits: lenient, chunkSize: 64) { _ in }
    }

    /// Lines of lengths around the limit (0 … limit + 2, some without a final newline): the
    /// jumping check of text in memory, fed in stretches of every size, finds the same first
    /// too-long line as the line-by-line check, with the same line number.
    @Test("the jumping line check of text in memory agrees with the line-by-line check, in stretches of any size", arguments: [1, 7, 8, 9, 64, 1 << 20])
    func lineJumps(stretch: Int) throws {
        let limit = 24
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                // Mostly short lines, now and then one at or just past the limit.
                let length = round % 3 == 0 ? Int.random(in: 0...8, using: &generator) : Int.random(in: (limit - 2)...(limit + (round % 5 == 0 ? 2 : 0)), using: &generator)
                text += Array(repeating: UInt8(ascii: "x"), count: length) + [0x0A]
            }
            if round % 2 == 1 { text += Array(repeating: UInt8(ascii: "y"), count: Int.random(in: 0...(limit + 1), using: &generator)) }
            let expected: String? = text.withUnsafeBytes { bytes in
                var check = LineLengthCheck(limit: limit)
                do { try check.check(bytes, path: "t"); return nil } catch { return String(describing: error) }
            }
            let found: String? = text.withUnsafeBytes { bytes in
                var jumps = LineLengthJumps(limit: limit)
                var end = 0
                repeat {
                    end = min(end + stretch, bytes.count)
                    if let start = jumps.advance(bytes, to: end, last: end == bytes.count) {
                        return String(describing: jumps.error(bytes, at: start, path: "t"))
                    }
                } while end < bytes.count
                return nil
            }
            #expect(found == expected, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    /// A reader walking the lines of a 5 MB text (with or without a byte-order mark) calls
    /// `reach` as `DigestAhead` asks: the digest is the file's; with a planted 200 kB line
    /// (limit 100 kB) after 3 MB — or a 1.6 MB line, limit 1.5 MB, longer than the stretch the
    /// check goes ahead by, planted at eight places 150 kB apart — the error names that line
    /// and comes while the reader is still before it: the reader never starts a line not yet
    /// known to be short.
    @Test("the digest taken a stretch ahead of a reader is the file's, and an over-long line is refused before the reader starts it", arguments: [0, 1, 2, 3, 4, 5])
    func digestAhead(shape: Int) throws {
        let limit = shape >= 4 ? 1_500_000 : 100_000
        for place in 0..<(shape >= 4 ? 8 : 1) {
            var state: UInt64 = 9
            func next(_ bound: Int) -> Int {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int((state >> 33) % UInt64(bound))
            }
            var text: [UInt8] = shape % 2 == 1 ? [0xEF, 0xBB, 0xBF] : []
            var longLine: (start: Int, number: Int)?
            var line = 1
            while text.count < 5 << 20 {
                if shape >= 2, longLine == nil, text.count > (3 << 20) + place * 150_000 {
                    longLine = (text.count - (shape % 2 == 1 ? 3 : 0), line)
                    text += Array(repeating: UInt8(ascii: "w"), count: limit + 100_000) + [0x0A]
                } else {
                    text += Array(repeating: UInt8(ascii: "a") + UInt8(next(26)), count: next(300)) + [0x0A]
                }
                line += 1
            }
            let limits = InputLimits(maxBytes: nil, bytesVariable: "", maxLineLength: limit, isText: true)
            try text.withUnsafeBytes { bytes in
                var ahead = try InputFile.DigestAhead(bytes, path: "t", expected: "text", limits: limits)
                #expect(ahead.text.count == bytes.count - (shape % 2 == 1 ? 3 : 0))
                var offset = 0
                do {
                    while offset < ahead.text.count {
                        if offset >= ahead.next { try ahead.reach(offset) }
                        if let longLine { #expect(offset <= longLine.start, "planted at \(longLine.start)") }
                        while ahead.text[offset] != 0x0A { offset += 1 }
                        offset += 1
                    }
                    let digest = try ahead.finish()
                    #expect(longLine == nil)
                    #expect(digest.sha256 == InputFile.digest(of: bytes, path: "t").sha256)
                } catch {
                    #expect(longLine != nil && offset <= longLine!.start)
                    #expect(String(describing: error).contains("t:\(longLine!.number): a line longer than"))
                }
            }
        }
    }

    @Test("a file over its size limit is refused before it is read, naming the variable that raises it")
    func sizeLimit() throws {
        let (directory, path) = try Self.file(Array(repeating: 0x61, count: 5000))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let limits = InputLimits(maxBytes: 4096, bytesVariable: "GATE_MAX_DOCUMENT_BYTES", maxLineLength: nil, isText: true)
        expectError(containing: "input: larger than 4 KiB, the limit for a document. If the file is right, raise it with GATE_MAX_DOCUMENT_BYTES") {
            _ = try InputFile.readAll(path, expected: "a document", limits: limits)
        }
    }

    @Test("limits from the environment: bytes or K/M/G; nonsense is ignored rather than lifting the limit",
          arguments: [("2048", 2048), ("4K", 4096), ("3m", 3 << 20), ("1G", 1 << 30), ("0", nil), ("-5", nil), ("lots", nil), ("99999999999G", nil),
                      ("1048576G", 1 << 50), ("1048577G", nil), ("9223372036854775807", nil)] as [(String, Int?)])
    func byteCounts(_ text: String, bytes: Int?) {
        #expect(InputLimits.byteCount(text) == bytes)
    }

    @Test("a UTF-8 byte-order mark is skipped, UTF-16 and UTF-32 are refused by name, white space alone is empty")
    func encodings() throws {
        let (directory, path) = try Self.file([0xEF, 0xBB, 0xBF] + Array("key: 1\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let read = try InputFile.readAll(path, expected: "YAML", limits: .yaml)
        #expect(read.bytes == Array("key: 1\n".utf8))
        let policy = try Policy.load(path: path)
        #expect(policy.entries.map(\.key) == ["key"])
        for (bom, name) in [([0xFF, 0xFE, 0x61, 0x00] as [UInt8], "UTF-16"), ([0xFE, 0xFF, 0x00, 0x61], "UTF-16"), ([0xFF, 0xFE, 0, 0], "UTF-32")] {
            _ = FileManager.default.createFile(atPath: path, contents: Data(bom))
            expectError(containing: "input: \(name) text; gate reads UTF-8") { _ = try InputFile.readAll(path, expected: "text", limits: .lines) }
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data(" \n\t\r\n".utf8))
        expectError(containing: "the file is empty (or only white space)") { _ = try InputFile.readAll(path, expected: "text", limits: .lines) }
        // Bytes hashed as they are: white space is content.
        #expect(try InputFile.readAll(path, expected: "bytes", limits: .binary).bytes.count == 5)
    }

    @Test("a FIFO is refused unless it is named under /dev (standard input, process substitution)")
    func specialFiles() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(mkfifo(directory + "/pipe", 0o600) == 0)
        expectError(containing: "pipe: a FIFO, device or socket") {
            _ = try InputFile.readAll(directory + "/pipe", expected: "text", limits: .lines)
        }
        expectError(containing: "not a file") { _ = try InputFile.readAll(directory, expected: "text", limits: .lines) }
        // /dev/null is a device named under /dev: read, and empty.
        expectError(containing: "/dev/null: the file is empty") { _ = try InputFile.readAll("/dev/null", expected: "text", limits: .lines) }
    }

    @Test("YAML anchors, aliases and deep nesting are refused with their line; plain YAML passes",
          arguments: [
            ("a: &x 1\nb: *x\n", "policy.yml:1: a YAML anchor (&x)"),
            ("a: 1\nb: *x\n", "policy.yml:2: a YAML alias (*x)"),
            ("list:\n  - &item {k: v}\n", "policy.yml:2: a YAML anchor (&item)"),
            ("deep: " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65), "policy.yml:1: YAML nested more than 64 levels deep"),
          ])
    func yamlGuard(_ text: String, message: String) {
        expectError(containing: message) { _ = try Policy.parse(text, path: "policy.yml") }
    }

    @Test("YAML at the nesting limit, and a '*' or '&' inside quotes, is not refused")
    func yamlGuardAllows() throws {
        try YAMLGuard.check("deep: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "\n", path: "p")
        let policy = try Policy.parse("include: ['**/*.swift', \"&amp\"]\nname: a*b\n", path: "p")
        #expect(try policy.strings("include") == ["**/*.swift", "&amp"])
    }

    @Test("YAML syntax errors name the line and column without quoting the input")
    func yamlSyntaxMessage() {
        let long = String(repeating: "q", count: 100_000)
        expectError(containing: "policy.yml:3: not valid YAML: while parsing a flow sequence did not find expected ',' or ']' (column 1)") {
            do {
                _ = try Policy.parse("a: 1\nb: [" + long + "\n", path: "policy.yml")
            } catch {
                #expect(String(describing: error).utf8.count < 400)
                throw error
            }
        }
    }

    @Test("JSON strings must be valid UTF-8")
    func jsonUTF8() {
        expectError(containing: "doc.json:1:8: invalid JSON: a string that is not valid UTF-8") {
            _ = try JSONTree.parse(Array("{\"a\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8), path: "doc.json")
        }
        expectError(containing: "a string that is not valid UTF-8") {
            _ = try JSONTree.parse(Array("[\"\\n".utf8) + [0xFF] + Array("\"]".utf8), path: "doc.json")
        }
    }

    @Test("numbers follow JSON's grammar, kept or only checked", arguments: [0, 1, .max])
    func jsonNumbers(_ keep: Int) throws {
        for bad in ["01", "1.", ".5", "-", "1e", "1e+", "+1", "--1", "0x10"] {
            expectError(containing: "invalid JSON") { _ = try JSONTree.parse(Array("[[\(bad)]]".utf8), path: "n.json", keepingDepth: keep) }
        }
        for good in ["0", "-0", "10", "-0.5e+3", "1E5", "2.25"] {
            _ = try JSONTree.parse(Array("[[\(good)]]".utf8), path: "n.json", keepingDepth: keep)
        }
        let outline = try JSONTree.parse(Array(#"{"a": {"b": [1, 2]}, "c": 3}"#.utf8), path: "n.json", keepingDepth: keep)
        #expect(outline["c"]?.number == (keep >= 1 ? 3 : nil))
        #expect(outline["a"]?["b"]?.array?.count == (keep >= 2 ? 2 : nil))
    }

    @Test("quotes of input are short and on one line")
    func excerpts() {
        #expect(Excerpt.quote("abc") == "abc")
        #expect(Excerpt.quote(String(repeating: "x", count: 100), limit: 10) == "xxxxxxxxxx…")
        #expect(Excerpt.quote("a\nb\tc\u{0}") == "a b c ")
        #expect(Excerpt.message(String(repeating: "m", count: 5000)).count == 2001)
        #expect(Excerpt.message("line one\nline two") == "line one line two")
    }

    @Test("the trailing runs of a path of many segments stop at PATH_MAX: linear, not quadratic")
    func trailingRuns() {
        #expect(RepositoryPath.trailingRuns("a/b/c").map(String.init) == ["a/b/c", "b/c", "c"])
        #expect(RepositoryPath.trailingRuns("c").map(String.init) == ["c"])
        let many = Array(repeating: "s", count: 32_768).joined(separator: "/")
        let runs = RepositoryPath.trailingRuns(many)
        #expect(runs.count == 2048)
        #expect(runs.allSatisfy { $0.utf8.count <= 4096 })
        #expect(runs.last == "s")
    }
}
