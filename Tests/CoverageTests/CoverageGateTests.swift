import Foundation
import Coverage
import GateKit
import GateTestSupport
import Testing

/// The verdict rules of the coverage gate, on models built in the test and on real reports.
@Suite struct CoverageGateTests {
    static func file(_ path: String, covered: Int, total: Int) -> FileCoverage {
        FileCoverage(path: path, lines: (1...total).map { LineRecord(line: UInt32($0), hits: $0 <= covered ? 1 : 0) })
    }

    static func judge(_ files: [FileCoverage], _ policy: CoveragePolicy) -> GateResult {
        let report = CoverageReport(formats: [.lcov], files: files, hasBranchData: false, hasFunctionData: false)
        return CoverageGate(policy: policy, context: GateContext(root: "/repo")).judge(report, totals: CoverageTotals(report))
    }

    @Test("thresholds are judged on exact counts: 7 of 10 meets 70, 2071 of 2072 misses 100", arguments: [
        (7, 10, 70.0, Verdict.pass, 70.0),
        (6, 10, 70.0, Verdict.fail, 60.0),
        (2071, 2072, 100.0, Verdict.fail, 99.95),
        (69_999, 100_000, 70.0, Verdict.fail, 69.99),
        (1, 100_000, 0.001, Verdict.pass, 0.01),
    ])
    func exactThresholds(covered: Int, total: Int, minimum: Double, verdict: Verdict, shown: Double) {
        var policy = CoveragePolicy()
        policy.minLine = Threshold(minimum)
        let result = Self.judge([Self.file("a.c", covered: covered, total: total)], policy)
        #expect(result.verdict == verdict)
        #expect(result.measurements[0].value == shown)
        if verdict == .fail {
            #expect(result.findings.first?.rule == "coverage/min-line")
            #expect(result.summary.hasPrefix("line_coverage \(Measurement.format(shown))% < "))
        }
    }

    @Test("path rules judge each matching file; the last matching rule wins")
    func pathRules() throws {
        var policy = CoveragePolicy()
        policy.paths = [
            PathThreshold(glob: PathGlob("src/**"), minLine: 50),
            PathThreshold(glob: PathGlob("src/core/**"), minLine: 90),
        ]
        let result = Self.judge([
            Self.file("src/core/engine.c", covered: 8, total: 10),
            Self.file("src/core/util.c", covered: 10, total: 10),
            Self.file("src/cli.c", covered: 6, total: 10),
            Self.file("tests/t.c", covered: 0, total: 10),
        ], policy)
        #expect(result.verdict == .fail)
        #expect(result.findings.map(\.location?.file) == ["src/core/engine.c"])
        #expect(result.findings[0].message.contains("80% < 90% required by 'src/core/**'"))
        let rules = result.measurements.filter { $0.name.hasPrefix("min_file_line_coverage") }
        #expect(rules.map(\.value) == [60, 80])
        #expect(rules.map(\.verdict) == [.pass, .fail])
    }

    @Test("a path rule that matches nothing warns instead of passing silently")
    func unmatchedPathRule() {
        var policy = CoveragePolicy()
        policy.paths = [PathThreshold(glob: PathGlob("Sources/Renamed/**"), minLine: 90)]
        let result = Self.judge([Self.file("Sources/Core/a.swift", covered: 5, total: 10)], policy)
        #expect(result.verdict == .warn)
        #expect(result.findings.map(\.rule) == ["coverage/path-unmatched"])
    }

    @Test("real reports: coverage.py's run passes 80% lines and fails 60% branches")
    func realReport() throws {
        var policy = CoveragePolicy()
        policy.reports = [Fixtures.path("coverage/python-project/coverage.xml")]
        policy.minLine = Threshold(80)
        policy.minBranch = Threshold(60)
        let result = try CoverageGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
        #expect(result.verdict == .fail)
        #expect(result.measurements.map(\.verdict) == [.pass, .fail, .pass])
        // combined: (58 + 16) / (71 + 28), coverage.py's TOTAL 74.75% — shown truncated, as every figure gate judges is.
        #expect(result.measurements.map(\.name) == ["line_coverage", "branch_coverage", "combined_coverage"])
        #expect(result.measurements.map(\.value) == [81.69, 57.14, 74.74])
        #expect(result.inputs.count == 1)
    }

