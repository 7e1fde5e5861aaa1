@testable import Canary
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Six release scenarios against a real Prometheus (Debian's `prometheus`, started here on
/// 127.0.0.1 over history backfilled with promtool), faults against a scripted server, and
/// the judge's rules on their own.
@Suite(.serialized) struct CanaryTests {
    /// 2026-01-01T00:00:00Z: the end of every scenario's history.
    static let end = 1_767_225_600.0
    static let step = 15.0

    /// A deterministic noise in [-1, 1].
    static func noise(_ i: Int, _ seed: Int) -> Double {
        var x = UInt64(truncatingIfNeeded: i &* 2_654_435_761 &+ seed &* 40_503)
        x ^= x >> 13; x = x &* 0x5bd1_e995; x ^= x >> 15
        return Double(x % 2001) / 1000 - 1
    }

    /// 40 minutes of 15-second samples per scenario and group (OpenMetrics, timestamps in seconds).
    static func history() -> String {
        let points = 161
        var errors: [String] = [], latency: [String] = []
        func add(_ lines: inout [String], _ metric: String, _ scenario: String, _ group: String, _ value: (Int) -> Double) {
            for i in 0..<points {
                let time = end - Double(points - 1 - i) * step
                lines.append("\(metric){scenario=\"\(scenario)\",group=\"\(group)\"} \(value(i)) \(Int(time))")
            }
        }
        let normalError = { (seed: Int) in { (i: Int) in 0.01 + 0.002 * noise(i, seed) } }
        let normalLatency = { (seed: Int) in { (i: Int) in 0.12 + 0.02 * noise(i, seed) } }
        let scenarios: [(String, ((Int) -> Double)?, ((Int) -> Double)?)] = [
            ("healthy", normalError(2), normalLatency(3)),
            ("errors", { i in 0.08 + 0.005 * noise(i, 4) }, normalLatency(5)),
            // A one-minute spike (4 samples) ten minutes before the end.
            ("blip", { i in (120..<124).contains(i) ? 0.3 : 0.01 + 0.002 * noise(i, 6) }, normalLatency(7)),
            ("latency", normalError(8), { i in 0.30 + 0.03 * noise(i, 9) }),
            ("nodata", nil, nil),
            ("better", { i in 0.008 + 0.002 * noise(i, 10) }, normalLatency(11)),
        ]
        for (index, (scenario, canaryError, canaryLatency)) in scenarios.enumerated() {
            add(&errors, "app_error_ratio", scenario, "baseline", normalError(100 + index))
            add(&latency, "app_latency_seconds", scenario, "baseline", normalLatency(200 + index))
            if let canaryError { add(&errors, "app_error_ratio", scenario, "canary", canaryError) }
            if let canaryLatency { add(&latency, "app_latency_seconds", scenario, "canary", canaryLatency) }
        }
        return "# TYPE app_error_ratio gauge\n" + errors.joined(separator: "\n") + "\n# TYPE app_latency_seconds gauge\n"
            + latency.joined(separator: "\n") + "\n# EOF\n"
    }

    /// The seeds' rules: error rate above 5% for 5 minutes, latency above 2x baseline for 10.
    static func policy(_ url: String, scenario: String) throws -> CanaryPolicy {
        var policy = try CanaryPolicy(policy: Policy.parse("""
            prometheus: \(url)
            window: 30m
            step: 15s
            end: 2026-01-01T00:00:00Z
            retries: 1
            groups:
              baseline: {scenario: \(scenario)}
              canary: {scenario: \(scenario)}
            metrics:
              - name: error_rate
                query: 'app_error_ratio{scenario="{{scenario}}",group="{{group}}"}'
                bad: increase
                allowed-relative: 0.1
                allowed-absolute: 0.002
                critical: true
                weight: 2
                triggers:
                  - {above: 0.05, for: 5m}
              - name: latency
                query: 'app_latency_seconds{scenario="{{scenario}}",group="{{group}}"}'
                bad: increase
                allowed-relative: 0.2
                triggers:
                  - {above-baseline: 2, for: 10m}
            """, path: "canary.yml"))
        policy.timeout = 5
        return policy
    }

    static func analyze(_ policy: CanaryPolicy, environment: [String: String] = [:]) throws -> GateResult {
        try CanaryGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), environment: environment).evaluate()
    }

    @Test("six scenarios against a real Prometheus: each gets the right decision")
    func scenarios() throws {
        guard PrometheusServer.available else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("prometheus and promtool are not installed") }
            return
        }
        let server = try PrometheusServer(openMetrics: Self.history())
        defer { server.stop() }
        let expected: [(String, CanaryDecision, String)] = [
            ("healthy", .promote, "every metric passed"),
            ("errors", .rollback, "error_rate"),
            ("blip", .promote, "every metric passed"),
            ("latency", .rollback, "latency"),
            ("nodata", .rollback, "error_rate"),
            ("better", .promote, "every metric passed"),
        ]
        for (scenario, decision, mention) in expected {
            let result = try Self.analyze(Self.policy(server.url, scenario: scenario))
            #expect(result.summary.hasPrefix(decision.rawValue), "\(scenario): \(result.summary)")
            #expect(result.summary.contains(mention), "\(scenario): \(result.summary)")
            #expect(result.verdict == decision.verdict, "\(scenario)")
        }
        let errors = try Self.analyze(Self.policy(server.url, scenario: "errors"))
        #expect(errors.findings.contains { $0.rule == "canary/trigger" && $0.message.contains("above: 0.05, for: 5m") })
        let latency = try Self.analyze(Self.policy(server.url, scenario: "latency"))
        #expect(latency.findings.contains { $0.rule == "canary/trigger" && $0.message.contains("above-baseline: 2") })
        let nodata = try Self.analyze(Self.policy(server.url, scenario: "nodata"))
        #expect(nodata.findings.contains { $0.rule == "canary/nodata" && $0.message.contains("no data from the canary") })
        // The HTML report: a chart per metric, baseline and canary lines.
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var withReport = try Self.policy(server.url, scenario: "latency")
        withReport.html = directory + "/canary.html"
        _ = try Self.analyze(withReport).writingArtifacts()
        let page = try String(contentsOfFile: directory + "/canary.html", encoding: .utf8)
        #expect(page.components(separatedBy: "<polyline").count - 1 == 4)
        // A bounded warm-up against the same server.
        let warm = try Warmup.run(url: server.url + "/-/healthy", requests: 40, concurrency: 4, rate: 200, timeout: 2)
        #expect(warm.latencies.count == 40 && warm.failures == 0 && warm.statuses == [200: 40])
    }

    static func fault(_ script: [ScriptedHTTPServer.Response], timeout: Double = 5, retries: Int = 2,
                      environment: [String: String] = [:]) throws -> (GateResult, ScriptedHTTPServer) {
        let server = try ScriptedHTTPServer(script)
        defer { server.stop() }
        var policy = try Self.policy(server.url, scenario: "healthy")
        policy.timeout = timeout
        policy.retries = retries
        policy.metrics = [policy.metrics[0]]
        let result = GateRunner.run(gate: CanaryGate.id) { try Self.analyze(policy, environment: environment) }
        return (result, server)
    }

    static let good = """
        {"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1767225600,"0.01"],[1767225615,"0.011"]]}]}}
        """

    @Test("faults end in an error (exit 2) or a successful retry, never in promote")
    func faults() throws {
        // Prometheus down: nothing listens on the port.
        var policy = try Self.policy("http://127.0.0.1:\(freePort())", scenario: "healthy")
        policy.retries = 1
        let down = GateRunner.run(gate: CanaryGate.id) { try Self.analyze(policy) }
        #expect(down.verdict == .error)
        #expect(down.summary.contains("did not answer after 2 attempts"))
        // Slower than the timeout.
        let (slow, _) = try Self.fault([.init(status: 200, body: Self.good, delay: 3)], timeout: 0.5, retries: 0)
        #expect(slow.verdict == .error && slow.summary.contains("did not answer"))
        // 500s, then success: retried with backoff, then judged.
        let (retried, server) = try Self.fault([.init(status: 500, body: "oops"), .init(status: 503, body: ""), .init(status: 200, body: Self.good)], retries: 3)
        #expect(retried.verdict != .error, "\(retried.summary)")
        #expect(server.requestCount >= 4)  // two failures, then baseline and canary
        // 500s past the retries: an error naming the status.
        let (failing, _) = try Self.fault([.init(status: 500, body: "{\"status\":\"error\",\"error\":\"boom\"}")], retries: 1)
        #expect(failing.verdict == .error && failing.summary.contains("HTTP 500: boom"))
        // Malformed JSON.
        let (malformed, _) = try Self.fault([.init(status: 200, body: "{\"status\":\"success\",\"data\":")])
        #expect(malformed.verdict == .error && malformed.summary.contains("not a Prometheus API response"))
        // An error body (a bad query).
        let (refused, _) = try Self.fault([.init(status: 400, body: "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}")])
        #expect(refused.verdict == .error && refused.summary.contains("bad_data: parse error at char 5"))
    }

    @Test("the token goes in the Authorization header and in no output, log or report")
    func token() throws {
        let secret = "s3cr3t-token-value"
        let (result, server) = try Self.fault([.init(status: 401, body: "{\"status\":\"error\",\"error\":\"unauthorized\"}")],
                                              environment: ["PROMETHEUS_TOKEN": secret])
        #expect(result.verdict == .error)
        #expect(server.requests.first?.contains("Authorization: Bearer \(secret)") == true)
        for format in ReportFormat.allCases {
            #expect(!format.reporter(color: false).render(Report(results: [result], isCheck: false)).contains(secret))
        }
        #expect(!result.summary.contains(secret))
        // The command masks it in GitHub Actions logs and prints it nowhere else.
        let output = try GateBinary.run(["canary", "analyze", "--prometheus", "http://127.0.0.1:\(freePort())", "--policy", "/dev/null"],
                                        environment: ["PROMETHEUS_TOKEN": secret, "GITHUB_ACTIONS": "true"])
        #expect(output.status == 2)
        #expect(output.stderr.components(separatedBy: secret).count - 1 == 1 && output.stderr.contains("::add-mask::\(secret)"))
        #expect(!output.stdout.contains(secret))
    }

    @Test("answers: matrix, vector and scalar; NaN and ±Inf; warnings kept; a bad sample is malformed")
    func parsing() throws {
        var warnings: [String] = []
        let matrix = try PrometheusClient.parse(Array(#"{"status":"success","warnings":["w1"],"data":{"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1,"NaN"],[2,"+Inf"],[3,"-Inf"],[4,"1e-3"]]}]}}"#.utf8),
                                                source: "t", query: "q", warnings: &warnings)
        #expect(matrix[0].labels == ["a": "b"] && matrix[0].samples.count == 4)
        #expect(matrix[0].samples[0].value.isNaN && matrix[0].samples[1].value == .infinity && matrix[0].samples[2].value == -.infinity && matrix[0].samples[3].value == 0.001)
        #expect(warnings == ["w1"])
        let vector = try PrometheusClient.parse(Array(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[5,"2"]}]}}"#.utf8), source: "t", query: "q", warnings: &warnings)
        #expect(vector[0].samples == [.init(time: 5, value: 2)])
        let scalar = try PrometheusClient.parse(Array(#"{"status":"success","data":{"resultType":"scalar","result":[5,"7"]}}"#.utf8), source: "t", query: "q", warnings: &warnings)
        #expect(scalar[0].samples == [.init(time: 5, value: 7)])
        expectError(containing: "a sample that is not [time, \"value\"]") {
            _ = try PrometheusClient.parse(Array(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[5,7]}]}}"#.utf8), source: "t", query: "q", warnings: &warnings)
        }
    }

    @Test("placeholders take the group's label values, escaped as PromQL strings; an unknown one is an error")
    func substitution() throws {
        let query = try CanaryGate.substitute(#"up{job="{{job}}",g="{{group}}"}"#, group: "canary", labels: ["job": #"a"b\c"#])
        #expect(query == #"up{job="a\"b\\c",g="canary"}"#)
        expectError(containing: "{{pod}}") { _ = try CanaryGate.substitute("x{p=\"{{pod}}\"}", group: "canary", labels: [:]) }
    }

    static func series(_ values: [Double], start: Double = 0) -> [PrometheusSeries.Sample] {
        values.enumerated().map { .init(time: start + Double($0.offset) * 15, value: $0.element) }
    }

    @Test("triggers: sustained thresholds need the whole duration; consecutive counts need a row within the span")
    func triggers() {
        let sustained = CanaryPolicy.Trigger(above: 0.05, below: nil, aboveBaseline: nil, duration: 300, consecutive: nil, within: nil, text: "")
        #expect(CanaryJudge.fires(sustained, canary: Self.series(Array(repeating: 0.06, count: 20)), baseline: [], step: 15))
        #expect(!CanaryJudge.fires(sustained, canary: Self.series(Array(repeating: 0.06, count: 19)), baseline: [], step: 15))
        #expect(!CanaryJudge.fires(sustained, canary: Self.series(Array(repeating: 0.06, count: 10) + [0.01] + Array(repeating: 0.06, count: 10)), baseline: [], step: 15))
        let consecutive = CanaryPolicy.Trigger(above: 0, below: nil, aboveBaseline: nil, duration: nil, consecutive: 3, within: 60, text: "")
        #expect(CanaryJudge.fires(consecutive, canary: Self.series([0, 1, 1, 1, 0]), baseline: [], step: 15))
        #expect(!CanaryJudge.fires(consecutive, canary: Self.series([1, 1, 0, 1, 1, 0]), baseline: [], step: 15))
        let ratio = CanaryPolicy.Trigger(above: nil, below: nil, aboveBaseline: 2, duration: 60, consecutive: nil, within: nil, text: "")
        #expect(CanaryJudge.fires(ratio, canary: Self.series([5, 5, 5, 5]), baseline: Self.series([2, 2, 2, 2]), step: 15))
        #expect(!CanaryJudge.fires(ratio, canary: Self.series([3, 3, 3, 3]), baseline: Self.series([2, 2, 2, 2]), step: 15))
    }

    @Test("scores and decisions: weights, pass and marginal scores, critical failures")
    func decisions() {
        func judged(_ name: String, passed: Bool, critical: Bool = false, weight: Double = 1) -> MetricJudgement {
            MetricJudgement(name: name, critical: critical, weight: weight, baselineMedian: 1, canaryMedian: 1, change: 0, pValue: 1,
                            outcome: passed ? .pass : .high, triggered: [], why: "", baseline: [], canary: [])
        }
        #expect(CanaryJudge.decide([judged("a", passed: true), judged("b", passed: true)], passScore: 95, marginalScore: 75).decision == .promote)
        let hold = CanaryJudge.decide([judged("a", passed: true, weight: 4), judged("b", passed: false)], passScore: 95, marginalScore: 75)
        #expect(hold.decision == .hold && hold.score == 80)
        #expect(CanaryJudge.decide([judged("a", passed: true), judged("b", passed: false)], passScore: 95, marginalScore: 75).decision == .rollback)
        #expect(CanaryJudge.decide([judged("a", passed: true, weight: 9), judged("b", passed: false, critical: true)], passScore: 50, marginalScore: 25).decision == .rollback)
        #expect(CanaryJudge.decide([], passScore: 95, marginalScore: 75).decision == .rollback)
    }

    @Test("offline mode reads saved query_range answers; a missing one is an error naming the file")
    func offline() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func answer(_ values: [Double]) -> String {
            let pairs = values.enumerated().map { "[\(1_767_225_600 + $0.offset * 15),\"\($0.element)\"]" }.joined(separator: ",")
            return #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":["# + pairs + "]}]}}"
        }
        try Fixtures.write(answer((0..<60).map { 0.01 + 0.001 * Double($0 % 3) }), to: directory + "/error_rate.baseline.json")
        try Fixtures.write(answer((0..<60).map { 0.09 + 0.001 * Double($0 % 3) }), to: directory + "/error_rate.canary.json")
        var policy = try Self.policy("http://unused", scenario: "x")
        policy.offline = directory
        policy.metrics = [policy.metrics[0]]
        let result = try Self.analyze(policy)
        #expect(result.summary.hasPrefix("rollback"))
        policy.metrics = [CanaryPolicy.Metric(name: "absent", query: "up")]
        expectError(containing: "absent.baseline.json") { _ = try Self.analyze(policy) }
    }

    @Test("the command: the repository's offline canary promotes; a regressed one rolls back (exit 1); warm-up is bounded")
    func command() throws {
        let root = Fixtures.repositoryRoot
        let promote = try GateBinary.run(["canary", "--format", "json"], in: root)
        #expect(promote.status == 0, "\(promote.stdout)\(promote.stderr)")
        #expect(promote.stdout.contains("\"decision\": \"promote\""))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["error_rate", "latency_p95", "connection_failures"] {
            for group in ["baseline", "canary"] {
                var text = try Fixtures.text("canary/\(name).\(group).json")
                if name == "connection_failures" && group == "canary" { text = text.replacingOccurrences(of: "\"0.0\"", with: "\"2.0\"") }
                try Fixtures.write(text, to: directory + "/\(name).\(group).json")
            }
        }
        let rollback = try GateBinary.run(["canary", "analyze", "--offline", directory, "--report", directory + "/r.html"], in: root)
        #expect(rollback.status == 1, "\(rollback.stdout)")
        #expect(rollback.stdout.contains("rollback") && rollback.stdout.contains("consecutive: 3"))
        #expect(FileManager.default.fileExists(atPath: directory + "/r.html"))
        #expect(rollback.stdout.contains("--report is now --html; the old name still works"), "the old flag works, with a note")
        let server = try ScriptedHTTPServer([.init(status: 200, body: "ok")])
        defer { server.stop() }
        let warm = try GateBinary.run(["canary", "warmup", server.url + "/", "--requests", "12", "--concurrency", "3", "--rate", "100"])
        #expect(warm.status == 0, "\(warm.stderr)")
        #expect(warm.stdout.contains("12 requests") && warm.stdout.contains("0 failed") && server.requestCount == 12)
        let down = try GateBinary.run(["canary", "warmup", "http://127.0.0.1:\(freePort())/", "--requests", "3"])
        #expect(down.status == 2)
        #expect(try GateBinary.run(["canary", "warmup", server.url, "--requests", "0"]).status != 0)
    }
}
