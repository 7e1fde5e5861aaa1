import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// An experiment's results as the experiment gate reads them (YAML or JSON):
///
/// ```yaml
/// experiment: checkout_button_color
/// control: control
/// users: {control: 10000, green: 10100}        # assigned users, for the sample-ratio check
/// expected-split: {control: 50, green: 50}     # optional: equal shares by default
/// primary: conversion
/// metrics:
///   conversion:                                 # proportion: users and conversions
///     type: proportion
///     variants:
///       control: {users: 10000, conversions: 1200}
///       green: {users: 10100, conversions: 1310}
///   p95_latency_ms:                             # mean: mean, sd, n
///     type: mean
///     guardrail: {direction: lower-is-better, max-degradation: 0.05}
///     variants:
///       control: {mean: 412, sd: 80, n: 10000}
///       green: {mean: 415, sd: 82, n: 10100}
/// ```
public struct ExperimentResults: Sendable, Equatable {
    public enum Direction: String, Sendable { case higherIsBetter = "higher-is-better", lowerIsBetter = "lower-is-better" }

    public enum Data: Sendable, Equatable {
        case proportion(users: Double, conversions: Double)
        case mean(mean: Double, sd: Double, n: Double)

        var size: Double {
            switch self {
            case .proportion(let users, _): users
            case .mean(_, _, let n): n
            }
        }

        var value: Double {
            switch self {
            case .proportion(let users, let conversions): conversions / users
            case .mean(let mean, _, _): mean
            }
        }
    }

    public struct Metric: Sendable, Equatable {
        public var name: String
        public var line: Int
        public var guardrail: (direction: Direction, maxDegradation: Double)?
        public var variants: [String: Data]

        public static func == (a: Metric, b: Metric) -> Bool {
            a.name == b.name && a.variants == b.variants && a.guardrail?.direction == b.guardrail?.direction
                && a.guardrail?.maxDegradation == b.guardrail?.maxDegradation
        }
    }

    public var path: String
    public var name: String
    public var control: String
    /// Variants in file order (of `users`).
    public var variants: [String]
    public var users: [String: Double]
    public var expectedSplit: [String: Double]
    public var primary: String
    public var metrics: [Metric]

    static let keys = ["experiment", "control", "users", "expected-split", "primary", "metrics"]

    public static func load(_ path: String) throws -> (ExperimentResults, InputDigest) {
        let (bytes, digest) = try InputFile.readAll(path, expected: "experiment results (YAML or JSON)", limits: .yaml)
        return (try parse(String(decoding: bytes, as: UTF8.self), path: path), digest)
    }

    public static func parse(_ text: String, path: String) throws -> ExperimentResults {
        let file = try Policy.parse(text, path: path)
        try file.requireKnownKeys(keys)
        func bad(_ line: Int?, _ message: String) -> GateError { .policySyntax(path: path, line: line, message: message) }
        func numbers(_ entry: PolicyEntry?, what: String) throws -> [(String, Double, Int)] {
            guard let entry else { return [] }
            guard case .map(let items, _) = entry.value else { throw bad(entry.line, "\(what) must map variant names to numbers") }
            return try items.map { item in
                guard case .scalar(let text, _) = item.value, let value = Double(text), value.isFinite else {
                    throw bad(item.line, "\(what).\(item.key) must be a number")
                }
                return (item.key, value, item.line)
            }
        }
        guard let name = try file.string("experiment") else { throw bad(nil, "'experiment' (the experiment's name) is required") }
        guard let control = try file.string("control") else { throw bad(nil, "'control' (the control variant) is required") }
        guard let primary = try file.string("primary") else { throw bad(nil, "'primary' (the decision metric) is required") }
        let assigned = try numbers(file.entry("users"), what: "users")
        var results = ExperimentResults(path: path, name: name, control: control, variants: assigned.map(\.0),
                                        users: Dictionary(uniqueKeysWithValues: assigned.map { ($0.0, $0.1) }), expectedSplit: [:],
                                        primary: primary, metrics: [])
        for (variant, count, line) in assigned where count <= 0 || count != count.rounded() {
            throw bad(line, "variant '\(variant)' has \(Measurement.format(count)) users; every variant needs a whole, positive number of users")
        }
        guard assigned.count >= 2 else { throw bad(file.entry("users")?.line, "'users' must name the control and at least one treatment") }
        guard results.users[control] != nil else { throw bad(file.entry("control")?.line, "the control '\(control)' is not among the variants in 'users'") }
        let split = try numbers(file.entry("expected-split"), what: "expected-split")
        if split.isEmpty {
            results.expectedSplit = Dictionary(uniqueKeysWithValues: assigned.map { ($0.0, 1.0) })
        } else {
            guard Set(split.map(\.0)) == Set(results.variants), split.allSatisfy({ $0.1 > 0 }) else {
                throw bad(file.entry("expected-split")?.line, "expected-split must give every variant in 'users' a positive share")
            }
            results.expectedSplit = Dictionary(uniqueKeysWithValues: split.map { ($0.0, $0.1) })
        }
        guard let metricEntries = try file.mapping("metrics"), !metricEntries.isEmpty else { throw bad(nil, "'metrics' is required") }
        for entry in metricEntries {
            results.metrics.append(try metric(entry, variants: results.variants, path: path))
        }
        guard results.metrics.contains(where: { $0.name == primary }) else {
            throw bad(file.entry("primary")?.line, "the primary metric '\(primary)' is not among the metrics")
        }
        return results
    }

