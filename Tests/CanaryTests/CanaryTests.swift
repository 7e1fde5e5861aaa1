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

    /// The late scenario's first bad sample: eight minutes before the end.
    static let lateIndex = 128
    static var lateFrom: Double { end - Double(160 - lateIndex) * step }

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
            // Healthy until `lateFrom`, then 8% errors: for the repeated analysis.
            ("late", { i in i >= lateIndex ? 0.08 + 0.005 * noise(i, 12) : 0.01 + 0.002 * noise(i, 13) }, normalLatency(14)),
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
            // The last hour up to the window's end (2026-01-01): the analysis keeps its 30 minutes.
            let pairs = values.enumerated().map { "[\(1_767_225_600 - (values.count - 1 - $0.offset) * 15),\"\($0.element)\"]" }.joined(separator: ",")
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
        for name in ["error_rate", "latency_p95", "latency_p99", "connection_failures"] {
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

/// Repeated analysis and the decision page.
@Suite(.serialized) struct CanaryRoundsTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func append(_ line: String) { lock.lock(); items.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    static func rounds(_ result: GateResult) throws -> [JSONTree] {
        let details = try JSONTree.parse(Array(try #require(result.details).rendered().utf8), path: "details")
        return try #require(details["rounds"]?.array)
    }

    @Test("repeated analysis against a real Prometheus rolls back in the round where the trigger fires, and not before")
    func repeated() throws {
        guard PrometheusServer.available else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("prometheus and promtool are not installed") }
            return
        }
        let server = try PrometheusServer(openMetrics: CanaryTests.history())
        defer { server.stop() }
        var policy = try CanaryTests.policy(server.url, scenario: "late")
        (policy.window, policy.interval, policy.count, policy.failureLimit, policy.inconclusiveLimit) = (600, 60, 10, 1, 2)
        policy.end = CanaryTests.end - 9 * 60
        // `above: 0.05, for: 5m` holds once the bad samples span five minutes: at the sample
        // lateFrom + 5m − step. The first round whose window reaches it fires.
        let fires = CanaryTests.lateFrom + 300 - CanaryTests.step
        let expected = Int(((fires - policy.end!) / policy.interval).rounded(.up)) + 1
        #expect(expected > 2 && expected < 10, "the scenario puts the trigger mid-run")
        let lines = Lines()
        var gate = CanaryGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), environment: [:])
        gate.progress = { lines.append($0) }
        let result = try gate.evaluate()
        let rounds = try Self.rounds(result)
        #expect(rounds.count == expected, "\(result.summary)")
        for round in rounds.dropLast() {
            #expect(round["decision"]?.string != "rollback" && round["triggered"]?.array?.isEmpty == true, "round \(round["round"]?.number ?? 0) before the trigger")
        }
        #expect(rounds.last?["decision"]?.string == "rollback" && rounds.last?["triggered"]?.array?.first?.string == "error_rate")
        #expect(result.verdict == .fail)
        #expect(result.summary.hasPrefix("rollback: a rollback trigger fired on error_rate in round \(expected) of 10"), "\(result.summary)")
        #expect(lines.all.count == expected && lines.all.last?.contains("round \(expected)/10") == true)
        #expect(result.tables.contains { $0.title == "Rounds" && $0.rows.count == expected })
        // The page links Prometheus's graph of the last round's window, both queries.
        let page = try #require(result.page)
        #expect(page.contains("<a href=\"\(server.url)/graph?g0.expr=app_error_ratio%7Bscenario%3D%22late%22%2Cgroup%3D%22baseline%22%7D"))
        #expect(page.contains("g1.expr=app_error_ratio%7Bscenario%3D%22late%22%2Cgroup%3D%22canary%22%7D&amp;g1.tab=0&amp;g1.range_input=10m&amp;g1.end_input=2025-12-31%2023%3A57%3A00"))
        // Not before: the same run stopped one round earlier does not roll back.
        policy.count = expected - 1
        let earlier = try CanaryGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), environment: [:]).evaluate()
        #expect(earlier.verdict != .fail, "\(earlier.summary)")
        #expect(try Self.rounds(earlier).count == expected - 1)
    }

    /// The repository's saved answers: a healthy canary over 2025-12-31 23:30–00:00 UTC.
    static func offline() throws -> CanaryPolicy {
        try CanaryPolicy(policy: Policy.load(path: Fixtures.repositoryRoot + "/gates/canary.yml"))
    }

    @Test("rounds wait for their window's end by the clock; the limits end the run; a failing last round never promotes")
    func limits() throws {
        var policy = try Self.offline()
        policy.html = nil
        (policy.end, policy.window, policy.interval, policy.count) = (nil, 600, 300, 3)
        let fixturesEnd = 1_767_225_600.0
        let clock = Lines()
        // A clock that starts 10 minutes before the saved data ends and moves only by the waits.
        final class Clock: @unchecked Sendable { var now = 0.0 }
        let time = Clock()
        time.now = fixturesEnd - 600
        var gate = CanaryGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), environment: [:], now: time.now)
        gate.clock = { time.now }
        gate.sleep = { seconds in clock.append("\(seconds)"); time.now += seconds }
        let result = try gate.evaluate()
        #expect(clock.all == ["300.0", "300.0"])
        #expect(try Self.rounds(result).map { $0["end"]?.number } == [fixturesEnd - 600, fixturesEnd - 300, fixturesEnd])
        #expect(result.verdict == .pass && result.summary.hasPrefix("promote: 3 rounds within the limits"))

        // A canary whose connection failures break a critical metric: every round rolls back.
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["error_rate", "latency_p95", "latency_p99", "connection_failures"] {
            for group in ["baseline", "canary"] {
                var text = try Fixtures.text("canary/\(name).\(group).json")
                if name == "latency_p95" && group == "canary" {
                    // 30% slower: a regression of a metric that is not critical (a hold).
                    text = try Self.scaled(text, by: 1.3)
                }
                try Fixtures.write(text, to: directory + "/\(name).\(group).json")
            }
        }
        policy.offline = directory
        (policy.end, policy.window, policy.interval, policy.count) = (fixturesEnd - 900, 600, 300, 4)
        policy.passScore = 95
        policy.marginalScore = 50
        var held = CanaryGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), environment: [:])
        held.sleep = { _ in }
        let hold = try held.evaluate()
        #expect(hold.verdict == .warn && hold.summary.hasPrefix("hold: 1 inconclusive round of 1, more than the inconclusive limit 0"), "\(hold.summary)")
        policy.inconclusiveLimit = 5
        held.policy = policy
        let tolerated = try held.evaluate()
        // Within the limits, but the last round held: hold, not promote.
        #expect(tolerated.verdict == .warn && tolerated.summary.hasPrefix("hold: the last round (4 of 4) was hold"), "\(tolerated.summary)")
        #expect(try Self.rounds(tolerated).count == 4)
    }

    /// Every value of a saved answer times `factor`.
    static func scaled(_ text: String, by factor: Double) throws -> String {
        let regex = try NSRegularExpression(pattern: #","([0-9.e-]+)"\]"#)
        var out = text
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            let range = Range(match.range(at: 1), in: text)!
            out.replaceSubrange(range, with: String(Double(text[range])! * factor))
        }
        return out
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("the decision page: the decision as the headline, one verdict per metric everywhere, p with significant digits")
    func page() throws {
        var policy = try Self.offline()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // latency_p95 regresses (not critical: warn), connection failures fire their trigger.
        for name in ["error_rate", "latency_p95", "latency_p99", "connection_failures"] {
            for group in ["baseline", "canary"] {
                var text = try Fixtures.text("canary/\(name).\(group).json")
                if name == "latency_p95" && group == "canary" { text = try Self.scaled(text, by: 1.5) }
                if name == "connection_failures" && group == "canary" { text = text.replacingOccurrences(of: "\"0.0\"", with: "\"2.0\"") }
                try Fixtures.write(text, to: directory + "/\(name).\(group).json")
            }
        }
        // An earlier step of the rollout, as its job kept it.
        let earlier = try GateBinary.run(["canary", "analyze", "--label", "0.1%", "--format", "json", "-o", directory + "/step-0.1.json"], in: Fixtures.repositoryRoot)
        #expect(earlier.status == 0, "\(earlier.stderr)")
        policy.offline = directory
        policy.label = "5%"
        policy.history = [directory + "/step-0.1.json"]
        policy.html = directory + "/page.html"
        let result = try CanaryGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), environment: [:]).evaluate().writingArtifacts()
        let page = try String(contentsOfFile: directory + "/page.html", encoding: .utf8)
        #expect(page == result.page, "--format html and html: are one page")

        #expect(page.contains("<title>canary 5%: ROLLBACK</title>"))
        #expect(page.components(separatedBy: "<h1>").count == 2 && page.contains("<h1>ROLLBACK</h1>"))
        #expect(page.contains("<p class=\"reason\">rollback: a rollback trigger fired on connection_failures; score 60 (pass 95, marginal 75)"))
        // The command prints the same page for --format html as it writes for --html.
        let cli = try GateBinary.run(["canary", "analyze", "--offline", directory, "--format", "html", "-o", directory + "/printed.html", "--html", directory + "/written.html"],
                                     in: Fixtures.repositoryRoot)
        #expect(cli.status == 1)
        let printed = try String(contentsOfFile: directory + "/printed.html", encoding: .utf8)
        #expect(printed == (try String(contentsOfFile: directory + "/written.html", encoding: .utf8)) && printed.contains("<h1>ROLLBACK</h1>"))
        // One verdict per metric: the result's measurement, the table row and the chart heading.
        for name in ["error_rate", "latency_p95", "latency_p99", "connection_failures"] {
            let verdict = try #require(result.measurements.first { $0.name == "change[\(name)]" }?.verdict.rawValue)
            let words = Self.matches(##"<a href="#m-\##(name)">.*?<td class="verdict (\w+)">"##, page) + Self.matches(##"<h3 id="m-\##(name)">[^<]*<span class="verdict (\w+)""##, page)
            #expect(words == [verdict, verdict], "\(name): \(words) vs \(verdict)")
        }
        #expect(result.measurements.first { $0.name == "change[latency_p95]" }?.verdict == .warn)
        #expect(result.measurements.first { $0.name == "change[connection_failures]" }?.verdict == .fail)
        // p: at most four significant digits, never binary noise.
        let pValues = Self.matches(#"p = ([^ ;)<]+)"#, page)
        #expect(pValues.count >= 3)
        for p in pValues {
            #expect(p.range(of: #"^(0|1|0\.\d{1,4}|[1-9](\.\d{1,3})?e-\d+|0\.0*[1-9]\d{0,3})$"#, options: .regularExpression) != nil, "p = \(p)")
        }
        #expect(page.range(of: #"\.\d*(9999|0000)\d"#, options: .regularExpression) == nil, "a number with binary noise")
        // UTC time axes, the trigger line and its shading, the PromQL, the score's weights, the history.
        #expect(page.contains(">23:30</text>") && page.contains("2025-12-31 23:30:00 UTC – 2026-01-01 00:00:00 UTC"))
        #expect(page.contains("trigger &gt; 0") && page.contains("fill=\"#ffcecb\""))
        #expect(page.contains("canary:   sum(increase(upstream_connect_failures_total{deployment=&quot;search-canary&quot;}[15s]))"))
        #expect(page.contains("Weights: error_rate 2 ✓ + latency_p95 1 ✗ + latency_p99 1 ✓ + connection_failures 1 ✗"))
        #expect(page.contains("The rollout so far") && page.contains("<td>0.1%</td>") && page.contains("<td><b>5%</b></td>"))

        // A real browser renders it: the decision is on the page it draws, kept as a screenshot.
        guard let chromium = Self.chromium else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("chromium is not installed") }
            return
        }
        let artifacts = Fixtures.repositoryRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(directory)/profile"]
        let dom = try ProcessRunner.run(chromium, flags + ["--dump-dom", "file://\(directory)/page.html"], in: directory)
        #expect(dom.status == 0 && dom.stdout.contains("<h1>ROLLBACK</h1>"), "\(dom.stderr.suffix(500))")
        let shot = try ProcessRunner.run(chromium, flags + ["--window-size=1100,2400", "--screenshot=\(artifacts)/canary-decision.png", "file://\(directory)/page.html"], in: directory)
        let png = FileManager.default.contents(atPath: artifacts + "/canary-decision.png") ?? Data()
        #expect(shot.status == 0 && png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "\(shot.stderr.suffix(500))")
    }

    static func matches(_ pattern: String, _ text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range(at: 1), in: text)!]) }
    }
}

