import Foundation

/// A sample of an instant vector: its series' labels, its value and (for `timestamp()`) the
/// time of the sample it came from, in milliseconds.
public struct PromSample: Sendable {
    public var labels: PromLabels
    public var value: Double
    public var time: Int64

    public init(labels: PromLabels, value: Double, time: Int64) {
        (self.labels, self.value, self.time) = (labels, value, time)
    }
}

/// A range vector's series: labels and points in time order.
public struct PromRange: Sendable {
    public var labels: PromLabels
    public var times: [Int64]
    public var values: [Double]
}

/// What an expression evaluates to.
public enum PromValue: Sendable {
    case scalar(Double)
    case vector([PromSample])
    case matrix([PromRange])
    case string(String)
}

/// An evaluation the engine refuses, in Prometheus' words.
public struct PromQLEvaluationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }
}

/// PromQL evaluated at one instant as Prometheus 2.42 evaluates an instant query: the
/// 5-minute lookback (closed at both ends) and staleness markers, ranges closed at both ends,
/// offset and @, subqueries stepped on multiples of their step, every aggregation, vector
/// matching and the functions of `functions.go` with their float arithmetic, so results
/// compare exactly with Prometheus'.
public struct PromQLEvaluator {
    public let store: PromSeriesStore
    /// The query's own time (what `@ start()` and `@ end()` mean).
    public var queryTime: Int64 = 0
    public var lookback: Int64 = 300_000
    /// A subquery's step when it gives none (the global evaluation interval).
    public var defaultStep: Int64 = 60_000

    public init(store: PromSeriesStore) { self.store = store }

    static let maxSubquerySteps: Int64 = 10_000

    /// Subquery steps left for one query: nested subqueries multiply, and a query must stop.
    final class Budget: @unchecked Sendable { var steps = 1_000_000 }
    var budget = Budget()

    /// Evaluates `node` at `time` (milliseconds since the epoch).
    public func instant(_ node: PromQLNode, at time: Int64) throws -> PromValue {
        var evaluator = self
        evaluator.queryTime = time
        evaluator.budget = Budget()
        return try evaluator.eval(node, time)
    }

    func eval(_ node: PromQLNode, _ t: Int64) throws -> PromValue {
        switch node {
        case .number(let value): return .scalar(value)
        case .string(let value): return .string(value)
        case .paren(let inner): return try eval(inner, t)
        case .selector(let selector): return .vector(vectorSelect(selector, t))
        case .matrix(let selector, let range, _): return .matrix(matrixSelect(selector, from: t - milliseconds(range), to: t))
        case .modified(let inner, let offset, let at):
            return try eval(inner, modifiedTime(t, offset: offset, at: at))
        case .subquery(let inner, let range, let step):
            return .matrix(try subquery(inner, range: range, step: step, at: t))
        case .unary(let op, let inner):
            let value = try eval(inner, t)
            guard op == "-" else { return value }
            switch value {
            case .scalar(let x): return .scalar(-x)
            case .vector(let samples): return .vector(samples.map { PromSample(labels: $0.labels.withoutName, value: -$0.value, time: $0.time) })
            default: return value
            }
        case .binary(let op, let left, let right, let matching):
            return try binary(op, try eval(left, t), try eval(right, t), matching)
        case .aggregate(let op, let param, let inner, let grouping):
            return .vector(try aggregate(op, param: try param.map { try eval($0, t) }, try vector(inner, t), grouping: grouping))
        case .call(let name, let arguments, _):
            return try call(name, arguments, t)
        }
    }

    func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    func modifiedTime(_ t: Int64, offset: Double, at: PromQLAt?) -> Int64 {
        let base: Int64
        switch at {
        case .time(let seconds)?: base = milliseconds(seconds)
        case .start?, .end?: base = queryTime
        case nil: base = t
        }
        return base - milliseconds(offset)
    }

    func vector(_ node: PromQLNode, _ t: Int64) throws -> [PromSample] {
        if case .vector(let samples) = try eval(node, t) { return samples }
        return []
    }

    func scalar(_ node: PromQLNode, _ t: Int64) throws -> Double {
        if case .scalar(let x) = try eval(node, t) { return x }
        return .nan
    }

