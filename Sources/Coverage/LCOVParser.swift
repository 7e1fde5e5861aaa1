import Foundation
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
enum LCOVParser {
    static var maxLineLength: Int { InputLimits.lineBytes }

    /// True when `head` starts with a record key LCOV files begin with.
    static func looksLikeLCOV(_ head: String) -> Bool {
        ["TN:", "SF:", "VER:", "FN:", "DA:"].contains { head.hasPrefix($0) }
    }

    /// Reports from this size up are read in parts on every core.
    static let parallelThreshold = 8 << 20

    /// A large report read in parts cut just after `end_of_record` lines (where a one-thread
    /// read has no section open), joined in file order (`LineRecords.readParts`).
    /// Without `keepingRecords`, each file's figures alone (`FileCoverage.counted`) — nil also
    /// when a file has two sections or two names for one path (the records are then needed).
    static func readParts(_ text: UnsafeRawBufferPointer, path: String, resolver: SourcePathResolver, parts: Int,
                          keepingRecords: Bool = true, lastCoreAfter: DispatchGroup? = nil,
                          progress: ReadProgress? = nil) -> CoverageReport? {
        let claims = keepingRecords ? nil : SectionClaims()
        return LCOVRecords.readParts(text, path: path, resolver: resolver, parts: parts, afterLine: "end_of_record",
                                     lastCoreAfter: lastCoreAfter, progress: progress) { path, part in
            var records = LCOVRecords(path: path)
            records.keepsRecords = keepingRecords
            records.claims = claims
            records.part = part
            return records
        }
    }
}

/// The records of an LCOV file as they are read: whole lines in, sections per file out.
struct LCOVRecords: LineRecords {
    private struct Section {
        var name: String
        var lines: [LineRecord] = []
        /// Outcomes of plain numbers (most), kept without a string so that neither storing
        /// nor freeing them touches one; the others in `branches`.
        var plainBranches: [PlainBranch] = []
        var branches: [BranchCount] = []
        var functions = FunctionTable()
        /// The section's figures, its records dropped (`LCOVRecords.keepsRecords` false).
        var counted: CoverageTotals?

        init(name: String) { self.name = name }

        /// A section with room for as many records as `previous` had (a report's files are
        /// often alike: the arrays then do not grow record by record).
        init(name: String, expecting previous: (lines: Int, branches: Int)) {
            self.name = name
            lines.reserveCapacity(min(previous.lines, 1 << 16))
            plainBranches.reserveCapacity(min(previous.branches, 1 << 16))
        }

        var isEmpty: Bool { lines.isEmpty && plainBranches.isEmpty && branches.isEmpty && functions.isEmpty && counted == nil }

        /// Another section of the same file, later in the report. Records of the same lines
        /// or outcomes in the same order (one section per test, as lcov writes them) are
        /// added where they are — what merging them after a sort gives — else appended.
        mutating func absorb(_ later: Section) {
            if !Self.add(later.lines, to: &lines, same: { $0.line == $1.line }, { $0.absorb($1) }) {
                lines += later.lines
            }
            if !Self.add(later.plainBranches, to: &plainBranches, same: { $0.line == $1.line && $0.key == $1.key },
                         { $0.taken = Self.sum($0.taken, $1.taken) }) {
                plainBranches += later.plainBranches
            }
            branches += later.branches
            functions.absorb(later.functions)
        }

        /// `later` added to `records` one by one when both have the same records in order.
        private static func add<Record>(_ later: [Record], to records: inout [Record], same: (Record, Record) -> Bool,
                                        _ merge: (inout Record, Record) -> Void) -> Bool {
            guard later.count == records.count, !later.isEmpty, zip(records, later).allSatisfy(same) else { return false }
            records.withUnsafeMutableBufferPointer { records in
                for index in records.indices { merge(&records[index], later[index]) }
            }
            return true
        }

        /// Counts added as merged outcomes add them (saturating).
        private static func sum(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? .max : sum
        }
    }