@Suite struct CanaryObjectiveTests {
    static func samples(_ values: [Double]) -> [PrometheusSeries.Sample] {
        values.enumerated().map { PrometheusSeries.Sample(time: Double($0.offset) * 15, value: $0.element) }
    }

    @Test("an absolute objective fails a canary no worse than its baseline; within it, the comparison decides")
    func objectives() {
        var metric = CanaryPolicy.Metric(name: "latency_p95", query: "q")
        metric.maximum = 0.2
        let slow = Self.samples((0..<40).map { 0.25 + 0.001 * Double($0 % 5) })
        let judged = CanaryJudge.judge(metric, baseline: slow, canary: slow, confidence: 0.98, step: 15)
        #expect(judged.outcome == .high && judged.verdict == .warn && judged.why.hasPrefix("canary median 0.252 above the objective 0.2"), "\(judged.why)")
        let fast = Self.samples((0..<40).map { 0.15 + 0.001 * Double($0 % 5) })
        #expect(CanaryJudge.judge(metric, baseline: fast, canary: fast, confidence: 0.98, step: 15).passed)
        metric.maximum = nil
        metric.minimum = 0.3
        metric.critical = true
        let low = CanaryJudge.judge(metric, baseline: fast, canary: fast, confidence: 0.98, step: 15)
        #expect(low.outcome == .low && low.verdict == .fail)
    }

