/// The contract every gate keeps, as a type. A gate declares its id, its rules and its policy
/// keys as data; `evaluate(policy:context:)` reads the policy (file and command-line overlay
/// alike) and judges. `gate check`, the gate's own command, `gate rules` and the registry
/// test all go through it.
public protocol Gate {
    /// The gate's id: its subcommand, its policy file `gates/<id>.yml`, its rules' prefix.
    static var id: String { get }
    /// Every rule its findings may cite.
    static var rules: [RuleDescriptor] { get }
    /// Every key its policy accepts (besides `Policy.commonKeys`), each with a flag of the same name.
    static var policyKeys: [PolicyKey] { get }
    /// Old key names still read (old → new), each use noted in the result.
    static var renamedKeys: [String: String] { get }
    /// Reads `policy` and judges.
    static func evaluate(policy: Policy, context: GateContext) throws -> GateResult
}

/// One policy key, declared once: its name (and flag), the kind of value, and one line of help.
public struct PolicyKey: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case string, path, list, number, threshold, duration, bool, choice([String]), mapping
    }

    public var name: String
    public var kind: Kind
    public var help: String

    public init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }
}

extension Gate {
    public static var renamedKeys: [String: String] { [:] }

    /// The gate's rules and those every gate shares (`baseline/unavailable`, `policy/renamed-key`).
    public static var declaredRules: [RuleDescriptor] { rules + [ResultBaseline.descriptor, Policy.renamedKeyRule] }

    /// What every way of running a gate does: old key names read as the new ones (noted),
    /// `rules:` validated before anything is read, the gate evaluated (by `evaluate`, a
    /// variant that reports progress, when given), and `rules:` laid over its result.
    public static func judge(policy: Policy, context: GateContext,
                             evaluate: ((Policy, GateContext) throws -> GateResult)? = nil) throws -> GateResult {
        let (policy, notes) = try policy.renamingKeys(renamedKeys)
        let settings = try RuleSettings(policy: policy, rules: declaredRules)
        var result = settings.apply(to: try (evaluate ?? Self.evaluate)(policy, context))
        for note in notes { result.addNote(note, rule: Policy.renamedKeyRule.id) }
        return result
    }
}

/// The policy's `rules:` mapping: a rule turned `off`, or given the severity `note`,
/// `warning` or `error`, for every finding that cites it — as pint and SwiftLint allow.
/// Keys are rule ids, with or without the gate's prefix (`dashboards/rate-interval` or
/// `rate-interval`).
public struct RuleSettings: Sendable, Equatable {
    /// Rule id → severity, nil for off.
    public private(set) var severities: [String: Severity?] = [:]

    public init(policy: Policy?, rules: [RuleDescriptor]) throws {
        guard let policy, let entries = try policy.mapping("rules") else { return }
        let ids = rules.map(\.id)
        for entry in entries {
            let id = ids.contains(entry.key) ? entry.key : ids.first { $0.hasSuffix("/" + entry.key) } ?? entry.key
            guard ids.contains(id) else {
                throw policy.invalid(line: entry.line, key: "rules.\(entry.key)",
                                     expected: "a rule of this gate\(GateError.suggestion(for: entry.key, among: ids + ids.map { String($0.split(separator: "/").last ?? "") })) — `gate rules` lists them")
            }
            guard case .scalar(let text, _) = entry.value, text == "off" || Severity(rawValue: text) != nil else {
                throw policy.invalid(line: entry.line, key: "rules.\(entry.key)", expected: "off, note, warning or error")
            }
            severities[id] = text == "off" ? .some(nil) : Severity(rawValue: text)
        }
    }

    public var isEmpty: Bool { severities.isEmpty }

    /// The result with every finding of a configured rule dropped or regraded, and the
    /// verdict re-judged when the gate derived it from its findings and measurements.
    public func apply(to result: GateResult) -> GateResult {
        guard !severities.isEmpty, result.verdict != .error else { return result }
        var findings: [Finding] = []
        for var finding in result.findings {
            if let setting = severities[finding.rule] {
                guard let severity = setting else { continue }
                finding.severity = severity
            }
            findings.append(finding)
        }
        guard findings != result.findings else { return result }
        var judged = result
        if judged.rejudge(counting: findings) {
            judged.findings = findings.sorted(by: Finding.importanceOrder)
            let changed = severities.keys.sorted().map { "\($0): \(severities[$0]!.map(\.rawValue) ?? "off")" }
            judged.summary += " (rules: \(changed.joined(separator: ", ")))"
        } else {
            judged.findings = findings.sorted(by: Finding.importanceOrder)
        }
        return judged
    }
}