    private let path: String
    /// Where a run of plain records is gathered before it is added to the section.
    private let buffers = RunBuffers()
    /// `GATE_MAX_LINE_BYTES`, read once (not per line).
    private let maxLineLength = LCOVParser.maxLineLength
    private var lineNumber = 0
    /// The open section (when `isInSection`), stored as it is rather than as an optional so
    /// that a record is added to it without asking an optional for its case.
    private var section = Section(name: "")
    private var isInSection = false
    private var sectionLine = 0
    /// The last finished section's record counts.
    private var lastSection = (lines: 0, branches: 0)
    private var sawRecord = false
    private var sawBranches = false
    private var sawFunctions = false
    private var files: [String: Section] = [:]
    /// File names in order of their first section, with its line.
    private var firstLines: [(name: String, line: Int)] = []
    /// False: each file is counted once its sections are read and its records let go
    /// (`FileCoverage.counted`). A file's sections one after another (one per test) are merged
    /// first; a file named again later, or two names of one path, make the read decline (the
    /// records would be needed to merge them) — as soon as a part sees it (`claims`).
    var keepsRecords = true
    /// Which part named each file first, shared by the parts of one read without records.
    var claims: SectionClaims?
    var part = 0
    /// The part's first file (it may go on from the previous part: kept as records) and the
    /// file of the last section read (more sections of it may follow: kept as records).
    private var firstName: String?
    private var lastFinished: String?

    init(path: String) {
        self.path = path
    }

