#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a measured value is compared with its threshold.
public enum Comparison: String, Sendable, Codable {
    case atLeast = ">="
    case atMost = "<="
    /// Strictly below: for bounds that are breached on reaching them (a drift share).
    case below = "<"

    /// Whether `value` satisfies `threshold` under this comparison.
    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .atLeast: value >= threshold
        case .atMost: value <= threshold
        case .below: value < threshold
        }
    }

    /// The comparison written the other way round, for messages about a failed check.
    public var violatedSymbol: String {
        switch self {
        case .atLeast: "<"
        case .atMost: ">"
        case .below: ">="
        }
    }
}

/// One figure a gate measured, with the threshold it was judged against (if any).
///
/// `value` is what reports display; the verdict was decided on the exact figure before it was
/// rounded, so a displayed value never contradicts its verdict (see `Percent`).
public struct Measurement: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var unit: String?
    public var threshold: Double?
    public var comparison: Comparison?
    public var verdict: Verdict
    /// Set when the value is a count of the gate's own findings (errors, changed files): under
    /// new-only such a measurement counts only the new ones, against the same threshold.
    public var tally: FindingTally?
    /// The same measurement's value in the previous result (`--baseline-dir`), when it had one.
    public var previous: Double?

    public init(
        name: String,
        value: Double,
        unit: String? = nil,
        threshold: Double? = nil,
        comparison: Comparison? = nil,
        verdict: Verdict = .pass,
        tally: FindingTally? = nil
    ) {
        self.name = name
        self.value = value
        self.unit = unit
        self.threshold = threshold
        self.comparison = comparison
        self.verdict = verdict
        self.tally = tally
    }

    /// The value with its unit, as reporters print it (`61.53%`, `12 ms`, `3`).
    /// Integers whole, anything else to six significant digits (`0.000741927`, `81.6901`):
    /// tables are read by people; JSON keeps the exact figure.
    public var displayValue: String {
        let number = value.isFinite && value == value.rounded() && abs(value) < 1e15 ? Self.format(value) : Self.significantText(value, digits: 6)
        guard let unit else { return number }
        return unit == "%" ? number + "%" : number + " " + unit
    }

    /// `>= 70%`, or an empty string when the measurement has no threshold.
    public var displayThreshold: String {
        guard let threshold, let comparison else { return "" }
        let number = Self.format(threshold)
        return comparison.rawValue + " " + (unit == "%" ? number + "%" : number)
    }

    /// `61.53% < 70%` when the check failed, `75% >= 70%` when it held, the bare value otherwise.
    public var comparisonText: String {
        guard let threshold, let comparison else { return displayValue }
        let holds = comparison.holds(value, threshold) && verdict != .fail
        let symbol = holds ? comparison.rawValue : comparison.violatedSymbol
        let number = Self.format(threshold)
        return displayValue + " " + symbol + " " + (unit == "%" ? number + "%" : number)
    }

    /// `(−0.4)`, `(+2)`: the change since the previous result, when it had this measurement
    /// and the value moved; empty otherwise.
    public var deltaText: String {
        guard let previous, previous.isFinite, value.isFinite else { return "" }
        let delta = Self.significant(value - previous)
        guard delta != 0 else { return "" }
        return "(" + (delta > 0 ? "+" : "\u{2212}") + Self.format(abs(delta)) + ")"
    }

    /// Shortest decimal form: integers without a fraction, others as Swift prints them.
    /// `value` to four significant digits, for display of statistics whose scale varies
    /// (p-values, distances, PSI); verdicts are decided on the exact figure.
    public static func significant(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return value }
        let scale = pow(10, 3 - floor(log10(abs(value))))
        return (value * scale).rounded() / scale
    }

    public static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return significantText(value, digits: 15)
    }

    /// `value` in decimal with at most `digits` significant digits, trailing zeros dropped,
    /// exponent form below 1e-4 and from 1e15 (`3.36e-41`, `0.0123`, `81.69`): a figure
    /// rounded for display never shows binary noise such as `3.3599999999999996e-41`.
    public static func significantText(_ value: Double, digits: Int = 4) -> String {
        guard value.isFinite, value != 0 else { return value.isNaN ? "nan" : value == 0 ? "0" : (value > 0 ? "inf" : "-inf") }
        let digits = min(max(digits, 1), 17)
        var exponent = Int(floor(log10(abs(value))))
        var scaled = (abs(value) / pow(10, Double(exponent - digits + 1))).rounded()
        if scaled >= pow(10, Double(digits)) { scaled = (scaled / 10).rounded(); exponent += 1 }
        var text = String(UInt64(scaled))
        while text.count > 1, text.hasSuffix("0") { text.removeLast() }
        let sign = value < 0 ? "-" : ""
        if exponent < -4 || exponent >= 15 {
            let mantissa = text.count > 1 ? text.prefix(1) + "." + text.dropFirst() : Substring(text)
            return sign + mantissa + "e" + String(exponent)
        }
        if exponent >= text.count - 1 { return sign + text + String(repeating: "0", count: exponent - (text.count - 1)) }
        if exponent >= 0 {
            let point = text.index(text.startIndex, offsetBy: exponent + 1)
            return sign + text[..<point] + "." + text[point...]
        }
        return sign + "0." + String(repeating: "0", count: -exponent - 1) + text
    }
}

/// Which of a gate's findings a measurement counts: those of some rules, or of a severity.
public struct FindingTally: Sendable, Equatable {
    public var rules: Set<String>?
    public var severity: Severity?

    /// Findings of any of `rules` (every rule when nil) and of `severity` (any when nil).
    public init(rules: Set<String>? = nil, severity: Severity? = nil) {
        self.rules = rules
        self.severity = severity
    }

    public func counts(_ finding: Finding) -> Bool {
        (rules?.contains(finding.rule) ?? true) && (severity.map { $0 == finding.severity } ?? true)
    }
}