    private static func metric(_ entry: PolicyEntry, variants: [String], path: String) throws -> Metric {
        func bad(_ line: Int, _ message: String) -> GateError { .policySyntax(path: path, line: line, message: "metric \(entry.key): \(message)") }
        guard case .map(let fields, _) = entry.value else { throw bad(entry.line, "must be a mapping") }
        var type: String?
        var metric = Metric(name: entry.key, line: entry.line, guardrail: nil, variants: [:])
        var variantEntries: [PolicyEntry] = []
        for field in fields {
            switch (field.key, field.value) {
            case ("type", .scalar(let text, _)): type = text
            case ("variants", .map(let items, _)): variantEntries = items
            case ("guardrail", .map(let items, _)):
                var direction: Direction?
                var bound: Double?
                for item in items {
                    guard case .scalar(let text, _) = item.value else { throw bad(item.line, "guardrail.\(item.key) must be a value") }
                    switch item.key {
                    case "direction": direction = Direction(rawValue: text)
                    case "max-degradation":
                        bound = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
                    default: throw bad(item.line, "unknown guardrail key '\(item.key)' (keys: direction, max-degradation)")
                    }
                }
                guard let direction, let bound, bound >= 0, bound.isFinite else {
                    throw bad(field.line, "a guardrail needs direction (higher-is-better or lower-is-better) and max-degradation (a fraction ≥ 0, or a percentage)")
                }
                metric.guardrail = (direction, bound)
            default:
                throw bad(field.line, "unknown key '\(field.key)' (keys: type, guardrail, variants)")
            }
        }
        guard type == "proportion" || type == "mean" else { throw bad(entry.line, "type must be proportion or mean") }
        for item in variantEntries {
            guard variants.contains(item.key) else { throw bad(item.line, "variant '\(item.key)' is not in 'users'") }
            guard case .map(let numbers, _) = item.value else { throw bad(item.line, "variant \(item.key) must be a mapping") }
            var values: [String: Double] = [:]
            for number in numbers {
                guard case .scalar(let text, _) = number.value, let value = Double(text), value.isFinite else {
                    throw bad(number.line, "\(item.key).\(number.key) must be a number")
                }
                values[number.key] = value
            }
            if type == "proportion" {
                guard Set(values.keys) == ["users", "conversions"], let users = values["users"], let conversions = values["conversions"] else {
                    throw bad(item.line, "variant \(item.key) needs exactly users and conversions")
                }
                guard users > 0 else { throw bad(item.line, "variant \(item.key) has 0 users: nothing to compare") }
                guard conversions >= 0, conversions <= users else { throw bad(item.line, "variant \(item.key) has conversions outside 0…users") }
                metric.variants[item.key] = .proportion(users: users, conversions: conversions)
            } else {
                guard Set(values.keys) == ["mean", "sd", "n"], let mean = values["mean"], let sd = values["sd"], let n = values["n"] else {
                    throw bad(item.line, "variant \(item.key) needs exactly mean, sd and n")
                }
                guard n >= 2, sd >= 0 else { throw bad(item.line, "variant \(item.key) needs n ≥ 2 and sd ≥ 0") }
                metric.variants[item.key] = .mean(mean: mean, sd: sd, n: n)
            }
        }
        for variant in variants where metric.variants[variant] == nil {
            throw bad(entry.line, "no data for variant '\(variant)'")
        }
        return metric
    }
}