    /// The whole lines of `bytes`, the first joined to `pending` (the end of the previous
    /// chunk); what follows the last newline is left in `pending`.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, pending: inout [UInt8]) throws {
        let (path, limit, first) = (path, maxLineLength, lineNumber + 1)
        try LineParts.forEachLine(bytes, pending: &pending, maxLength: limit,
                                  tooLong: { CoverageError.lineTooLong(path: path, line: first + $0, limit: limit) },
                                  record: { plainRecords($0, available: $1) }, { try line($0) })
    }

    /// A run of DA and BRDA records in their plain shapes from `start`, each read with its
    /// newline (which the last field's digits run up to, so it is not searched for): the
    /// bytes and lines taken, or nil when the first line is any other, goes past `available`
    /// or is too long. The run is read a buffer at a time (`RunBuffers.read`), each added to
    /// the section at once.
    @inline(__always)
    private mutating func plainRecords(_ start: UnsafePointer<UInt8>, available: Int) -> (bytes: Int, lines: Int)? {
        guard isInSection else { return nil }
        var used = 0, lines = 0
        let branchesBefore = section.plainBranches.count
        while true {
            let read = buffers.read(start + used, available: available - used, maxLength: maxLineLength)
            if read.lines > 0 { section.lines.append(contentsOf: UnsafeBufferPointer(start: buffers.lines, count: read.lines)) }
            if read.branches > 0 { section.plainBranches.append(contentsOf: UnsafeBufferPointer(start: buffers.branches, count: read.branches)) }
            used += read.bytes
            lines += read.lines + read.branches
            guard read.full else { break }
        }
        guard lines > 0 else { return nil }
        if section.plainBranches.count > branchesBefore { sawBranches = true }
        lineNumber += lines
        return (used, lines)
    }

    /// A later part of the same report, read on its own (its line numbers from 1): what a
    /// one-thread read would have after reading both.
    mutating func append(_ later: LCOVRecords) -> Bool {
        for (name, line) in later.firstLines where files[name] == nil {
            firstLines.append((name, line + lineNumber))
        }
        for (name, file) in later.files {
            if files[name] == nil {
                files[name] = file
            } else if keepsRecords || (name == lastFinished && name == later.firstName && files[name]!.counted == nil && file.counted == nil) {
                files[name]!.absorb(file)
            } else {
                return false
            }
        }
        lastFinished = later.lastFinished ?? lastFinished
        section = later.section
        isInSection = later.isInSection
        sectionLine = later.sectionLine + lineNumber
        sawRecord = sawRecord || later.sawRecord
        sawBranches = sawBranches || later.sawBranches
        sawFunctions = sawFunctions || later.sawFunctions
        lineNumber += later.lineNumber
        return true
    }

    /// The report, once every line is read.
    mutating func report(resolver: SourcePathResolver) throws -> CoverageReport {
        if isInSection {
            throw CoverageError.truncated(
                path: path, problem: "the file ends inside the section for '\(section.name)' (SF: at line \(sectionLine)) with no end_of_record")
        }
        guard sawRecord else { throw CoverageError.truncated(path: path, problem: "no SF: record was found") }
        let names = firstLines
        if !keepsRecords {
            // Tens of thousands of files: resolved and counted on every core, a stretch each
            // (and a resolver each: its caches are its own).
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let sections = files, stretch = max((names.count + cores - 1) / cores, 1024)
            let (root, report, pathMap) = (resolver.root, resolver.report, resolver.pathMap)
            let stretches = parallelMap((names.count + stretch - 1) / stretch) { part in
                let resolver = SourcePathResolver(root: root, report: report, pathMap: pathMap)
                return try names[(part * stretch)..<min(names.count, (part + 1) * stretch)].map { name in
                    let section = sections[name.name]!
                    return FileCoverage(path: try resolver.resolve(name.name, line: name.line), counted: section.counted ?? Self.figures(section))
                }
            }
            let files = try stretches.flatMap { try $0.get() }
            guard Set(files.lazy.map(\.path)).count == files.count else { throw RecordsNeeded() }
            return CoverageReport(formats: [.lcov], files: files, hasBranchData: sawBranches, hasFunctionData: sawFunctions)
        }
        let resolved = try names.map { try resolver.resolve($0.name, line: $0.line) }
        // Each file's records are sorted and joined on every core, each section moved out
        // once (so its arrays are changed in place, not copied).
        let sections = MovedOnce(names.map { files.removeValue(forKey: $0.name)! })
        let built = parallelMap(names.count) { index in
            Self.fileCoverage(sections.take(index), path: resolved[index])
        }
        var byPath: [String: FileCoverage] = [:]
        byPath.reserveCapacity(built.count)
        for result in built {
            let file = try result.get()
            if byPath[file.path] == nil { byPath[file.path] = file } else { byPath[file.path]!.absorb(file) }
        }
        return CoverageReport(
            formats: [.lcov], files: Array(byPath.values),
            hasBranchData: sawBranches, hasFunctionData: sawFunctions)
    }

    private static func fileCoverage(_ section: consuming Section, path: String, withFunctions: Bool = true) -> FileCoverage {
        var lines = FileCoverage.normalized(section.lines)
        section.lines = []
        let branches = BranchCount.normalized(section.plainBranches.map(\.count) + section.branches)
        FileCoverage.apply(branches, to: &lines)
        return FileCoverage(path: path, lines: lines, functions: withFunctions ? section.functions.records : [], branches: branches)
    }

    /// A file's figures from its sections, no function name made into a string.
    private static func figures(_ section: consuming Section) -> CoverageTotals {
        let functions = section.functions.figures
        var totals: CoverageTotals
        if section.branches.isEmpty, let counted = countedInOrder(section.lines, section.plainBranches) {
            totals = counted
        } else {
            totals = CoverageTotals(fileCoverage(section, path: "", withFunctions: false))
        }
        totals.functions = functions
        return totals
    }

    /// The line and branch figures of records in the order writers write them — lines rising,
    /// each once, and branch outcomes rising, each once — counted in one pass, no record
    /// built: what `fileCoverage` then `CoverageTotals` give. Nil for records in any other
    /// order (they are sorted and merged first).
    static func countedInOrder(_ lines: [LineRecord], _ branches: [PlainBranch]) -> CoverageTotals? {
        lines.withUnsafeBufferPointer { lines in
            branches.withUnsafeBufferPointer { branches in countedInOrder(lines, branches) }
        }
    }

    private static func countedInOrder(_ lines: UnsafeBufferPointer<LineRecord>, _ branches: UnsafeBufferPointer<PlainBranch>) -> CoverageTotals? {
        // Counted without a branch on the counts (whether a line was hit is as good as random
        // to the processor); the order checks are what branch.
        var totals = CoverageTotals()
        var next = 0, index = 0
        var previousLine: UInt32 = 0
        var linesCovered = 0
        while true {
            // The lines before the next line with branches (before none: the rest).
            let stop = index < branches.count ? branches[index].line : .max
            while next < lines.count, lines[next].line < stop {
                guard lines[next].line > previousLine else { return nil }
                previousLine = lines[next].line
                linesCovered &+= lines[next].hits > 0 ? 1 : 0
                next += 1
            }
            guard index < branches.count else { break }
            // The outcomes of line `stop`, in rising order, above the line before.
            guard index == 0 || branches[index - 1].line < stop else { return nil }
            var covered = 0, total = 0
            var previousKey: UInt64?
            while index < branches.count, branches[index].line == stop {
                let key = branches[index].key
                if let previousKey, previousKey >= key { return nil }
                previousKey = key
                total &+= 1
                covered &+= branches[index].taken > 0 ? 1 : 0
                index += 1
            }
            totals.branches.total += total
            totals.branches.covered += covered
            if next < lines.count, lines[next].line == stop {
                previousLine = stop
                let hit = lines[next].hits > 0 ? 1 : 0
                linesCovered &+= hit
                totals.partialLines &+= hit & (covered < total ? 1 : 0)
                next += 1
            }
        }
        guard next == lines.count else { return nil }
        totals.lines = CoverageCount(covered: linesCovered, total: lines.count)
        return totals
    }

    mutating func line(_ raw: UnsafeBufferPointer<UInt8>) throws {
        lineNumber += 1
        var end = raw.count
        if end > 0, raw[end - 1] == 0x0D { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: raw[0..<end])
        // The records that make up most of a report — DA, BRDA, FN, FNDA in their plain
        // shapes — are read from the bytes; any other shape of them takes the general path
        // below, and its messages.
        if isInSection, end >= 4 {
            switch text[0] {
            case UInt8(ascii: "D"):
                if let (record, _) = LCOVParser.plainDA(text.baseAddress!, end) {
                    section.lines.append(record)
                    return
                }
            case UInt8(ascii: "B"):
                if let (branch, _) = LCOVParser.plainBRDA(text.baseAddress!, end) {
                    section.plainBranches.append(branch)
                    sawBranches = true
                    return
                }
            case UInt8(ascii: "F"):
                if let (line, name) = LCOVParser.plainFN(text) {
                    section.functions.setLine(line, of: name)
                    sawFunctions = true
                    return
                }
                if let (count, name) = LCOVParser.plainFNDA(text) {
                    section.functions.addHits(count, to: name)
                    sawFunctions = true
                    return
                }
            default:
                break
            }
        }
        try general(text)
    }

    private mutating func general(_ text: UnsafeBufferPointer<UInt8>) throws {
        if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else {
            if text.elementsEqual("end_of_record".utf8) { return try endOfRecord() }
            throw malformed("expected a KEY:VALUE record or end_of_record, found \"\(LCOVParser.preview(text))\"")
        }
        let key = UnsafeBufferPointer(rebasing: text[0..<colon])
        let value = String(decoding: text[(colon + 1)...], as: UTF8.self)
        switch String(decoding: key, as: UTF8.self) {
        case "TN", "VER", "LF", "LH", "BRF", "BRH", "FNF", "FNH", "MCF", "MCH", "MCDC":
            break
        case "SF":
            if isInSection {
                throw malformed("SF: starts a new file while the section for '\(section.name)' (line \(sectionLine)) has no end_of_record")
            }
            guard !value.isEmpty else { throw malformed("SF: has no file name") }
            if !keepsRecords { try claim(value) }
            section = Section(name: value, expecting: lastSection)
            isInSection = true
            sectionLine = lineNumber
            sawRecord = true
            if files[value] == nil { files[value] = Section(name: value); firstLines.append((value, lineNumber)) }
        case "DA":
            let fields = value.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let line = Self.lineNumber(fields[0]), let count = UInt64(fields[1]) else {
                throw malformed("DA:\(Excerpt.quote(value)) is not DA:<line>,<count>[,<checksum>] with a positive line and a non-negative count")
            }
            try requireSection("DA")
            section.lines.append(LineRecord(line: line, hits: count))
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
            let outcome = BranchOutcome(line: line, block: String(fields[1]), branch: fields[2..<(fields.count - 1)].joined(separator: ","))
            try requireSection("BRDA")
            section.branches.append(BranchCount(outcome, taken: taken))
            sawBranches = true
        case "FN":
            // FN:<line>,<name> (1.x) or FN:<line>,<end line>,<name> (2.x, coverage.py).
            let fields = value.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let line = Self.lineNumber(fields[0]) else {
                throw malformed("FN:\(Excerpt.quote(value)) is not FN:<line>[,<end line>],<name>")
            }
            let name = fields.count == 3 && UInt32(fields[1]) != nil ? String(fields[2]) : fields[1...].joined(separator: ",")
            try requireSection("FN")
            section.functions.setLine(line, of: name)
            sawFunctions = true
        case "FNDA":
            let fields = value.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2, let count = UInt64(fields[0]), !fields[1].isEmpty else {
                throw malformed("FNDA:\(Excerpt.quote(value)) is not FNDA:<count>,<name>")
            }
            let name = String(fields[1])
            try requireSection("FNDA")
            section.functions.addHits(count, to: name)
            sawFunctions = true
        case "FNL":
            let fields = value.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, UInt32(fields[0]) != nil, let line = Self.lineNumber(fields[1]) else {
                throw malformed("FNL:\(Excerpt.quote(value)) is not FNL:<index>,<line>[,<end line>]")
            }
            try requireSection("FNL")
            section.functions.setLine(line, of: "#" + fields[0])
            sawFunctions = true
        case "FNA":
            let fields = value.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, UInt32(fields[0]) != nil, let count = UInt64(fields[1]) else {
                throw malformed("FNA:\(Excerpt.quote(value)) is not FNA:<index>,<count>,<name>")
            }
            let name = "#" + fields[0]
            try requireSection("FNA")
            section.functions.addHits(count, to: name)
            sawFunctions = true
        default:
            guard !key.isEmpty, key.allSatisfy({ ($0 >= 65 && $0 <= 90) || $0 == 95 || ($0 >= 48 && $0 <= 57) }) else {
                throw malformed("expected a KEY:VALUE record, found \"\(LCOVParser.preview(text))\"")
            }
        }
    }

    /// Without records: a file may be named again only right after its last section, or at
    /// the start of a part (where it may go on from the previous part; the join checks).
    private mutating func claim(_ name: String) throws {
        guard let claims, !claims.isAbandoned else { throw RecordsNeeded() }
        let allowed = files[name] == nil ? claims.claim(name, part: part, first: firstName == nil) : name == lastFinished
        guard allowed else {
            claims.abandon()
            throw RecordsNeeded()
        }
        if firstName == nil { firstName = name }
    }

    /// Throws when a data record comes before any `SF:`.
    private func requireSection(_ key: String) throws {
        guard isInSection else { throw malformed("\(key): record outside a file section (no SF: before it)") }
    }

    private mutating func endOfRecord() throws {
        guard isInSection else { throw malformed("end_of_record without a preceding SF:") }
        let finished = section
        section = Section(name: "")
        isInSection = false
        lastSection = (finished.lines.count, finished.plainBranches.count)
        let name = finished.name
        // The first section of a file (the usual only one) is kept as it is, not copied.
        if files[name]!.isEmpty { files[name] = finished } else { files[name]!.absorb(finished) }
        guard !keepsRecords else { return }
        // The file before is done: counted on this part's thread, its records let go (their
        // memory is reused by the sections that follow).
        if let previous = lastFinished, previous != name, previous != firstName {
            var figures = Section(name: previous)
            figures.counted = Self.figures(files.removeValue(forKey: previous)!)
            files[previous] = figures
        }
        lastFinished = name
    }

    private func malformed(_ problem: String) -> CoverageError {
        .malformedRecord(path: path, line: lineNumber, problem: problem)
    }

    private static func lineNumber(_ text: Substring) -> UInt32? {
        guard let value = UInt32(text), value > 0 else { return nil }
        return value
    }
}

