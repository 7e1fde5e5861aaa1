@testable import Dashboards
import Foundation
import PromQL
import GateKit
import GateTestSupport
import Testing

/// The project's own dashboards pass; copies with one injected defect each give exactly that
/// rule at that place; bad and hostile files are errors; the real public dashboards give no
/// error-level finding.
@Suite struct DashboardsGateTests {
    static func run(_ files: [String: String], catalog: String? = "metrics.prom", configure: (inout DashboardsPolicy) -> Void = { _ in }) throws -> GateResult {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/boards", withIntermediateDirectories: true)
        for (name, text) in files { try Fixtures.write(text, to: directory + "/boards/" + name) }
        var policy = DashboardsPolicy()
        policy.dashboards = [directory + "/boards"]
        policy.catalog = catalog.map { Fixtures.path("dashboards/" + $0) }
        policy.datasources = ["prometheus"]
        configure(&policy)
        return try DashboardsGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
    }

    static func fixture(_ name: String) throws -> String { try Fixtures.text("dashboards/\(name).json") }

    /// The service-health dashboard with `old` replaced by `new` (which must occur).
    static func injected(_ old: String, _ new: String, in name: String = "service-health") throws -> String {
        let text = try fixture(name)
        guard text.contains(old) else { throw GateError.usage("the fixture no longer contains \(old)") }
        return text.replacingOccurrences(of: old, with: new)
    }

    @Test("the project's five dashboards pass against its catalog")
    func fixtures() throws {
        let names = ["service-health", "search-performance", "recommendation-performance", "database-health", "cache-performance"]
        let result = try Self.run(Dictionary(uniqueKeysWithValues: try names.map { ("\($0).json", try Self.fixture($0)) }))
        #expect(result.verdict == .pass, "\(result.findings.map(\.message))")
        #expect(result.summary == "5 dashboards, 31 queries: 0 errors, 0 warnings")
    }

    @Test("one injected defect each: the exact rule and place", arguments: [
        ("\"id\": 3,", "\"id\": 2,", "panel-id-duplicate", "panel 2 'Error ratio': id 2 is also the id of panel 2 'Requests per second'"),
        ("\"x\": 12,\n        \"y\": 1,", "\"x\": 20,\n        \"y\": 1,", "gridpos-out-of-bounds", "panel 3 'Error ratio': gridPos x 20, y 1, w 12, h 8 is outside the 24-column grid"),
        ("\"x\": 12,\n        \"y\": 1,", "\"x\": 6,\n        \"y\": 1,", "gridpos-overlap", "panel 3 'Error ratio' overlaps panel 2 'Requests per second'"),
        ("\"uid\": \"${datasource}\"\n      },\n      \"description\": \"Requests per second.\"", "\"uid\": \"${nosuchds}\"\n      },\n      \"description\": \"Requests per second.\"",
         "datasource-unresolved", "panel 2 'Requests per second': datasource uid '${nosuchds}'"),
        ("sum by (code) (rate(http_requests_total{job=~\\\"$job\\\"", "sum by (code) (rate(http_requests_total{job=~\\\"$cluster\\\"", "variable-undefined",
         "panel 2 'Requests per second', target A: uses $cluster"),
        ("sum by (code) (rate(", "sum by (code) ((rate(", "promql-syntax", "panel 2 'Requests per second', target A: unclosed left parenthesis (at character 96 of"),
        ("sum by (code) (rate(", "sum by (code) (ratez(", "promql-unknown-function", "unknown function with name \"ratez\" (at character 16"),
        ("[$__rate_interval]))\",\n          \"legendFormat\": \"{{instance}}\"\n        }\n      ]\n    },\n    {\n      \"id\": 3", "[5m]))\",\n          \"legendFormat\": \"{{instance}}\"\n        }\n      ]\n    },\n    {\n      \"id\": 3",
         "rate-interval", "panel 2 'Requests per second', target A: rate(http_requests_total[5m]) over a fixed range"),
        ("\"title\": \"Search service \\u2014 health\",", "", "dashboard-missing-field", "the dashboard has no title"),
    ])
    func injectedDefect(old: String, new: String, rule: String, message: String) throws {
        let result = try Self.run(["service-health.json": try Self.injected(old, new)])
        let matching = result.findings.filter { $0.rule == "dashboards/" + rule }
        #expect(matching.count == 1, "\(rule): \(result.findings.map { "\($0.rule) \($0.message)" })")
        #expect(matching.first?.message.contains(message) == true, "\(matching.first?.message ?? "none")")
        #expect(matching.first?.location?.file.hasSuffix("service-health.json") == true)
        #expect(result.findings.count == 1 || rule == "promql-syntax", "only the injected defect: \(result.findings.map(\.message))")
    }

