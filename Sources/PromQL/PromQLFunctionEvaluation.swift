import Foundation

/// PromQL's functions, evaluated as Prometheus 2.42's `functions.go` evaluates them.
extension PromQLEvaluator {
    /// A range argument: its series and the window it was taken over.
    struct Window {
        var series: [PromRange]
        var start: Int64
        var end: Int64
        var seconds: Double
    }

    func window(_ node: PromQLNode, _ t: Int64) throws -> Window {
        switch node {
        case .paren(let inner): return try window(inner, t)
        case .modified(let inner, let offset, let at): return try window(inner, modifiedTime(t, offset: offset, at: at))
        case .matrix(let selector, let range, _):
            let start = t - milliseconds(range)
            return Window(series: matrixSelect(selector, from: start, to: t), start: start, end: t, seconds: range)
        case .subquery(let inner, let range, let step):
            return Window(series: try subquery(inner, range: range, step: step, at: t), start: t - milliseconds(range), end: t, seconds: range)
        default:
            return Window(series: [], start: t, end: t, seconds: 0)
        }
    }

    /// The vector selector an argument names, under parentheses and modifiers.
    static func selector(of node: PromQLNode) -> PromQLSelector? {
        switch node {
        case .selector(let s), .matrix(let s, _, _): s
        case .paren(let inner), .modified(let inner, _, _): selector(of: inner)
        default: nil
        }
    }

