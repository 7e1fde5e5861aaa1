/// One source line as a coverage report describes it.
///
/// `isMeasured` is false for a line that only carries branch data (an LCOV `BRDA` with no
/// `DA`): its branches count, the line itself does not.
public struct LineRecord: Sendable, Equatable {
    // `hits` first: 24-byte stride instead of 32, which matters for millions of records.
    public var hits: UInt64
    public var line: UInt32
    public var branchesCovered: UInt32
    public var branchesTotal: UInt32
    public var isMeasured: Bool

    public init(line: UInt32, hits: UInt64, branchesCovered: UInt32 = 0, branchesTotal: UInt32 = 0, isMeasured: Bool = true) {
        self.line = line
        self.hits = hits
        self.branchesCovered = branchesCovered
        self.branchesTotal = branchesTotal
        self.isMeasured = isMeasured
    }

    /// The record without branch figures (they are recomputed from outcome identities).
    var withoutBranches: LineRecord {
        LineRecord(line: line, hits: hits, isMeasured: isMeasured)
    }

    /// Merges another record of the same line: hits add up (saturating, as counts from
    /// different shards do), branch outcomes take the larger figures. Without outcome ids the
    /// union of two lines' branches is unknown, so the larger count is the honest lower bound.
    mutating func absorb(_ other: LineRecord) {
        let (sum, overflow) = hits.addingReportingOverflow(other.hits)
        hits = overflow ? .max : sum
        branchesTotal = max(branchesTotal, other.branchesTotal)
        branchesCovered = min(max(branchesCovered, other.branchesCovered), branchesTotal)
        isMeasured = isMeasured || other.isMeasured
    }
}

/// A function as LCOV records it (`FN`/`FNDA`, or `FNL`/`FNA`).
public struct FunctionRecord: Sendable, Equatable {
    public var name: String
    public var line: UInt32
    public var hits: UInt64

    public init(name: String, line: UInt32, hits: UInt64) {
        self.name = name
        self.line = line
        self.hits = hits
    }
}

/// One branch outcome with the identity LCOV gives it (`BRDA:<line>,<block>,<branch>,…`), so
/// shards merge outcome by outcome, as `lcov -a` does.
///
/// Block and branch are nearly always small numbers: those are kept packed in one integer
/// (compared and ordered without touching a string — a report holds millions); anything else
/// ("00", "-1", "true,1") is kept as text. The two spellings never meet: "0" is always packed.
public struct BranchOutcome: Sendable, Hashable, Comparable {
    public var line: UInt32
    /// block << 32 | branch when both are plain numbers, else `UInt64.max`.
    private var packed: UInt64
    /// "block,branch" when either is not a plain number (a block has no comma; a branch may).
    private var text: String?

    public init(line: UInt32, block: String, branch: String) {
        self.line = line
        if let block = Self.plainNumber(block.utf8), let branch = Self.plainNumber(branch.utf8) {
            packed = UInt64(block) << 32 | UInt64(branch)
            text = nil
        } else {
            packed = .max
            text = block + "," + branch
        }
    }

    /// Both numbers already read (plain digits, no leading zero, below 10⁹).
    init(line: UInt32, block: UInt32, branch: UInt32) {
        self.line = line
        packed = UInt64(block) << 32 | UInt64(branch)
        text = nil
    }

    public var block: String {
        guard let text else { return String(packed >> 32) }
        return String(text[..<text.firstIndex(of: ",")!])
    }

    public var branch: String {
        guard let text else { return String(packed & 0xFFFF_FFFF) }
        return String(text[text.index(after: text.firstIndex(of: ",")!)...])
    }

    /// Line first; among a line's outcomes any fixed order (packed before text).
    public static func < (a: BranchOutcome, b: BranchOutcome) -> Bool {
        if a.line != b.line { return a.line < b.line }
        if a.packed != b.packed { return a.packed < b.packed }
        return (a.text ?? "") < (b.text ?? "")
    }

    /// The value of `digits` when it is a plain number: digits only, no leading zero (but
    /// "0"), at most nine of them.
    static func plainNumber<Digits: Collection>(_ digits: Digits) -> UInt32? where Digits.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= 9, digits.count == 1 || digits.first != 48 else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            guard digit >= 48, digit <= 57 else { return nil }
            value = value * 10 + UInt32(digit - 48)
        }
        return value
    }
}