    @Test("a metric outside the catalog is an error; rate over a gauge, a duplicate refId and a duplicate uid are found")
    func moreDefects() throws {
        let unknownMetric = try Self.injected("process_resident_memory_bytes{", "process_resident_memory_byte{")
        let result = try Self.run(["service-health.json": unknownMetric])
        #expect(result.findings.map(\.rule) == ["dashboards/metric-not-in-catalog"])
        #expect(result.findings[0].message.contains("panel 7 'Resident memory', target A: metric 'process_resident_memory_byte' is not in"))
        let gaugeRate = try Self.injected("sum by (instance) (cache_memory_bytes{job=~\\\"$job\\\",instance=~\\\"$instance\\\"})",
                                          "sum by (instance) (rate(cache_memory_bytes{job=~\\\"$job\\\",instance=~\\\"$instance\\\"}[$__rate_interval]))", in: "cache-performance")
        let gauge = try Self.run(["cache-performance.json": gaugeRate])
        #expect(gauge.findings.map(\.rule) == ["dashboards/rate-on-non-counter"])
        #expect(gauge.findings[0].message.contains("panel 3 'Memory', target A: rate(cache_memory_bytes[…]) over a gauge"))
        let board = try Self.fixture("search-performance")
        let twoQueries = try Self.fixture("service-health").replacingOccurrences(of: "\"refId\": \"A\"", with: "\"refId\": \"X\"")
        let duplicateUID = try Self.run(["a.json": board, "b.json": board.replacingOccurrences(of: "Search \\u2014 performance", with: "Copy"), "c.json": twoQueries])
        #expect(duplicateUID.findings.map(\.rule) == ["dashboards/dashboard-uid-duplicate"])
        #expect(duplicateUID.findings[0].message.contains("uid 'search-perf' is also the uid of") && duplicateUID.findings[0].location?.file.hasSuffix("b.json") == true)
        let twoA = try Self.fixture("cache-performance").replacingOccurrences(of: "\"refId\": \"A\"", with: "\"refId\": \"Q\"")
            .replacingOccurrences(of: "\"targets\": [\n        {\n          \"refId\": \"Q\"", with: "\"targets\": [\n        {\"refId\": \"Q\", \"expr\": \"up\"},\n        {\n          \"refId\": \"Q\"")
        let refIds = try Self.run(["cache-performance.json": twoA])
        #expect(refIds.findings.filter { $0.rule == "dashboards/target-refid-duplicate" }.count == 3)
        #expect(refIds.findings.contains { $0.message.hasPrefix("panel 1 'Hit ratio', target Q: refId 'Q' is used twice") })
    }

    @Test("severities and exclusions from the policy apply")
    func policy() throws {
        let overlapping = try Self.injected("\"x\": 12,\n        \"y\": 1,", "\"x\": 6,\n        \"y\": 1,")
        let found = try Self.run(["service-health.json": overlapping])
        #expect(found.verdict == .warn)
        func rules(_ text: String) throws -> RuleSettings {
            try RuleSettings(policy: Policy.parse(text, path: "gates/dashboards.yml"), rules: DashboardsGate.rules)
        }
        let off = try rules("rules:\n  gridpos-overlap: off\n").apply(to: found)
        #expect(off.findings.isEmpty && off.verdict == .pass)
        let error = try rules("rules:\n  dashboards/gridpos-overlap: error\n").apply(to: found)
        #expect(error.verdict == .fail)
        #expect(error.measurements.first { $0.name == "errors" }?.value == 1)
        let excluded = try Self.run(["service-health.json": overlapping]) {
            $0.exclusions = [.init(rule: "gridpos-overlap", dashboard: "svc-health", panel: 3)]
        }
        #expect(excluded.findings.isEmpty)
        expectError(containing: "gates/dashboards.yml:2: 'rules.gridpos-overlaps' must be a rule of this gate (did you mean 'gridpos-overlap'?)") {
            _ = try rules("rules:\n  gridpos-overlaps: off\n")
        }
    }

