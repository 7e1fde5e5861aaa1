import GateKit

/// The canary gate's policy: `gates/canary.yml`.
///
/// ```yaml
/// prometheus: http://127.0.0.1:9090
/// window: 30m                 # analysed: [end − window, end]
/// step: 15s
/// end: now                    # or seconds since 1970 / an ISO 8601 time (replays, tests)
/// groups:                     # the label values each query's placeholders take
///   baseline: {deployment: search-baseline}
///   canary: {deployment: search-canary}
/// pass-score: 95              # promote at or above
/// marginal-score: 75          # hold between marginal and pass, roll back below
/// interval: 1m                # repeated analysis: a round every interval …
/// count: 10                   # … this many rounds (default 1)
/// failure-limit: 0            # rollback rounds tolerated (a trigger ends the run at once)
/// inconclusive-limit: 0       # hold rounds tolerated
/// label: 5%                   # this rollout step, on the page and in the result
/// history: [canary-0.1.json]  # earlier steps' results (JSON), shown as the rollout so far
/// metrics:
///   - name: error_rate
///     query: 'sum(rate(http_requests_total{deployment="{{deployment}}",code=~"5.."}[1m])) / sum(rate(http_requests_total{deployment="{{deployment}}"}[1m]))'
///     bad: increase             # increase | decrease | either
///     allowed-relative: 0.1     # a change smaller than 10% of the baseline passes
///     allowed-absolute: 0.001   # … or smaller than this
///     critical: true
///     weight: 2
///     max: 0.01                 # an absolute objective on the canary's median (also min:)
///     nan: remove               # NaN samples: remove (default) or zero
///     outliers: remove          # keep (default) or remove beyond outlier-factor × IQR
///     outlier-factor: 3
///     triggers:
///       - {above: 0.05, for: 5m}               # sustained threshold on the canary
///       - {above-baseline: 2, for: 10m}        # canary / baseline, sustained
///       - {above: 0, consecutive: 3, within: 1m}
/// ```
public struct CanaryPolicy: Sendable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("prometheus", .string, "Prometheus base URL."),
        PolicyKey("offline", .path, "Read saved query_range answers (<metric>.<group>.json) instead of querying."),
        PolicyKey("window", .duration, "Length of the analysed window, e.g. 30m."),
        PolicyKey("step", .duration, "Query resolution, e.g. 15s."),
        PolicyKey("end", .string, "End of the window: now, seconds since 1970 or an ISO 8601 time."),
        PolicyKey("groups", .mapping, "The label values each query's placeholders take, for baseline and canary."),
        PolicyKey("pass-score", .number, "Promote at or above this score (default 95)."),
        PolicyKey("marginal-score", .number, "Hold between this and pass-score, roll back below (default 75)."),
        PolicyKey("confidence", .number, "Mann-Whitney confidence for a difference to count (default 0.98)."),
        PolicyKey("metrics", .mapping, "The metrics: name, query, bad, allowed-relative, allowed-absolute, critical, weight, triggers."),
        PolicyKey("timeout", .number, "Seconds per Prometheus request (default 10)."),
        PolicyKey("retries", .number, "Retries of a failed request (default 3)."),
        PolicyKey("html", .path, "Also write the decision page (HTML) here."),
        PolicyKey("interval", .duration, "Repeated analysis: time between rounds, e.g. 1m."),
        PolicyKey("count", .number, "Repeated analysis: rounds in all (default 1)."),
        PolicyKey("failure-limit", .number, "Rollback rounds tolerated before the run rolls back (default 0)."),
        PolicyKey("inconclusive-limit", .number, "Hold rounds tolerated before the run holds (default 0)."),
        PolicyKey("label", .string, "This rollout step's name (5%), on the page and in the result."),
        PolicyKey("history", .list, "Earlier steps' canary results (JSON files), shown as the rollout's history."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    /// `report:` was this gate's HTML page; it is `html:` now (`--report` reads an input elsewhere).
    public static let renamedKeys = ["report": "html"]
    public static let metricKeys = ["name", "query", "bad", "allowed-relative", "allowed-absolute", "critical", "weight", "triggers", "max", "min",
                                    "nan", "outliers", "outlier-factor"]
    public static let triggerKeys = ["above", "below", "above-baseline", "for", "consecutive", "within"]

    public enum Direction: String, Sendable { case increase, decrease, either }

    public struct Trigger: Sendable, Equatable {
        public var above: Double?
        public var below: Double?
        /// Canary over baseline, sample by sample.
        public var aboveBaseline: Double?
        /// Sustained this long (seconds).
        public var duration: Double?
        /// This many samples in a row, within `within` seconds.
        public var consecutive: Int?
        public var within: Double?
        public var text: String
    }

    public struct Metric: Sendable {
        public var name: String
        public var query: String
        public var bad = Direction.increase
        public var allowedRelative = 0.0
        public var allowedAbsolute = 0.0
        public var critical = false
        public var weight = 1.0
        public var triggers: [Trigger] = []
        /// Absolute objectives on the canary's median over the window.
        public var maximum: Double?
        public var minimum: Double?
        /// NaN samples: removed (Kayenta's default) or counted as zero.
        public var nanAsZero = false
        /// Samples beyond `outlierFactor` × IQR from the quartiles, removed from both groups
        /// before the test (Kayenta's outlier removal; off by default).
        public var removeOutliers = false
        public var outlierFactor = 3.0
        public init(name: String, query: String) { (self.name, self.query) = (name, query) }
    }

    public var prometheus: String?
    /// A directory of saved query_range answers (`<metric>.baseline.json`, `<metric>.canary.json`).
    public var offline: String?
    public var window = 1800.0
    public var step = 15.0
    public var end: Double?
    public var groups: [String: [String: String]] = [:]
    public var passScore = 95.0
    public var marginalScore = 75.0
    /// Kayenta's default: a difference counts when the Mann–Whitney test is significant at 98%.
    public var confidence = 0.98
    public var metrics: [Metric] = []
    public var timeout = 10.0
    public var retries = 3
    public var html: String?
    public var interval = 60.0
    public var count = 1
    public var failureLimit = 0
    public var inconclusiveLimit = 0
    public var label: String?
    public var history: [String] = []

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        func invalid(_ key: String, _ line: Int?, _ expected: String) -> GateError {
            policy.invalid(line: line, key: key, expected: expected)
        }
        prometheus = try policy.string("prometheus")
        offline = try policy.string("offline")
        html = try policy.string("html")
        if let text = try policy.string("window") {
            guard let seconds = Self.duration(text) else { throw invalid("window", policy.entry("window")?.line, "a duration such as 30m") }
            window = seconds
        }
        if let text = try policy.string("step") {
            guard let seconds = Self.duration(text) else { throw invalid("step", policy.entry("step")?.line, "a duration such as 15s") }
            step = seconds
        }
        if let text = try policy.string("end"), text != "now" {
            guard let time = Self.time(text) else { throw invalid("end", policy.entry("end")?.line, "now, seconds since 1970, or an ISO 8601 time") }
            end = time
        }
        passScore = try policy.number("pass-score", in: 0...100) ?? passScore
        marginalScore = try policy.number("marginal-score", in: 0...100) ?? marginalScore
        confidence = try policy.number("confidence", in: 0.5...0.9999) ?? confidence
        timeout = try policy.number("timeout", in: 0.1...600) ?? timeout
        retries = try policy.integer("retries", in: 0...10) ?? retries
        if let text = try policy.string("interval") {
            guard let seconds = Self.duration(text), seconds > 0, seconds <= 3600 else { throw invalid("interval", policy.entry("interval")?.line, "a duration from 1s to 1h, such as 1m") }
            interval = seconds
        }
        count = try policy.integer("count", in: 1...1000) ?? count
        failureLimit = try policy.integer("failure-limit", in: 0...1000) ?? failureLimit
        inconclusiveLimit = try policy.integer("inconclusive-limit", in: 0...1000) ?? inconclusiveLimit
        // Bounded by construction: a day of rounds at most.
        guard Double(count - 1) * interval <= 86_400 else {
            throw invalid("count", policy.entry("count")?.line, "rounds that fit in a day: (count − 1) × interval at most 24h, not \(count) × \(Int(interval)) s")
        }
        label = try policy.string("label")
        history = try policy.strings("history") ?? []
        for entry in try policy.mapping("groups") ?? [] {
            guard case .map(let labels, _) = entry.value else { throw invalid("groups.\(entry.key)", entry.line, "a mapping of label values") }
            var values: [String: String] = [:]
            for label in labels {
                guard case .scalar(let value, _) = label.value else { throw invalid("groups.\(entry.key).\(label.key)", label.line, "a string") }
                values[label.key] = value
            }
            groups[entry.key] = values
        }
        guard let entry = policy.entry("metrics") else { return }
        guard case .list(let items, _) = entry.value else { throw invalid("metrics", entry.line, "a list of metrics") }
        for item in items {
            guard case .map(let fields, let line) = item else { throw invalid("metrics", item.line, "a mapping per metric") }
            let sub = Policy(path: policy.path, entries: fields)
            try sub.requireKnownKeys(Self.metricKeys)
            guard let name = try sub.string("name"), let query = try sub.string("query") else {
                throw invalid("metrics", line, "name and query for every metric")
            }
            var metric = Metric(name: name, query: query)
            if let text = try sub.string("bad") {
                guard let direction = Direction(rawValue: text) else { throw invalid("metrics[\(name)].bad", sub.entry("bad")?.line, "increase, decrease or either") }
                metric.bad = direction
            }
            metric.allowedRelative = try sub.number("allowed-relative", in: 0...1000) ?? 0
            metric.allowedAbsolute = try sub.number("allowed-absolute", in: 0...1e18) ?? 0
            metric.weight = try sub.number("weight", in: 0...1e6) ?? 1
            metric.critical = try sub.flag("critical") ?? false
            metric.maximum = try sub.number("max")
            metric.minimum = try sub.number("min")
            if let text = try sub.string("nan") {
                guard ["remove", "zero"].contains(text) else { throw invalid("metrics[\(name)].nan", sub.entry("nan")?.line, "remove or zero") }
                metric.nanAsZero = text == "zero"
            }
            if let text = try sub.string("outliers") {
                guard ["keep", "remove"].contains(text) else { throw invalid("metrics[\(name)].outliers", sub.entry("outliers")?.line, "keep or remove") }
                metric.removeOutliers = text == "remove"
            }
            metric.outlierFactor = try sub.number("outlier-factor", in: 0.1...100) ?? metric.outlierFactor
            if let triggers = sub.entry("triggers") {
                guard case .list(let list, _) = triggers.value else { throw invalid("metrics[\(name)].triggers", triggers.line, "a list") }
                for trigger in list {
                    guard case .map(let keys, let tline) = trigger else { throw invalid("metrics[\(name)].triggers", trigger.line, "a mapping per trigger") }
                    let t = Policy(path: policy.path, entries: keys)
                    try t.requireKnownKeys(Self.triggerKeys)
                    func seconds(_ key: String) throws -> Double? {
                        guard let text = try t.string(key) else { return nil }
                        guard let value = Self.duration(text) else { throw invalid("metrics[\(name)].triggers.\(key)", t.entry(key)?.line, "a duration such as 5m") }
                        return value
                    }
                    let parsed = Trigger(
                        above: try t.number("above"), below: try t.number("below"), aboveBaseline: try t.number("above-baseline", in: 0...1e9),
                        duration: try seconds("for"), consecutive: try t.number("consecutive", in: 1...10_000).map { Int($0) }, within: try seconds("within"),
                        text: keys.map { "\($0.key): \(Self.scalar($0.value))" }.joined(separator: ", "))
                    guard (parsed.above != nil) != (parsed.below != nil) || parsed.aboveBaseline != nil,
                          (parsed.duration != nil) != (parsed.consecutive != nil) else {
                        throw invalid("metrics[\(name)].triggers", tline, "one of above, below or above-baseline, with either for: DURATION or consecutive: N")
                    }
                    metric.triggers.append(parsed)
                }
            }
            metrics.append(metric)
        }
    }

    private static func scalar(_ value: PolicyValue) -> String {
        if case .scalar(let text, _) = value { return text }
        return "…"
    }

    public static func duration(_ text: String) -> Double? { Timestamp.duration(text) }

    /// Seconds since 1970, or an ISO 8601 time (UTC unless it has an offset).
    public static func time(_ text: String) -> Double? { Timestamp.seconds(text) }
}