/// The experiment gate's settings: `gates/experiment.yml`.
public struct ExperimentPolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("results", .path, "The results file (YAML or JSON): variants, users, metrics."),
        PolicyKey("alpha", .number, "Significance level, split over the treatments (default 0.05)."),
        PolicyKey("srm-alpha", .number, "A sample-ratio mismatch below this p stops the experiment (default 0.001)."),
        PolicyKey("minimum-sample", .number, "Users every variant needs before shipping (default 1000)."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    public var results: String?
    public var alpha = 0.05
    public var srmAlpha = 0.001
    public var minimumSample = 1000.0

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        results = try policy.string("results")
        if let value = try policy.number("alpha", in: 0.000001...0.5) { alpha = value }
        if let value = try policy.number("srm-alpha", in: 0.000001...0.5) { srmAlpha = value }
        if let value = try policy.number("minimum-sample", in: 0...1e12) { minimumSample = value }
    }
}

/// `gate experiment`: ship, keep running, or stop.
///
/// - Sample-ratio mismatch: chi-square of assigned users against the expected split; p below
///   `srm-alpha` (0.001) means the assignment is broken and no result can be trusted: stop.
/// - Each treatment against the control on every metric: proportions by the pooled
///   two-proportion z-test, means by Welch's t-test; the difference, the relative lift and
///   their (1 − α′) confidence intervals, α′ = α / treatments (Bonferroni).
/// - Guardrails: the relative degradation (a fall for higher-is-better, a rise for
///   lower-is-better) beyond `max-degradation` and significant → stop; its interval reaching
///   past the bound → cannot ship yet.
/// - Decision per treatment: stop (SRM, a breached guardrail, or the primary metric
///   significantly worse); ship (every variant has `minimum-sample` users, the primary metric
///   significantly better, no guardrail in doubt); otherwise keep running. The gate fails on
///   stop, warns on keep running, passes when a treatment ships.
public struct ExperimentGate: Sendable {
    public static let id = "experiment"
    public static let rules = [
        RuleDescriptor(id: "experiment/sample-ratio-mismatch", severity: .error, summary: "Users were not split as designed.", help: "Fix the assignment before reading any metric."),
        RuleDescriptor(id: "experiment/guardrail-breached", severity: .error, summary: "A guardrail metric degraded beyond its bound.", help: "Stop the experiment."),
        RuleDescriptor(id: "experiment/decision", severity: .warning, summary: "The decision for a treatment: ship (note), keep running (warning) or stop (error).", help: "ship, keep running or stop."),
    ]
    public let policy: ExperimentPolicy

    public init(policy: ExperimentPolicy) {
        self.policy = policy
    }

    public enum Decision: String, Sendable { case ship, keepRunning = "keep running", stop }

    public struct Comparison: Sendable {
        public var metric: String
        public var control: Double
        public var treatment: Double
        public var difference: Double
        public var interval: (Double, Double)
        public var relativeLift: Double
        public var relativeInterval: (Double, Double)
        public var p: Double
    }

    public func evaluate() throws -> GateResult {
        guard let path = policy.results else {
            throw GateError.usage("experiment: pass the results file (gate experiment RESULTS, or results: in gates/experiment.yml).")
        }
        let (results, digest) = try ExperimentResults.load(path)
        return judge(results, inputs: [digest])
    }