/// Two small buffers a run of plain `DA` and `BRDA` records is read into, so that the
/// section's arrays grow a batch at a time rather than record by record (each append checks
/// the array's uniqueness and capacity). Allocated once per reader, used only inside a run.
final class RunBuffers: @unchecked Sendable {
    static let count = 256
    let lines = UnsafeMutablePointer<LineRecord>.allocate(capacity: count)
    let branches = UnsafeMutablePointer<PlainBranch>.allocate(capacity: count)

    deinit {
        lines.deallocate()
        branches.deallocate()
    }

    /// Plain DA and BRDA records from `text` into the buffers, each read with its newline,
    /// until another line, one that goes past `available` or is longer than `maxLength`, or
    /// a full buffer (`full`: read on). A loop of its own, holding nothing but its place and
    /// the two counts, so that they stay in registers.
    @inline(never)
    func read(_ text: UnsafePointer<UInt8>, available: Int, maxLength: Int) -> (bytes: Int, lines: Int, branches: Int, full: Bool) {
        let (lines, branches) = (self.lines, self.branches)
        var used = 0, lineCount = 0, branchCount = 0
        while available &- used >= 7 {
            let record = text + used, left = available &- used
            // Far from the end (no byte read below is past it), the common spellings — numbers
            // of plain digits, one-digit blocks and branches, a newline or a checksum right
            // after — read straight; any other spelling, and every record near the end, by
            // `plainDA`/`plainBRDA` below, which read these the same.
            if left >= 64 {
                let head = UnsafeRawPointer(record).loadUnaligned(as: UInt64.self).littleEndian
                let isLine = head & 0xFF_FFFF == 0x3A_41_44 // "DA:"
                if isLine || head & 0xFF_FFFF_FFFF == 0x3A_41_44_52_42 { // "BRDA:"
                    var at = isLine ? 3 : 5
                    if let line = RecordBytes.wideNumber(record, &at, maxDigits: 9), line > 0, record[at] == UInt8(ascii: ",") {
                        at &+= 1
                        if isLine {
                            // A count of up to fifteen digits a word at a time (its length often
                            // changes from record to record), then a newline or a checksum.
                            let hits = RecordBytes.count(record, &at) ?? RecordBytes.number(record, left, &at, maxDigits: 19)
                            if let hits, let end = record[at] == 0x0A ? at : RecordBytes.lineEnd(record, left, at: at, restAllowed: true),
                               end <= maxLength {
                                lines[lineCount] = LineRecord(line: UInt32(line), hits: hits)
                                lineCount &+= 1
                                used &+= end &+ 1
                                if lineCount == Self.count { return (used, lineCount, branchCount, true) }
                                continue
                            }
                        } else {
                            let pair = UnsafeRawPointer(record + at).loadUnaligned(as: UInt32.self).littleEndian
                            let digits = (pair & 0x00FF_00FF) ^ 0x0030_0030
                            if pair & 0xFF00_FF00 == 0x2C00_2C00, digits & 0xFF < 10, digits >> 16 < 10 {
                                at &+= 4
                                let taken: UInt64?
                                if record[at] == UInt8(ascii: "-") {
                                    at &+= 1
                                    taken = 0
                                } else {
                                    taken = RecordBytes.wideNumber(record, &at, maxDigits: 19)
                                }
                                if let taken, record[at] == 0x0A, at <= maxLength {
                                    branches[branchCount] = PlainBranch(line: UInt32(line), block: digits & 0xFF, branch: digits >> 16, taken: taken)
                                    branchCount &+= 1
                                    used &+= at &+ 1
                                    if branchCount == Self.count { return (used, lineCount, branchCount, true) }
                                    continue
                                }
                            }
                        }
                    }
                }
            }
            if record[0] == UInt8(ascii: "D") {
                guard let (line, end) = LCOVParser.plainDA(record, left), end < left, end <= maxLength else { break }
                lines[lineCount] = line
                lineCount &+= 1
                used &+= end &+ 1
                if lineCount == Self.count { return (used, lineCount, branchCount, true) }
            } else if record[0] == UInt8(ascii: "B") {
                guard let (branch, end) = LCOVParser.plainBRDA(record, left), end < left, end <= maxLength else { break }
                branches[branchCount] = branch
                branchCount &+= 1
                used &+= end &+ 1
                if branchCount == Self.count { return (used, lineCount, branchCount, true) }
            } else {
                break
            }
        }
        return (used, lineCount, branchCount, false)
    }
}

