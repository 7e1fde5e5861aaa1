import Foundation
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
        var bytes: [UInt8] = []
        let digest = try InputFile.stream(path, expected: "a gate coverage result (--format json)") { bytes.append(contentsOf: $0) }
        func invalid(_ problem: String) -> CoverageError {
            .invalidBaseline(path: path, problem: problem)
        }
        guard let document = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw invalid("it is not a JSON object")
        }
        guard document["schema"] as? String == GateResult.schema, document["gate"] as? String == CoverageGate.id else {
            throw invalid("it is not a gate-result/v1 document of the coverage gate")
        }
        guard let details = document["details"] as? [String: Any],
              let totals = details["totals"] as? [String: Any], let lines = count(totals["lines"]),
              let files = details["files"] as? [String: Any] else {
            throw invalid("it has no details.totals.lines or details.files (was it written by an older gate, or did that run end in error?)")
        }
        var perFile: [String: CoverageCount] = [:]
        for (file, value) in files {
            guard let entry = value as? [Any], entry.count >= 2, let figures = count(Array(entry.prefix(2))) else {
                throw invalid("details.files[\"\(file)\"] is not [covered lines, lines, …]")
            }
            perFile[file] = figures
        }
        return (CoverageBaseline(lines: lines, files: perFile), digest)
    }

    private static func count(_ value: Any?) -> CoverageCount? {
        guard let pair = value as? [Any], pair.count == 2,
              let covered = (pair[0] as? NSNumber)?.intValue, let total = (pair[1] as? NSNumber)?.intValue,
              covered >= 0, total >= covered else { return nil }
        return CoverageCount(covered: covered, total: total)
    }
}