    func string(_ node: PromQLNode) -> String {
        switch node {
        case .string(let s): s
        case .paren(let inner): string(inner)
        default: ""
        }
    }

    // MARK: Selection

    func vectorSelect(_ selector: PromQLSelector, _ t: Int64) -> [PromSample] {
        var out: [PromSample] = []
        for position in store.select(selector) {
            let series = store.series[position]
            // The newest sample at or before t, if within the lookback window.
            var low = 0, high = series.times.count
            while low < high {
                let mid = (low + high) / 2
                if series.times[mid] <= t { low = mid + 1 } else { high = mid }
            }
            guard low > 0 else { continue }
            let time = series.times[low - 1], value = series.values[low - 1]
            guard time >= t - lookback, !PromSeriesStore.isStale(value) else { continue }
            out.append(PromSample(labels: series.labels, value: value, time: time))
        }
        return out
    }

    func matrixSelect(_ selector: PromQLSelector, from start: Int64, to end: Int64) -> [PromRange] {
        var out: [PromRange] = []
        for position in store.select(selector) {
            let series = store.series[position]
            var times: [Int64] = [], values: [Double] = []
            for (time, value) in zip(series.times, series.values) where time >= start && time <= end && !PromSeriesStore.isStale(value) {
                times.append(time)
                values.append(value)
            }
            if !times.isEmpty { out.append(PromRange(labels: series.labels, times: times, values: values)) }
        }
        return out
    }

    func subquery(_ inner: PromQLNode, range: Double, step: Double?, at t: Int64) throws -> [PromRange] {
        let stepMs = step.map(milliseconds) ?? defaultStep
        guard stepMs > 0 else { return [] }
        // Prometheus stops a query past its sample limit (10,000 in promtool's tests); a
        // subquery of more steps than that could not have run there either.
        guard milliseconds(range) / stepMs <= Self.maxSubquerySteps else {
            throw PromQLEvaluationError("query processing would load too many samples into memory in subquery evaluation")
        }
        var start = t - milliseconds(range)
        // Steps fall on multiples of the step.
        let remainder = start % stepMs
        if remainder != 0 { start += remainder > 0 ? stepMs - remainder : -remainder }
        var series: [PromLabels: PromRange] = [:]
        var order: [PromLabels] = []
        var time = start
        while time <= t {
            budget.steps -= 1
            guard budget.steps >= 0 else {
                throw PromQLEvaluationError("query processing would load too many samples into memory in subquery evaluation")
            }
            switch try eval(inner, time) {
            case .vector(let samples):
                for sample in samples {
                    if series[sample.labels] == nil {
                        series[sample.labels] = PromRange(labels: sample.labels, times: [], values: [])
                        order.append(sample.labels)
                    }
                    series[sample.labels]!.times.append(time)
                    series[sample.labels]!.values.append(sample.value)
                }
            case .scalar(let x):
                let key = PromLabels()
                if series[key] == nil { series[key] = PromRange(labels: key, times: [], values: []); order.append(key) }
                series[key]!.times.append(time)
                series[key]!.values.append(x)
            default: break
            }
            time += stepMs
        }
        return order.map { series[$0]! }
    }

    // MARK: Binary operators

