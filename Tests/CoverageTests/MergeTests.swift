import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Merging CI shards, and writing the result back out.
@Suite struct MergeTests {
    static func shards() throws -> CoverageReport {
        let paths = ["coverage/c-project/shard-main.info", "coverage/c-project/shard-shard.info"]
        return CoverageReport.merging(try paths.map { try CoverageReportReader.read(Fixtures.path($0), root: Fixtures.repositoryRoot).report })
    }

    @Test("two shards merge to the totals of `lcov -a A -a B`", arguments: ["lines", "functions", "branches"])
    func agreesWithLcovAdd(kind: String) throws {
        let totals = CoverageTotals(try Self.shards())
        let expected = try ToolAgreementTests.lcovSummary("coverage/c-project/shard-merged-summary.txt", kind)
        let count = kind == "lines" ? totals.lines : kind == "functions" ? totals.functions : totals.branches
        #expect(count.covered == expected.covered)
        #expect(count.total == expected.total)
    }

    @Test("the merged report, written as LCOV or Cobertura and read again, keeps its totals", arguments: CoverageWriter.Format.allCases)
    func roundTrip(format: CoverageWriter.Format) throws {
        let merged = try Self.shards()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/merged." + (format == .lcov ? "info" : "xml")
        try Fixtures.write(CoverageWriter.render(merged, as: format, timestamp: 0), to: path)
        let reread = try CoverageReportReader.read(path, root: Fixtures.repositoryRoot).report
        let before = CoverageTotals(merged), after = CoverageTotals(reread)
        #expect(after.lines == before.lines)
        #expect(after.branches == before.branches)
        #expect(reread.files.map(\.path) == merged.files.map(\.path))
        #expect(CoverageWriter.render(merged, as: format, timestamp: 0) == CoverageWriter.render(merged, as: format, timestamp: 0))
    }

    @Test("--path-map rewrites recorded prefixes before paths are resolved", arguments: [
        ("/build/agent/work", "/build/agent/work/src/a.c", "src/a.c"),
        ("/build/agent/work=", "/build/agent/work/src/a.c", "src/a.c"),
        ("/build/agent/work/=lib", "/build/agent/work/src/a.c", "lib/src/a.c"),
        ("/build/agent/w", "/build/agent/work/src/a.c", "/build/agent/work/src/a.c"),
    ])
    func pathMap(rule: String, recorded: String, resolved: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("SF:\(recorded)\nDA:1,1\nend_of_record\n", to: directory + "/a.info")
        let mapping = try PathMapping(flag: rule.contains("=") ? rule : rule + "=.")
        let report = try CoverageReportReader.read(directory + "/a.info", root: directory, pathMap: [mapping]).report
        #expect(report.files.map(\.path) == [resolved])
    }

    @Test("a report none of whose files exists under the root is named in a warning with examples")
    func unmatchedWarning() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("SF:/elsewhere/one.c\nDA:1,1\nend_of_record\nSF:/elsewhere/two.c\nDA:1,0\nend_of_record\n", to: directory + "/a.info")
        let report = try CoverageReportReader.read(directory + "/a.info", root: directory).report
        let warning = try #require(CoverageMerge.unmatchedWarning(report, path: "a.info", root: directory))
        #expect(warning.contains("a.info: none of its 2 files exists under"))
        #expect(warning.contains("/elsewhere/one.c, /elsewhere/two.c"))
        let local = try CoverageReportReader.read(Fixtures.path("coverage/c-project/coverage.info"), root: Fixtures.repositoryRoot).report
        #expect(CoverageMerge.unmatchedWarning(local, path: "coverage.info", root: Fixtures.repositoryRoot) == nil)
    }
}

@Suite struct LCOVFastPathTests {
    @Test("DA and BRDA records read on the byte path give what the general path gives for the same figures")
    func samePathResults() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Plain records take the byte path; a '+' sign or ten-digit line sends the same figures
        // through the general one.
        let plain = "SF:/x/a.c\nDA:1,3\nDA:2,0,abc\nDA:3,18446744073709551\nBRDA:2,0,0,-\nBRDA:2,0,1,4\nBRDA:3,1,x y,0\nBRDA:3,0,0,1,2\nend_of_record\n"
        let general = "SF:/x/a.c\nDA:+1,3\nDA:+2,0,abc\nDA:0000000003,18446744073709551\nBRDA:+2,0,0,-\nBRDA:+2,0,1,4\nBRDA:+3,1,x y,0\nBRDA:3,0,0,1,2\nend_of_record\n"
        try Fixtures.write(plain, to: directory + "/plain.info")
        try Fixtures.write(general, to: directory + "/general.info")
        let a = try CoverageReportReader.read(directory + "/plain.info", root: directory).report
        let b = try CoverageReportReader.read(directory + "/general.info", root: directory).report
        #expect(a.files == b.files)
        #expect(a.files.first?.branches.count == 4 && a.files.first?.lines.count == 3)
        // What the byte path refuses still fails with the general path's message.
        try Fixtures.write("SF:/x/a.c\nDA:0,1\nend_of_record\n", to: directory + "/zero.info")
        expectError(containing: "zero.info:2: DA:0,1 is not DA:<line>,<count>") { _ = try CoverageReportReader.read(directory + "/zero.info", root: directory) }
        try Fixtures.write("SF:/x/a.c\nBRDA:1,0,0,many\nend_of_record\n", to: directory + "/taken.info")
        expectError(containing: "taken.info:2: BRDA:1,0,0,many has taken 'many'") { _ = try CoverageReportReader.read(directory + "/taken.info", root: directory) }
    }
}