    func call(_ name: String, _ arguments: [PromQLNode], _ t: Int64) throws -> PromValue {
        func mapped(_ transform: (Double) -> Double) throws -> PromValue {
            .vector(try vector(arguments[0], t).map { PromSample(labels: $0.labels.withoutName, value: transform($0.value), time: $0.time) })
        }
        func overTime(keepName: Bool = false, _ reduce: (PromRange) -> Double?) throws -> PromValue {
            var out: [PromSample] = []
            let range = arguments.first { $0.type == .matrix } ?? arguments[0]
            for series in try window(range, t).series {
                if let value = reduce(series) {
                    out.append(PromSample(labels: keepName ? series.labels : series.labels.withoutName, value: value, time: t))
                }
            }
            return .vector(out)
        }
        switch name {
        case "abs": return try mapped { Swift.abs($0) }
        case "ceil": return try mapped { $0.rounded(.up) }
        case "floor": return try mapped { $0.rounded(.down) }
        case "sqrt": return try mapped { $0.squareRoot() }
        case "exp": return try mapped { Foundation.exp($0) }
        case "ln": return try mapped { Foundation.log($0) }
        case "log2": return try mapped { Foundation.log2($0) }
        case "log10": return try mapped { Foundation.log10($0) }
        case "sgn": return try mapped { $0 < 0 ? -1 : ($0 > 0 ? 1 : $0) }
        case "sin": return try mapped { Foundation.sin($0) }
        case "cos": return try mapped { Foundation.cos($0) }
        case "tan": return try mapped { Foundation.tan($0) }
        case "asin": return try mapped { Foundation.asin($0) }
        case "acos": return try mapped { Foundation.acos($0) }
        case "atan": return try mapped { Foundation.atan($0) }
        case "sinh": return try mapped { Foundation.sinh($0) }
        case "cosh": return try mapped { Foundation.cosh($0) }
        case "tanh": return try mapped { Foundation.tanh($0) }
        case "asinh": return try mapped { Foundation.asinh($0) }
        case "acosh": return try mapped { Foundation.acosh($0) }
        case "atanh": return try mapped { Foundation.atanh($0) }
        case "deg": return try mapped { $0 * 180 / Double.pi }
        case "rad": return try mapped { $0 * Double.pi / 180 }
        case "pi": return .scalar(Double.pi)
        case "time": return .scalar(Double(t) / 1000)
        case "vector": return .vector([PromSample(labels: PromLabels(), value: try scalar(arguments[0], t), time: t)])
        case "scalar":
            let samples = try vector(arguments[0], t)
            return .scalar(samples.count == 1 ? samples[0].value : .nan)
        case "clamp":
            let (low, high) = (try scalar(arguments[1], t), try scalar(arguments[2], t))
            if high < low { return .vector([]) }
            return try mapped { Swift.max(low, Swift.min(high, $0)) }
        case "clamp_min":
            let low = try scalar(arguments[1], t)
            return try mapped { Swift.max(low, $0) }
        case "clamp_max":
            let high = try scalar(arguments[1], t)
            return try mapped { Swift.min(high, $0) }
        case "round":
            let nearest = arguments.count > 1 ? try scalar(arguments[1], t) : 1
            let inverse = 1 / nearest
            return try mapped { ($0 * inverse + 0.5).rounded(.down) / inverse }
        case "timestamp":
            if let selector = Self.selector(of: arguments[0]), case .selector = Self.unwrapParens(arguments[0]) {
                return .vector(vectorSelect(selector, t).map { PromSample(labels: $0.labels.withoutName, value: Double($0.time) / 1000, time: $0.time) })
            }
            if case .modified(let inner, let offset, let at) = Self.unwrapParens(arguments[0]), case .selector(let selector) = inner {
                return .vector(vectorSelect(selector, modifiedTime(t, offset: offset, at: at))
                    .map { PromSample(labels: $0.labels.withoutName, value: Double($0.time) / 1000, time: $0.time) })
            }
            return .vector(try vector(arguments[0], t).map { PromSample(labels: $0.labels.withoutName, value: Double(t) / 1000, time: t) })
        case "sort", "sort_desc":
            let samples = try vector(arguments[0], t)
            return .vector(samples.sorted { a, b in
                if a.value.isNaN != b.value.isNaN { return !a.value.isNaN }
                return name == "sort" ? a.value < b.value : a.value > b.value
            })
        case "absent":
            if !(try vector(arguments[0], t)).isEmpty { return .vector([]) }
            return .vector([PromSample(labels: Self.absentLabels(arguments[0]), value: 1, time: t)])
        case "absent_over_time":
            if !(try window(arguments[0], t)).series.isEmpty { return .vector([]) }
            return .vector([PromSample(labels: Self.absentLabels(arguments[0]), value: 1, time: t)])
        case "label_replace": return .vector(try labelReplace(arguments, t))
        case "label_join": return .vector(try labelJoin(arguments, t))
        case "histogram_quantile": return .vector(try histogramQuantile(arguments, t))
        case "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year":
            let samples = arguments.isEmpty ? [PromSample(labels: PromLabels(), value: Double(t) / 1000, time: t)]
                : try vector(arguments[0], t).map { PromSample(labels: $0.labels.withoutName, value: $0.value, time: $0.time) }
            return .vector(samples.map { PromSample(labels: $0.labels, value: Self.datePart(name, $0.value), time: $0.time) })
        case "rate", "increase", "delta":
            let w = try window(arguments[0], t)
            var out: [PromSample] = []
            for series in w.series {
                if let value = Self.extrapolatedRate(series, w, isCounter: name != "delta", isRate: name == "rate") {
                    out.append(PromSample(labels: series.labels.withoutName, value: value, time: t))
                }
            }
            return .vector(out)
        case "irate", "idelta":
            return try overTime { series in
                let n = series.values.count
                guard n >= 2 else { return nil }
                let (last, previous) = (series.values[n - 1], series.values[n - 2])
                let value = name == "irate" && last < previous ? last : last - previous
                let interval = series.times[n - 1] - series.times[n - 2]
                guard interval != 0 else { return nil }
                return name == "irate" ? value / (Double(interval) / 1000) : value
            }
        case "deriv":
            return try overTime { series in
                guard series.values.count >= 2 else { return nil }
                return Self.linearRegression(series, interceptTime: series.times[0]).slope
            }
        case "predict_linear":
            let duration = try scalar(arguments[1], t)
            return try overTime { series in
                guard series.values.count >= 2 else { return nil }
                let (slope, intercept) = Self.linearRegression(series, interceptTime: t)
                return slope * duration + intercept
            }
        case "resets":
            return try overTime { series in
                Double(zip(series.values, series.values.dropFirst()).filter { $1 < $0 }.count)
            }
        case "changes":
            return try overTime { series in
                Double(zip(series.values, series.values.dropFirst()).filter { $1 != $0 && !($0.isNaN && $1.isNaN) }.count)
            }
        case "avg_over_time":
            return try overTime { series in
                var mean = 0.0, count = 0.0
                for value in series.values {
                    count += 1
                    if mean.isInfinite {
                        if value.isInfinite && (mean > 0) == (value > 0) { continue }
                        if !value.isInfinite && !value.isNaN { continue }
                    }
                    mean += value / count - mean / count
                }
                return mean
            }
        case "sum_over_time": return try overTime { $0.values.reduce(0, +) }
        case "count_over_time": return try overTime { Double($0.values.count) }
        case "min_over_time":
            return try overTime { series in
                series.values.dropFirst().reduce(series.values[0]) { m, v in (v < m || m.isNaN) ? v : m }
            }
        case "max_over_time":
            return try overTime { series in
                series.values.dropFirst().reduce(series.values[0]) { m, v in (v > m || m.isNaN) ? v : m }
            }
        case "last_over_time": return try overTime(keepName: true) { $0.values.last }
        case "present_over_time": return try overTime { _ in 1 }
        case "stddev_over_time", "stdvar_over_time":
            return try overTime { series in
                var count = 0.0, mean = 0.0, aux = 0.0
                for value in series.values {
                    count += 1
                    let delta = value - mean
                    mean += delta / count
                    aux += delta * (value - mean)
                }
                return name == "stddev_over_time" ? (aux / count).squareRoot() : aux / count
            }
        case "quantile_over_time":
            let q = try scalar(arguments[0], t)
            return try overTime { Self.quantile(q, $0.values) }
        case "holt_winters":
            let (sf, tf) = (try scalar(arguments[1], t), try scalar(arguments[2], t))
            guard sf > 0, sf < 1 else { throw PromQLEvaluationError("invalid smoothing factor. Expected: 0 < sf < 1, got: \(GoFormat.g(sf))") }
            guard tf > 0, tf < 1 else { throw PromQLEvaluationError("invalid trend factor. Expected: 0 < tf < 1, got: \(GoFormat.g(tf))") }
            return try overTime { series in
                let values = series.values
                guard values.count >= 2 else { return nil }
                var s0 = 0.0, s1 = values[0], b = values[1] - values[0]
                for i in 1..<values.count {
                    let x = sf * values[i]
                    b = i == 1 ? b : tf * (s1 - s0) + (1 - tf) * b
                    let y = (1 - sf) * (s1 + b)
                    (s0, s1) = (s1, x + y)
                }
                return s1
            }
        default:
            throw PromQLEvaluationError("function \"\(name)\" is not supported by gate's evaluator")
        }
    }

