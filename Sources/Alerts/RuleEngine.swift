import Foundation
import PromQL

/// An alert as the rule manager keeps it.
public struct ActiveAlert: Sendable {
    public enum State: String, Sendable { case inactive, pending, firing }
    public var labels: PromLabels
    public var annotations: [(name: String, value: String)]
    public var value: Double
    public var state: State
    public var activeAt: Int64
    public var resolvedAt: Int64?
    public var keepFiringSince: Int64?
}

/// A rule ready to run: parsed expression and its alert state.
final class LoadedRule {
    let rule: PrometheusRule
    let expression: PromQLNode
    let holdFor: Int64
    let keepFiringFor: Int64
    /// Label and annotation templates, parsed once (an alerting rule's).
    let labelTemplates: [Result<AlertTemplate, any Error>]
    let annotationTemplates: [Result<AlertTemplate, any Error>]
    var active: [PromLabels: ActiveAlert] = [:]
    var activeOrder: [PromLabels] = []
    var lastSeries: Set<PromLabels> = []

    init(rule: PrometheusRule, expression: PromQLNode) {
        self.rule = rule
        self.expression = expression
        holdFor = Int64((AlertTemplate.parseDuration(rule.forDuration ?? "0") ?? 0) * 1000)
        keepFiringFor = Int64((AlertTemplate.parseDuration(rule.keepFiringFor ?? "0") ?? 0) * 1000)
        let name = "__alert_" + rule.name
        let parse: ((key: String, value: String)) -> Result<AlertTemplate, any Error> = { pair in
            Result { try AlertTemplate(RuleFiles.templatePrefix + pair.value, name: name) }
        }
        labelTemplates = rule.alert == nil ? [] : rule.labels.map(parse)
        annotationTemplates = rule.alert == nil ? [] : rule.annotations.map(parse)
    }

    /// A fresh copy: the same rule and parsed templates, no alert state.
    init(copying other: LoadedRule) {
        (rule, expression, holdFor, keepFiringFor) = (other.rule, other.expression, other.holdFor, other.keepFiringFor)
        (labelTemplates, annotationTemplates) = (other.labelTemplates, other.annotationTemplates)
    }

    var name: String { rule.name }
}

/// Rule groups evaluated as Prometheus 2.42's rule manager evaluates them, one group after
/// another at each time: each rule's output written back before the next rule runs,
/// series a rule stops returning marked stale, alerts pending until `for` has passed, kept
/// firing for `keep_firing_for`, resolved alerts kept 15 minutes, `ALERTS` and
/// `ALERTS_FOR_STATE` written for active alerts.
final class RuleEngine {
    let store: PromSeriesStore
    var evaluator: PromQLEvaluator
    let groups: [(name: String, rules: [LoadedRule])]
    let externalLabels: [String: String]
    let externalURL: String
    static let resolvedRetention: Int64 = 15 * 60_000

    init(store: PromSeriesStore, groups: [(name: String, rules: [LoadedRule])], externalLabels: [String: String], externalURL: String, step: Int64) {
        self.store = store
        self.groups = groups
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        evaluator = PromQLEvaluator(store: store)
        evaluator.defaultStep = step
    }

    /// Evaluates every group at `t`; the first rule error, as promtool words it.
    func evaluate(at t: Int64) -> [String] {
        var errors: [String] = []
        for group in groups {
            for rule in group.rules {
                do {
                    let output = try rule.rule.alert != nil ? evaluateAlert(rule, at: t) : evaluateRecord(rule, at: t)
                    let current = Set(output.map(\.labels))
                    for sample in output { store.append(sample.labels, t, sample.value) }
                    for gone in rule.lastSeries where !current.contains(gone) { store.append(gone, t, PromSeriesStore.staleNaN) }
                    rule.lastSeries = current
                } catch {
                    errors.append("    rule: \(rule.name), time: \(GoDuration.time(t)), err: \(error)")
                }
            }
        }
        return errors
    }

    func query(_ node: PromQLNode, at t: Int64) throws -> [PromSample] {
        switch try evaluator.instant(node, at: t) {
        case .vector(let samples): return samples
        case .scalar(let x): return [PromSample(labels: PromLabels(), value: x, time: t)]
        default: throw PromQLEvaluationError("rule result is not a vector or scalar")
        }
    }

    func evaluateRecord(_ rule: LoadedRule, at t: Int64) throws -> [PromSample] {
        var out: [PromSample] = []
        var seen: Set<PromLabels> = []
        for sample in try query(rule.expression, at: t) {
            var labels = sample.labels
            labels.set("__name__", rule.name)
            for label in rule.rule.labels { labels.set(label.key, label.value) }
            guard seen.insert(labels).inserted else { throw PromQLEvaluationError("vector contains metrics with the same labelset after applying rule labels") }
            out.append(PromSample(labels: labels, value: sample.value, time: t))
        }
        return out
    }

