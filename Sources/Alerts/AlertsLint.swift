import Foundation
import GateKit
import PromQL

/// The labels an expression's result can carry: exactly some, or any but some.
public enum LabelSet: Equatable, Sendable {
    case only(Set<String>)
    case anyExcept(Set<String>)

    public func contains(_ label: String) -> Bool {
        switch self {
        case .only(let s): s.contains(label)
        case .anyExcept(let s): !s.contains(label)
        }
    }

    func removing(_ labels: Set<String>) -> LabelSet {
        switch self {
        case .only(let s): .only(s.subtracting(labels))
        case .anyExcept(let s): .anyExcept(s.union(labels))
        }
    }

    func adding(_ labels: Set<String>) -> LabelSet {
        switch self {
        case .only(let s): .only(s.union(labels))
        case .anyExcept(let s): .anyExcept(s.subtracting(labels))
        }
    }

    func union(_ other: LabelSet) -> LabelSet {
        switch (self, other) {
        case (.only(let a), .only(let b)): .only(a.union(b))
        case (.anyExcept(let a), .only(let b)), (.only(let b), .anyExcept(let a)): .anyExcept(a.subtracting(b))
        case (.anyExcept(let a), .anyExcept(let b)): .anyExcept(a.intersection(b))
        }
    }

    /// The labels of a result, inferred from the expression: a selector may carry any label;
    /// `sum by (a)` only `a`, `without (a)` anything but `a`; one-to-one matching `on (a)`
    /// only `a`; functions keep their argument's labels, less the metric name; `absent`
    /// only its selector's equality matchers; `vector`, `time` and numbers none.
    public static func of(_ node: PromQLNode) -> LabelSet {
        switch node {
        case .number, .string: return .only([])
        case .selector, .matrix: return .anyExcept([])
        case .subquery(let inner, _, _), .paren(let inner), .modified(let inner, _, _): return of(inner)
        case .unary(_, let inner): return of(inner).removing(["__name__"])
        case .aggregate(let op, let param, let inner, let grouping):
            if op == "topk" || op == "bottomk" { return of(inner) }
            var result: LabelSet
            if let grouping, grouping.without {
                result = of(inner).removing(Set(grouping.labels + ["__name__"]))
            } else {
                result = of(inner).intersecting(Set(grouping?.labels ?? []))
            }
            if op == "count_values", case .string(let label)? = param { result = result.adding([label]) }
            return result
        case .binary(let op, let l, let r, let matching):
            if l.type == .scalar { return r.type == .scalar ? .only([]) : of(r).removing(["__name__"]) }
            if r.type == .scalar { return of(l).removing(["__name__"]) }
            switch op {
            case "and", "unless": return of(l)
            case "or": return of(l).union(of(r))
            default:
                var result = of(matching.cardinality == .oneToMany ? r : l).removing(["__name__"])
                if matching.cardinality == .oneToOne {
                    result = matching.on ? result.intersecting(Set(matching.labels)) : result.removing(Set(matching.labels))
                }
                return result.adding(Set(matching.include))
            }
        case .call(let name, let arguments, _):
            switch name {
            case "vector", "time", "pi", "scalar": return .only([])
            case "absent", "absent_over_time": return .only(Set(PromQLEvaluator.absentLabelNames(arguments[0])))
            case "label_replace", "label_join":
                if case .string(let destination) = arguments[1] { return of(arguments[0]).adding([destination]) }
                return of(arguments[0])
            case "histogram_quantile": return of(arguments[1]).removing(["le", "__name__"])
            case "last_over_time", "sort", "sort_desc": return of(arguments[0])
            default:
                guard let argument = arguments.last(where: { $0.type == .vector || $0.type == .matrix }) else { return .only([]) }
                return of(argument).removing(["__name__"])
            }
        }
    }

    func intersecting(_ labels: Set<String>) -> LabelSet {
        switch self {
        case .only(let s): .only(s.intersection(labels))
        case .anyExcept(let s): .only(labels.subtracting(s))
        }
    }
}

extension PromQLEvaluator {
    static func absentLabelNames(_ node: PromQLNode) -> [String] {
        absentLabels(node).list.map(\.name)
    }
}

/// The alert-rules gate's lint checks, one per rule id, over one parsed rule file.
struct AlertsLint {
    let catalog: MetricCatalog?
    let severities: Set<String>
    let requiredAnnotations: [String]
    /// Metrics recorded by any rule of the set: they need no catalog entry.
    let recorded: Set<String>

    struct Problem {
        var rule: AlertsRule
        var message: String
        var line: Int
    }

