import Foundation

/// Severity levels, in order, as CVSS v3 rates base scores (and `fail-on` names them).
public enum SeverityLevel: Int, Comparable, Sendable, CaseIterable {
    case none, low, medium, high, critical

    public static func < (a: SeverityLevel, b: SeverityLevel) -> Bool { a.rawValue < b.rawValue }

    public var name: String { String(describing: self) }

    /// CVSS v3.x and v4 qualitative ratings: 0 none, 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9
    /// high, 9.0–10 critical.
    public init(score: Double) {
        switch score {
        case ..<0.1: self = .none
        case ..<4.0: self = .low
        case ..<7.0: self = .medium
        case ..<9.0: self = .high
        default: self = .critical
        }
    }

    /// A database's own word (GitHub: LOW, MODERATE, HIGH, CRITICAL).
    public init?(stated: String) {
        switch stated.lowercased() {
        case "low": self = .low
        case "moderate", "medium": self = .medium
        case "high", "important": self = .high
        case "critical": self = .critical
        default: return nil
        }
    }
}

/// CVSS base scores computed from vectors as the specifications define them: v3.1 and v3.0
/// (first.org/cvss/v3.1/specification-document §7.1, with each version's Roundup) and v2
/// (first.org/cvss/v2/guide §3.2.1). v4 vectors are not scored here: v4's score comes from a
/// table of macro-vectors, so a v4 rating is taken from the record's own severity.
public enum CVSS {
    public struct Score: Sendable, Equatable {
        public var version: String
        public var base: Double
        public var vector: String
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        public var description: String {
            switch self { case .malformed(let why): return why }
        }
    }

    /// The base score of a v3.x or v2 vector; nil for v4 (see above); an error when the
    /// vector is malformed (a metric missing, repeated or out of range).
    public static func score(_ vector: String) throws -> Score? {
        if vector.hasPrefix("CVSS:3.1/") || vector.hasPrefix("CVSS:3.0/") { return try v3(vector) }
        if vector.hasPrefix("CVSS:4.0/") { return nil }
        return try v2(vector)
    }

    static func metrics(_ text: Substring, required: [String], allowed: [String: Set<String>]) throws -> [String: String] {
        var values: [String: String] = [:]
        for part in text.split(separator: "/") {
            let pair = part.split(separator: ":", maxSplits: 1)
            guard pair.count == 2 else { throw Problem.malformed("'\(part)' is not METRIC:VALUE") }
            let (key, value) = (String(pair[0]), String(pair[1]))
            guard let options = allowed[key] else { throw Problem.malformed("'\(key)' is not a metric of this version") }
            guard options.contains(value) else { throw Problem.malformed("\(key):\(value) is not a value \(key) takes") }
            guard values[key] == nil else { throw Problem.malformed("\(key) is given twice") }
            values[key] = value
        }
        for key in required where values[key] == nil { throw Problem.malformed("the base metric \(key) is missing") }
        return values
    }