    func evaluateAlert(_ rule: LoadedRule, at t: Int64) throws -> [PromSample] {
        let results = try query(rule.expression, at: t)
        var current: [PromLabels: ActiveAlert] = [:]
        var order: [PromLabels] = []
        let templateName = "__alert_" + rule.name
        let queryFunction: (String) throws -> [PromSample] = { [self] text in
            try query(try PromQLParser.parse(text), at: t)
        }
        for sample in results {
            func expand(_ template: Result<AlertTemplate, any Error>) -> String {
                AlertTemplate.expand(template, name: templateName, labels: sample.labels, externalLabels: externalLabels,
                                     externalURL: externalURL, value: sample.value, query: queryFunction)
            }
            var labels = sample.labels.withoutName
            for (label, template) in zip(rule.rule.labels, rule.labelTemplates) { labels.set(label.key, expand(template)) }
            labels.set("alertname", rule.name)
            let annotations = zip(rule.rule.annotations, rule.annotationTemplates).map { (name: $0.key, value: expand($1)) }
                .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            guard current[labels] == nil else {
                throw PromQLEvaluationError("vector contains metrics with the same labelset after applying alert labels")
            }
            current[labels] = ActiveAlert(labels: labels, annotations: annotations, value: sample.value, state: .pending, activeAt: t)
            order.append(labels)
        }
        for labels in order {
            let alert = current[labels]!
            if var existing = rule.active[labels], existing.state != .inactive {
                existing.value = alert.value
                existing.annotations = alert.annotations
                rule.active[labels] = existing
                continue
            }
            if rule.active[labels] == nil { rule.activeOrder.append(labels) }
            rule.active[labels] = alert
        }
        var output: [PromSample] = []
        for labels in rule.activeOrder {
            guard var alert = rule.active[labels] else { continue }
            if current[labels] == nil {
                var keepFiring = false
                if alert.state == .firing && rule.keepFiringFor > 0 {
                    if alert.keepFiringSince == nil { alert.keepFiringSince = t }
                    if t - alert.keepFiringSince! < rule.keepFiringFor { keepFiring = true }
                }
                if alert.state == .pending || (alert.resolvedAt.map { t - $0 > Self.resolvedRetention } ?? false) {
                    rule.active[labels] = nil
                    continue
                }
                if alert.state != .inactive && !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = t
                }
                rule.active[labels] = alert
                if !keepFiring { continue }
            } else {
                alert.keepFiringSince = nil
            }
            if alert.state == .pending && t - alert.activeAt >= rule.holdFor {
                alert.state = .firing
            }
            rule.active[labels] = alert
            var series = alert.labels
            series.set("__name__", "ALERTS")
            series.set("alertstate", alert.state.rawValue)
            output.append(PromSample(labels: series, value: 1, time: t))
            var forState = alert.labels
            forState.set("__name__", "ALERTS_FOR_STATE")
            output.append(PromSample(labels: forState, value: Double(alert.activeAt) / 1000, time: t))
        }
        rule.activeOrder.removeAll { rule.active[$0] == nil }
        return output
    }

    /// The firing alerts of every rule named `name`, across groups.
    func firing(_ name: String) -> [ActiveAlert] {
        groups.flatMap(\.rules).filter { $0.rule.alert == name }.flatMap { rule in
            rule.activeOrder.compactMap { rule.active[$0] }.filter { $0.state == .firing }
        }
    }
}

/// Go's duration spellings, where promtool prints one.
enum GoDuration {
    /// model.Duration.String(): `1h30m`, `90d`, `0s`.
    static func model(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var ms = ms, out = ""
        for (unit, size, exact) in [("y", Int64(31_536_000_000), true), ("w", 604_800_000, true), ("d", 86_400_000, false), ("h", 3_600_000, false),
                                    ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false)] {
            if exact && ms % size != 0 { continue }
            let v = ms / size
            if v > 0 { out += "\(v)\(unit)"; ms -= v * size }
        }
        return out
    }

    /// time.Duration.String(): `1h0m0s`, `1m30s`, `500ms`, `0s`.
    static func time(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        let negative = ms < 0
        let m = abs(ms)
        var out: String
        if m < 1000 {
            out = "\(m)ms"
        } else {
            let hours = m / 3_600_000, minutes = (m / 60_000) % 60, millis = m % 60_000
            var seconds = "\(millis / 1000)"
            if millis % 1000 != 0 {
                var fraction = String(format: "%03lld", millis % 1000)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                seconds += "." + fraction
            }
            out = hours > 0 ? "\(hours)h\(minutes)m\(seconds)s" : (minutes > 0 ? "\(minutes)m\(seconds)s" : "\(seconds)s")
        }
        return (negative ? "-" : "") + out
    }
}
