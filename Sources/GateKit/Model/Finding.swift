import GateCrypto

/// Where in the repository a finding points. Paths are relative to the repository root so that
/// GitHub annotations and SARIF results attach to the right file.
public struct Location: Sendable, Equatable, Hashable {
    public var file: String
    public var line: Int?
    public var endLine: Int?

    public init(file: String, line: Int? = nil, endLine: Int? = nil) {
        self.file = file
        self.line = line
        self.endLine = endLine
    }
}

/// How much a finding matters. The names are SARIF's levels.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case note
    case warning
    case error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One piece of evidence behind a verdict: a file under its threshold, an uncovered range.
public struct Finding: Sendable, Equatable {
    public var severity: Severity
    /// `gate/rule`, stable across runs: SARIF `ruleId`, annotation title.
    public var rule: String
    public var message: String
    public var location: Location?
    /// What this finding is about, when the message alone does not say it stably (see
    /// `fingerprint`); nil for most findings.
    public var identity: String?
    /// Whether an earlier result (`--baseline-dir`) had this finding; nil when not compared.
    public var baseline: BaselineState?

    public init(severity: Severity, rule: String, message: String, location: Location? = nil, identity: String? = nil) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
        self.identity = identity
    }

    /// The same finding in another run has the same fingerprint: SHA-256 (hex) of the rule,
    /// the file and the identity — by default the message with every number replaced by `#`,
    /// so a line moving, or a figure changing (78.57% < 80% becoming 79.1% < 80%), keeps it.
    /// The line is left out for that reason. SARIF `partialFingerprints` and new-only use it.
    public var fingerprint: String {
        let text = "gate-finding/v1\u{0}\(rule)\u{0}\(location?.file ?? "")\u{0}\(identity ?? Self.numbersMasked(message))"
        return InputFile.hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// "error", or "error (existing)" for one the previous result had too.
    public var severityLabel: String {
        baseline == .unchanged ? severity.rawValue + " (existing)" : severity.rawValue
    }

    /// `text` with each run of digits (and a decimal point or comma inside it) as one `#`.
    static func numbersMasked(_ text: String) -> String {
        var out = ""
        var inNumber = false
        var pending: Character?
        for character in text {
            if character.isASCII, character.isNumber {
                if !inNumber { out.append("#") }
                inNumber = true
                pending = nil
            } else if inNumber, pending == nil, character == "." || character == "," {
                pending = character
            } else {
                if let separator = pending { out.append(separator) }
                pending = nil
                inNumber = false
                out.append(character)
            }
        }
        if let separator = pending { out.append(separator) }
        return out
    }

    /// Most important first: severity, then file, line, rule and message, so output is
    /// deterministic and capped lists keep what matters.
    public static func importanceOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        let fileA = a.location?.file ?? "", fileB = b.location?.file ?? ""
        if fileA != fileB { return fileA < fileB }
        let lineA = a.location?.line ?? 0, lineB = b.location?.line ?? 0
        if lineA != lineB { return lineA < lineB }
        if a.rule != b.rule { return a.rule < b.rule }
        return a.message < b.message
    }
}

/// What a rule checks, declared once next to its gate: the id findings cite, the severity it
/// has unless the gate grades it or the policy's `rules:` changes it, one line for
/// `gate rules` and SARIF, and what to do about it.
public struct RuleDescriptor: Sendable, Equatable {
    public var id: String
    public var severity: Severity
    public var summary: String
    public var help: String

    public init(id: String, severity: Severity, summary: String, help: String) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.help = help
    }
}

/// A finding compared with the previous result of its gate (SARIF's `baselineState` names).
public enum BaselineState: String, Sendable, Equatable {
    /// Not in the previous result.
    case new
    /// In the previous result too: under new-only it does not count against the verdict.
    case unchanged
}
