/// Coverage of the lines a change adds, as diff-cover defines it.
///
/// A changed line is *measured* when a report has a line record for it (the union of all
/// reports), and *covered* when its merged hits are above zero — so with several reports a
/// line is uncovered only if it is uncovered in every one of them. Diff coverage is covered /
/// measured over all changed files. Changed files the reports do not mention are listed, not
/// counted: a change to a README has nothing to cover.
public struct DiffCoverage: Sendable, Equatable {
    /// One changed file the reports measure.
    public struct FileResult: Sendable, Equatable {
        public var path: String
        public var lines: CoverageCount
        /// Uncovered changed lines, grouped into ranges that only unmeasured lines interrupt.
        public var uncovered: [ClosedRange<UInt32>]
        /// Covered changed lines with a branch outcome not taken.
        public var partial: [PartialLine] = []

        /// The changed lines covered with every branch outcome taken (diff-cover's
        /// --branch-coverage counts the others as missing).
        public var fullyCovered: CoverageCount { CoverageCount(covered: lines.covered - partial.count, total: lines.total) }
    }

    /// A covered line that takes `taken` of its `total` branch outcomes.
    public struct PartialLine: Sendable, Equatable {
        public var line: UInt32
        public var taken: UInt32
        public var total: UInt32
    }

    public var files: [FileResult]
    /// Changed files with no coverage data at all, sorted.
    public var filesWithoutData: [String]
    public var changedFileCount: Int

    public var lines: CoverageCount {
        files.reduce(CoverageCount()) { CoverageCount(covered: $0.covered + $1.lines.covered, total: $0.total + $1.lines.total) }
    }

    /// Changed lines covered with every branch taken / changed lines measured.
    public var fullyCovered: CoverageCount { files.reduce(CoverageCount()) { $0 + $1.fullyCovered } }

    public init(report: CoverageReport, changes: ChangedLines) {
        var files: [FileResult] = []
        var missing: [String] = []
        for (path, changed) in changes.files {
            guard let file = report.file(at: path) else {
                missing.append(path)
                continue
            }
            var count = CoverageCount()
            var uncovered: [ClosedRange<UInt32>] = []
            var partial: [PartialLine] = []
            for line in changed {
                guard let record = Self.record(line, in: file.lines), record.isMeasured else { continue }
                count.total += 1
                if record.hits > 0 {
                    count.covered += 1
                    if record.branchesCovered < record.branchesTotal { partial.append(PartialLine(line: line, taken: record.branchesCovered, total: record.branchesTotal)) }
                    continue
                }
                if let last = uncovered.last, Self.onlyUnmeasuredBetween(last.upperBound, line, in: file.lines) {
                    uncovered[uncovered.count - 1] = last.lowerBound...line
                } else {
                    uncovered.append(line...line)
                }
            }
            files.append(FileResult(path: path, lines: count, uncovered: uncovered, partial: partial))
        }
        self.files = files.sorted { $0.path < $1.path }
        filesWithoutData = missing.sorted()
        changedFileCount = changes.files.count
    }

    private static func record(_ line: UInt32, in lines: [LineRecord]) -> LineRecord? {
        var low = 0, high = lines.count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle].line < line { low = middle + 1 } else { high = middle }
        }
        return low < lines.count && lines[low].line == line ? lines[low] : nil
    }

    /// True when no measured line lies strictly between `a` and `b`.
    private static func onlyUnmeasuredBetween(_ a: UInt32, _ b: UInt32, in lines: [LineRecord]) -> Bool {
        guard b > a + 1 else { return true }
        var low = 0, high = lines.count
        while low < high {
            let middle = (low + high) / 2
            if lines[middle].line <= a { low = middle + 1 } else { high = middle }
        }
        while low < lines.count, lines[low].line < b {
            if lines[low].isMeasured { return false }
            low += 1
        }
        return true
    }
}
