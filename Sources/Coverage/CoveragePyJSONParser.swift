import Foundation
import GateKit

/// coverage.py's JSON report (`coverage json`, format 3).
///
/// Lines are `executed_lines` (hit) and `missing_lines` (not hit); excluded lines are neither,
/// as in coverage.py. Branches are arcs `[from, to]`: each arc out of a line is one outcome,
/// covered when it is in `executed_branches` — so the totals are `coverage report`'s Stmts,
/// Miss, Branch and BrPart. File names are as coverage.py wrote them (relative to where it
/// ran); the JSON's own `totals` are not trusted.
enum CoveragePyJSONParser {
    private struct Document: Decodable {
        struct Meta: Decodable {
            var format: Int
            var branch_coverage: Bool?
        }

        struct File: Decodable {
            var executed_lines: [UInt32]
            var missing_lines: [UInt32]
            var executed_branches: [[Int]]?
            var missing_branches: [[Int]]?
        }

        var meta: Meta
        var files: [String: File]
    }

    static func report(from bytes: [UInt8], path: String, resolver: SourcePathResolver) throws -> CoverageReport {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw CoverageError.malformedRecord(path: path, line: 1, problem: "not a valid coverage.py JSON report: \(LLVMCovJSONParser.describe(error))")
        }
        guard document.meta.format == 3 else {
            throw CoverageError.unsupportedFormat(path: path, format: "coverage.py JSON format \(document.meta.format) (gate reads format 3)")
        }
        var files: [String: FileCoverage] = [:]
        for (name, file) in document.files {
            var records: [UInt32: LineRecord] = [:]
            for line in file.executed_lines { records[line] = LineRecord(line: line, hits: 1) }
            for line in file.missing_lines where records[line] == nil { records[line] = LineRecord(line: line, hits: 0) }
            for (arcs, taken) in [(file.executed_branches ?? [], true), (file.missing_branches ?? [], false)] {
                for arc in arcs {
                    guard arc.count == 2, arc[0] > 0, let line = UInt32(exactly: arc[0]) else {
                        throw CoverageError.malformedRecord(path: path, line: 1, problem: "files[\"\(name)\"] has the branch \(arc); expected [from line, to line]")
                    }
                    var record = records[line] ?? LineRecord(line: line, hits: 0, isMeasured: false)
                    record.branchesTotal += 1
                    if taken { record.branchesCovered += 1 }
                    records[line] = record
                }
            }
            let resolved = try resolver.resolveBySuffix(name)
            let coverage = FileCoverage(path: resolved, lines: Array(records.values))
            if files[resolved] == nil { files[resolved] = coverage } else { files[resolved]!.absorb(coverage) }
        }
        return CoverageReport(
            formats: [.coveragePyJSON], files: Array(files.values),
            hasBranchData: document.meta.branch_coverage ?? false, hasFunctionData: false)
    }
}