    @Test("NaN: removed by default, zero on request; outliers: kept by default, beyond 3 × IQR removed on request")
    func nanAndOutliers() {
        let values = (0..<20).map { 1.0 + 0.01 * Double($0 % 4) }
        #expect(CanaryJudge.withoutOutliers(values + [50], factor: 3) == values)
        #expect(CanaryJudge.withoutOutliers(values + [1.06], factor: 3) == values + [1.06])
        var metric = CanaryPolicy.Metric(name: "m", query: "q")
        let withNaN = Self.samples(values + [.nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan])
        #expect(abs(CanaryJudge.judge(metric, baseline: Self.samples(values), canary: withNaN, confidence: 0.98, step: 15).canaryMedian - 1.015) < 1e-9)
        metric.nanAsZero = true
        let zero = CanaryJudge.judge(metric, baseline: Self.samples(values), canary: withNaN, confidence: 0.98, step: 15)
        #expect(zero.canaryMedian == 0)
        // A canary whose spikes would move the test: with outliers removed its median and p are the baseline's.
        metric.nanAsZero = false
        metric.removeOutliers = true
        let spiky = CanaryJudge.judge(metric, baseline: Self.samples(values), canary: Self.samples(values + [40, 50]), confidence: 0.98, step: 15)
        #expect(abs(spiky.canaryMedian - 1.015) < 1e-9 && spiky.removed == (0, 2) && spiky.passed)
    }

