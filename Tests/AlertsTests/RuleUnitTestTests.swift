import Foundation
import GateTestSupport
import PromQL
import Testing
@testable import Alerts

/// Rule unit tests run by gate's evaluator print what promtool test rules 2.42 prints, byte for
/// byte: which groups fail, the expected and the got alerts with labels and annotations, every
/// sample value to the last bit (the corpus's PromQL tests expect nothing, so the report lists
/// what was computed).
@Suite("rule unit tests as promtool test rules runs them")
struct RuleUnitTestTests {
    static let promtool = "/usr/bin/promtool"
    static let folders = ["alerts/unit", "alerts/tests"]

    static func testFiles() throws -> [(folder: String, name: String)] {
        try folders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: Fixtures.path(folder)).filter { $0.hasSuffix("-test.yml") }.sorted().map { (folder, $0) }
        }
    }

    @Test("every test file of the corpus: promtool's report, byte for byte, and its exit status",
          .enabled(if: FileManager.default.isExecutableFile(atPath: promtool)))
    func agreesWithPromtool() throws {
        let files = try Self.testFiles()
        #expect(files.count >= 5)
        for (folder, name) in files {
            let directory = Fixtures.path(folder)
            // promtool writes FAILED and the failures to stderr and the blank lines to stdout,
            // unbuffered: merged they read as one report.
            let theirs = try ProcessRunner.run("/bin/sh", ["-c", "\(Self.promtool) test rules \(name) 2>&1"], in: directory)
            let ours = try RuleUnitTests.run(directory + "/" + name, displayPath: name)
            #expect(ours.report == theirs.stdout, "\(folder)/\(name)")
            #expect(ours.passed == (theirs.status == 0), "\(folder)/\(name)")
        }
    }

    @Test("the seeds' alerts pass their tests; the corpus's failing file fails its groups")
    func verdicts() throws {
        let seeds = try RuleUnitTests.run(Fixtures.path("alerts/tests/search-service-test.yml"))
        #expect(seeds.passed && seeds.groups == 8, "\(seeds.report)")
        let failing = try RuleUnitTests.run(Fixtures.path("alerts/unit/failing-test.yml"))
        #expect(failing.failedGroups == ["#1", "a rule that cannot be evaluated"])
        #expect(failing.warnings.count == 1 && failing.warnings[0].hasSuffix("missing-*.yml"))
    }

    @Test("`gate alerts test` behaves like promtool test rules: its report, exit 0 or 1")
    func command() throws {
        let pass = try GateBinary.run(["alerts", "test", "fixtures/alerts/tests/search-service-test.yml"], in: Fixtures.repositoryRoot)
        #expect(pass.status == 0 && pass.stdout.contains("  SUCCESS"), "\(pass.stdout)\(pass.stderr)")
        let fail = try GateBinary.run(["alerts", "test", "fixtures/alerts/unit/failing-test.yml"], in: Fixtures.repositoryRoot)
        #expect(fail.status == 1 && fail.stdout.contains("  FAILED:"))
        let missing = try GateBinary.run(["alerts", "test", "no-such-test.yml"], in: Fixtures.repositoryRoot)
        #expect(missing.status == 2 && missing.stderr.contains("no-such-test.yml"))
    }

    @Test("series in expanding notation, as promtool loads them")
    func seriesNotation() throws {
        #expect(try SeriesNotation.values("1+2x3") == [1, 3, 5, 7])
        #expect(try SeriesNotation.values("10-1x2 _ _x2 4x1") == [10, 9, 8, nil, nil, nil, 4, 4])
        #expect(try SeriesNotation.values("1e3 -2.5 Inf -Inf").map { $0! } == [1000, -2.5, .infinity, -.infinity])
        let stale = try SeriesNotation.values("1 stale")
        #expect(stale.count == 2 && PromSeriesStore.isStale(stale[1]!))
        #expect(try SeriesNotation.labels("up{job=\"a\", instance=\"b\"}") == PromLabels(["__name__": "up", "job": "a", "instance": "b"]))
        expectError(containing: "invalid value \"1+2\"") { _ = try SeriesNotation.values("1+2") }
        expectError(containing: "invalid value \"abc\"") { _ = try SeriesNotation.values("abc") }
        expectError(containing: "series too long") { _ = try SeriesNotation.values("_x999999999") }
        expectError(containing: "series too long") { _ = try SeriesNotation.values("1+1x999999999") }
    }

    @Test("many-to-many matching is refused as Prometheus refuses it")
    func manyToMany() throws {
        let store = PromSeriesStore()
        for (instance, zone) in [("a", "x"), ("b", "x")] { store.append(PromLabels(["__name__": "mem", "instance": instance, "zone": zone]), 0, 1) }
        let evaluator = PromQLEvaluator(store: store)
        expectError(containing: "found duplicate series for the match group {zone=\"x\"} on the right hand-side of the operation") {
            _ = try evaluator.instant(try PromQLParser.parse("mem == on (zone) mem"), at: 0)
        }
        expectError(containing: "multiple matches for labels: many-to-one matching must be explicit") {
            store.append(PromLabels(["__name__": "lim", "zone": "x"]), 0, 1)
            _ = try evaluator.instant(try PromQLParser.parse("mem + on (zone) lim"), at: 0)
        }
    }

    @Test("Go's float formats: %v, 'E' and 'f'")
    func goFormats() {
        #expect(GoFormat.g(1_000_000) == "1e+06")
        #expect(GoFormat.g(123_456) == "123456")
        #expect(GoFormat.g(0.0001) == "0.0001")
        #expect(GoFormat.g(0.00001) == "1e-05")
        #expect(GoFormat.g(-2.5) == "-2.5")
        #expect(GoFormat.upperE(0.9736842105263159) == "9.736842105263159E-01")
        #expect(GoFormat.upperE(120) == "1.2E+02")
        #expect(GoFormat.plain(1e21) == "1000000000000000000000")
        #expect(GoFormat.plain(0.000125) == "0.000125")
        #expect(GoFormat.quote("a\"b\\\n") == "\"a\\\"b\\\\\\n\"")
    }

    @Test("alert templates: Prometheus' functions and Go's control structures")
    func templates() {
        func expand(_ text: String, value: Double = 0.25) -> String {
            AlertTemplate.expandForAlert(RuleFiles.templatePrefix + text, name: "__alert_T", labels: PromLabels(["job": "api", "instance": "h:9090"]),
                                         externalLabels: ["cluster": "eu"], externalURL: "http://p", value: value, query: nil)
        }
        #expect(expand("{{ $value | humanizePercentage }} {{ $labels.job }} {{ $labels.nope }}.") == "25% api .")
        #expect(expand("{{ humanize 1234567 }} {{ humanize1024 2048 }} {{ humanizeDuration 90061 }}") == "1.235M 2ki 1d 1h 1m 1s")
        #expect(expand("{{ if gt $value 0.5 }}high{{ else }}low{{ end }} {{ $labels.instance | stripPort }}") == "low h")
        #expect(expand("{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}") == "instance=h:9090,job=api,")
        #expect(expand("{{- \"  x  \" -}}  |  {{- 3 -}} ") == "  x  |3")
        #expect(expand("{{ printf \"%.1f%%\" $value }} {{ printf \"%5s|%-3d|\" \"ab\" 7 }}") == "0.2%    ab|7  |")
        #expect(expand("{{ humanize \"abc\" }}").hasPrefix("<error expanding template: error executing template __alert_T:"))
        #expect(AlertTemplate.check("{{ $labels.job ", alert: "A") == "template: __alert_A:1: unclosed action")
        #expect(AlertTemplate.check("{{ nofunc 1 }}", alert: "A") == "template: __alert_A:1: function \"nofunc\" not defined")
        #expect(AlertTemplate.check("{{ if 1 }}", alert: "A") == "template: __alert_A:1: unexpected EOF")
    }
}