    @Test("min-branch on a report without branch data is an error, not a pass")
    func branchThresholdWithoutData() throws {
        var policy = CoveragePolicy()
        policy.reports = [Fixtures.path("coverage/c-project/coverage.info")]
        policy.minBranch = Threshold(10)
        let lcov = try CoverageGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
        #expect(lcov.verdict == .pass)

        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/lines-only.info"
        try Fixtures.write("SF:/repo/a.c\nDA:1,1\nDA:2,0\nend_of_record\n", to: path)
        policy.reports = [path]
        #expect(throws: CoverageError.noBranchData(paths: [path])) {
            try CoverageGate(policy: policy, context: GateContext(root: "/repo")).evaluate()
        }
    }

    @Test("several reports merge: hits add up per file and line")
    func mergesReports() throws {
        let directory = try Fixtures.temporaryDirectory()
        try Fixtures.write("SF:/repo/a.c\nDA:1,1\nDA:2,0\nDA:3,0\nend_of_record\n", to: directory + "/one.info")
        try Fixtures.write("SF:/repo/a.c\nDA:2,4\nDA:3,0\nend_of_record\nSF:/repo/b.c\nDA:1,0\nend_of_record\n", to: directory + "/two.info")
        var policy = CoveragePolicy()
        policy.reports = [directory + "/one.info", directory + "/two.info"]
        let result = try CoverageGate(policy: policy, context: GateContext(root: "/repo")).evaluate()
        #expect(result.summary == "line coverage 50% (2/4 lines)")
    }

    @Test("the policy file: known keys read, unknown keys refused with line and suggestion")
    func policyFile() throws {
        let policy = try CoveragePolicy(policy: Policy.parse("""
            report: [a.xml, b.info]
            min-line: 70
            paths:
              "Sources/**": 60
              "Sources/Core/**": 90.5
            """, path: "gates/coverage.yml"))
        #expect(policy.reports == ["a.xml", "b.info"])
        #expect(policy.minLine == Threshold(70, origin: Location(file: "gates/coverage.yml", line: 2)))
        #expect(policy.paths.map(\.minLine) == [60, 90.5])
        #expect(policy.paths.map(\.glob.pattern) == ["Sources/**", "Sources/Core/**"])

        #expect(throws: GateError.unknownPolicyKey(path: "gates/coverage.yml", line: 2, key: "min-lines", known: CoveragePolicy.keys + Policy.commonKeys)) {
            try CoveragePolicy(policy: Policy.parse("report: a.xml\nmin-lines: 70\n", path: "gates/coverage.yml"))
        }
        #expect(throws: GateError.invalidPolicyValue(path: "p.yml", line: 1, key: "min-line", expected: "a number from 0 to 100")) {
            try CoveragePolicy(policy: Policy.parse("min-line: 170\n", path: "p.yml"))
        }
        #expect(throws: GateError.invalidPolicyValue(path: "p.yml", line: 2, key: "paths: a/**", expected: "a number from 0 to 100")) {
            try CoveragePolicy(policy: Policy.parse("paths:\n  a/**: lots\n", path: "p.yml"))
        }
    }
}

/// Paths recorded on another machine land on the files of this checkout.
@Suite struct PathMappingTests {
    @Test("absolute paths from another checkout map by their longest trailing directories here")
    func foreignPaths() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src/pkg", withIntermediateDirectories: true)
        try Fixtures.write("""
            SF:/home/runner/work/app/app/src/pkg/a.c
            DA:1,1
            end_of_record
            SF:/usr/include/stdio.h
            DA:1,1
            end_of_record
            SF:\(root)/src/b.c
            DA:1,0
            end_of_record
            """, to: root + "/lcov.info")
        try Fixtures.write("""
            <coverage><sources><source>/ci/checkout/src</source></sources><packages><package><classes>
            <class filename="pkg/c.py"><lines><line number="1" hits="1"/></lines></class>
            </classes></package></packages></coverage>
            """, to: root + "/cobertura.xml")
        let (lcov, _) = try CoverageReportReader.read(root + "/lcov.info", root: root)
        #expect(lcov.files.map(\.path) == ["/usr/include/stdio.h", "src/b.c", "src/pkg/a.c"])
        let (cobertura, _) = try CoverageReportReader.read(root + "/cobertura.xml", root: root)
        #expect(cobertura.files.map(\.path) == ["src/pkg/c.py"])
    }
}