/// A `BRDA` record whose block and branch are plain numbers (`BranchOutcome`'s packed
/// spelling), as it is stored while a section is read: no string, so arrays of them are
/// stored and freed without touching each element.
struct PlainBranch {
    var line: UInt32
    var block: UInt32
    var branch: UInt32
    var taken: UInt64

    /// The order of `BranchOutcome` among a line's outcomes of plain numbers.
    var key: UInt64 { UInt64(block) << 32 | UInt64(branch) }

    var count: BranchCount {
        BranchCount(BranchOutcome(line: line, block: block, branch: branch), taken: taken)
    }
}

/// Values handed to parallel work, each taken (moved out) exactly once by its index.
final class MovedOnce<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value>
    private let taken: UnsafeMutableBufferPointer<Bool>

    init(_ values: [Value]) {
        storage = .allocate(capacity: values.count)
        _ = storage.initialize(from: values)
        taken = .allocate(capacity: values.count)
        taken.initialize(repeating: false)
    }

    /// The value at `index`; each index is taken once, by one thread.
    func take(_ index: Int) -> Value {
        taken[index] = true
        return (storage.baseAddress! + index).move()
    }

    deinit {
        for index in taken.indices where !taken[index] { (storage.baseAddress! + index).deinitialize(count: 1) }
        storage.deallocate()
        taken.deallocate()
    }
}