    static let v3Base = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
    static let v3Allowed: [String: Set<String>] = {
        var allowed: [String: Set<String>] = [
            "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"], "S": ["U", "C"],
            "C": ["H", "L", "N"], "I": ["H", "L", "N"], "A": ["H", "L", "N"],
            // Temporal and environmental metrics may follow; they do not change the base score.
            "E": ["X", "U", "P", "F", "H"], "RL": ["X", "O", "T", "W", "U"], "RC": ["X", "U", "R", "C"],
            "CR": ["X", "L", "M", "H"], "IR": ["X", "L", "M", "H"], "AR": ["X", "L", "M", "H"],
            "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MPR": ["X", "N", "L", "H"], "MUI": ["X", "N", "R"],
            "MS": ["X", "U", "C"], "MC": ["X", "H", "L", "N"], "MI": ["X", "H", "L", "N"], "MA": ["X", "H", "L", "N"],
        ]
        allowed["CVSS"] = ["3.0", "3.1"]
        return allowed
    }()

    static func v3(_ vector: String) throws -> Score {
        let values = try metrics(Substring(vector), required: v3Base, allowed: v3Allowed)
        let changed = values["S"] == "C"
        let av = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2][values["AV"]!]!
        let ac = ["L": 0.77, "H": 0.44][values["AC"]!]!
        let pr = (changed ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27])[values["PR"]!]!
        let ui = ["N": 0.85, "R": 0.62][values["UI"]!]!
        let cia = ["H": 0.56, "L": 0.22, "N": 0.0]
        let iss = 1 - (1 - cia[values["C"]!]!) * (1 - cia[values["I"]!]!) * (1 - cia[values["A"]!]!)
        let impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        let version = vector.hasPrefix("CVSS:3.1/") ? "3.1" : "3.0"
        // v3.0's Roundup is the plain ceiling to one decimal; v3.1 fixed its float error.
        func roundUp(_ value: Double) -> Double { version == "3.1" ? roundUp31(value) : (value * 10).rounded(.up) / 10 }
        let base: Double
        if impact <= 0 {
            base = 0
        } else if changed {
            base = roundUp(min(1.08 * (impact + exploitability), 10))
        } else {
            base = roundUp(min(impact + exploitability, 10))
        }
        return Score(version: version, base: base, vector: vector)
    }

    /// v3.1's Roundup (Appendix A): the smallest number of one decimal place at or above the
    /// input, computed on integers so that 4.000000001 is not taken to 4.1 by float error.
    static func roundUp31(_ value: Double) -> Double {
        let scaled = Int((value * 100_000).rounded())
        if scaled % 10_000 == 0 { return Double(scaled) / 100_000 }
        return Double(scaled / 10_000 + 1) / 10
    }

    static let v2Base = ["AV", "AC", "Au", "C", "I", "A"]
    static let v2Allowed: [String: Set<String>] = [
        "AV": ["L", "A", "N"], "AC": ["H", "M", "L"], "Au": ["M", "S", "N"], "C": ["N", "P", "C"], "I": ["N", "P", "C"], "A": ["N", "P", "C"],
        "E": ["U", "POC", "F", "H", "ND"], "RL": ["OF", "TF", "W", "U", "ND"], "RC": ["UC", "UR", "C", "ND"],
        "CDP": ["N", "L", "LM", "MH", "H", "ND"], "TD": ["N", "L", "M", "H", "ND"],
        "CR": ["L", "M", "H", "ND"], "IR": ["L", "M", "H", "ND"], "AR": ["L", "M", "H", "ND"],
    ]

    static func v2(_ vector: String) throws -> Score {
        var text = Substring(vector)
        if text.hasPrefix("(") && text.hasSuffix(")") { text = text.dropFirst().dropLast() }
        let values = try metrics(text, required: v2Base, allowed: v2Allowed)
        let cia = ["N": 0.0, "P": 0.275, "C": 0.660]
        let impact = 10.41 * (1 - (1 - cia[values["C"]!]!) * (1 - cia[values["I"]!]!) * (1 - cia[values["A"]!]!))
        let av = ["L": 0.395, "A": 0.646, "N": 1.0][values["AV"]!]!
        let ac = ["H": 0.35, "M": 0.61, "L": 0.71][values["AC"]!]!
        let au = ["M": 0.45, "S": 0.56, "N": 0.704][values["Au"]!]!
        let exploitability = 20 * av * ac * au
        let f = impact == 0 ? 0.0 : 1.176
        let raw = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f
        // "round_to_1_decimal": half away from zero, on the value scaled to tenths.
        let base = max(0, (raw * 10).rounded(.toNearestOrAwayFromZero) / 10)
        return Score(version: "2.0", base: base, vector: vector)
    }

    /// v2's ratings, as NVD gives them: 0–3.9 low, 4.0–6.9 medium, 7.0–10 high.
    public static func v2Level(_ score: Double) -> SeverityLevel {
        score < 4 ? .low : score < 7 ? .medium : .high
    }
}