/// A branch outcome and how often it was taken.
public struct BranchCount: Sendable, Equatable {
    public var outcome: BranchOutcome
    public var taken: UInt64

    public init(_ outcome: BranchOutcome, taken: UInt64) {
        self.outcome = outcome
        self.taken = taken
    }

    /// Sorted by outcome, each outcome once with its counts summed (saturating). Outcomes
    /// recorded in order — as LCOV writers write them — are only checked.
    static func normalized(_ counts: [BranchCount]) -> [BranchCount] {
        var isSorted = true
        for index in counts.indices.dropFirst() where !(counts[index - 1].outcome < counts[index].outcome) {
            isSorted = false
            break
        }
        if isSorted { return counts }
        var merged: [BranchCount] = []
        merged.reserveCapacity(counts.count)
        for count in counts.sorted(by: { $0.outcome < $1.outcome }) {
            if let last = merged.last, last.outcome == count.outcome {
                let (sum, overflow) = last.taken.addingReportingOverflow(count.taken)
                merged[merged.count - 1].taken = overflow ? .max : sum
            } else {
                merged.append(count)
            }
        }
        return merged
    }
}

/// Coverage of one source file, lines sorted and unique.
public struct FileCoverage: Sendable, Equatable {
    /// Repository-relative where the file lies under the root, else as the report names it.
    public var path: String
    public var lines: [LineRecord]
    public var functions: [FunctionRecord]
    /// The producing tool's own line figure when it is not the count of the line records:
    /// `llvm-cov report` sums per-function line counts, which `llvm-cov show`'s per-line
    /// view (the records) does not reproduce. Merged files drop it and count records.
    public var summaryLines: CoverageCount?
    /// Branch outcomes by identity, sorted, taken counts summed; empty for formats without
    /// identities (Cobertura gives only "k of n" per line).
    public var branches: [BranchCount]
    /// The file's figures alone, when the reader was asked for no more (a gate run that reads
    /// no line of a file: no diff, one report); `lines`, `functions` and `branches` are then
    /// empty. A large report's records would otherwise fill gigabytes only to be counted.
    public var counted: CoverageTotals?

    public init(path: String, lines: [LineRecord], functions: [FunctionRecord] = [], branches: [BranchCount] = []) {
        self.path = path
        self.lines = Self.normalized(lines)
        self.functions = functions
        self.branches = BranchCount.normalized(branches)
    }

    /// Only figures, no records (`counted`).
    init(path: String, counted: CoverageTotals) {
        (self.path, lines, functions, branches, self.counted) = (path, [], [], [], counted)
    }

    /// Adds another report's view of the same file.
    mutating func absorb(_ other: FileCoverage) {
        precondition(counted == nil && other.counted == nil, "files read as figures alone are not merged")
        summaryLines = nil
        guard !branches.isEmpty, !other.branches.isEmpty else {
            lines = Self.normalized(lines + other.lines)
            branches = []
            absorbFunctions(other)
            return
        }
        branches = BranchCount.normalized(branches + other.branches)
        var merged = Self.normalized(lines.map(\.withoutBranches) + other.lines.map(\.withoutBranches))
        Self.apply(branches, to: &merged)
        lines = merged
        absorbFunctions(other)
    }

    /// Sets each line's branch figures from outcome identities (sorted, as `branches` keeps
    /// them), adding branch-only lines: one walk along both lists.
    static func apply(_ branches: [BranchCount], to lines: inout [LineRecord]) {
        var extra: [LineRecord] = []
        var index = 0, next = 0
        while next < branches.count {
            let line = branches[next].outcome.line
            var covered: UInt32 = 0, total: UInt32 = 0
            while next < branches.count, branches[next].outcome.line == line {
                total += 1
                if branches[next].taken > 0 { covered += 1 }
                next += 1
            }
            while index < lines.count, lines[index].line < line { index += 1 }
            if index < lines.count, lines[index].line == line {
                lines[index].branchesCovered = covered
                lines[index].branchesTotal = total
            } else {
                extra.append(LineRecord(line: line, hits: 0, branchesCovered: covered, branchesTotal: total, isMeasured: false))
            }
        }
        if !extra.isEmpty { lines = normalized(lines + extra) }
    }

