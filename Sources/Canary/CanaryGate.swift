import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// `gate canary analyze`: each metric queried for the baseline and the canary over the
/// window, judged (`CanaryJudge`), scored, and turned into promote / hold / rollback — pass,
/// warn, fail. Prometheus unreachable, a refused query or a malformed answer is an error
/// (exit 2): never a promotion.
public struct CanaryGate: Sendable {
    public static let id = "canary"
    public static let rules = [
        RuleDescriptor(id: "canary/regression", severity: .warning, summary: "The canary is significantly worse than the baseline on a metric.", help: "Compare the two series in the HTML report."),
        RuleDescriptor(id: "canary/trigger", severity: .error, summary: "A rollback trigger fired.", help: "Roll back now; the trigger is the seeds' rollback rule."),
        RuleDescriptor(id: "canary/nodata", severity: .error, summary: "A metric has no data from the canary or the baseline.", help: "Is the canary receiving traffic, and does the query select it?"),
        RuleDescriptor(id: "canary/decision", severity: .warning, summary: "The canary's decision.", help: "promote, hold or rollback."),
    ]

    public var policy: CanaryPolicy
    public var context: GateContext
    public var environment: [String: String]
    public var now: Double

    /// The environment (credentials) and the clock are the context's unless given.
    public init(policy: CanaryPolicy, context: GateContext, environment: [String: String]? = nil, now: Double? = nil) {
        (self.policy, self.context) = (policy, context)
        (self.environment, self.now) = (environment ?? context.environment.variables, now ?? context.now)
    }