    static func unwrapParens(_ node: PromQLNode) -> PromQLNode {
        if case .paren(let inner) = node { return unwrapParens(inner) }
        return node
    }

    /// absent()'s labels: the selector's equality matchers, a label matched twice left out.
    public static func absentLabels(_ node: PromQLNode) -> PromLabels {
        guard let selector = selector(of: node) else { return PromLabels() }
        var labels = PromLabels()
        var repeated: Set<String> = []
        for matcher in selector.matchers where matcher.label != "__name__" {
            if matcher.op == "=" && labels[matcher.label] == nil && !repeated.contains(matcher.label) {
                labels.set(matcher.label, matcher.value)
            } else {
                repeated.insert(matcher.label)
            }
        }
        return labels.removing(repeated)
    }

    /// rate, increase and delta: the change over the window, extrapolated to its edges.
    static func extrapolatedRate(_ series: PromRange, _ w: Window, isCounter: Bool, isRate: Bool) -> Double? {
        let values = series.values, times = series.times
        guard values.count >= 2 else { return nil }
        var result = values.last! - values[0]
        if isCounter {
            var last = 0.0
            for value in values {
                if value < last { result += last }
                last = value
            }
        }
        var toStart = Double(times[0] - w.start) / 1000
        let toEnd = Double(w.end - times.last!) / 1000
        let sampled = Double(times.last! - times[0]) / 1000
        let average = sampled / Double(values.count - 1)
        if isCounter && result > 0 && values[0] >= 0 {
            let toZero = sampled * (values[0] / result)
            if toZero < toStart { toStart = toZero }
        }
        let threshold = average * 1.1
        var interval = sampled
        interval += toStart < threshold ? toStart : average / 2
        interval += toEnd < threshold ? toEnd : average / 2
        result *= interval / sampled
        if isRate { result /= w.seconds }
        return result
    }

    static func kahan(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
        let t = sum + inc
        var c = c
        if Swift.abs(sum) >= Swift.abs(inc) { c += (sum - t) + inc } else { c += (inc - t) + sum }
        return (t, c)
    }

