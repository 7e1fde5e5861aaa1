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

    public init(severity: Severity, rule: String, message: String, location: Location? = nil) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
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

/// What a rule checks, for SARIF `tool.driver.rules` and the docs.
public struct RuleDescriptor: Sendable, Equatable {
    public var id: String
    public var summary: String
    public var help: String

    public init(id: String, summary: String, help: String) {
        self.id = id
        self.summary = summary
        self.help = help
    }
}
