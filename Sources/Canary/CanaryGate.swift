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

    public func evaluate() throws -> GateResult {
        guard !policy.metrics.isEmpty else { throw GateError.usage("canary: no metrics (metrics: in gates/canary.yml).") }
        guard let baselineLabels = policy.groups["baseline"], let canaryLabels = policy.groups["canary"] else {
            throw GateError.usage("canary: define groups.baseline and groups.canary (the label values each query selects).")
        }
        let end = policy.end ?? now
        let start = end - policy.window
        var client: PrometheusClient?
        if policy.offline == nil {
            guard let url = policy.prometheus else { throw GateError.usage("canary: pass --prometheus URL (or prometheus: in gates/canary.yml), or --offline DIR.") }
            var endpoint = PrometheusEndpoint(url: url)
            endpoint.timeout = policy.timeout
            endpoint.retries = policy.retries
            client = PrometheusClient(endpoint: endpoint, environment: environment)
        }
        // Every query at once, a few in flight: 20 metrics × 2 groups.
        let sharedClient = client
        let tasks = policy.metrics.flatMap { metric in [("baseline", baselineLabels), ("canary", canaryLabels)].map { (metric, $0.0, $0.1) } }
        let results = parallelMap(tasks.count, width: 8) { index in
            try self.samples(tasks[index].0, group: tasks[index].1, labels: tasks[index].2, start: start, end: end, client: sharedClient)
        }
        var judgements: [MetricJudgement] = []
        for (index, metric) in policy.metrics.enumerated() {
            let baseline = try results[2 * index].get(), canary = try results[2 * index + 1].get()
            judgements.append(CanaryJudge.judge(metric, baseline: baseline, canary: canary, confidence: policy.confidence, step: policy.step))
        }
        var result = judge(judgements, warnings: client?.warnings ?? [])
        if let html = policy.html {
            result.artifacts.append(Artifact(path: context.resolve(html), name: html, content: .page(sections: CanaryHTMLReport.sections(judgements: judgements))))
        }
        return result
    }

    /// One group's samples of one metric: the query must return at most one series.
    func samples(_ metric: CanaryPolicy.Metric, group: String, labels: [String: String], start: Double, end: Double, client: PrometheusClient?) throws -> [PrometheusSeries.Sample] {
        let query = try Self.substitute(metric.query, group: group, labels: labels)
        let series: [PrometheusSeries]
        if let offline = policy.offline {
            let path = context.resolve(offline) + "/\(metric.name).\(group).json"
            let bytes = try InputFile.readAll(path, expected: "a saved Prometheus query_range answer", limits: .document).bytes
            var warnings: [String] = []
            series = try PrometheusClient.parse(bytes, source: path, query: query, warnings: &warnings)
        } else {
            series = try client!.queryRange(query, start: start, end: end, step: policy.step)
        }
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
                verdict: judgement.passed ? .pass : (judgement.critical || !judgement.triggered.isEmpty ? .fail : .warn)))
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
        let summary = "\(decision.rawValue): score \(CanaryJudge.format(score)) (pass \(Measurement.format(policy.passScore)), marginal \(Measurement.format(policy.marginalScore)))"
            + (failed.isEmpty ? ", every metric passed" : "; failed: \(failed.joined(separator: ", "))")
        let rows = judgements.map { j -> [String] in
            [j.name, CanaryJudge.format(j.baselineMedian), CanaryJudge.format(j.canaryMedian), CanaryJudge.describe(j.change, j.canaryMedian - j.baselineMedian),
             j.pValue.map(CanaryJudge.format) ?? "", j.passed ? "pass" : (j.outcome == .nodata ? "nodata" : "fail"), j.why]
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