    @Test("the policy: objectives, nan, outliers and the repeated-analysis keys parse; bad values name the key")
    func policy() throws {
        let policy = try CanaryPolicy(policy: Policy.parse("""
            interval: 30s
            count: 4
            failure-limit: 1
            inconclusive-limit: 2
            label: 5%
            metrics:
              - {name: m, query: q, max: 0.2, min: 0.01, nan: zero, outliers: remove, outlier-factor: 1.5}
            """, path: "canary.yml"))
        #expect(policy.interval == 30 && policy.count == 4 && policy.failureLimit == 1 && policy.inconclusiveLimit == 2 && policy.label == "5%")
        let metric = policy.metrics[0]
        #expect(metric.maximum == 0.2 && metric.minimum == 0.01 && metric.nanAsZero && metric.removeOutliers && metric.outlierFactor == 1.5)
        for (text, key) in [("count: 0", "count"), ("interval: 2h", "interval"), ("metrics:\n  - {name: m, query: q, nan: drop}", "nan"),
                            ("metrics:\n  - {name: m, query: q, outliers: trim}", "outliers"), ("count: 1000\ninterval: 1h", "at most 24h")] {
            expectError(containing: key) { _ = try CanaryPolicy(policy: Policy.parse(text, path: "canary.yml")) }
        }
    }
}