extension LCOVParser {
    /// `DA:` plain digits (a positive line of at most 9), `,`, plain digits (a count of at most
    /// 19), then the line's end or `,` and a checksum, as a line record; nil for anything else. `end` is where
    /// the line ends (`lineEnd`) among the `count` bytes at `text`.
    @inline(__always)
    static func plainDA(_ text: UnsafePointer<UInt8>, _ count: Int) -> (LineRecord, end: Int)? {
        guard count >= 6, text[0] == UInt8(ascii: "D"), text[1] == UInt8(ascii: "A"), text[2] == UInt8(ascii: ":") else { return nil }
        var index = 3
        guard let line = number(text, count, &index, maxDigits: 9), line > 0, comma(text, count, &index),
              let hits = count - index >= 16 ? RecordBytes.count(text, &index) ?? number(text, count, &index, maxDigits: 19)
                                             : number(text, count, &index, maxDigits: 19),
              let end = RecordBytes.lineEnd(text, count, at: index, restAllowed: true) else { return nil }
        return (LineRecord(line: UInt32(line), hits: hits), end)
    }

    /// `BRDA:` a positive line (plain digits), a block and a branch (plain numbers: see
    /// `BranchOutcome`), and taken: plain digits or `-`, then the line's end; nil for anything
    /// else. `end` as for `plainDA`.
    @inline(__always)
    static func plainBRDA(_ text: UnsafePointer<UInt8>, _ count: Int) -> (PlainBranch, end: Int)? {
        guard count >= 12, text[0] == UInt8(ascii: "B"), text[1] == UInt8(ascii: "R"), text[2] == UInt8(ascii: "D"),
              text[3] == UInt8(ascii: "A"), text[4] == UInt8(ascii: ":") else { return nil }
        var index = 5
        guard let line = number(text, count, &index, maxDigits: 9), line > 0, comma(text, count, &index) else { return nil }
        let block: UInt32, branch: UInt32
        if index + 4 < count, text[index] &- 48 < 10, text[index + 1] == UInt8(ascii: ","), text[index + 2] &- 48 < 10,
           text[index + 3] == UInt8(ascii: ",") {
            // Block and branch of one digit each (most are): read at once.
            block = UInt32(text[index] &- 48)
            branch = UInt32(text[index + 2] &- 48)
            index += 4
        } else {
            guard let value = plainNumber(text, count, &index), comma(text, count, &index),
                  let second = plainNumber(text, count, &index), comma(text, count, &index) else { return nil }
            (block, branch) = (value, second)
        }
        let taken: UInt64
        if index < count, text[index] == UInt8(ascii: "-") {
            taken = 0
            index += 1
        } else {
            guard let value = number(text, count, &index, maxDigits: 19) else { return nil }
            taken = value
        }
        guard let end = RecordBytes.lineEnd(text, count, at: index, restAllowed: false) else { return nil }
        return (PlainBranch(line: UInt32(line), block: block, branch: branch, taken: taken), end)
    }