    private mutating func absorbFunctions(_ other: FileCoverage) {
        var byName = Dictionary(functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for function in other.functions {
            if var known = byName[function.name] {
                let (sum, overflow) = known.hits.addingReportingOverflow(function.hits)
                known.hits = overflow ? .max : sum
                byName[function.name] = known
            } else {
                byName[function.name] = function
            }
        }
        functions = byName.values.sorted { ($0.line, $0.name) < ($1.line, $1.name) }
    }

    static func normalized(_ lines: [LineRecord]) -> [LineRecord] {
        var isSorted = true
        for index in lines.indices.dropFirst() where lines[index - 1].line >= lines[index].line {
            isSorted = false
            break
        }
        if isSorted { return lines }
        let sorted = lines.sorted { $0.line < $1.line }
        var merged: [LineRecord] = []
        merged.reserveCapacity(sorted.count)
        for record in sorted {
            if let last = merged.last, last.line == record.line {
                merged[merged.count - 1].absorb(record)
            } else {
                merged.append(record)
            }
        }
        return merged
    }
}

/// The formats gate reads, detected from content.
public enum CoverageFormat: String, Sendable {
    case cobertura
    case lcov
    case llvmCov = "llvm-cov"
    case goCover = "go-cover"
    case coveragePyJSON = "coverage.py-json"
    case jacoco
}

/// Totals a report states about itself (Cobertura's root attributes), kept to cross-check the
/// figures recomputed from the records; never used as the answer.
public struct DeclaredTotals: Sendable, Equatable {
    public var linesCovered: Int?
    public var linesValid: Int?
    public var branchesCovered: Int?
    public var branchesValid: Int?
}

/// One report (or several merged) in the common model.
public struct CoverageReport: Sendable, Equatable {
    public var formats: [CoverageFormat]
    public var files: [FileCoverage]
    /// True when the producer recorded branches at all (a report with zero branches because
    /// the code has none still says so: Cobertura `branch-rate`, LCOV `BRF`).
    public var hasBranchData: Bool
    public var hasFunctionData: Bool
    public var declared: DeclaredTotals?
    /// What the line figures count: "lines", or "statements" for Go profiles, whose tool
    /// reports statement coverage.
    public var lineUnit = "lines"

    public init(
        formats: [CoverageFormat],
        files: [FileCoverage],
        hasBranchData: Bool,
        hasFunctionData: Bool,
        declared: DeclaredTotals? = nil,
        sortedByPath: Bool = false
    ) {
        self.formats = formats
        var files = files
        if !sortedByPath && !files.indices.dropFirst().allSatisfy({ files[$0 - 1].path < files[$0].path }) {
            // The order found on the paths alone, then the files gathered in it: a file is a
            // large value, and tens of thousands of them moved through a merge sort cost more
            // than the comparisons.
            let order = files.indices.sorted { files[$0].path < files[$1].path }
            files = order.map { files[$0] }
        }
        self.files = files
        self.hasBranchData = hasBranchData
        self.hasFunctionData = hasFunctionData
        self.declared = declared
    }

    /// The file with this path: a binary search, as `files` is sorted by path.
    public func file(at path: String) -> FileCoverage? {
        var low = 0, high = files.count
        while low < high {
            let middle = (low + high) / 2
            if files[middle].path < path { low = middle + 1 } else { high = middle }
        }
        return low < files.count && files[low].path == path ? files[low] : nil
    }

    /// The union of several reports (CI shards, several languages): per file and line, hits
    /// add up, as `lcov -a` does.
    public static func merging(_ reports: [CoverageReport]) -> CoverageReport {
        guard reports.count > 1 else { return reports.first ?? CoverageReport(formats: [], files: [], hasBranchData: false, hasFunctionData: false) }
        var byPath: [String: FileCoverage] = [:]
        for report in reports {
            for file in report.files {
                if byPath[file.path] == nil { byPath[file.path] = file } else { byPath[file.path]!.absorb(file) }
            }
        }
        var formats: [CoverageFormat] = []
        for format in reports.flatMap(\.formats) where !formats.contains(format) { formats.append(format) }
        var merged = CoverageReport(
            formats: formats,
            files: Array(byPath.values),
            hasBranchData: reports.contains { $0.hasBranchData },
            hasFunctionData: reports.contains { $0.hasFunctionData })
        if reports.allSatisfy({ $0.lineUnit == reports[0].lineUnit }) { merged.lineUnit = reports[0].lineUnit }
        return merged
    }
}
