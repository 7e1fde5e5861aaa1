import Foundation

/// One label of a series.
public struct PromLabel: Hashable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { (self.name, self.value) = (name, value) }
}

/// A label set, sorted by name as Prometheus keeps it (byte order), no empty values.
public struct PromLabels: Hashable, Sendable, Comparable, CustomStringConvertible {
    public private(set) var list: [PromLabel] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (name, value) in pairs { set(name, value) }
    }

    /// Annotations: kept as given, empty values included.
    public init(keepingEmpty pairs: [(String, String)]) {
        list = pairs.map { PromLabel($0.0, $0.1) }.sorted { Self.less($0.name, $1.name) }
    }

    public init(_ dictionary: [String: String]) {
        self.init(dictionary.map { ($0.key, $0.value) })
    }

    public var isEmpty: Bool { list.isEmpty }
    public var metricName: String? { self["__name__"] }

    public subscript(name: String) -> String? {
        list.first { $0.name == name }?.value
    }

    /// Sets a label; an empty value removes it, as Prometheus' label builder does.
    public mutating func set(_ name: String, _ value: String) {
        if let index = list.firstIndex(where: { $0.name == name }) {
            if value.isEmpty { list.remove(at: index) } else { list[index].value = value }
            return
        }
        guard !value.isEmpty else { return }
        let index = list.firstIndex { Self.less(name, $0.name) } ?? list.count
        list.insert(PromLabel(name, value), at: index)
    }

    public func removing(_ names: Set<String>) -> PromLabels {
        var copy = self
        copy.list.removeAll { names.contains($0.name) }
        return copy
    }

    public func keeping(_ names: Set<String>) -> PromLabels {
        var copy = self
        copy.list.removeAll { !names.contains($0.name) }
        return copy
    }

    public var withoutName: PromLabels { removing(["__name__"]) }

    public var dictionary: [String: String] { Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0.value) }) }

    static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// labels.Compare: name, then value, pair by pair; the shorter set first.
    public static func < (a: PromLabels, b: PromLabels) -> Bool {
        for (x, y) in zip(a.list, b.list) {
            if x.name != y.name { return less(x.name, y.name) }
            if x.value != y.value { return less(x.value, y.value) }
        }
        return a.list.count < b.list.count
    }

    /// `{a="1", b="2"}`, values quoted as Go quotes them.
    public var description: String {
        "{" + list.map { "\($0.name)=\(GoFormat.quote($0.value))" }.joined(separator: ", ") + "}"
    }
}

/// Samples by series, in time order: what the unit tests load and the rules write.
public final class PromSeriesStore: @unchecked Sendable {
    public struct Series {
        public var labels: PromLabels
        public var times: [Int64] = []
        public var values: [Double] = []
    }

    public private(set) var series: [Series] = []
    private var index: [PromLabels: Int] = [:]
    private var byName: [String: [Int]] = [:]
    /// Compiled matchers and label_replace patterns, for as long as the store lives (a
    /// process-wide cache would grow with every pattern it ever saw).
    private var compiled: [String: Regex<AnyRegexOutput>?] = [:]

    public init() {}

    /// The anchored regular expression of a matcher or of label_replace (nil if invalid).
    func regex(_ pattern: String) -> Regex<AnyRegexOutput>? {
        if let hit = compiled[pattern] { return hit }
        let regex = try? Regex("^(?:" + pattern + ")$")
        compiled[pattern] = regex
        return regex
    }

    /// Prometheus' stale marker: a NaN with its own bit pattern.
    public static let staleNaN = Double(bitPattern: 0x7FF0_0000_0000_0002)
    public static func isStale(_ value: Double) -> Bool { value.bitPattern == staleNaN.bitPattern }

    /// Appends a sample; one at or before the series' last time is dropped (out of order).
    public func append(_ labels: PromLabels, _ time: Int64, _ value: Double) {
        let position: Int
        if let existing = index[labels] {
            position = existing
        } else {
            position = series.count
            series.append(Series(labels: labels))
            index[labels] = position
            byName[labels.metricName ?? "", default: []].append(position)
        }
        if let last = series[position].times.last, time <= last { return }
        series[position].times.append(time)
        series[position].values.append(value)
    }