    /// `FN:` a positive line (plain digits), `,`, then either `<end line>,<name>` (the end line
    /// plain digits) or a name that does not start with digits and a comma.
    static func plainFN(_ text: UnsafeBufferPointer<UInt8>) -> (UInt32, UnsafeBufferPointer<UInt8>)? {
        guard text.count >= 4, text[0] == UInt8(ascii: "F"), text[1] == UInt8(ascii: "N"), text[2] == UInt8(ascii: ":") else { return nil }
        var index = 3
        guard let line = number(text, &index, maxDigits: 9), line > 0, comma(text, &index) else { return nil }
        let rest = index
        // An end line: digits then a comma. Signs, long numbers and the like: general path.
        while index < text.count, text[index] >= 48, text[index] <= 57 { index += 1 }
        if index < text.count, text[index] == UInt8(ascii: ",") {
            guard index > rest, index - rest <= 9 else { return nil }
            index += 1
        } else if index < text.count, index == rest, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            return nil
        } else {
            index = rest
        }
        let name = UnsafeBufferPointer(rebasing: text[index...])
        return isASCII(name) ? (UInt32(line), name) : nil
    }

    /// `FNDA:` a count (plain digits), `,`, a non-empty name.
    static func plainFNDA(_ text: UnsafeBufferPointer<UInt8>) -> (UInt64, UnsafeBufferPointer<UInt8>)? {
        guard text.count >= 8, text[0] == UInt8(ascii: "F"), text[1] == UInt8(ascii: "N"), text[2] == UInt8(ascii: "D"),
              text[3] == UInt8(ascii: "A"), text[4] == UInt8(ascii: ":") else { return nil }
        var index = 5
        guard let count = number(text, &index, maxDigits: 19), comma(text, &index), index < text.count else { return nil }
        let name = UnsafeBufferPointer(rebasing: text[index...])
        return isASCII(name) ? (count, name) : nil
    }

    /// A name kept as bytes must be ASCII: other bytes take the general path, whose string
    /// (invalid UTF-8 repaired) is then the name everywhere.
    @inline(__always)
    private static func isASCII(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = name.baseAddress else { return true }
        // The bytes or-ed together eight at a step: a name is long (a mangled C++ name is
        // often over a hundred bytes), and one of another script rare.
        var bits: UInt64 = 0, offset = 0
        while offset + 8 <= name.count {
            bits |= UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
            offset += 8
        }
        while offset < name.count {
            bits |= UInt64(base[offset])
            offset += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }

    /// Plain digits at `index` (one to `maxDigits`), read and stepped over.
    @inline(__always)
    private static func number(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int, maxDigits: Int) -> UInt64? {
        number(text.baseAddress!, text.count, &index, maxDigits: maxDigits)
    }

    /// The digits at `index`, stepped over, when `BranchOutcome` packs them (its rule, so the
    /// byte path and the general one always agree on an outcome's spelling).
    /// More than nine digits leave a digit where the caller wants a comma.
    @inline(__always)
    private static func plainNumber(_ text: UnsafePointer<UInt8>, _ count: Int, _ index: inout Int) -> UInt32? {
        let start = index
        guard let value = number(text, count, &index, maxDigits: 9), index - start == 1 || text[start] != UInt8(ascii: "0") else { return nil }
        return UInt32(value)
    }

    @inline(__always)
    private static func comma(_ text: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        comma(text.baseAddress!, text.count, &index)
    }

    @inline(__always)
    private static func comma(_ text: UnsafePointer<UInt8>, _ count: Int, _ index: inout Int) -> Bool {
        RecordBytes.expect(UInt8(ascii: ","), text, count, &index)
    }

    @inline(__always)
    private static func number(_ text: UnsafePointer<UInt8>, _ count: Int, _ index: inout Int, maxDigits: Int) -> UInt64? {
        RecordBytes.number(text, count, &index, maxDigits: maxDigits)
    }

    static func preview(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(60), as: UTF8.self)
        return bytes.count > 60 ? text + "…" : text
    }
}
