@testable import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Large LCOV reports and Go profiles are read in parts on every core; cut anywhere, the
/// report must be the one a one-thread read gives, and anything wrong must leave it to the
/// one-thread read (which names the problem).
@Suite struct PartsReadTests {
    /// A deterministic stream of numbers for the generated reports.
    struct Numbers: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 { UInt64(next(1 << 31)) << 32 | UInt64(next(1 << 31)) }
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// How a generated LCOV report names its files: some met again in later sections (and
    /// later parts); each in one to three sections one after another (one per test); each
    /// once; or once but some under two names of one path.
    enum Layout: String, CaseIterable { case spread, adjacent, once, aliased }

    /// An LCOV report exercising both reading paths: files named as `layout` says, DA with
    /// checksums, signs and long numbers, BRDA with '-', text blocks and comma branches, FN in
    /// both versions, FNDA, FNL/FNA, CRLF and blank lines.
    static func lcov(files: Int, seed: UInt64, layout: Layout = .spread) -> String {
        var numbers = Numbers(state: seed)
        var out = ""
        var adjacent = (file: 0, left: 0)
        for section in 0..<files {
            var file = section
            switch layout {
            case .spread: if numbers.next(3) == 0 { file = section / 2 }
            case .adjacent:
                if adjacent.left == 0 { adjacent = (section, numbers.next(3)) } else { adjacent.left -= 1 }
                file = adjacent.file
            case .once, .aliased: break
            }
            let name = layout == .aliased && file % 50 == 7 ? "src/./f\(file - 1).c" : "src/f\(file).c"
            let newline = numbers.next(5) == 0 ? "\r\n" : "\n"
            out += "TN:t\(numbers.next(3))\(newline)SF:\(name)\(newline)"
            for function in 0..<numbers.next(4) {
                let name = numbers.next(2) == 0 ? "fn\(function)" : "_Z\(function)x,y"
                out += numbers.next(2) == 0 ? "FN:\(function * 10 + 1),\(name)\n" : "FN:\(function * 10 + 1),\(function * 10 + 9),\(name)\n"
                out += "FNDA:\(numbers.next(4)),\(name)\n"
            }
            if numbers.next(4) == 0 { out += "FNL:0,5,9\nFNA:0,\(numbers.next(3)),main\n" }
            for line in stride(from: 1, to: 40, by: 1 + numbers.next(3)) {
                switch numbers.next(8) {
                case 0: out += "DA:+\(line),\(numbers.next(9))\n"
                case 1: out += "DA:\(line),\(numbers.next(9)),c0ffee\(newline)"
                case 2: out += "DA:\(line),1844674407370955\(numbers.next(9))\n"
                default: out += "DA:\(line),\(numbers.next(3))\n"
                }
                if numbers.next(3) == 0 {
                    let block = ["0", "1", "00", "b"][numbers.next(4)]
                    let branch = ["0", "1", "2,3", "-1"][numbers.next(4)]
                    let taken = numbers.next(3) == 0 ? "-" : String(numbers.next(5))
                    out += "BRDA:\(line),\(block),\(branch),\(taken)\n"
                }
            }
            if numbers.next(6) == 0 { out += "\n  \n" }
            out += "LF:1\nLH:1\nend_of_record\(newline)"
        }
        return out
    }

    /// A Go profile: blocks of several files, the same blocks again from other test binaries
    /// (each binary's whole profile after the other's, or with `adjacent` each file's blocks
    /// from every binary together), names with spaces (the general reading), CRLF, a repeated
    /// mode line.
    static func goProfile(mode: String, blocks: Int, seed: UInt64, adjacent: Bool = false) -> String {
        var numbers = Numbers(state: seed)
        var out = "mode: \(mode)\n"
        // Blocks 50 to a file; binary by binary, or file by file.
        let order = adjacent
            ? stride(from: 0, to: blocks, by: 50).flatMap { file in (0..<3).flatMap { binary in (file..<min(blocks, file + 50)).map { (binary, $0) } } }
            : (0..<3).flatMap { binary in (0..<blocks).map { (binary, $0) } }
        for (binary, block) in order {
            if binary > 0, block % (adjacent ? 50 : blocks) == 0, numbers.next(2) == 0 { out += "mode: \(mode)\n" }
            let file = block / 50
            let name = file % 7 == 3 ? "example.com/app/my dir/f\(file).go" : "example.com/app/f\(file).go"
            let start = 1 + (block % 50) * 3
            let newline = numbers.next(6) == 0 ? "\r\n" : "\n"
            out += "\(name):\(start).\(2 + block % 9),\(start + block % 3).\(5 + block % 4) \(1 + block % 4) \(numbers.next(4))\(newline)"
        }
        return out
    }

