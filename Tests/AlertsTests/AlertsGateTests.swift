import Foundation
import GateKit
import GateTestSupport
import PromQL
import Testing
@testable import Alerts

/// The gate: lint checks each flag their case and leave its control alone; the seeds' rules
/// and tests pass against the service's catalog; a renamed metric fails the dashboards and
/// the alerts gate alike.
@Suite("gate alerts")
struct AlertsGateTests {
    static let catalog = "fixtures/dashboards/metrics.prom"

    static func judge(_ ruleFiles: [String], tests: [String] = [], catalog: String? = Self.catalog, root: String = Fixtures.repositoryRoot) throws -> GateResult {
        var policy = AlertsPolicy()
        policy.ruleFiles = ruleFiles
        policy.tests = tests
        policy.catalog = catalog
        policy.requiredAnnotations = ["runbook_url"]
        return try AlertsGate(policy: policy, context: GateContext(root: root)).evaluate()
    }

    /// The `# lint: rule` comments of flagged.yml: the check each following rule must trip, at
    /// the line of that rule.
    static func expectedLint() throws -> [(rule: String, line: Int?)] {
        let lines = try Fixtures.text("alerts/lint/flagged.yml").split(separator: "\n", omittingEmptySubsequences: false)
        var out: [(String, Int?)] = []
        for (index, line) in lines.enumerated() {
            guard let range = line.range(of: "# lint: ") else { continue }
            let rule = String(line[range.upperBound...].prefix { $0 != " " })
            if rule == "duplicate-rule" {
                out.append((rule, index + 4))   // the second of the two rules after it
            } else if rule == "ignored-document" {
                out.append((rule, nil))
            } else {
                out.append((rule, index + 2))
            }
        }
        return out
    }

    @Test("each lint check flags its case, at the rule's line, and nothing else")
    func flagged() throws {
        let result = try Self.judge(["fixtures/alerts/lint/flagged.yml"])
        let got = result.findings.map { ($0.rule, $0.location?.line) }
        let expected = try Self.expectedLint()
        #expect(Set(expected.map(\.rule)).count == AlertsRule.allCases.count - 2, "every lint check but invalid-rule-file and test-failed has a case")
        #expect(got.count == expected.count, "\(result.findings.map(\.message))")
        for (rule, line) in expected {
            #expect(got.contains { $0.0 == "alerts/" + rule && $0.1 == line }, "\(rule) at \(String(describing: line)): \(got)")
        }
        #expect(result.verdict == .fail)
    }

    @Test("the controls: the same rules written correctly are not flagged")
    func controls() throws {
        let result = try Self.judge(["fixtures/alerts/lint/control.yml"])
        #expect(result.findings.isEmpty, "\(result.findings.map(\.message))")
        #expect(result.verdict == .pass)
    }