    @Test("a range vector is a valid instant query and an invalid range query: flagged only in a target that is not instant")
    func instantTargets() throws {
        func board(_ target: String) -> String {
            #"{"uid": "u", "title": "t", "panels": [{"id": 1, "type": "table", "title": "p", "datasource": {"type": "prometheus", "uid": "prometheus"}, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "targets": [\#(target)]}]}"#
        }
        let instant = try Self.run(["i.json": board(#"{"refId": "A", "expr": "http_requests_total[5m]", "instant": true, "range": false}"#)], catalog: nil)
        #expect(!instant.findings.contains { $0.rule == "dashboards/promql-syntax" }, "\(instant.findings.map(\.message))")
        let range = try Self.run(["r.json": board(#"{"refId": "A", "expr": "http_requests_total[5m]"}"#)], catalog: nil)
        #expect(range.findings.contains { $0.rule == "dashboards/promql-syntax" && $0.message.contains("invalid expression type \"range vector\" for range query") },
                "\(range.findings.map(\.message))")
    }

    @Test("one unreadable dashboard is an error, and every other dashboard is still checked and reported")
    func unreadableAmongOthers() throws {
        let service = try Self.fixture("service-health")
        let broken = "{\"title\": \"x\", \"panels\": [,]}"
        let result = try Self.run(["a-broken.json": broken, "b-service.json": service, "c-cache.json": try Self.fixture("cache-performance"), "d-cut.json": "{\"title\": "])
        #expect(result.verdict == .error)
        #expect(result.summary.hasPrefix("2 of 4 dashboards could not be read: "), "\(result.summary)")
        #expect(result.summary.contains("a-broken.json:1:") && result.summary.contains("d-cut.json:1:"), "\(result.summary)")
        // The two readable dashboards were checked: their queries are counted.
        let queries = try #require(result.measurements.first { $0.name == "queries" })
        let alone = try Self.run(["b-service.json": service, "c-cache.json": try Self.fixture("cache-performance")])
        #expect(queries.value > 0)
        #expect(queries.value == alone.measurements.first { $0.name == "queries" }?.value)
        #expect(result.findings == alone.findings)
    }

    @Test("bad input: invalid JSON with line and column, nesting 100,000 deep, a 50 MB dashboard, unknown panel types")
    func badInput() throws {
        func expectUnreadable(_ files: [String: String], _ message: String) throws {
            let result = try Self.run(files)
            #expect(result.verdict == .error)
            #expect(result.summary.contains(message), "\(result.summary)")
        }
        try expectUnreadable(["broken.json": "{\n  \"title\": \"x\",\n  \"uid\": \"y\" \"panels\": []\n}\n"], ":3:14: invalid JSON: expected ',' or '}' in an object")
        try expectUnreadable(["deep.json": String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)], "nested deeper than 512 levels")
        try expectUnreadable(["empty.json": ""], "the file is empty")
        let v2 = try Self.run(["v2.json": #"{"apiVersion": "dashboard.grafana.app/v2beta1", "kind": "Dashboard", "spec": {"elements": {}}}"#])
        #expect(v2.findings.map(\.message) == ["a Grafana v2 dashboard (dashboard.grafana.app/v2beta1) is not supported yet: export it in the classic JSON model"])
        // 50 MB: one dashboard with a huge description and many panels.
        var panels: [String] = []
        for i in 0..<2000 {
            panels.append("{\"id\": \(i), \"type\": \"my-custom-plugin\", \"title\": \"p\(i)\", \"gridPos\": {\"x\": 0, \"y\": \(i * 2), \"w\": 24, \"h\": 2}, \"options\": {\"text\": \"\(String(repeating: "x", count: 25_000))\"}}")
        }
        let big = "{\"uid\": \"big\", \"title\": \"Big\", \"panels\": [\(panels.joined(separator: ","))]}"
        #expect(big.utf8.count > 50_000_000)
        let result = try Self.run(["big.json": big], catalog: nil)
        #expect(result.verdict == .pass, "\(result.findings.prefix(3).map(\.message))")
    }

    @Test("the real public dashboards give no error-level finding")
    func realDashboards() throws {
        let directory = Fixtures.repositoryRoot + "/../shared/fixtures/dashboards/real"
        guard FileManager.default.fileExists(atPath: directory) else { return }
        var policy = DashboardsPolicy()
        policy.dashboards = [directory]
        let result = try DashboardsGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
        #expect(result.findings.filter { $0.severity == .error }.isEmpty, "\(result.findings.filter { $0.severity == .error }.prefix(5).map(\.message))")
        #expect(result.measurements.first { $0.name == "queries" }!.value >= 500)
    }

    @Test("Grafana variables are replaced with offsets kept; the catalog's names are linted as promtool does")
    func variablesAndNaming() {
        let substitution = GrafanaSubstitution.substitute("rate(x{a=\"$job\", b=\"${inst:regex}\", c=\"[[old]]\"}[$__rate_interval])")
        #expect(substitution.text == "rate(x{a=\"job\", b=\"inst\", c=\"old\"}[\(GrafanaSubstitution.rateInterval)])")
        #expect(substitution.used.map(\.name) == ["job", "inst", "old", "__rate_interval"])
        #expect(substitution.originalOffset(substitution.text.utf8.count - 2) == "rate(x{a=\"$job\", b=\"${inst:regex}\", c=\"[[old]]\"}[$__rate_interval])".utf8.count - 2)
        let catalog = MetricCatalog.parse("# TYPE requestCount counter\nrequestCount 1\n# TYPE latency_ms gauge\nlatency_ms 2\n# TYPE queue_total gauge\n", source: "m")
        let problems = catalog.namingProblems().map { "\($0.name) \($0.problem)" }
        #expect(problems.contains("requestCount counter metrics should have \"_total\" suffix"))
        #expect(problems.contains("requestCount metric names should be written in 'snake_case' not 'camelCase'"))
        #expect(problems.contains("latency_ms metric names should not contain abbreviated units: _ms"))
        #expect(problems.contains("queue_total non-counter metrics should not have \"_total\" suffix"))
    }

    @Test("the command: the repository's dashboards pass; promql prints a verdict per expression")
    func command() throws {
        let pass = try GateBinary.run(["dashboards"], in: Fixtures.repositoryRoot)
        #expect(pass.status == 0, "\(pass.stdout)")
        let broken = try Self.injected("sum by (code) (rate(", "sum by (code) ((rate(")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(broken, to: directory + "/b.json")
        let fail = try GateBinary.run(["dashboards", directory + "/b.json", "--policy", "/dev/null"])
        #expect(fail.status == 1)
        let promql = try GateBinary.run(["dashboards", "promql", directory + "/b.json"])
        #expect(promql.status == 0)
        #expect(promql.stdout.split(separator: "\n").count == 8 && promql.stdout.contains("\"ok\": false"))
    }
}

@Suite struct LiveCatalogTests {
    @Test("a live Prometheus's metric names make the catalog; an unreachable one is an error")
    func live() throws {
        let names = #"{"status":"success","data":["up","http_requests_total","http_request_duration_seconds_bucket","process_resident_memory_bytes","process_cpu_seconds_total"]}"#
        let server = try ScriptedHTTPServer([.init(status: 200, body: names)])
        defer { server.stop() }
        let catalog = try MetricCatalog.live(server.url, environment: ["PROMETHEUS_TOKEN": "t0ken"])
        #expect(catalog.names.count == 5 && catalog.contains("http_requests_total"))
        #expect(server.requests.first?.contains("GET /api/v1/label/__name__/values") == true)
        #expect(server.requests.first?.contains("Authorization: Bearer t0ken") == true)
        var policy = DashboardsPolicy()
        policy.dashboards = [Fixtures.path("dashboards/service-health.json")]
        policy.catalogPrometheus = server.url
        let result = try DashboardsGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
        #expect(result.findings.isEmpty, "\(result.findings.map(\.message))")
        expectError(containing: "Is Prometheus running there?") { _ = try MetricCatalog.live("http://127.0.0.1:\(freePort())", environment: [:]) }
    }
}