    static func readOneThread(_ text: String, name: String, in directory: String) throws -> CoverageReport {
        let path = directory + "/" + name
        try Fixtures.write(text, to: path)
        return try CoverageReportReader.read(path, root: directory, pathMap: [], inHalves: false).report
    }

    static func readParts(_ text: String, name: String, in directory: String, parts: Int) -> CoverageReport? {
        let path = directory + "/" + name
        let resolver = SourcePathResolver(root: directory, report: path)
        return Array(text.utf8).withUnsafeBytes { bytes in
            name.hasSuffix(".out")
                ? GoCoverProfileParser.readParts(bytes, path: path, resolver: resolver, parts: parts)
                : LCOVParser.readParts(bytes, path: path, resolver: resolver, parts: parts)
        }
    }

    @Test("an LCOV report cut into 1, 2, 3, 7 and 16 parts reads as the one-thread read does")
    func lcovParity() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for seed: UInt64 in [1, 2, 3] {
            let text = Self.lcov(files: 300, seed: seed)
            let expected = try Self.readOneThread(text, name: "r.info", in: directory)
            #expect(expected.files.count > 100 && expected.files.contains { !$0.branches.isEmpty } && expected.hasFunctionData)
            for parts in [1, 2, 3, 7, 16] {
                let report = Self.readParts(text, name: "r.info", in: directory, parts: parts)
                #expect(report == expected, "seed \(seed), \(parts) parts")
            }
        }
    }

    /// Each file's figures, by path.
    static func figures(_ report: CoverageReport) -> [String: CoverageTotals] {
        Dictionary(uniqueKeysWithValues: report.files.map { ($0.path, CoverageTotals($0)) })
    }

    @Test("read for figures alone, each file's figures are the full read's, cut anywhere; a file named again later, or a path under two names, declines",
          arguments: Layout.allCases)
    func figuresOnly(layout: Layout) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = Self.lcov(files: 300, seed: 5, layout: layout)
        let expected = try Self.readOneThread(text, name: "r.info", in: directory)
        let path = directory + "/r.info"
        let resolver = SourcePathResolver(root: directory, report: path)
        for parts in [1, 2, 3, 7, 16] {
            let report = Array(text.utf8).withUnsafeBytes {
                LCOVParser.readParts($0, path: path, resolver: resolver, parts: parts, keepingRecords: false)
            }
            guard layout == .adjacent || layout == .once else {
                #expect(report == nil, "\(layout), \(parts) parts")
                continue
            }
            let read = try #require(report, "\(layout), \(parts) parts")
            #expect(read.files.allSatisfy { $0.counted != nil && $0.lines.isEmpty })
            #expect(Self.figures(read) == Self.figures(expected), "\(layout), \(parts) parts")
            #expect(CoverageTotals(read) == CoverageTotals(expected))
            #expect(read.hasBranchData == expected.hasBranchData && read.hasFunctionData == expected.hasFunctionData)
        }
    }

    /// An LCOV report as lcov writes one test per section: each file in one to three sections
    /// one after another with the same DA and BRDA records and other counts (taken `-` or
    /// saturating sums among them); now and then a section with one more line (the sections
    /// no longer match), lines out of order, a line twice, or a branch with no DA line.
    static func lcovPerTest(files: Int, seed: UInt64) -> String {
        var numbers = Numbers(state: seed)
        var out = ""
        for file in 0..<files {
            var lines = Array(stride(from: 1, to: 60, by: 1 + numbers.next(3)))
            switch numbers.next(12) {
            case 0: lines.swapAt(0, lines.count - 1)
            case 1: lines.append(lines[lines.count / 2])
            default: break
            }
            let branchLines = lines.filter { _ in numbers.next(3) == 0 } + (numbers.next(6) == 0 ? [61] : [])
            let newline = numbers.next(4) == 0 ? "\r\n" : "\n"
            for test in 0..<(1 + numbers.next(3)) {
                out += "TN:test\(test)\nSF:src/f\(file).c\n"
                let extra = numbers.next(10) == 0 ? [lines.max()! + 1] : []
                for line in lines + extra {
                    let count = numbers.next(8) == 0 ? "18446744073709551615" : String(numbers.next(4))
                    out += numbers.next(5) == 0 ? "DA:\(line),\(count),5eed\(newline)" : "DA:\(line),\(count)\(newline)"
                }
                for line in branchLines {
                    for branch in 0..<2 {
                        let taken = numbers.next(3) == 0 ? "-" : String(numbers.next(3))
                        out += "BRDA:\(line),0,\(branch),\(taken)\(newline)"
                    }
                }
                out += "end_of_record\(newline)"
            }
        }
        return out
    }

    @Test("sections of one file per test: read for figures alone and in parts, each file's figures and the report are the one-thread read's")
    func perTestSections() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = Self.lcovPerTest(files: 400, seed: 11)
        let expected = try Self.readOneThread(text, name: "r.info", in: directory)
        #expect(expected.files.count == 400 && expected.files.contains { $0.branches.contains { $0.taken == 0 } })
        let path = directory + "/r.info"
        let resolver = SourcePathResolver(root: directory, report: path)
        for parts in [1, 2, 3, 7, 16] {
            #expect(Self.readParts(text, name: "r.info", in: directory, parts: parts) == expected, "\(parts) parts")
            let read = try #require(Array(text.utf8).withUnsafeBytes {
                LCOVParser.readParts($0, path: path, resolver: resolver, parts: parts, keepingRecords: false)
            }, "\(parts) parts")
            #expect(Self.figures(read) == Self.figures(expected), "\(parts) parts")
        }
    }

    @Test("a section's figures counted in one pass are those of its records sorted and merged; records out of order are left to that")
    func countedInOrder() {
        var numbers = Numbers(state: 21)
        var inOrder = 0
        for _ in 0..<2_000 {
            var lines = stride(from: 1, to: 80, by: 1 + numbers.next(4)).map {
                LineRecord(line: UInt32($0), hits: numbers.next(3) == 0 ? 0 : UInt64(numbers.next(5)))
            }
            var branches: [PlainBranch] = []
            for line in stride(from: 1 + numbers.next(5), to: 90, by: 1 + numbers.next(9)) {
                for branch in 0..<(1 + numbers.next(3)) {
                    branches.append(PlainBranch(line: UInt32(line), block: UInt32(numbers.next(2)), branch: UInt32(branch),
                                                taken: UInt64(numbers.next(3))))
                }
            }
            branches.sort { ($0.line, $0.key) < ($1.line, $1.key) }
            // A third of them out of order: swapped, repeated or dropped into the wrong place.
            switch numbers.next(9) {
            case 0 where lines.count > 1: lines.swapAt(0, 1)
            case 1 where !lines.isEmpty: lines.append(lines[numbers.next(lines.count)])
            case 2 where branches.count > 1: branches.swapAt(branches.count - 2, branches.count - 1)
            default: break
            }
            var records = FileCoverage.normalized(lines)
            let counts = BranchCount.normalized(branches.map(\.count))
            FileCoverage.apply(counts, to: &records)
            let expected = CoverageTotals(FileCoverage(path: "f", lines: records, branches: counts))
            if let counted = LCOVRecords.countedInOrder(lines, branches) {
                inOrder += 1
                #expect(counted == expected)
            }
        }
        #expect(inOrder > 1_000 && inOrder < 2_000)
    }

    @Test("long runs of DA and BRDA records — DA alone, interleaved with BRDA, BRDA after — are all counted, whatever their length",
          arguments: [31, RunBuffers.count - 1, RunBuffers.count, RunBuffers.count + 1, 2 * RunBuffers.count + 50])
    func longRuns(lines: Int) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var numbers = Numbers(state: UInt64(lines))
        for layout in ["alone", "interleaved", "after"] {
            var text = "SF:src/a.c\n", branchText = ""
            var expected = (hit: 0, branches: 0, taken: 0)
            for line in 1...lines {
                // Counts of every length, so that long and short ones follow each other.
                let hits = numbers.next(3) == 0 ? 0 : UInt64(numbers.next(10)) * [1, 10_000, 10_000_000_000_000][numbers.next(3)]
                text += "DA:\(line),\(hits)\n"
                if hits > 0 { expected.hit += 1 }
                guard layout != "alone" else { continue }
                for branch in 0..<2 {
                    let taken = numbers.next(2)
                    let record = "BRDA:\(line),0,\(branch),\(taken)\n"
                    if layout == "interleaved" { text += record } else { branchText += record }
                    expected.branches += 1
                    if taken > 0 { expected.taken += 1 }
                }
            }
            text += branchText + "end_of_record\n"
            let report = try Self.readOneThread(text, name: "r.info", in: directory)
            let totals = CoverageTotals(report.files[0])
            #expect(totals.lines == CoverageCount(covered: expected.hit, total: lines), "\(layout)")
            #expect(totals.branches == CoverageCount(covered: expected.taken, total: expected.branches), "\(layout)")
            #expect(report.hasBranchData == (layout != "alone"), "\(layout)")
        }
    }

    @Test("a plain number is read as its digits spell it — short or long, at the end of the bytes or not; too many digits leave one behind; a count the same a word at a time")
    func plainNumbers() {
        var numbers = Numbers(state: 41)
        for _ in 0..<20_000 {
            let digits = String((0..<(1 + numbers.next(22))).map { _ in Character(String(numbers.next(10))) })
            let tail = ["", ",", " ", "\n", "x", ",12345678"][numbers.next(6)]
            let maxDigits = [9, 19][numbers.next(2)]
            let bytes = Array((digits + tail).utf8)
            var index = 0
            let value = bytes.withUnsafeBufferPointer { RecordBytes.number($0.baseAddress!, $0.count, &index, maxDigits: maxDigits) }
            let read = String(digits.prefix(maxDigits))
            #expect(value == UInt64(read), "\(digits + tail), at most \(maxDigits)")
            #expect(index == read.count)
        }
        var index = 0
        #expect(Array("x1".utf8).withUnsafeBufferPointer { RecordBytes.number($0.baseAddress!, $0.count, &index, maxDigits: 9) } == nil && index == 0)
        // A count read a word at a time: one to fifteen digits, else nil (and not stepped over).
        for _ in 0..<20_000 {
            let digits = String((0..<numbers.next(18)).map { _ in Character(String(numbers.next(10))) })
            let tail = ["\n", ",", "x", "\r\n", ",c0ffee\n"][numbers.next(5)] + String(repeating: "7", count: 16)
            var index = 0
            let value = Array((digits + tail).utf8).withUnsafeBufferPointer { RecordBytes.count($0.baseAddress!, &index) }
            let expected = (1...15).contains(digits.count) ? UInt64(digits) : nil
            #expect(value == expected, "\(digits + tail)")
            #expect(index == (expected == nil ? 0 : digits.count))
        }
    }

    @Test("LCOV DA and BRDA records and Go blocks in any spelling — numbers short, long, empty, signed or with leading zeros, checksums, CR LF — read inside a run as one line at a time reads them",
          arguments: ["lcov", "go"])
    func recordSpellings(_ format: String) throws {
        var numbers = Numbers(state: 26)
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(numbers.next(10))) }) }
        func number() -> String {
            switch numbers.next(10) {
            case 0: digits(numbers.next(22))
            case 1: "0" + digits(1 + numbers.next(3))
            case 2: ["", "+1", "-1", "1a", " 1", "0", "4294967296"][numbers.next(7)]
            default: digits(1 + numbers.next(4))
            }
        }
        let ends = ["\n", "\n", "\n", "\r\n", ",c0ffee\n", ",\n", "x\n", " \n"]
        func record() -> String {
            let end = ends[numbers.next(ends.count)]
            guard format == "lcov" else {
                // A valid block, one field of it (some of the time) in any spelling.
                let line = 1 + numbers.next(9_999)
                var fields = ["\(line)", digits(1 + numbers.next(3)), "\(line + numbers.next(99))", digits(1 + numbers.next(3)),
                              "\(numbers.next(99))", digits(1 + numbers.next(19))]
                if numbers.next(2) == 0 { fields[numbers.next(6)] = number() }
                return "a.go:\(fields[0]).\(fields[1]),\(fields[2]).\(fields[3]) \(fields[4]) \(fields[5])" + ["\n", "\n", "\r\n", " \n", "x\n"][numbers.next(5)]
            }
            guard numbers.next(3) == 0 else { return "DA:\(number()),\(number())" + end }
            let block = ["0", "7", "12", "00", "b"][numbers.next(5)], branch = ["0", "3", "45", "-1"][numbers.next(4)]
            return "BRDA:\(number()),\(block),\(branch),\(numbers.next(4) == 0 ? "-" : number())" + end
        }
        /// The report, or the error's message.
        func outcome(_ text: String, chunk: Int) -> (CoverageReport?, String) {
            do {
                return (format == "lcov" ? try Self.streamed(LCOVRecords.self, text, path: "r.info", chunk: chunk)
                                         : try Self.streamed(GoProfileRecords.self, text, path: "c.out", chunk: chunk), "")
            } catch {
                return (nil, "\(error)")
            }
        }
        var read = 0
        for _ in 0..<2_000 {
            // Each tested record has plain ones after it, so that it is read inside a run
            // (far from the end of the bytes) when the report comes in one chunk.
            var text = format == "lcov" ? "SF:src/a.c\n" : "mode: count\n"
            for line in 1...30 {
                if line % 10 == 0 { text += record() } else {
                    text += format == "lcov" ? "DA:\(line),\(numbers.next(3))\n" : "a.go:\(line).2,\(line + 1).9 1 \(numbers.next(3))\n"
                }
            }
            if format == "lcov" { text += "end_of_record\n" }
            let whole = outcome(text, chunk: text.utf8.count)
            let lineByLine = outcome(text, chunk: 1)
            #expect(whole.0 == lineByLine.0 && whole.1 == lineByLine.1, "\(text)")
            if whole.0 != nil { read += 1 }
        }
        // Many spellings are read, not only refused.
        #expect(read > 200)
    }

    /// `text` read by the streaming parser of `Records`, handed over `chunk` bytes at a time.
    static func streamed<Records: LineRecords>(_ records: Records.Type, _ text: String, path: String, chunk: Int) throws -> CoverageReport {
        let parser = LineReportParser<Records>(path: path, resolver: SourcePathResolver(root: "/nonexistent", report: path))
        try Array(text.utf8).withUnsafeBytes { all in
            for start in stride(from: 0, to: all.count, by: chunk) {
                try parser.consume(UnsafeRawBufferPointer(rebasing: all[start..<min(all.count, start + chunk)]))
            }
        }
        return try parser.finish()
    }

    @Test("an LCOV report and a Go profile streamed in chunks of any size — records cut anywhere — read as in one chunk; a bad line is named by its number",
          arguments: ["lcov", "go"])
    func chunks(_ format: String) throws {
        let lcov = format == "lcov"
        let text = lcov ? Self.lcovPerTest(files: 30, seed: 2) + Self.lcov(files: 30, seed: 2) : Self.goProfile(mode: "count", blocks: 600, seed: 4, adjacent: true)
        func read(_ text: String, chunk: Int) throws -> CoverageReport {
            lcov ? try Self.streamed(LCOVRecords.self, text, path: "r.info", chunk: chunk) : try Self.streamed(GoProfileRecords.self, text, path: "c.out", chunk: chunk)
        }
        let whole = try read(text, chunk: text.utf8.count)
        #expect(whole.files.count > 10)
        for chunk in [1, 2, 5, 7, 13, 64, 4096] {
            #expect(try read(text, chunk: chunk) == whole, "chunks of \(chunk)")
        }
        // Cut at LF bytes (a Swift string keeps CR LF together as one character).
        var broken = text.utf8.split(separator: 10, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        broken.insert(lcov ? "DA:7,x" : "example.com/app/f1.go:3.2,1.5 1 1", at: 900)
        for chunk in [3, 4096] {
            expectError(containing: (lcov ? "r.info" : "c.out") + ":901:") { _ = try read(broken.joined(separator: "\n"), chunk: chunk) }
        }
    }

    @Test("LCOV functions by name: the last FN line of a section, the first section's line, counts summed and saturating, FNL/FNA indices apart")
    func functionTable() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = """
            SF:src/a.c
            FN:3,main
            FN:5,main
            FNDA:18446744073709551615,main
            FN:9,helper,with,commas
            FNDA:0,helper,with,commas
            FNDA:2,only_called
            FNL:0,7
            FNA:0,1,main
            end_of_record
            SF:src/a.c
            FN:40,main
            FN:2,late
            FNDA:7,main
            FNDA:1,helper,with,commas
            end_of_record

            """
        let report = try Self.readOneThread(text, name: "f.info", in: directory)
        let functions = try #require(report.files.first).functions
        #expect(functions.map(\.name) == ["only_called", "late", "main", "#0", "helper,with,commas"])
        #expect(functions.map(\.line) == [0, 2, 5, 7, 9])
        #expect(functions.map(\.hits) == [2, 0, .max, 1, 1])
        #expect(CoverageTotals(report).functions == CoverageCount(covered: 4, total: 5))
    }

    @Test("a problem anywhere in an LCOV report leaves it to the one-thread read, which names it")
    func lcovProblems() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = Self.lcov(files: 200, seed: 9)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (at, planted) in [(lines.count / 3, "DA:0,1"), (lines.count / 2, "BRDA:1,0,0,many"), (lines.count - 3, "SF:/src/open.c"),
                              (lines.count * 4 / 5, "FNDA:x,f"), (7, "garbage")] {
            var broken = lines
            broken.insert(Substring(planted), at: at)
            let bad = broken.joined(separator: "\n")
            #expect(throws: CoverageError.self) { _ = try Self.readOneThread(bad, name: "bad.info", in: directory) }
            for parts in [1, 2, 5] {
                #expect(Self.readParts(bad, name: "bad.info", in: directory, parts: parts) == nil, "\(planted) at \(at), \(parts) parts")
            }
        }
        // The whole gate on a large broken report: the message of the one-thread read.
        var big = Self.lcov(files: 40_000, seed: 4)
        #expect(big.utf8.count >= LCOVParser.parallelThreshold)
        big += "SF:/src/last.c\nDA:1,1\n"
        try Fixtures.write(big, to: directory + "/big.info")
        expectError(containing: "big.info: the file ends inside the section for '/src/last.c'") {
            _ = try CoverageReportReader.read(directory + "/big.info", root: directory)
        }
    }

    @Test("a large LCOV report and Go profile read through the reader (in parts) give the one-thread report and digest")
    func readerParity() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in [("big.info", Self.lcov(files: 40_000, seed: 7)), ("big.out", Self.goProfile(mode: "count", blocks: 70_000, seed: 8))] {
            let path = directory + "/" + name
            try Fixtures.write(text, to: path)
            #expect(text.utf8.count >= LCOVParser.parallelThreshold, "\(name) is under the parallel threshold")
            let resolver = SourcePathResolver(root: directory, report: path)
            #expect(CoverageReportReader.readLinesInParts(path, resolver: resolver, parts: 4) != nil, "\(name) was not read in parts")
            let parallel = try CoverageReportReader.read(path, root: directory, pathMap: [], inHalves: true)
            let oneThread = try CoverageReportReader.read(path, root: directory, pathMap: [], inHalves: false)
            #expect(parallel.report == oneThread.report)
            #expect(parallel.input == oneThread.input)
        }
    }

    @Test("a large LCOV report or Go profile read for figures alone: counted where it can be, else with its records; the figures and digest of the one-thread read")
    func readerFiguresOnly() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text, countable) in [("adjacent.info", Self.lcov(files: 40_000, seed: 3, layout: .adjacent), true),
                                        ("spread.info", Self.lcov(files: 40_000, seed: 3, layout: .spread), false),
                                        ("adjacent.out", Self.goProfile(mode: "count", blocks: 70_000, seed: 3, adjacent: true), true),
                                        ("spread.out", Self.goProfile(mode: "count", blocks: 70_000, seed: 3), false)] {
            let path = directory + "/" + name
            try Fixtures.write(text, to: path)
            #expect(text.utf8.count >= LCOVParser.parallelThreshold, "\(name) is under the parallel threshold")
            let oneThread = try CoverageReportReader.read(path, root: directory, pathMap: [], inHalves: false)
            let (report, input) = try CoverageReportReader.readDeferringDigest(path, root: directory, pathMap: [], inHalves: true, keepingRecords: false)
            #expect(report.files.allSatisfy { ($0.counted != nil) == countable }, "\(name)")
            #expect(Self.figures(report) == Self.figures(oneThread.report), "\(name)")
            #expect(report.lineUnit == oneThread.report.lineUnit)
            #expect(input.value == oneThread.input)
        }
    }

    @Test("a Go profile cut into 1, 2, 3, 7 and 16 parts reads as the one-thread read does", arguments: ["set", "count", "atomic"])
    func goParity(mode: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = Self.goProfile(mode: mode, blocks: 2_000, seed: 5)
        let expected = try Self.readOneThread(text, name: "cover.out", in: directory)
        #expect(expected.files.count == 40 && expected.lineUnit == "statements")
        for parts in [1, 2, 3, 7, 16] {
            #expect(Self.readParts(text, name: "cover.out", in: directory, parts: parts) == expected, "\(parts) parts")
        }
        // A block met again with other statements, in a later part: left to the one-thread read.
        let changed = text + "example.com/app/f0.go:1.2,1.5 9 1\n"
        #expect(throws: CoverageError.self) { _ = try Self.readOneThread(changed, name: "changed.out", in: directory) }
        #expect(Self.readParts(changed, name: "changed.out", in: directory, parts: 4) == nil)
        #expect(Self.readParts("mode: other\n" + text.drop { $0 != "\n" }.dropFirst(), name: "mode.out", in: directory, parts: 4) == nil)
    }

    @Test("a Go profile read for figures alone: each file's figures are the full read's, cut anywhere; blocks of a file after another's decline",
          arguments: ["set", "count", "atomic"])
    func goFiguresOnly(mode: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cover.out"
        let resolver = SourcePathResolver(root: directory, report: path)
        for adjacent in [true, false] {
            let text = Self.goProfile(mode: mode, blocks: 2_000, seed: 6, adjacent: adjacent)
            let expected = try Self.readOneThread(text, name: "cover.out", in: directory)
            for parts in [1, 2, 3, 7, 16] {
                let report = Array(text.utf8).withUnsafeBytes {
                    GoCoverProfileParser.readParts($0, path: path, resolver: resolver, parts: parts, keepingRecords: false)
                }
                guard adjacent else {
                    #expect(report == nil, "\(parts) parts")
                    continue
                }
                let read = try #require(report, "\(parts) parts")
                #expect(read.files.allSatisfy { $0.counted != nil && $0.lines.isEmpty } && read.lineUnit == "statements")
                #expect(Self.figures(read) == Self.figures(expected), "\(parts) parts")
            }
        }
        // A span bomb is still refused, by the read with records, before any line is expanded.
        let bomb = "mode: set\n" + String(repeating: "b.go:1.1,2.1 1 1\n", count: 3) + "a.go:1.1,4000000000.1 1 1\nc.go:1.1,2.1 1 1\n"
        #expect(Array(bomb.utf8).withUnsafeBytes { GoCoverProfileParser.readParts($0, path: path, resolver: resolver, parts: 1, keepingRecords: false) } == nil)
    }

    @Test("a Go block met again is found wherever it is — blocks in rising order, repeated, out of order, or both")
    func goBlockTable() {
        var numbers = Numbers(state: 31)
        for shape in 0..<4 {
            var table = GoBlockTable()
            var known: [[UInt64]: Int] = [:]
            let rising = (1...400).map { UInt64($0 * 3) << 32 | UInt64(numbers.next(9)) }
            var order: [UInt64]
            switch shape {
            case 0: order = rising
            case 1: order = rising + rising + rising
            case 2: order = rising + rising.shuffled(using: &numbers) + [rising[7], UInt64(5) << 32]
            default: order = (0..<1_500).map { _ in rising[numbers.next(rising.count)] }
            }
            for start in order {
                let end = start + (UInt64(1) << 32)
                let found = table.find(start: start, end: end, statements: 1, executions: 1)
                #expect(found == known[[start, end]], "shape \(shape)")
                if found == nil { known[[start, end]] = known.count }
                #expect(table.blocks.count == known.count)
            }
        }
    }

    @Test("a Go profile whose blocks span more lines than it could hold is refused, not expanded")
    func goSpanBomb() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bomb = "mode: set\na.go:1.1,4000000000.1 1 1\n"
        expectError(containing: "its blocks span 4000000000 source lines") { _ = try Self.readOneThread(bomb, name: "bomb.out", in: directory) }
        // Far-apart blocks of one file are counted by line, not by the distance between them.
        let sparse = try Self.readOneThread("mode: set\na.go:1.1,1.9 1 1\na.go:3999999999.1,3999999999.2 1 0\n", name: "sparse.out", in: directory)
        #expect(sparse.files.first?.lines.map(\.line) == [1, 3_999_999_999])
    }
}
