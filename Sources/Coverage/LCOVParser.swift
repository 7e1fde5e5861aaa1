import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LCOV tracefiles (geninfo(1)), 1.x and 2.x records.
///
/// Counted as `lcov --summary` counts: a file's sections (one per test, `TN:`) are merged by
/// summing counts; lines are `DA` records, covered when their count is above zero; branches are
/// `BRDA` (line, block, branch) triples, covered when taken is a number above zero (`-` means
/// the block never ran); functions are `FN`/`FNDA` names (or `FNL`/`FNA` indices), covered when
/// called. Summary records (`LF`, `LH`, `BRF`, …) are not trusted. Unknown upper-case record
/// keys are skipped for forward compatibility; any other malformed line is an error that names
/// its line number.
final class LCOVParser: CoverageParser {
    static var maxLineLength: Int { InputLimits.lineBytes }

    private struct Section {
        var name: String
        var lines: [LineRecord] = []
        var branches: [BranchOutcome: UInt64] = [:]
        var functionLines: [String: UInt32] = [:]
        var functionHits: [String: UInt64] = [:]
    }

    private let path: String
    private let resolver: SourcePathResolver
    private var pending: [UInt8] = []
    private var lineNumber = 0
    private var section: Section?
    private var sectionLine = 0
    private var sawRecord = false
    private var sawBranches = false
    private var sawFunctions = false
    private var files: [String: Section] = [:]
    private var firstLines: [String: Int] = [:]

    init(path: String, resolver: SourcePathResolver) {
        self.path = path
        self.resolver = resolver
    }

    /// True when `head` starts with a record key LCOV files begin with.
    static func looksLikeLCOV(_ head: String) -> Bool {
        ["TN:", "SF:", "VER:", "FN:", "DA:"].contains { head.hasPrefix($0) }
    }