    /// The series every matcher selects.
    func select(_ selector: PromQLSelector) -> [Int] {
        let candidates: [Int]
        if let name = selector.name, selector.matchers.allSatisfy({ $0.label != "__name__" || $0.op == "=" }) {
            candidates = byName[name] ?? []
        } else {
            candidates = Array(series.indices)
        }
        var matchers = selector.matchers
        if let name = selector.name, !matchers.contains(where: { $0.label == "__name__" }) { matchers.append(("__name__", "=", name)) }
        let compiled = matchers.map { m -> (String, String, String, Regex<AnyRegexOutput>?) in
            (m.label, m.op, m.value, m.op.hasSuffix("~") ? regex(m.value) : nil)
        }
        return candidates.filter { position in
            let labels = series[position].labels
            return compiled.allSatisfy { label, op, value, regex in
                let actual = labels[label] ?? ""
                switch op {
                case "=": return actual == value
                case "!=": return actual != value
                case "=~": return regex.map { actual.wholeMatch(of: $0) != nil } ?? false
                default: return regex.map { actual.wholeMatch(of: $0) == nil } ?? true
                }
            }
        }
    }
}

/// Go's number and string formatting, where results are compared as text.
public enum GoFormat {
    /// The shortest decimal digits that read back as `x`, and the decimal point's position:
    /// 1234.5 is ("12345", 4); 0.001 is ("1", -2).
    static func shortestDigits(_ x: Double) -> (digits: String, point: Int) {
        let text = "\(abs(x))"   // Swift prints the shortest round-trip form
        var mantissa = Substring(text), exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integer + fraction
        var point = integer.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        if digits == "0" { point = 1 }
        return (digits, point)
    }

    static func special(_ x: Double) -> String? {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "+Inf" : "-Inf" }
        return nil
    }

    /// strconv.FormatFloat(x, 'g', -1, 64), as `%v` and text/template print a float64.
    public static func g(_ x: Double) -> String {
        if let s = special(x) { return s }
        let (digits, point) = shortestDigits(x)
        let sign = x.sign == .minus && x != 0 ? "-" : (x == 0 && x.sign == .minus ? "-" : "")
        let exponent = point - 1
        if exponent < -4 || exponent >= 6 { return sign + e(digits, exponent, upper: false) }
        return sign + f(digits, point)
    }

    /// strconv.FormatFloat(x, 'E', -1, 64): promtool prints sample values so.
    public static func upperE(_ x: Double) -> String {
        if let s = special(x) { return s }
        let (digits, point) = shortestDigits(x)
        return (x.sign == .minus ? "-" : "") + e(digits, point - 1, upper: true)
    }

    /// strconv.FormatFloat(x, 'f', -1, 64).
    public static func plain(_ x: Double) -> String {
        if let s = special(x) { return s }
        let (digits, point) = shortestDigits(x)
        return (x.sign == .minus && x != 0 ? "-" : "") + f(digits, point)
    }

    static func e(_ digits: String, _ exponent: Int, upper: Bool) -> String {
        let mantissa = digits.count > 1 ? "\(digits.prefix(1)).\(digits.dropFirst())" : digits
        let magnitude = abs(exponent)
        return mantissa + (upper ? "E" : "e") + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + "\(magnitude)"
    }

    static func f(_ digits: String, _ point: Int) -> String {
        if point <= 0 { return "0." + String(repeating: "0", count: -point) + digits }
        if point >= digits.count { return digits + String(repeating: "0", count: point - digits.count) }
        return "\(digits.prefix(point)).\(digits.dropFirst(point))"
    }

    /// strconv.ParseFloat as Prometheus reads `le` labels and templates read numbers: decimals,
    /// exponents, ±Inf, NaN.
    public static func parseFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case "+inf", "inf", "+infinity", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: return Double(text)
        }
    }

    /// strconv.Quote: double quotes, Go escapes for quotes, backslashes and control bytes.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
