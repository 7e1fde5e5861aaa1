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

    public enum Kind: String, Sendable { case proportion, mean, ratio }

    /// One variant's figures for one metric: its sums as the engines take them.
    public struct Data: Sendable, Equatable {
        public var statistic: VariantStatistic

        public init(_ statistic: VariantStatistic) { self.statistic = statistic }

        /// Units (users, or the ratio's units).
        public var size: Double { statistic.n }
        /// The metric's value for the variant (before any CUPED adjustment).
        public var value: Double { statistic.unadjustedMean }
    }

    public struct Metric: Sendable, Equatable {
        public var name: String
        public var kind = Kind.proportion
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

    static let proportionKeys: Set<String> = ["users", "conversions"]
    static let meanKeys: [Set<String>] = [["mean", "sd", "n"], ["n", "sum", "sum-squares"]]
    static let ratioKeys: Set<String> = ["n", "numerator-sum", "numerator-sum-squares", "denominator-sum", "denominator-sum-squares", "products"]
    static let preKeys: Set<String> = ["pre-sum", "pre-sum-squares", "pre-products"]

    /// A variant's figures to the engines' statistic: a proportion (users, conversions); a
    /// mean (mean, sd, n — or n, sum, sum-squares); a ratio (n units and the numerator's and
    /// denominator's sums, sums of squares and the sum of their products); and for a
    /// proportion or a mean, optionally the pre-period covariate (pre-sum, pre-sum-squares for
    /// a mean covariate, pre-products: the sum of post × pre) for CUPED.
    static func statistic(_ kind: Kind, _ values: [String: Double], variant: String, _ bad: (String) -> GateError) throws -> VariantStatistic {
        let keys = Set(values.keys)
        let own = keys.subtracting(preKeys)
        func need(_ ok: Bool, _ message: String) throws { if !ok { throw bad(message) } }
        let post: VariantStatistic.Moments
        switch kind {
        case .proportion:
            try need(own == proportionKeys, "variant \(variant) needs exactly users and conversions")
            let users = values["users"]!, conversions = values["conversions"]!
            try need(users > 0, "variant \(variant) has 0 users: nothing to compare")
            try need(conversions >= 0 && conversions <= users, "variant \(variant) has conversions outside 0…users")
            post = .init(n: users, sum: conversions)
        case .mean:
            if own == meanKeys[0] {
                let (mean, sd, n) = (values["mean"]!, values["sd"]!, values["n"]!)
                try need(n >= 2 && sd >= 0, "variant \(variant) needs n ≥ 2 and sd ≥ 0")
                post = .init(n: n, sum: mean * n, sumSquares: sd * sd * (n - 1) + mean * mean * n)
            } else {
                try need(own == meanKeys[1], "variant \(variant) needs mean, sd and n, or n, sum and sum-squares")
                let (n, sum, squares) = (values["n"]!, values["sum"]!, values["sum-squares"]!)
                try need(n >= 2 && squares >= 0, "variant \(variant) needs n ≥ 2 and sum-squares ≥ 0")
                post = .init(n: n, sum: sum, sumSquares: squares)
            }
        case .ratio:
            try need(keys == ratioKeys, "variant \(variant) needs exactly \(ratioKeys.sorted().joined(separator: ", "))")
            let n = values["n"]!
            try need(n >= 2, "variant \(variant) needs n ≥ 2 units")
            try need(values["denominator-sum"]! != 0, "variant \(variant) has a denominator sum of 0")
            return .ratio(numerator: .init(n: n, sum: values["numerator-sum"]!, sumSquares: values["numerator-sum-squares"]!),
                          denominator: .init(n: n, sum: values["denominator-sum"]!, sumSquares: values["denominator-sum-squares"]!),
                          products: values["products"]!)
        }
        let pre = keys.intersection(preKeys)
        if pre.isEmpty { return .moments(post) }
        try need(pre.contains("pre-sum") && pre.contains("pre-products"), "variant \(variant): a covariate needs pre-sum and pre-products (and pre-sum-squares for a mean)")
        let covariate = VariantStatistic.Moments(n: post.n, sum: values["pre-sum"]!, sumSquares: values["pre-sum-squares"])
        return .adjusted(post: post, pre: covariate, products: values["pre-products"]!, theta: 0)
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
        guard let kind = type.flatMap(Kind.init(rawValue:)) else { throw bad(entry.line, "type must be proportion, mean or ratio") }
        metric.kind = kind
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
            metric.variants[item.key] = Data(try statistic(kind, values, variant: item.key) { bad(item.line, $0) })
        }
        // CUPED needs the covariate from every variant or from none.
        let adjusted = metric.variants.values.filter { if case .adjusted = $0.statistic { return true } else { return false } }.count
        guard adjusted == 0 || adjusted == metric.variants.count else {
            throw bad(entry.line, "a pre-period covariate (pre-sum, pre-products) for some variants but not all")
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
        PolicyKey("engine", .string, "fixed (a test at a horizon fixed in advance), sequential (valid at every look) or bayesian (default fixed)."),
        PolicyKey("difference", .string, "relative (lift, default) or absolute."),
        PolicyKey("alpha", .number, "Significance level, split over the treatments (default 0.05)."),
        PolicyKey("sequential-tuning", .number, "The sequential test's tuning parameter: the sample size it is tightest at (default 5000)."),
        PolicyKey("chance-to-win", .number, "Bayesian: ship at this chance to beat control, stop at 1 minus it (default 0.95)."),
        PolicyKey("max-risk", .number, "Bayesian: ship only when the expected loss of shipping is at most this (default 0.0025)."),
        PolicyKey("prior", .mapping, "Bayesian: a proper Gaussian prior on the relative effect, {mean, variance} (default: flat)."),
        PolicyKey("secondary-correction", .string, "benjamini-hochberg (default) or none: the adjustment across secondary metrics."),
        PolicyKey("srm-alpha", .number, "A sample-ratio mismatch below this p stops the experiment (default 0.001)."),
        PolicyKey("minimum-sample", .number, "Users every variant needs before shipping (default 1000)."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    public var results: String?
    public var engine = ExperimentEngine.fixed
    public var relative = true
    public var alpha = 0.05
    public var sequentialTuning = 5000.0
    public var chanceToWin = 0.95
    public var maxRisk = 0.0025
    public var priorMean: Double?
    public var priorVariance: Double?
    public var correctSecondary = true
    public var srmAlpha = 0.001
    public var minimumSample = 1000.0

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        results = try policy.string("results")
        if let text = try policy.string("engine") {
            guard let engine = ExperimentEngine(rawValue: text) else { throw policy.invalid(line: policy.entry("engine")?.line, key: "engine", expected: "fixed, sequential or bayesian") }
            self.engine = engine
        }
        if let text = try policy.string("difference") {
            guard ["relative", "absolute"].contains(text) else { throw policy.invalid(line: policy.entry("difference")?.line, key: "difference", expected: "relative or absolute") }
            relative = text == "relative"
        }
        if let text = try policy.string("secondary-correction") {
            guard ["benjamini-hochberg", "none"].contains(text) else {
                throw policy.invalid(line: policy.entry("secondary-correction")?.line, key: "secondary-correction", expected: "benjamini-hochberg or none")
            }
            correctSecondary = text == "benjamini-hochberg"
        }
        if let value = try policy.number("alpha", in: 0.000001...0.5) { alpha = value }
        if let value = try policy.number("sequential-tuning", in: 1...1e12) { sequentialTuning = value }
        if let value = try policy.number("chance-to-win", in: 0.5...0.999999) { chanceToWin = value }
        if let value = try policy.number("max-risk", in: 0...1e12) { maxRisk = value }
        if let entries = try policy.mapping("prior") {
            let prior = Policy(path: policy.path, entries: entries)
            try prior.requireKnownKeys(["mean", "variance"])
            guard let mean = try prior.number("mean"), let variance = try prior.number("variance", in: 1e-12...1e12) else {
                throw policy.invalid(line: policy.entry("prior")?.line, key: "prior", expected: "{mean: M, variance: V > 0}")
            }
            (priorMean, priorVariance) = (mean, variance)
        }
        if let value = try policy.number("srm-alpha", in: 0.000001...0.5) { srmAlpha = value }
        if let value = try policy.number("minimum-sample", in: 0...1e12) { minimumSample = value }
    }

    /// The engines' settings at significance `alpha`.
    func settings(alpha: Double, relative: Bool? = nil, inverse: Bool = false) -> ExperimentEngine.Settings {
        var settings = ExperimentEngine.Settings()
        settings.alpha = alpha
        settings.relative = relative ?? self.relative
        settings.sequentialTuning = sequentialTuning
        settings.inverse = inverse
        if let priorMean, let priorVariance { settings.prior = (priorMean, priorVariance) }
        return settings
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
        /// Each variant's value (before any CUPED adjustment).
        public var control: Double
        public var treatment: Double
        /// In the policy's difference (relative or absolute) …
        public var result: ExperimentEngine.Result
        /// … and always relative, for guardrails.
        public var relative: ExperimentEngine.Result
    }

    public func evaluate() throws -> GateResult {
        guard let path = policy.results else {
            throw GateError.usage("experiment: pass the results file (gate experiment RESULTS, or results: in gates/experiment.yml).")
        }
        let (results, digest) = try ExperimentResults.load(path)
        return judge(results, inputs: [digest])
    }

    public func compare(_ metric: ExperimentResults.Metric, control: String, treatment: String, alpha: Double) -> Comparison {
        let a = metric.variants[control]!.statistic, b = metric.variants[treatment]!.statistic
        let result = policy.engine.analyse(control: a, treatment: b, settings: policy.settings(alpha: alpha))
        let relative = policy.relative ? result : policy.engine.analyse(control: a, treatment: b, settings: policy.settings(alpha: alpha, relative: true))
        return Comparison(metric: metric.name, control: a.unadjustedMean, treatment: b.unadjustedMean, result: result, relative: relative)
    }

    /// The effect as the table shows it: a lift in percent, or the absolute difference.
    func effect(_ value: Double) -> String { policy.relative ? Self.percent(value) : Self.number(value) }

    public func judge(_ results: ExperimentResults, inputs: [InputDigest] = []) -> GateResult {
        var measurements: [Measurement] = []
        var findings: [Finding] = []
        var rows: [[String]] = []
        var details: [(String, JSONValue)] = []
        let location = Location(file: results.path)
        let bayesian = policy.engine == .bayesian
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
        let secondary = results.metrics.filter { $0.name != results.primary && $0.guardrail == nil }.map(\.name)
        var decisions: [String: Decision] = [:]
        for treatment in treatments {
            var reasons: [String] = []
            var stop = srmBroken, doubt = false
            var primaryBetter = false
            let comparisons = results.metrics.map { compare($0, control: results.control, treatment: treatment, alpha: alpha) }
            // Secondary metrics: Benjamini–Hochberg across them (the primary and guardrails are not adjusted).
            var q: [String: Double] = [:]
            if !bayesian, policy.correctSecondary {
                let ps = secondary.map { name in comparisons.first { $0.metric == name }!.result.p ?? 1 }
                for (name, value) in zip(secondary, ExperimentEngine.benjaminiHochberg(ps)) { q[name] = value }
            }
            for (metric, c) in zip(results.metrics, comparisons) {
                let r = c.result
                let interval = "[\(effect(r.interval.0)), \(effect(r.interval.1))]"
                if bayesian {
                    rows.append([treatment, metric.name, Self.number(c.control), Self.number(c.treatment), effect(r.effect), interval,
                                 Self.percent(r.chanceToWin ?? 0.5).replacingOccurrences(of: "+", with: ""), effect(r.risk?.treatment ?? 0)])
                } else {
                    rows.append([treatment, metric.name, Self.number(c.control), Self.number(c.treatment), effect(r.effect), interval,
                                 String(format: "%.4g", r.p ?? 1), q[metric.name].map { String(format: "%.4g", $0) } ?? ""])
                }
                var fields: [(String, JSONValue)] = [("control", .number(c.control)), ("treatment", .number(c.treatment)), ("effect", .number(r.effect)),
                                                     ("interval", .array([.number(r.interval.0), .number(r.interval.1)]))]
                if let p = r.p { fields.append(("p", .number(p))) }
                if let value = q[metric.name] { fields.append(("q", .number(value))) }
                if let chance = r.chanceToWin { fields.append(("chance_to_win", .number(chance))) }
                if let risk = r.risk { fields.append(("risk", .orderedObject([("control", .number(risk.control)), ("treatment", .number(risk.treatment))]))) }
                if let problem = r.problem { fields.append(("problem", .string(problem))) }
                details.append(("\(treatment)/\(metric.name)", .orderedObject(fields)))

                if metric.name == results.primary {
                    if bayesian {
                        let chance = r.chanceToWin ?? 0.5, risk = r.risk?.treatment ?? 0
                        measurements.append(Measurement(name: "primary_chance_to_win[\(treatment)]", value: chance, threshold: policy.chanceToWin, comparison: .atLeast,
                                                        verdict: chance >= policy.chanceToWin ? .pass : .warn))
                        if chance <= 1 - policy.chanceToWin {
                            stop = true
                            reasons.append("\(metric.name) is most likely worse (chance to beat control \(Self.percent(chance).dropFirst()))")
                        } else if chance >= policy.chanceToWin && risk <= policy.maxRisk {
                            primaryBetter = true
                        } else if chance >= policy.chanceToWin {
                            reasons.append("\(metric.name): shipping still risks \(effect(risk)) (at most \(effect(policy.maxRisk)))")
                        } else {
                            reasons.append("\(metric.name): chance to beat control \(Self.percent(chance).dropFirst()), not yet \(Self.percent(policy.chanceToWin).dropFirst())")
                        }
                    } else {
                        let p = r.p ?? 1
                        measurements.append(Measurement(name: "primary_p_value[\(treatment)]", value: p, threshold: alpha, comparison: .atMost,
                                                        verdict: p <= alpha ? .pass : .warn))
                        if p < alpha && r.effect < 0 {
                            stop = true
                            reasons.append("\(metric.name) is significantly worse (\(effect(r.effect)), p = \(String(format: "%.3g", p)))")
                        } else if p < alpha && r.effect > 0 {
                            primaryBetter = true
                        } else {
                            reasons.append("\(metric.name) shows no significant difference yet (p = \(String(format: "%.3g", p))\(policy.engine == .sequential ? ", sequential" : ""))")
                        }
                    }
                    measurements.append(Measurement(name: "primary_lift[\(treatment)]", value: (c.relative.effect * 10_000).rounded() / 100, unit: "%"))
                }
                if let (direction, bound) = metric.guardrail {
                    let g = c.relative
                    let sign = direction == .higherIsBetter ? -1.0 : 1.0
                    let degradation = sign * g.effect
                    let worst = max(sign * g.interval.0, sign * g.interval.1)
                    // Worse with confidence: significant (frequentist) or likely (Bayesian).
                    let sure = bayesian
                        ? (direction == .higherIsBetter ? 1 - (g.chanceToWin ?? 0.5) : (g.chanceToWin ?? 0.5)) >= policy.chanceToWin
                        : (g.p ?? 1) < alpha
                    let evidence = bayesian ? "chance \(Self.percent(direction == .higherIsBetter ? 1 - (g.chanceToWin ?? 0.5) : (g.chanceToWin ?? 0.5)).dropFirst()) that it is worse"
                        : "p = \(String(format: "%.3g", g.p ?? 1))"
                    if degradation > bound && sure {
                        stop = true
                        findings.append(Finding(severity: .error, rule: "experiment/guardrail-breached",
                                                message: "\(treatment): guardrail \(metric.name) degraded \(Self.percent(degradation)), beyond the allowed \(Self.percent(bound)) (\(evidence))",
                                                location: Location(file: results.path, line: metric.line)))
                    } else if worst > bound || !worst.isFinite || g.problem != nil {
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
            + (srmBroken ? " (sample-ratio mismatch)" : "") + " (\(policy.engine.rawValue))"
        let header = ["variant", "metric", "control", "treatment", policy.relative ? "lift" : "difference"]
            + (bayesian ? ["credible interval", "chance to win", "risk"] : ["\(policy.engine == .sequential ? "always-valid " : "")CI", "p", "q (BH)"])
        details.insert(("engine", .string(policy.engine.rawValue)), at: 0)
        return GateResult(
            gate: Self.id, verdict: verdict, summary: summary, measurements: measurements,
            findings: findings.filter { !($0.rule == "experiment/decision" && verdict == .fail && $0.severity == .note) }, inputs: inputs,
            rules: Self.rules,
            details: .orderedObject(details),
            tables: [ResultTable(title: "Metrics", header: header, rows: rows)])
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