    @Test("the seeds' six alerts and their tests pass against the service's catalog; each alert has a runbook page")
    func seeds() throws {
        let result = try Self.judge(["fixtures/alerts/rules"], tests: ["fixtures/alerts/tests"])
        #expect(result.verdict == .pass, "\(result.summary) \(result.findings.map(\.message))")
        #expect(result.measurements.first { $0.name == "alerts" }?.value == 6)
        let text = try Fixtures.text("alerts/rules/search-service.yml")
        let runbooks = text.matches(of: #/runbook_url: \S+/(docs/runbooks/[a-z-]+\.md)/#).map { String($0.output.1) }
        #expect(runbooks.count == 6)
        for page in runbooks {
            #expect(FileManager.default.fileExists(atPath: Fixtures.repositoryRoot + "/" + page), "\(page)")
        }
    }

    @Test("a metric renamed in the catalog fails the dashboards gate and the alerts gate")
    func renamedMetric() throws {
        let directory = try Fixtures.temporaryDirectory()
        let original = try Fixtures.text("dashboards/metrics.prom")
        #expect(original.contains("http_request_duration_seconds"))
        try Fixtures.write(original.replacingOccurrences(of: "http_request_duration_seconds", with: "http_server_duration_seconds"), to: directory + "/renamed.prom")
        let dashboards = try GateBinary.run(["dashboards", "fixtures/dashboards", "--catalog", directory + "/renamed.prom"], in: Fixtures.repositoryRoot)
        #expect(dashboards.status == 1 && dashboards.stdout.contains("dashboards/metric-not-in-catalog"), "\(dashboards.stdout)")
        let alerts = try GateBinary.run(["alerts", "--catalog", directory + "/renamed.prom"], in: Fixtures.repositoryRoot)
        #expect(alerts.status == 1 && alerts.stdout.contains("alerts/metric-not-in-catalog"), "\(alerts.stdout)")
        #expect(alerts.stdout.contains("http_request_duration_seconds_bucket is not in the catalog"))
        // With the real catalog, both pass.
        #expect(try GateBinary.run(["alerts"], in: Fixtures.repositoryRoot).status == 0)
    }

    @Test("a failing unit test fails the gate with promtool's words, and the report is in details")
    func failingTests() throws {
        let result = try Self.judge(["fixtures/alerts/unit/rules.yml"], tests: ["fixtures/alerts/unit/failing-test.yml"], catalog: nil)
        let failures = result.findings.filter { $0.rule == "alerts/test-failed" }
        #expect(failures.count == 5)
        #expect(failures.contains { $0.message.hasPrefix("alertname: InstanceDown, time: 5m, exp:[") })
        #expect(result.measurements.first { $0.name == "failed-test-groups" }?.value == 2)
        #expect(result.verdict == .fail)
    }

    @Test("catalogs: names, `name type` lines, an exposition, /api/v1/metadata JSON")
    func catalogs() throws {
        let typed = MetricCatalog.parse("a_total counter\nb gauge\nc\nd histogram\n", source: "t")
        #expect(typed.types == ["a_total": "counter", "b": "gauge", "d": "histogram"] && typed.contains("c") && typed.contains("d_bucket"))
        #expect(typed.type(of: "d_count") == "counter")
        let metadata = try MetricCatalog.parse(Array(#"{"status":"success","data":{"up":[{"type":"gauge","help":"","unit":""}],"x_seconds":[{"type":"histogram","help":"","unit":""}]}}"#.utf8), source: "m")
        #expect(metadata.types["up"] == "gauge" && metadata.contains("x_seconds_bucket"))
        expectError(containing: "not a /api/v1/metadata answer") { _ = try MetricCatalog.parse(Array(#"{"status":"error"}"#.utf8), source: "m") }
    }

    @Test("label sets inferred from expressions")
    func labelSets() throws {
        func labels(_ expr: String) throws -> LabelSet { LabelSet.of(try PromQLParser.parse(expr)) }
        #expect(try labels("sum by (job) (rate(x[5m])) > 1") == .only(["job"]))
        #expect(try labels("sum(x)") == .only([]))
        #expect(try labels("sum without (instance) (x)") == .anyExcept(["instance", "__name__"]))
        #expect(try labels("x / on (job) group_left (team) y").contains("team"))
        #expect(try labels("a + on (job) b") == .only(["job"]))
        #expect(try labels("absent(up{job=\"a\"})") == .only(["job"]))
        #expect(try labels("label_replace(sum by (a) (x), \"b\", \"$1\", \"a\", \"(.*)\")") == .only(["a", "b"]))
        #expect(try labels("histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))") == .only(["job"]))
        #expect(try !labels("rate(x[5m])").contains("__name__"))
    }

    @Test("hostile rule and test files: exit 2 naming the file, in bounded time and memory")
    func hostile() throws {
        let directory = try Fixtures.temporaryDirectory()
        let bomb = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\ngroups: [*c]\n"
        try Fixtures.write(bomb, to: directory + "/bomb.yml")
        try Fixtures.write("", to: directory + "/empty.yml")
        try Fixtures.write("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n          bad indent\n", to: directory + "/truncated.yml")
        try Fixtures.write("{\"not\": \"rules\"}", to: directory + "/wrong.yml")
        for name in ["bomb.yml", "empty.yml"] {
            let run = try MeasuredRun.gate(["alerts", directory + "/" + name], in: Fixtures.repositoryRoot)
            #expect(run.status == 2 && run.stderr.contains(name), "\(name): \(run.stderr)")
            #expect(run.cpuSeconds < 5 && run.peakBytes < 500 << 20)
        }
        for name in ["truncated.yml", "wrong.yml"] {
            let run = try GateBinary.run(["alerts", directory + "/" + name], in: Fixtures.repositoryRoot)
            #expect(run.status == 1 && run.stdout.contains("alerts/invalid-rule-file"), "\(name): \(run.stdout)\(run.stderr)")
        }
        // A test file whose series would hold a billion samples stops at once.
        try Fixtures.write("tests:\n  - input_series:\n      - series: up\n        values: '1+1x1000000000'\n    promql_expr_test:\n      - {expr: up, eval_time: 1m}\n",
                           to: directory + "/huge-test.yml")
        let huge = try MeasuredRun.gate(["alerts", "test", directory + "/huge-test.yml"], in: Fixtures.repositoryRoot)
        #expect(huge.status == 1 && huge.stdout.contains("series too long"), "\(huge.stdout)")
        #expect(huge.cpuSeconds < 5 && huge.peakBytes < 500 << 20)
    }
}