    func consume(_ chunk: UnsafeRawBufferPointer) throws {
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress else { return }
        while start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
            let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if pending.isEmpty {
                try line(UnsafeBufferPointer(rebasing: bytes[start..<newline]))
            } else {
                pending.append(contentsOf: bytes[start..<newline])
                try pending.withUnsafeBufferPointer { try line($0) }
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending.append(contentsOf: bytes[start...])
        if pending.count > Self.maxLineLength {
            throw CoverageError.lineTooLong(path: path, line: lineNumber + 1, limit: Self.maxLineLength)
        }
    }

    func finish() throws -> CoverageReport {
        if !pending.isEmpty {
            let last = pending
            try last.withUnsafeBufferPointer { try line($0) }
        }
        if let section {
            throw CoverageError.truncated(
                path: path, problem: "the file ends inside the section for '\(section.name)' (SF: at line \(sectionLine)) with no end_of_record")
        }
        guard sawRecord else { throw CoverageError.truncated(path: path, problem: "no SF: record was found") }
        var byPath: [String: FileCoverage] = [:]
        for (name, section) in files {
            let resolved = try resolver.resolve(name, line: firstLines[name])
            let file = Self.fileCoverage(section, path: resolved)
            if byPath[resolved] == nil { byPath[resolved] = file } else { byPath[resolved]!.absorb(file) }
        }
        return CoverageReport(
            formats: [.lcov], files: Array(byPath.values),
            hasBranchData: sawBranches, hasFunctionData: sawFunctions)
    }

    private static func fileCoverage(_ section: Section, path: String) -> FileCoverage {
        var lines = FileCoverage.normalized(section.lines)
        FileCoverage.apply(section.branches, to: &lines)
        let names = Set(section.functionLines.keys).union(section.functionHits.keys)
        let functions = names.map { name in
            FunctionRecord(name: name, line: section.functionLines[name] ?? 0, hits: section.functionHits[name] ?? 0)
        }.sorted { ($0.line, $0.name) < ($1.line, $1.name) }
        return FileCoverage(path: path, lines: lines, functions: functions, branches: section.branches)
    }

    private func line(_ raw: UnsafeBufferPointer<UInt8>) throws {
        lineNumber += 1
        var end = raw.count
        if end > 0, raw[end - 1] == 0x0D { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: raw[0..<end])
        // DA:<line>,<count>[,<checksum>] — most of a report — read from the bytes; any other
        // shape of it takes the general path below, and its messages.
        if section != nil, let (line, count) = Self.plainDA(text) {
            section!.lines.append(LineRecord(line: line, hits: count))
            return
        }
        // BRDA:<line>,<block>,<branch>,<taken> with four plain fields, likewise.
        if section != nil, let (key, taken) = Self.plainBRDA(text) {
            let (sum, overflow) = (section!.branches[key] ?? 0).addingReportingOverflow(taken)
            section!.branches[key] = overflow ? .max : sum
            sawBranches = true
            return
        }
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else {
            if Self.equals(text, "end_of_record") { return try endOfRecord() }
            throw malformed("expected a KEY:VALUE record or end_of_record, found \"\(Self.preview(text))\"")
        }
        let key = UnsafeBufferPointer(rebasing: text[0..<colon])
        let value = String(decoding: text[(colon + 1)...], as: UTF8.self)
        switch String(decoding: key, as: UTF8.self) {
        case "TN", "VER", "LF", "LH", "BRF", "BRH", "FNF", "FNH", "MCF", "MCH", "MCDC":
            break
        case "SF":
            if let open = section {
                throw malformed("SF: starts a new file while the section for '\(open.name)' (line \(sectionLine)) has no end_of_record")
            }
            guard !value.isEmpty else { throw malformed("SF: has no file name") }
            section = Section(name: value)
            sectionLine = lineNumber
            sawRecord = true
            if firstLines[value] == nil { firstLines[value] = lineNumber }
        case "DA":
            let fields = value.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let line = Self.lineNumber(fields[0]), let count = UInt64(fields[1]) else {
                throw malformed("DA:\(Excerpt.quote(value)) is not DA:<line>,<count>[,<checksum>] with a positive line and a non-negative count")
            }
            try requireSection("DA")
            section!.lines.append(LineRecord(line: line, hits: count))
        case "BRDA":
            let fields = value.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 4, let line = Self.lineNumber(fields[0]) else {
                throw malformed("BRDA:\(Excerpt.quote(value)) is not BRDA:<line>,<block>,<branch>,<taken>")
            }
            let takenText = fields[fields.count - 1]
            let taken: UInt64
            if takenText == "-" { taken = 0 } else if let number = UInt64(takenText) { taken = number } else {
                throw malformed("BRDA:\(Excerpt.quote(value)) has taken '\(Excerpt.quote(takenText))'; expected a count or '-'")
            }
            let key = BranchOutcome(line: line, block: String(fields[1]), branch: fields[2..<(fields.count - 1)].joined(separator: ","))
            try requireSection("BRDA")
            let (sum, overflow) = (section!.branches[key] ?? 0).addingReportingOverflow(taken)
            section!.branches[key] = overflow ? .max : sum
            sawBranches = true
        case "FN":
            // FN:<line>,<name> (1.x) or FN:<line>,<end line>,<name> (2.x, coverage.py).
            let fields = value.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let line = Self.lineNumber(fields[0]) else {
                throw malformed("FN:\(Excerpt.quote(value)) is not FN:<line>[,<end line>],<name>")
            }
            let name = fields.count == 3 && UInt32(fields[1]) != nil ? String(fields[2]) : fields[1...].joined(separator: ",")
            try requireSection("FN")
            section!.functionLines[name] = line
            sawFunctions = true
        case "FNDA":
            let fields = value.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2, let count = UInt64(fields[0]), !fields[1].isEmpty else {
                throw malformed("FNDA:\(Excerpt.quote(value)) is not FNDA:<count>,<name>")
            }
            let name = String(fields[1])
            try requireSection("FNDA")
            let (sum, overflow) = (section!.functionHits[name] ?? 0).addingReportingOverflow(count)
            section!.functionHits[name] = overflow ? .max : sum
            sawFunctions = true
        case "FNL":
            let fields = value.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, UInt32(fields[0]) != nil, let line = Self.lineNumber(fields[1]) else {
                throw malformed("FNL:\(Excerpt.quote(value)) is not FNL:<index>,<line>[,<end line>]")
            }
            try requireSection("FNL")
            section!.functionLines["#" + fields[0]] = line
            sawFunctions = true
        case "FNA":
            let fields = value.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, UInt32(fields[0]) != nil, let count = UInt64(fields[1]) else {
                throw malformed("FNA:\(Excerpt.quote(value)) is not FNA:<index>,<count>,<name>")
            }
            let name = "#" + fields[0]
            try requireSection("FNA")
            let (sum, overflow) = (section!.functionHits[name] ?? 0).addingReportingOverflow(count)
            section!.functionHits[name] = overflow ? .max : sum
            sawFunctions = true
        default:
            guard !key.isEmpty, key.allSatisfy({ ($0 >= 65 && $0 <= 90) || $0 == 95 || ($0 >= 48 && $0 <= 57) }) else {
                throw malformed("expected a KEY:VALUE record, found \"\(Self.preview(text))\"")
            }
        }
    }

    /// Throws when a data record comes before any `SF:`.
    private func requireSection(_ key: String) throws {
        guard section != nil else { throw malformed("\(key): record outside a file section (no SF: before it)") }
    }

    private func endOfRecord() throws {
        guard let finished = section else { throw malformed("end_of_record without a preceding SF:") }
        section = nil
        if var known = files[finished.name] {
            known.lines += finished.lines
            known.branches.merge(finished.branches) { a, b in a.addingReportingOverflow(b).overflow ? .max : a + b }
            known.functionLines.merge(finished.functionLines) { a, _ in a }
            known.functionHits.merge(finished.functionHits) { a, b in a.addingReportingOverflow(b).overflow ? .max : a + b }
            files[finished.name] = known
        } else {
            files[finished.name] = finished
        }
    }

    private func malformed(_ problem: String) -> CoverageError {
        .malformedRecord(path: path, line: lineNumber, problem: problem)
    }

    /// `DA:` plain digits (a positive line of at most 9), `,`, plain digits (a count of at most
    /// 19), then the end or `,` and a checksum; nil for anything else.
    @inline(__always)
    static func plainDA(_ text: UnsafeBufferPointer<UInt8>) -> (UInt32, UInt64)? {
        guard text.count >= 6, text[0] == UInt8(ascii: "D"), text[1] == UInt8(ascii: "A"), text[2] == UInt8(ascii: ":") else { return nil }
        var index = 3
        var line: UInt32 = 0, count: UInt64 = 0
        let lineStart = index
        while index < text.count, text[index] >= 48, text[index] <= 57, index - lineStart < 9 {
            line = line * 10 + UInt32(text[index] - 48)
            index += 1
        }
        guard index > lineStart, line > 0, index < text.count, text[index] == UInt8(ascii: ",") else { return nil }
        index += 1
        let countStart = index
        while index < text.count, text[index] >= 48, text[index] <= 57, index - countStart < 19 {
            count = count * 10 + UInt64(text[index] - 48)
            index += 1
        }
        guard index > countStart, index == text.count || text[index] == UInt8(ascii: ",") else { return nil }
        return (line, count)
    }

    /// `BRDA:` a positive line (plain digits), a block and a branch (no comma), and taken:
    /// plain digits or `-`; nil for anything else.
    static func plainBRDA(_ text: UnsafeBufferPointer<UInt8>) -> (BranchOutcome, UInt64)? {
        guard text.count >= 12, text[0] == UInt8(ascii: "B"), text[1] == UInt8(ascii: "R"), text[2] == UInt8(ascii: "D"),
              text[3] == UInt8(ascii: "A"), text[4] == UInt8(ascii: ":") else { return nil }
        var commas: [Int] = []
        commas.reserveCapacity(3)
        for index in 5..<text.count where text[index] == UInt8(ascii: ",") {
            commas.append(index)
            if commas.count > 3 { return nil }
        }
        guard commas.count == 3 else { return nil }
        var line: UInt32 = 0
        guard commas[0] > 5, commas[0] - 5 <= 9 else { return nil }
        for index in 5..<commas[0] {
            guard text[index] >= 48, text[index] <= 57 else { return nil }
            line = line * 10 + UInt32(text[index] - 48)
        }
        guard line > 0 else { return nil }
        let takenStart = commas[2] + 1
        var taken: UInt64 = 0
        if takenStart == text.count - 1, text[takenStart] == UInt8(ascii: "-") {
            taken = 0
        } else {
            guard takenStart < text.count, text.count - takenStart <= 19 else { return nil }
            for index in takenStart..<text.count {
                guard text[index] >= 48, text[index] <= 57 else { return nil }
                taken = taken * 10 + UInt64(text[index] - 48)
            }
        }
        let block = String(decoding: UnsafeBufferPointer(rebasing: text[(commas[0] + 1)..<commas[1]]), as: UTF8.self)
        let branch = String(decoding: UnsafeBufferPointer(rebasing: text[(commas[1] + 1)..<commas[2]]), as: UTF8.self)
        return (BranchOutcome(line: line, block: block, branch: branch), taken)
    }

    private static func lineNumber(_ text: Substring) -> UInt32? {
        guard let value = UInt32(text), value > 0 else { return nil }
        return value
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: String) -> Bool {
        bytes.elementsEqual(literal.utf8)
    }

    private static func preview(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(60), as: UTF8.self)
        return bytes.count > 60 ? text + "…" : text
    }
}
