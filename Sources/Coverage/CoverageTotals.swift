import GateKit

/// Covered out of total, kept as counts so thresholds are judged on the exact ratio.
public struct CoverageCount: Sendable, Equatable {
    public var covered: Int
    public var total: Int

    public init(covered: Int = 0, total: Int = 0) {
        self.covered = covered
        self.total = total
    }

    /// Truncated to two decimals (see `Percent`).
    public var percent: Double { Percent.display(covered: covered, total: total) }

    public func meets(_ threshold: Double) -> Bool {
        Percent.meets(covered: covered, total: total, threshold: threshold)
    }

    static func + (a: CoverageCount, b: CoverageCount) -> CoverageCount {
        CoverageCount(covered: a.covered + b.covered, total: a.total + b.total)
    }
}

/// The figures the producing tools print, computed from the line records.
///
/// - lines: measured lines, covered when hit at least once (Cobertura `lines-valid` /
///   `lines-covered`, lcov's "lines", coverage.py's Stmts minus Miss).
/// - branches: branch outcomes, covered when taken (Cobertura `condition-coverage` k/n, LCOV
///   `BRDA` taken > 0, coverage.py's Branch minus missing branches).
/// - partialLines: hit lines with some branch outcome not taken (coverage.py's BrPart).
/// - combined: coverage.py's "Cover" column, (covered lines + covered branches) / (lines +
///   branches), as `coverage/results.py` computes it.
public struct CoverageTotals: Sendable, Equatable {
    public var lines = CoverageCount()
    public var branches = CoverageCount()
    public var functions = CoverageCount()
    public var partialLines = 0

    public init() {}

    public init(_ file: FileCoverage) {
        if let counted = file.counted {
            self = counted
            return
        }
        for record in file.lines {
            if record.isMeasured {
                lines.total += 1
                if record.hits > 0 { lines.covered += 1 }
            }
            branches.total += Int(record.branchesTotal)
            branches.covered += Int(record.branchesCovered)
            if record.isMeasured, record.hits > 0, record.branchesCovered < record.branchesTotal { partialLines += 1 }
        }
        if let summary = file.summaryLines { lines = summary }
        functions.total = file.functions.count
        functions.covered = file.functions.filter { $0.hits > 0 }.count
    }

    public init(_ report: CoverageReport) {
        for totals in Self.perFile(report.files) { self = self + totals }
    }

    /// Each file's totals, in order — on every core for a large report (a pass over tens of
    /// millions of line records).
    static func perFile(_ files: [FileCoverage]) -> [CoverageTotals] {
        guard files.count > 2_000 else { return files.map(CoverageTotals.init) }
        let chunk = (files.count + 63) / 64
        return parallelMap((files.count + chunk - 1) / chunk) { part in
            files[(part * chunk)..<min(files.count, (part + 1) * chunk)].map(CoverageTotals.init)
        }.flatMap { try! $0.get() }
    }

    public var combined: CoverageCount { lines + branches }

    static func + (a: CoverageTotals, b: CoverageTotals) -> CoverageTotals {
        var sum = CoverageTotals()
        sum.lines = a.lines + b.lines
        sum.branches = a.branches + b.branches
        sum.functions = a.functions + b.functions
        sum.partialLines = a.partialLines + b.partialLines
        return sum
    }
}
