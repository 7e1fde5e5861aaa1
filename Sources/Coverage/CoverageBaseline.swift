import GateKit

/// The figures of an earlier `gate coverage --format json` run, for the ratchet: its totals
/// and per-file line counts, read from the result's `details`.
public struct CoverageBaseline: Sendable, Equatable {
    public var lines: CoverageCount
    public var files: [String: CoverageCount]

    public init(lines: CoverageCount, files: [String: CoverageCount]) {
        self.lines = lines
        self.files = files
    }

    /// The `details` this gate writes into its result, what a later run reads back:
    /// `totals` as `{"lines": [covered, total], "branches": [covered, total]}` and `files` as
    /// `{"path": [covered lines, lines(, covered branches, branches)]}`, compact because a
    /// large project has a hundred thousand files.
    static func details(_ report: CoverageReport, fileTotals: [CoverageTotals], totals: CoverageTotals) -> JSONValue {
        func pair(_ count: CoverageCount) -> JSONValue { .array([.integer(count.covered), .integer(count.total)]) }
        // By index: zipping the files would copy each record.
        let files = report.files.indices.map { index -> (key: String, value: JSONValue) in
            let figures = fileTotals[index]
            let entry = figures.branches.total > 0
                ? [figures.lines.covered, figures.lines.total, figures.branches.covered, figures.branches.total]
                : [figures.lines.covered, figures.lines.total]
            return (report.files[index].path, .integers(entry))
        }
        var totalsEntry: [String: JSONValue] = ["lines": pair(totals.lines)]
        if report.hasBranchData { totalsEntry["branches"] = pair(totals.branches) }
        return .object(["totals": .object(totalsEntry), "files": .orderedObject(files)])
    }

    /// Reads a result document; errors name the file and what is missing.
    public static func load(_ path: String) throws -> (baseline: CoverageBaseline, input: InputDigest) {
        let previous = try PreviousResult.load(path, gate: CoverageGate.id)
        return (try CoverageBaseline(previous), previous.input)
    }

    /// The figures of a previous coverage result (`details.totals.lines`, `details.files`).
    public init(_ previous: PreviousResult) throws {
        func invalid(_ problem: String) -> GateError { .invalidBaseline(path: previous.path, problem: problem) }
        guard let details = previous.details, let lines = Self.count(details["totals"]?["lines"]),
              case .object(let files)? = details["files"] else {
            throw invalid("it has no details.totals.lines or details.files (was it written by an older gate?)")
        }
        var perFile: [String: CoverageCount] = [:]
        for (file, value) in files {
            guard let entry = value.array, entry.count >= 2, let figures = Self.count(.array(Array(entry.prefix(2)))) else {
                throw invalid("details.files[\"\(file)\"] is not [covered lines, lines, …]")
            }
            perFile[file] = figures
        }
        self.init(lines: lines, files: perFile)
    }

    private static func count(_ value: JSONTree?) -> CoverageCount? {
        guard let pair = value?.array, pair.count == 2, let covered = pair[0].number, let total = pair[1].number,
              covered >= 0, total >= covered, total < 1e15, covered == covered.rounded(), total == total.rounded() else { return nil }
        return CoverageCount(covered: Int(covered), total: Int(total))
    }
}