    static func linearRegression(_ series: PromRange, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0, sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = series.values[0]
        var constY = true
        for (i, (time, value)) in zip(series.times, series.values).enumerated() {
            if constY && i > 0 && value != initY { constY = false }
            n += 1
            let x = Double(time - interceptTime) / 1e3
            (sumX, cX) = kahan(x, sumX, cX)
            (sumY, cY) = kahan(value, sumY, cY)
            (sumXY, cXY) = kahan(x * value, sumXY, cXY)
            (sumX2, cX2) = kahan(x * x, sumX2, cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    func labelReplace(_ arguments: [PromQLNode], _ t: Int64) throws -> [PromSample] {
        let (destination, replacement, source, pattern) = (string(arguments[1]), string(arguments[2]), string(arguments[3]), string(arguments[4]))
        guard let regex = store.regex(pattern) else { throw PromQLEvaluationError("invalid regular expression in label_replace(): \(pattern)") }
        guard RuleNames.isLabelName(destination) else { throw PromQLEvaluationError("invalid destination label name in label_replace(): \(destination)") }
        var out: [PromSample] = []
        for sample in try vector(arguments[0], t) {
            var labels = sample.labels
            let value = labels[source] ?? ""
            if let match = value.wholeMatch(of: regex) {
                labels.set(destination, Self.expand(replacement, match))
            }
            out.append(PromSample(labels: labels, value: sample.value, time: sample.time))
        }
        return out
    }

    /// Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; an unknown group is empty.
    public static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        var chars = Substring(template)
        while let dollar = chars.firstIndex(of: "$") {
            out += chars[..<dollar]
            chars = chars[chars.index(after: dollar)...]
            if chars.first == "$" { out += "$"; chars = chars.dropFirst(); continue }
            var name: Substring
            if chars.first == "{" {
                guard let close = chars.firstIndex(of: "}") else { out += "$"; continue }
                name = chars[chars.index(after: chars.startIndex)..<close]
                chars = chars[chars.index(after: close)...]
            } else {
                name = chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if name.isEmpty { out += "$"; continue }
                chars = chars.dropFirst(name.count)
            }
            if let number = Int(name) {
                if number < match.output.count, let sub = match.output[number].substring { out += sub }
            } else if let sub = match.output[String(name)]?.substring {
                out += sub
            }
        }
        return out + chars
    }

    func labelJoin(_ arguments: [PromQLNode], _ t: Int64) throws -> [PromSample] {
        let destination = string(arguments[1]), separator = string(arguments[2])
        let sources = arguments.dropFirst(3).map(string)
        guard RuleNames.isLabelName(destination) else { throw PromQLEvaluationError("invalid destination label name in label_join(): \(destination)") }
        return try vector(arguments[0], t).map { sample in
            var labels = sample.labels
            labels.set(destination, sources.map { sample.labels[$0] ?? "" }.joined(separator: separator))
            return PromSample(labels: labels, value: sample.value, time: sample.time)
        }
    }

    func histogramQuantile(_ arguments: [PromQLNode], _ t: Int64) throws -> [PromSample] {
        let q = try scalar(arguments[0], t)
        var groups: [PromLabels: [(bound: Double, count: Double)]] = [:]
        var order: [PromLabels] = []
        for sample in try vector(arguments[1], t) {
            guard let le = sample.labels["le"], let bound = GoFormat.parseFloat(le) else { continue }
            let key = sample.labels.removing(["le", "__name__"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((bound, sample.value))
        }
        return order.map { PromSample(labels: $0, value: Self.bucketQuantile(q, groups[$0]!), time: t) }
    }

    static func bucketQuantile(_ q: Double, _ input: [(bound: Double, count: Double)]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var buckets = input.sorted { $0.bound < $1.bound }
        guard let last = buckets.last, last.bound == .infinity else { return .nan }
        // Buckets of the same bound are added up; counts made monotonic.
        var merged: [(bound: Double, count: Double)] = []
        for bucket in buckets {
            if let previous = merged.last, previous.bound == bucket.bound { merged[merged.count - 1].count += bucket.count } else { merged.append(bucket) }
        }
        buckets = merged
        var maximum = -Double.infinity
        for i in buckets.indices {
            if buckets[i].count > maximum { maximum = buckets[i].count } else if buckets[i].count < maximum { buckets[i].count = maximum }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets.last!.count
        guard observations != 0 else { return .nan }
        var rank = q * observations
        let b = buckets.dropLast().firstIndex { $0.count >= rank } ?? buckets.count - 1
        if b == buckets.count - 1 { return buckets[buckets.count - 2].bound }
        if b == 0 && buckets[0].bound <= 0 { return buckets[0].bound }
        var start = 0.0, count = buckets[b].count
        let end = buckets[b].bound
        if b > 0 {
            start = buckets[b - 1].bound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return start + (end - start) * (rank / count)
    }

    static func datePart(_ name: String, _ seconds: Double) -> Double {
        guard seconds.isFinite else { return .nan }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(Int64(seconds)))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        switch name {
        case "day_of_month": return Double(c.day!)
        case "day_of_week": return Double(c.weekday! - 1)
        case "day_of_year": return Double(calendar.ordinality(of: .day, in: .year, for: date)!)
        case "days_in_month": return Double(calendar.range(of: .day, in: .month, for: date)!.count)
        case "hour": return Double(c.hour!)
        case "minute": return Double(c.minute!)
        case "month": return Double(c.month!)
        default: return Double(c.year!)
        }
    }
}