    /// `{{name}}` in a query: the group's label `name` (escaped as a PromQL string), or
    /// `{{group}}` the group's name.
    public static func substitute(_ query: String, group: String, labels: [String: String]) throws -> String {
        var out = ""
        var rest = Substring(query)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw GateError.usage("canary: an unclosed {{ in the query: \(query)") }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let value: String
            if name == "group" {
                value = group
            } else if let labelValue = labels[name] {
                value = labelValue
            } else {
                throw GateError.usage("canary: the query uses {{\(name)}}, which group '\(group)' does not define (groups: {\(group): {\(name): …}})")
            }
            out += escape(value)
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// Inside a PromQL double-quoted string: backslash, quote and line breaks escaped.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(character)
            }
        }
        return out
    }

    /// One round of a repeated analysis.
    public struct Round: Sendable, Equatable {
        /// 1-based.
        public var index: Int
        /// End of the round's window, seconds since 1970.
        public var end: Double
        public var decision: CanaryDecision
        public var score: Double
        /// Metrics that did not pass, and those whose rollback trigger fired.
        public var failed: [String]
        public var triggered: [String]
    }

    /// Called with one line per round of a repeated analysis (`count` > 1).
    public var progress: (@Sendable (String) -> Void)?
    /// The wall clock the rounds wait on (the first round ends at `end`, or `now`), and the
    /// wait; tests replace them.
    public var clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    public var sleep: @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }

    /// The analysis, repeated as Argo Rollouts repeats a measurement: `count` rounds, one per
    /// `interval`, each over the `window` that ends at its time (round i ends at the first
    /// end + i × interval, and waits until the clock has passed it). Each round is judged and
    /// kept; the run ends at once with rollback when a trigger fires or rollback rounds exceed
    /// `failure-limit`, with hold when hold rounds exceed `inconclusive-limit`; after the last
    /// round it promotes only if that round promoted (else it holds). Bounded by construction:
    /// at most (count − 1) × interval of waiting plus each round's queries, each with its
    /// timeout and retries.
    public func evaluate() throws -> GateResult {
        guard !policy.metrics.isEmpty else { throw GateError.usage("canary: no metrics (metrics: in gates/canary.yml).") }
        guard let baselineLabels = policy.groups["baseline"], let canaryLabels = policy.groups["canary"] else {
            throw GateError.usage("canary: define groups.baseline and groups.canary (the label values each query selects).")
        }
        var client: PrometheusClient?
        if policy.offline == nil {
            guard let url = policy.prometheus else { throw GateError.usage("canary: pass --prometheus URL (or prometheus: in gates/canary.yml), or --offline DIR.") }
            var endpoint = PrometheusEndpoint(url: url)
            endpoint.timeout = policy.timeout
            endpoint.retries = policy.retries
            client = PrometheusClient(endpoint: endpoint, environment: environment)
        }
        let history = try policy.history.map { try CanaryHistory.read(context.resolve($0), name: $0) }
        let groups = [("baseline", baselineLabels), ("canary", canaryLabels)]
        let queries = try policy.metrics.map { metric in try groups.map { try Self.substitute(metric.query, group: $0.0, labels: $0.1) } }
        // Saved answers are read once; each round keeps the samples of its window.
        let saved = try policy.offline.map { offline in
            try policy.metrics.indices.map { index in try groups.indices.map { try self.saved(policy.metrics[index], group: groups[$0].0, query: queries[index][$0], directory: offline) } }
        }
        let first = policy.end ?? now
        var rounds: [Round] = []
        var judgements: [MetricJudgement] = []
        var (failures, holds) = (0, 0)
        var ended: (CanaryDecision, String)?
        for index in 0..<policy.count {
            let end = first + Double(index) * policy.interval
            let wait = end - clock()
            if wait > 0 { sleep(wait) }
            judgements = try judgeWindow(end: end, queries: queries, saved: saved, client: client)
            let (decision, score) = CanaryJudge.decide(judgements, passScore: policy.passScore, marginalScore: policy.marginalScore)
            let round = Round(index: index + 1, end: end, decision: decision, score: score, failed: judgements.filter { !$0.passed }.map(\.name),
                              triggered: judgements.filter { !$0.triggered.isEmpty }.map(\.name))
            rounds.append(round)
            if decision == .rollback { failures += 1 } else if decision == .hold { holds += 1 }
            if policy.count > 1 {
                progress?("canary: round \(index + 1)/\(policy.count), window to \(Timestamp.utc(Int64(end.rounded())))Z: \(decision.rawValue), score \(CanaryJudge.format(score))"
                          + (round.failed.isEmpty ? "" : "; failed: \(round.failed.joined(separator: ", "))"))
            }
            if !round.triggered.isEmpty {
                ended = (.rollback, "a rollback trigger fired on \(round.triggered.joined(separator: ", ")) in round \(index + 1) of \(policy.count)")
            } else if failures > policy.failureLimit {
                ended = (.rollback, "\(failures) rollback round\(failures == 1 ? "" : "s") of \(index + 1), more than the failure limit \(policy.failureLimit)")
            } else if holds > policy.inconclusiveLimit {
                ended = (.hold, "\(holds) inconclusive round\(holds == 1 ? "" : "s") of \(index + 1), more than the inconclusive limit \(policy.inconclusiveLimit)")
            }
            if ended != nil { break }
        }
        var result = judge(judgements, warnings: client?.warnings ?? [])
        let last = rounds.last!
        let decision: CanaryDecision
        if let (stopped, reason) = ended {
            decision = stopped
            if policy.count > 1 { result.summary = "\(stopped.rawValue): \(reason); last round: " + Self.dropDecision(result.summary) }
        } else if last.decision == .promote {
            decision = .promote
            if policy.count > 1 { result.summary = "promote: \(rounds.count) rounds within the limits; last round: " + Self.dropDecision(result.summary) }
        } else {
            // Within the limits, but the canary's latest round is not good: never promote on it.
            decision = .hold
            result.summary = "hold: the last round (\(last.index) of \(policy.count)) was \(last.decision.rawValue), within the limits; last round: " + Self.dropDecision(result.summary)
        }
        result.verdict = decision.verdict
        if let index = result.measurements.firstIndex(where: { $0.name == "score" }) { result.measurements[index].verdict = decision.verdict }
        if policy.count > 1 {
            let tally = [CanaryDecision.promote, .hold, .rollback].compactMap { kind -> String? in
                let n = rounds.filter { $0.decision == kind }.count
                return n == 0 ? nil : "\(n) \(kind.rawValue)"
            }
            result.summary += " (rounds: \(tally.joined(separator: ", ")))"
            let rows = rounds.map { round -> [String] in
                let failed = round.failed.map { name in name + (round.triggered.contains(name) ? " (trigger)" : "") }
                return ["\(round.index)", Timestamp.utc(Int64(round.end.rounded())), round.decision.rawValue, CanaryJudge.format(round.score), failed.joined(separator: ", ")]
            }
            result.tables.append(ResultTable(title: "Rounds", header: ["round", "window end (UTC)", "decision", "score", "failed"], rows: rows))
        }
        var details: [(String, JSONValue)] = [("decision", .string(decision.rawValue)), ("score", .number(last.score))]
        if let label = policy.label { details.append(("label", .string(label))) }
        details.append(("window-end", .number(last.end)))
        details.append(("rounds", .array(rounds.map { round in
            .orderedObject([("round", .integer(round.index)), ("end", .number(round.end)), ("decision", .string(round.decision.rawValue)),
                            ("score", .number(round.score)), ("failed", .array(round.failed.map(JSONValue.string))),
                            ("triggered", .array(round.triggered.map(JSONValue.string)))])
        })))
        result.details = .object(Dictionary(details, uniquingKeysWith: { a, _ in a }))
        // One page for --format html and html:.
        result.page = CanaryPage(policy: policy, decision: decision, summary: result.summary, judgements: judgements, rounds: rounds, history: history,
                                 end: last.end, measurements: result.measurements).render()
        if let html = policy.html {
            result.artifacts.append(Artifact(path: context.resolve(html), name: html, content: .text(result.page!)))
        }
        return result
    }

    /// "rollback: score 50 …" → "score 50 …".
    static func dropDecision(_ summary: String) -> String {
        guard let colon = summary.firstIndex(of: ":") else { return summary }
        return String(summary[summary.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
    }

    /// Every metric judged over the window that ends at `end`.
    func judgeWindow(end: Double, queries: [[String]], saved: [[[PrometheusSeries.Sample]]]?, client: PrometheusClient?) throws -> [MetricJudgement] {
        let start = end - policy.window
        let results: [Result<[PrometheusSeries.Sample], any Error>]
        if let saved {
            results = saved.flatMap { $0 }.map { samples in .success(samples.filter { $0.time >= start && $0.time <= end }) }
        } else {
            // Every query at once, a few in flight: 20 metrics × 2 groups.
            let tasks = policy.metrics.indices.flatMap { index in [0, 1].map { (index, $0) } }
            results = parallelMap(tasks.count, width: 8) { task in
                let (index, group) = tasks[task]
                return try self.samples(self.policy.metrics[index], group: group == 0 ? "baseline" : "canary", query: queries[index][group],
                                        start: start, end: end, client: client!)
            }
        }
        return try policy.metrics.enumerated().map { index, metric in
            var judgement = CanaryJudge.judge(metric, baseline: try results[2 * index].get(), canary: try results[2 * index + 1].get(),
                                              confidence: policy.confidence, step: policy.step)
            judgement.queries = (queries[index][0], queries[index][1])
            return judgement
        }
    }

    /// One group's samples of one metric: the query must return at most one series.
    func samples(_ metric: CanaryPolicy.Metric, group: String, query: String, start: Double, end: Double, client: PrometheusClient) throws -> [PrometheusSeries.Sample] {
        try Self.single(client.queryRange(query, start: start, end: end, step: policy.step), metric: metric, group: group, query: query)
    }

    /// A saved query_range answer: `<directory>/<metric>.<group>.json`.
    func saved(_ metric: CanaryPolicy.Metric, group: String, query: String, directory: String) throws -> [PrometheusSeries.Sample] {
        let path = context.resolve(directory) + "/\(metric.name).\(group).json"
        let bytes = try InputFile.readAll(path, expected: "a saved Prometheus query_range answer", limits: .document).bytes
        var warnings: [String] = []
        return try Self.single(PrometheusClient.parse(bytes, source: path, query: query, warnings: &warnings), metric: metric, group: group, query: query)
    }

    static func single(_ series: [PrometheusSeries], metric: CanaryPolicy.Metric, group: String, query: String) throws -> [PrometheusSeries.Sample] {
        guard series.count <= 1 else {
            throw GateError.usage("canary: the query for '\(metric.name)' (\(group)) returns \(series.count) series; aggregate it to one (sum, avg or histogram_quantile … by ()): \(query)")
        }
        return series.first?.samples ?? []
    }

    public func judge(_ judgements: [MetricJudgement], warnings: [String] = []) -> GateResult {
        let (decision, score) = CanaryJudge.decide(judgements, passScore: policy.passScore, marginalScore: policy.marginalScore)
        var findings: [Finding] = []
        var measurements = [Measurement(name: "score", value: (score * 100).rounded() / 100, threshold: policy.passScore, comparison: .atLeast,
                                        verdict: decision.verdict)]
        for judgement in judgements {
            // Relative change in %; against a zero baseline the absolute change (no unit).
            let delta = judgement.canaryMedian - judgement.baselineMedian
            let change = judgement.change.map { ($0 * 10_000).rounded() / 100 } ?? (delta.isFinite ? delta : 0)
            measurements.append(Measurement(
                name: "change[\(judgement.name)]", value: change, unit: judgement.change == nil ? nil : "%",
                verdict: judgement.verdict))
            if judgement.outcome == .nodata {
                findings.append(Finding(severity: .error, rule: "canary/nodata", message: "\(judgement.name): \(judgement.why)\(judgement.critical ? " (critical)" : "")"))
            } else if judgement.outcome != .pass {
                findings.append(Finding(severity: judgement.critical ? .error : .warning, rule: "canary/regression", message: "\(judgement.name): \(judgement.why)"))
            }
            if !judgement.triggered.isEmpty {
                findings.append(Finding(severity: .error, rule: "canary/trigger", message: "\(judgement.name): rollback trigger {\(judgement.triggered.joined(separator: "}, {"))} fired"))
            }
        }
        for warning in Set(warnings).sorted() {
            findings.append(Finding(severity: .warning, rule: "canary/decision", message: "Prometheus warned: \(warning)"))
        }
        let failed = judgements.filter { !$0.passed }.map(\.name)
        let summary = "\(decision.rawValue): " + (CanaryJudge.reason(judgements, decision).map { $0 + "; " } ?? "") + "score \(CanaryJudge.format(score)) (pass \(Measurement.format(policy.passScore)), marginal \(Measurement.format(policy.marginalScore)))"
            + (failed.isEmpty ? ", every metric passed" : "; failed: \(failed.joined(separator: ", "))")
        let rows = judgements.map { j -> [String] in
            [j.name, CanaryJudge.format(j.baselineMedian), CanaryJudge.format(j.canaryMedian), CanaryJudge.describe(j.change, j.canaryMedian - j.baselineMedian),
             j.pValue.map(CanaryJudge.format) ?? "", j.verdict.rawValue, j.why]
        }
        return GateResult(
            gate: Self.id, verdict: decision.verdict, summary: summary, measurements: measurements, findings: findings, rules: Self.rules,
            details: .object(["decision": .string(decision.rawValue), "score": .number(score)]),
            tables: [ResultTable(title: "Metrics", header: ["metric", "baseline median", "canary median", "change", "p", "verdict", "why"], rows: rows)])
    }
}

extension CanaryGate: Gate {
    public static var policyKeys: [PolicyKey] { CanaryPolicy.policyKeys }
    public static var renamedKeys: [String: String] { CanaryPolicy.renamedKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try CanaryGate(policy: CanaryPolicy(policy: policy), context: context).evaluate()
    }
}
