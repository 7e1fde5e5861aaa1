import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// The totals gate computes equal what the producing tool itself reports for the same run.
/// Each fixture directory holds the report and the tool's own summary, made by `make.sh`.
@Suite struct ToolAgreementTests {
    static func totals(_ fixture: String) throws -> CoverageTotals {
        let (report, _) = try CoverageReportReader.read(Fixtures.path(fixture), root: Fixtures.repositoryRoot)
        return CoverageTotals(report)
    }

    /// The TOTAL row of `coverage report`: Stmts, Miss, Branch, BrPart, Cover.
    static func coverageReportTotal(_ fixture: String) throws -> [String] {
        let text = try Fixtures.text(fixture)
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("TOTAL") })
        return row.split(separator: " ").dropFirst().map(String.init)
    }

    /// coverage.py's `display_covered`: never 0 or 100 unless exact, else rounded.
    static func coveragePyDisplay(_ percent: Double, precision: Int) -> String {
        let unit = pow(10, Double(-precision))
        var shown = percent
        if percent > 0 && percent < unit { shown = unit }
        if percent < 100 && percent > 100 - unit { shown = 100 - unit }
        return String(format: "%.\(precision)f%%", shown)
    }

    @Test("coverage.py Cobertura, LCOV and JSON give the TOTAL row of `coverage report`",
          arguments: ["python-project/coverage.xml", "python-project/coverage.info", "python-project/coverage-py.json"],
          [("python-project/coverage-report.txt", 0), ("python-project/coverage-report-precision2.txt", 2)])
    func coveragePyTotals(report: String, summary: (file: String, precision: Int)) throws {
        let totals = try Self.totals("coverage/" + report)
        let row = try Self.coverageReportTotal("coverage/" + summary.file)
        #expect(row.count == 5)
        #expect(Int(row[0]) == totals.lines.total, "Stmts")
        #expect(Int(row[1]) == totals.lines.total - totals.lines.covered, "Miss")
        #expect(Int(row[2]) == totals.branches.total, "Branch")
        #expect(Int(row[3]) == totals.partialLines, "BrPart")
        let combined = Double(totals.combined.covered) * 100 / Double(totals.combined.total)
        #expect(row[4] == Self.coveragePyDisplay(combined, precision: summary.precision), "Cover")
    }

    /// `lcov --summary` prints "lines......: 78.9% (30 of 38 lines)".
    static func lcovSummary(_ fixture: String, _ kind: String) throws -> (percent: String, covered: Int, total: Int) {
        let text = try Fixtures.text(fixture)
        let line = try #require(text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(kind + ".") })
        let percent = String(try #require(line.split(separator: ":").last?.split(separator: " ").first))
        let inner = try #require(line.split(separator: "(").last?.split(separator: " "))
        return (percent, Int(inner[0])!, Int(inner[2])!)
    }

    @Test("an lcov/geninfo tracefile gives the figures of `lcov --summary`", arguments: ["lines", "functions", "branches"])
    func lcovSummaryAgrees(kind: String) throws {
        let totals = try Self.totals("coverage/c-project/coverage.info")
        let expected = try Self.lcovSummary("coverage/c-project/lcov-summary.txt", kind)
        let count = kind == "lines" ? totals.lines : kind == "functions" ? totals.functions : totals.branches
        #expect(count.covered == expected.covered)
        #expect(count.total == expected.total)
        #expect(String(format: "%.1f%%", Double(count.covered) * 100 / Double(count.total)) == expected.percent)
    }

    @Test("gcovr Cobertura (with its DOCTYPE) gives the figures of `gcovr --print-summary`", arguments: ["lines", "branches"])
    func gcovrSummaryAgrees(kind: String) throws {
        let totals = try Self.totals("coverage/c-project/cobertura.xml")
        let text = try Fixtures.text("coverage/c-project/gcovr-summary.txt")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(kind + ":") })
        let inner = try #require(line.split(separator: "(").last?.split(separator: " "))
        let count = kind == "lines" ? totals.lines : totals.branches
        #expect(count.covered == Int(inner[0]))
        #expect(count.total == Int(inner[3].dropLast()))
    }

    @Test("Cobertura paths become repository-relative through <source>")
    func coberturaPathsAreRepositoryRelative() throws {
        let (report, digest) = try CoverageReportReader.read(
            Fixtures.path("coverage/python-project/coverage.xml"), root: Fixtures.repositoryRoot)
        #expect(report.files.map(\.path).contains("fixtures/coverage/python-project/shop/pricing.py"))
        #expect(digest.sha256.count == 64)
    }

    @Test("the digest is the SHA-256 of the file's bytes")
    func digestMatchesContent() throws {
        let path = Fixtures.path("coverage/c-project/coverage.info")
        let (_, digest) = try CoverageReportReader.read(path, root: Fixtures.repositoryRoot)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output.hasPrefix(digest.sha256 + " "))
    }
}
