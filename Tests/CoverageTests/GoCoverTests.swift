import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Go cover profiles, checked against `go tool cover -func` of the same run.
@Suite struct GoCoverTests {
    static func read(_ text: String) throws -> CoverageReport {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/cover.out")
        return try CoverageReportReader.read(directory + "/cover.out", root: directory).report
    }

    @Test("set, count and atomic profiles give the total of `go tool cover -func`", arguments: ["set", "count", "atomic"])
    func agreesWithGoToolCover(mode: String) throws {
        let mapping = PathMapping(from: "example.com/quota", to: "fixtures/coverage/go-project")
        let report = try CoverageReportReader.read(
            Fixtures.path("coverage/go-project/cover-\(mode).out"), root: Fixtures.repositoryRoot, pathMap: [mapping]).report
        let totals = CoverageTotals(report)
        let func_ = try Fixtures.text("coverage/go-project/cover-func.txt")
        let total = try #require(func_.split(separator: "\n").last { $0.hasPrefix("total:") }?.split(whereSeparator: \.isWhitespace).last)
        #expect(String(format: "%.1f%%", Double(totals.lines.covered) * 100 / Double(totals.lines.total)) == String(total))
        #expect(report.lineUnit == "statements")
        #expect(report.files.map(\.path) == ["fixtures/coverage/go-project/quota.go"])
    }

    @Test("duplicate blocks merge as go tool cover merges them: set ORs, count adds")
    func duplicateBlocks() throws {
        let set = try Self.read("mode: set\na/b.go:1.1,2.2 2 0\na/b.go:1.1,2.2 2 1\na/b.go:4.1,4.9 1 0\n")
        #expect(CoverageTotals(set).lines == CoverageCount(covered: 2, total: 3))
        let count = try Self.read("mode: count\na/b.go:1.1,3.2 2 3\nmode: count\na/b.go:1.1,3.2 2 4\n")
        #expect(count.files[0].lines.map(\.hits) == [7, 7, 7])
    }

    @Test("a bad mode line, a malformed block, inconsistent statements: errors naming the line", arguments: [
        ("mode: fast\n", ":1: 'mode: fast' is not a cover mode"),
        ("a.go:1.1,2.2 1 1\n", ": not a coverage report gate can read"),
        ("mode: set\na.go:1.1-2.2 1 1\n", ":2: \"a.go:1.1-2.2 1 1\" is not 'file.go:line.col,line.col statements count'"),
        ("mode: set\na.go:1.1,2.2 1 1\na.go:1.1,2.2 3 1\n", ":3: the block appears before with 1 statements, here with 3"),
        ("mode: set\nmode: count\n", ":2: mode 'count' after mode 'set'"),
    ])
    func malformed(text: String, message: String) throws {
        expectError(containing: "cover.out" + message) { _ = try Self.read(text) }
    }
}