    public static func compare(_ control: ExperimentResults.Data, _ treatment: ExperimentResults.Data, metric: String, alpha: Double) -> Comparison {
        switch (control, treatment) {
        case (.proportion(let n1, let x1), .proportion(let n2, let x2)):
            let (_, p) = ExperimentStatistics.twoProportion(successes1: x1, n1: n1, successes2: x2, n2: n2)
            let p1 = x1 / n1, p2 = x2 / n2
            let se = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2).squareRoot()
            let z = Distributions.normalQuantile(1 - alpha / 2)
            return comparison(metric, p1, p2, se * z, p)
        case (.mean(let m1, let s1, let n1), .mean(let m2, let s2, let n2)):
            let test = ExperimentStatistics.welch(mean1: m2, sd1: s2, n1: n2, mean2: m1, sd2: s1, n2: n1)
            let t = test.standardError > 0 ? Distributions.studentTQuantile(1 - alpha / 2, degrees: test.degrees) : 0
            return comparison(metric, m1, m2, test.standardError * t, test.standardError > 0 ? test.p : 1)
        default:
            return comparison(metric, control.value, treatment.value, .infinity, 1)
        }
    }

    private static func comparison(_ metric: String, _ control: Double, _ treatment: Double, _ halfWidth: Double, _ p: Double) -> Comparison {
        let difference = treatment - control
        let scale = abs(control) > 0 ? abs(control) : .nan
        return Comparison(metric: metric, control: control, treatment: treatment, difference: difference,
                          interval: (difference - halfWidth, difference + halfWidth), relativeLift: difference / scale,
                          relativeInterval: ((difference - halfWidth) / scale, (difference + halfWidth) / scale), p: p)
    }

    public func judge(_ results: ExperimentResults, inputs: [InputDigest] = []) -> GateResult {
        var measurements: [Measurement] = []
        var findings: [Finding] = []
        var rows: [[String]] = []
        var details: [(String, JSONValue)] = []
        let location = Location(file: results.path)
        // Sample-ratio mismatch.
        let total = results.variants.reduce(0.0) { $0 + results.users[$1]! }
        let shares = results.variants.reduce(0.0) { $0 + results.expectedSplit[$1]! }
        let expected = results.variants.map { total * results.expectedSplit[$0]! / shares }
        let srm = ExperimentStatistics.chiSquare(observed: results.variants.map { results.users[$0]! }, expected: expected)
        let srmBroken = srm.p < policy.srmAlpha
        measurements.append(Measurement(name: "srm_p_value", value: srm.p, threshold: policy.srmAlpha, comparison: .atLeast, verdict: srmBroken ? .fail : .pass))
        if srmBroken {
            let observed = results.variants.map { "\($0) \(Measurement.format(results.users[$0]!))" }.joined(separator: ", ")
            findings.append(Finding(severity: .error, rule: "experiment/sample-ratio-mismatch",
                                    message: "sample-ratio mismatch: \(observed) against the expected split (chi-square \(String(format: "%.2f", srm.statistic)), p = \(String(format: "%.3g", srm.p))): the assignment is broken, stop and fix it",
                                    location: location))
        }
        let treatments = results.variants.filter { $0 != results.control }
        let alpha = policy.alpha / Double(treatments.count)
        var decisions: [String: Decision] = [:]
        for treatment in treatments {
            var reasons: [String] = []
            var stop = srmBroken, doubt = false
            var primaryBetter = false
            for metric in results.metrics {
                let c = Self.compare(metric.variants[results.control]!, metric.variants[treatment]!, metric: metric.name, alpha: alpha)
                rows.append([treatment, metric.name, Self.number(c.control), Self.number(c.treatment), Self.percent(c.relativeLift),
                             "[\(Self.percent(c.relativeInterval.0)), \(Self.percent(c.relativeInterval.1))]", String(format: "%.4g", c.p)])
                details.append(("\(treatment)/\(metric.name)", .orderedObject([
                    ("control", .number(c.control)), ("treatment", .number(c.treatment)), ("difference", .number(c.difference)),
                    ("interval", .array([.number(c.interval.0), .number(c.interval.1)])), ("relative_lift", .number(c.relativeLift)), ("p", .number(c.p)),
                ])))
                if metric.name == results.primary {
                    measurements.append(Measurement(name: "primary_p_value[\(treatment)]", value: c.p, threshold: alpha, comparison: .atMost,
                                                    verdict: c.p <= alpha ? .pass : .warn))
                    measurements.append(Measurement(name: "primary_lift[\(treatment)]", value: (c.relativeLift * 10_000).rounded() / 100, unit: "%"))
                    if c.p < alpha && c.difference < 0 {
                        stop = true
                        reasons.append("\(metric.name) is significantly worse (\(Self.percent(c.relativeLift)), p = \(String(format: "%.3g", c.p)))")
                    } else if c.p < alpha && c.difference > 0 {
                        primaryBetter = true
                    } else {
                        reasons.append("\(metric.name) shows no significant difference yet (p = \(String(format: "%.3g", c.p)))")
                    }
                }
                if let (direction, bound) = metric.guardrail {
                    let sign = direction == .higherIsBetter ? -1.0 : 1.0
                    let degradation = sign * c.relativeLift
                    let worst = max(sign * c.relativeInterval.0, sign * c.relativeInterval.1)
                    if degradation > bound && c.p < alpha {
                        stop = true
                        findings.append(Finding(severity: .error, rule: "experiment/guardrail-breached",
                                                message: "\(treatment): guardrail \(metric.name) degraded \(Self.percent(degradation)), beyond the allowed \(Self.percent(bound)) (p = \(String(format: "%.3g", c.p)))",
                                                location: Location(file: results.path, line: metric.line)))
                    } else if worst > bound || !worst.isFinite {
                        doubt = true
                        reasons.append("guardrail \(metric.name) could still be degraded by up to \(Self.percent(worst)) (allowed \(Self.percent(bound)))")
                    }
                }
            }
            let smallest = results.metrics.flatMap { [$0.variants[results.control]!.size, $0.variants[treatment]!.size] }.min() ?? 0
            let enough = smallest >= policy.minimumSample && results.users[treatment]! >= policy.minimumSample && results.users[results.control]! >= policy.minimumSample
            if !enough { reasons.append("fewer than \(Measurement.format(policy.minimumSample)) users in a variant") }
            let decision: Decision = stop ? .stop : (primaryBetter && enough && !doubt ? .ship : .keepRunning)
            decisions[treatment] = decision
            let severity: Severity = decision == .stop ? .error : (decision == .keepRunning ? .warning : .note)
            findings.append(Finding(severity: severity, rule: "experiment/decision",
                                    message: "\(treatment): \(decision.rawValue)" + (reasons.isEmpty ? "" : " — " + reasons.joined(separator: "; ")),
                                    location: location))
        }
        let verdict: Verdict = decisions.values.contains(.stop) || srmBroken ? .fail : (decisions.values.contains(.ship) ? .pass : .warn)
        let summary = "\(results.name): " + treatments.map { "\($0) \(decisions[$0]!.rawValue)" }.joined(separator: ", ")
            + (srmBroken ? " (sample-ratio mismatch)" : "")
        return GateResult(
            gate: Self.id, verdict: verdict, summary: summary, measurements: measurements,
            findings: findings.filter { !($0.rule == "experiment/decision" && verdict == .fail && $0.severity == .note) }, inputs: inputs,
            rules: Self.rules,
            details: .orderedObject(details),
            tables: [ResultTable(title: "Metrics", header: ["variant", "metric", "control", "treatment", "lift", "CI", "p"], rows: rows)])
    }

    static func percent(_ value: Double) -> String {
        value.isFinite ? String(format: "%+.2f%%", value * 100) : "n/a"
    }

    static func number(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}

extension ExperimentGate: Gate {
    public static var policyKeys: [PolicyKey] { ExperimentPolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try ExperimentGate(policy: ExperimentPolicy(policy: policy)).evaluate()
    }
}
