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
public struct BranchOutcome: Sendable, Hashable {
    public var line: UInt32
    public var block: String
    public var branch: String

    public init(line: UInt32, block: String, branch: String) {
        self.line = line
        self.block = block
        self.branch = branch
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
    /// Branch outcomes by identity, taken counts summed; empty for formats without
    /// identities (Cobertura gives only "k of n" per line).
    public var branches: [BranchOutcome: UInt64]

    public init(path: String, lines: [LineRecord], functions: [FunctionRecord] = [], branches: [BranchOutcome: UInt64] = [:]) {
        self.path = path
        self.lines = Self.normalized(lines)
        self.functions = functions
        self.branches = branches
    }

    /// Adds another report's view of the same file.
    mutating func absorb(_ other: FileCoverage) {
        summaryLines = nil
        guard !branches.isEmpty, !other.branches.isEmpty else {
            lines = Self.normalized(lines + other.lines)
            branches = [:]
            absorbFunctions(other)
            return
        }
        branches.merge(other.branches) { a, b in a.addingReportingOverflow(b).overflow ? .max : a + b }
        var merged = Self.normalized(lines.map(\.withoutBranches) + other.lines.map(\.withoutBranches))
        Self.apply(branches, to: &merged)
        lines = merged
        absorbFunctions(other)
    }

    /// Sets each line's branch figures from outcome identities, adding branch-only lines.
    static func apply(_ branches: [BranchOutcome: UInt64], to lines: inout [LineRecord]) {
        var perLine: [UInt32: (covered: UInt32, total: UInt32)] = [:]
        for (outcome, taken) in branches {
            var entry = perLine[outcome.line] ?? (0, 0)
            entry.total += 1
            if taken > 0 { entry.covered += 1 }
            perLine[outcome.line] = entry
        }
        for index in lines.indices {
            if let entry = perLine.removeValue(forKey: lines[index].line) {
                lines[index].branchesCovered = entry.covered
                lines[index].branchesTotal = entry.total
            }
        }
        if !perLine.isEmpty {
            lines = normalized(lines + perLine.map { LineRecord(line: $0.key, hits: 0, branchesCovered: $0.value.covered, branchesTotal: $0.value.total, isMeasured: false) })
        }
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
        if !sortedByPath && !files.indices.dropFirst().allSatisfy({ files[$0 - 1].path < files[$0].path }) { files.sort { $0.path < $1.path } }
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