    static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]

    /// vectorElemBinop: the value and, for comparisons, whether the pair is kept.
    static func apply(_ op: String, _ l: Double, _ r: Double) -> (Double, Bool) {
        switch op {
        case "+": return (l + r, true)
        case "-": return (l - r, true)
        case "*": return (l * r, true)
        case "/": return (l / r, true)
        case "^": return (Foundation.pow(l, r), true)
        case "%": return (fmod(l, r), true)
        case "atan2": return (Foundation.atan2(l, r), true)
        case "==": return (l, l == r)
        case "!=": return (l, l != r)
        case ">": return (l, l > r)
        case "<": return (l, l < r)
        case ">=": return (l, l >= r)
        case "<=": return (l, l <= r)
        default: return (.nan, false)
        }
    }

    func binary(_ op: String, _ left: PromValue, _ right: PromValue, _ matching: PromQLMatching) throws -> PromValue {
        let comparison = Self.comparisons.contains(op)
        let dropsName = !comparison || matching.returnBool
        switch (left, right) {
        case (.scalar(let l), .scalar(let r)):
            let (value, keep) = Self.apply(op, l, r)
            return .scalar(comparison ? (keep ? 1 : 0) : value)
        case (.vector(let samples), .scalar(let r)), (.scalar(let r), .vector(let samples)):
            let swapped: Bool
            if case .scalar = left { swapped = true } else { swapped = false }
            var out: [PromSample] = []
            for sample in samples {
                let (l, rr) = swapped ? (r, sample.value) : (sample.value, r)
                var (value, keep) = Self.apply(op, l, rr)
                if comparison && swapped { value = rr }
                if matching.returnBool {
                    value = keep ? 1 : 0
                    keep = true
                }
                guard keep else { continue }
                out.append(PromSample(labels: dropsName ? sample.labels.withoutName : sample.labels, value: value, time: sample.time))
            }
            return .vector(out)
        case (.vector(let l), .vector(let r)):
            switch op {
            case "and", "or", "unless": return .vector(setOperation(op, l, r, matching))
            default: return .vector(try vectorMatch(op, l, r, matching))
            }
        default:
            return .vector([])
        }
    }

    func signature(_ labels: PromLabels, _ matching: PromQLMatching) -> PromLabels {
        matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels + ["__name__"]))
    }

    func setOperation(_ op: String, _ l: [PromSample], _ r: [PromSample], _ matching: PromQLMatching) -> [PromSample] {
        switch op {
        case "and":
            let right = Set(r.map { signature($0.labels, matching) })
            return l.filter { right.contains(signature($0.labels, matching)) }
        case "or":
            let left = Set(l.map { signature($0.labels, matching) })
            return l + r.filter { !left.contains(signature($0.labels, matching)) }
        default:
            let right = Set(r.map { signature($0.labels, matching) })
            return l.filter { !right.contains(signature($0.labels, matching)) }
        }
    }

    func vectorMatch(_ op: String, _ left: [PromSample], _ right: [PromSample], _ matching: PromQLMatching) throws -> [PromSample] {
        var (lhs, rhs) = (left, right)
        let swapped = matching.cardinality == .oneToMany
        if swapped { (lhs, rhs) = (rhs, lhs) }
        var one: [PromLabels: PromSample] = [:]
        for sample in rhs {
            let key = signature(sample.labels, matching)
            if let duplicate = one[key] {
                let side = swapped ? "left" : "right"
                let pair = "\(sample.labels), \(duplicate.labels)"
                throw PromQLEvaluationError("found duplicate series for the match group \(key) on the \(side) hand-side of the operation: [\(pair)];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            one[key] = sample
        }
        let comparison = Self.comparisons.contains(op)
        var inserted: Set<PromLabels> = []
        var matchedSignatures: [PromLabels: Set<PromLabels>] = [:]
        var out: [PromSample] = []
        for sample in lhs {
            let key = signature(sample.labels, matching)
            guard let other = one[key] else { continue }
            var (l, r) = (sample.value, other.value)
            if swapped { (l, r) = (r, l) }
            var (value, keep) = Self.apply(op, l, r)
            if matching.returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            var labels = sample.labels
            if !comparison { labels = labels.withoutName }
            if matching.cardinality == .oneToOne {
                labels = matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels))
            }
            for name in matching.include {
                labels.set(name, other.labels[name] ?? "")
            }
            if matching.returnBool { labels = labels.withoutName }
            if matching.cardinality == .oneToOne {
                guard inserted.insert(key).inserted else {
                    throw PromQLEvaluationError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
            } else {
                guard matchedSignatures[key, default: []].insert(labels).inserted else {
                    throw PromQLEvaluationError("multiple matches for labels: grouping labels must ensure unique matches")
                }
            }
            out.append(PromSample(labels: labels, value: value, time: sample.time))
        }
        return out
    }

    // MARK: Aggregation

    func aggregate(_ op: String, param: PromValue?, _ samples: [PromSample], grouping: PromQLGrouping?) throws -> [PromSample] {
        var k = 0, q = Double.nan, valueLabel = ""
        if case .scalar(let x)? = param {
            q = x
            if op == "topk" || op == "bottomk" {
                guard x.isFinite || x.isInfinite, !x.isNaN else { throw PromQLEvaluationError("Parameter value is NaN") }
                k = x >= Double(Int64.max) ? Int.max : (x <= Double(Int64.min) ? 0 : Int(Int64(x)))
                if k < 1 { return [] }
            }
        }
        if case .string(let s)? = param {
            valueLabel = s
            guard RuleNames.isLabelName(s) else { throw PromQLEvaluationError("invalid label name \(GoFormat.quote(s))") }
        }
        let without = grouping?.without ?? false
        let names = Set(grouping?.labels ?? [])

        struct Group {
            var labels: PromLabels
            var value: Double
            var mean: Double
            var count: Double
            var samples: [PromSample] = []
            var values: [Double] = []
        }
        var groups: [PromLabels: Group] = [:]
        var order: [PromLabels] = []
        for sample in samples {
            var key: PromLabels
            if without {
                key = sample.labels.removing(names.union(["__name__"]))
            } else {
                key = sample.labels.keeping(names)
            }
            if op == "count_values" {
                key.set(valueLabel, GoFormat.plain(sample.value))
            }
            guard var group = groups[key] else {
                var group = Group(labels: key, value: sample.value, mean: sample.value, count: 1)
                switch op {
                case "count", "count_values", "group": group.value = 1
                case "stddev", "stdvar": group.value = 0
                case "topk", "bottomk": group.samples = [sample]
                case "quantile": group.values = [sample.value]
                default: break
                }
                groups[key] = group
                order.append(key)
                continue
            }
            switch op {
            case "sum": group.value += sample.value
            case "avg":
                group.count += 1
                if group.mean.isInfinite {
                    if sample.value.isInfinite && (group.mean > 0) == (sample.value > 0) { break }
                    if !sample.value.isInfinite && !sample.value.isNaN { break }
                }
                group.mean += sample.value / group.count - group.mean / group.count
            case "group": break
            case "count", "count_values": group.value += 1
            case "max": if group.value < sample.value || group.value.isNaN { group.value = sample.value }
            case "min": if group.value > sample.value || group.value.isNaN { group.value = sample.value }
            case "stddev", "stdvar":
                group.count += 1
                let delta = sample.value - group.mean
                group.mean += delta / group.count
                group.value += delta * (sample.value - group.mean)
            case "topk", "bottomk":
                group.samples.append(sample)
            case "quantile": group.values.append(sample.value)
            default: break
            }
            groups[key] = group
        }
        var out: [PromSample] = []
        for key in order {
            let group = groups[key]!
            switch op {
            case "avg": out.append(PromSample(labels: key, value: group.mean, time: 0))
            case "stddev": out.append(PromSample(labels: key, value: (group.value / group.count).squareRoot(), time: 0))
            case "stdvar": out.append(PromSample(labels: key, value: group.value / group.count, time: 0))
            case "topk", "bottomk":
                // Highest (lowest) first, NaN last; ties keep input order.
                let ranked = group.samples.enumerated().sorted { a, b in
                    let (x, y) = (a.element.value, b.element.value)
                    if x.isNaN != y.isNaN { return !x.isNaN }
                    if x != y, !x.isNaN { return op == "topk" ? x > y : x < y }
                    return a.offset < b.offset
                }
                out += ranked.prefix(k).map(\.element)
            case "quantile": out.append(PromSample(labels: key, value: Self.quantile(q, group.values), time: 0))
            default: out.append(PromSample(labels: key, value: group.value, time: 0))
            }
        }
        return out
    }

    /// The φ-quantile of values, interpolating linearly between ranks.
    static func quantile(_ q: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        let sorted = values.sorted { a, b in a < b || (a.isNaN && !b.isNaN) }
        let n = Double(sorted.count)
        let rank = q * (n - 1)
        let lower = Swift.max(0, rank.rounded(.down))
        let upper = Swift.min(n - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
    }
}

/// Metric and label name syntax.
public enum RuleNames {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isMetricName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == UInt8(ascii: "_") || first == UInt8(ascii: ":") || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) else { return false }
        return text.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    public static func isLabelName(_ text: String) -> Bool {
        !text.contains(":") && isMetricName(text)
    }
}