    static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    func check(_ rule: PrometheusRule, expression: PromQLNode) -> [Problem] {
        var problems: [Problem] = []
        func add(_ id: AlertsRule, _ message: String) { problems.append(Problem(rule: id, message: message, line: rule.line)) }
        if let alert = rule.alert {
            let forSeconds = rule.forDuration.flatMap(AlertTemplate.parseDuration) ?? 0
            if forSeconds == 0 { add(.noFor, "alert \(alert) has no 'for': one bad scrape pages someone") }
            if let severity = rule.labels.first(where: { $0.key == "severity" })?.value {
                if !severities.isEmpty, !severities.contains(severity) {
                    add(.severityLabel, "alert \(alert): severity '\(severity)' is not one of \(severities.sorted().joined(separator: ", "))")
                }
            } else {
                add(.severityLabel, "alert \(alert) has no severity label: nothing can route it")
            }
            for name in requiredAnnotations where !rule.annotations.contains(where: { $0.key == name && !$0.value.isEmpty }) {
                add(.missingAnnotation, "alert \(alert) has no \(name) annotation")
            }
            if !Self.hasComparison(expression) {
                add(.noComparison, "alert \(alert): the expression has no comparison, so it fires whenever the series exists")
            }
            let available = LabelSet.of(expression)
            for (kind, pairs) in [("label", rule.labels), ("annotation", rule.annotations)] {
                for pair in pairs {
                    for label in Self.referencedLabels(pair.value) where !available.contains(label) {
                        add(.droppedLabel, "alert \(alert): \(kind) \(pair.key) uses $labels.\(label), which the expression does not keep")
                    }
                }
            }
        }
        if let record = rule.record {
            let parts = record.split(separator: ":", omittingEmptySubsequences: false)
            // level:metric:operations — at least the three parts, none empty.
            if parts.count < 3 || parts.contains(where: \.isEmpty) {
                add(.recordingName, "recording rule \(record) is not named level:metric:operations")
            }
        }
        var reported = Set<String>()
        for use in expression.selectors() {
            guard let name = use.selector.name else { continue }
            if let catalog {
                if ["rate", "irate", "increase"].contains(use.function ?? ""), catalog.type(of: name) == "gauge", reported.insert("rate " + name).inserted {
                    add(.rateOverGauge, "\(rule.name): \(use.function!)(\(name)[…]) over a gauge; use deriv or delta")
                }
                if !catalog.contains(name), !recorded.contains(name), !["ALERTS", "ALERTS_FOR_STATE"].contains(name), reported.insert(name).inserted {
                    add(.metricNotInCatalog, "\(rule.name): metric \(name) is not in the catalog (\(catalog.source))")
                }
            }
        }
        return problems
    }

    /// Whether an alert expression can ever be empty because of a comparison (or absent()).
    static func hasComparison(_ node: PromQLNode) -> Bool {
        switch node {
        case .binary(let op, let l, let r, let matching):
            if comparisons.contains(op) { return !matching.returnBool }
            switch op {
            case "and": return hasComparison(l) || hasComparison(r)
            case "unless": return true
            case "or": return hasComparison(l) && hasComparison(r)
            default: return false
            }
        case .paren(let inner): return hasComparison(inner)
        case .aggregate(let op, _, let inner, _): return ["topk", "bottomk", "count", "sum", "min", "max", "avg", "group"].contains(op) && hasComparison(inner)
        case .call(let name, let arguments, _):
            if name == "absent" || name == "absent_over_time" { return true }
            return ["sort", "sort_desc", "label_replace", "label_join"].contains(name) && hasComparison(arguments[0])
        default: return false
        }
    }

    /// Labels a template reads from the sample: `$labels.x`, `.Labels.x`, `index $labels "x"`.
    /// A plain scan: Swift's regex literals are parsed again at every use, which made this
    /// two thirds of checking a large rule file.
    static func referencedLabels(_ text: String) -> [String] {
        var out: [String] = []
        let bytes = Array(text.utf8)
        func name(at start: Int) -> String? {
            var end = start
            while end < bytes.count, bytes[end] == UInt8(ascii: "_") || (bytes[end] | 0x20 >= 0x61 && bytes[end] | 0x20 <= 0x7A)
                || (end > start && bytes[end] >= 0x30 && bytes[end] <= 0x39) { end += 1 }
            return end > start ? String(decoding: bytes[start..<end], as: UTF8.self) : nil
        }
        func matches(_ word: StaticString, at index: Int) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return word.withUTF8Buffer { w in (0..<count).allSatisfy { bytes[index + $0] == w[$0] } }
        }
        var i = 0
        while i < bytes.count {
            // Only "$labels.", ".Labels." and "index" can start a reference.
            guard bytes[i] == UInt8(ascii: "$") || bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "i") else { i += 1; continue }
            var found: String?
            if matches("$labels.", at: i) {
                found = name(at: i + 8)
            } else if matches(".Labels.", at: i) {
                found = name(at: i + 8)
            } else if matches("index", at: i) {
                var j = i + 5
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                if matches("$labels", at: j) {
                    j += 7
                    while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
                    if j < bytes.count, bytes[j] == UInt8(ascii: "\""), let label = name(at: j + 1),
                       j + 1 + label.utf8.count < bytes.count, bytes[j + 1 + label.utf8.count] == UInt8(ascii: "\"") {
                        found = label
                    }
                }
            }
            if let found, !out.contains(found) { out.append(found) }
            i += 1
        }
        return out
    }
}
