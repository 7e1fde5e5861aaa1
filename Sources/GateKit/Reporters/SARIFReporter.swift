/// SARIF 2.1.0 for GitHub code scanning: one run per gate, with the rules its findings cite.
///
/// GitHub displays only results that have a location, so a finding without one (a total below
/// its threshold) points at the gate's first input, line 1. `runAutomationDetails.id` is
/// `gate/<gate>/` so several gates can be uploaded for one commit.
public struct SARIFReporter: Reporter {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    /// The `partialFingerprints` key of `Finding.fingerprint` (rule, file, identity; no line).
    public static let fingerprintKey = "gateFinding/v1"
    let toolVersion: String

    public init(toolVersion: String = GateVersion.current) {
        self.toolVersion = toolVersion
    }

    public func render(_ report: Report) -> String {
        JSONValue.object([
            "$schema": .string(Self.schemaURI),
            "version": .string("2.1.0"),
            "runs": .array(report.results.map(run)),
        ]).rendered()
    }

    private func run(_ result: GateResult) -> JSONValue {
        var rules: [String: RuleDescriptor] = [:]
        for rule in result.rules { rules[rule.id] = rule }
        for finding in result.findings where rules[finding.rule] == nil {
            rules[finding.rule] = RuleDescriptor(id: finding.rule, summary: finding.rule, help: finding.rule)
        }
        let ruleIDs = rules.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: ruleIDs.enumerated().map { ($1, $0) })
        let fallback = result.inputs.first?.path
        return .object([
            "tool": .object([
                "driver": .object([
                    "name": .string("gate"),
                    "semanticVersion": .string(toolVersion),
                    "rules": .array(ruleIDs.map { descriptor(rules[$0]!) }),
                ]),
            ]),
            "automationDetails": .object(["id": .string("gate/\(result.gate)/")]),
            "results": .array(result.findings.map { finding in
                var members: [String: JSONValue] = [
                    "ruleId": .string(finding.rule),
                    "ruleIndex": .integer(index[finding.rule]!),
                    "level": .string(finding.severity.rawValue),
                    "message": .object(["text": .string(finding.message)]),
                    "partialFingerprints": .object([Self.fingerprintKey: .string(finding.fingerprint)]),
                ]
                if let baseline = finding.baseline { members["baselineState"] = .string(baseline.rawValue) }
                if let location = finding.location ?? fallback.map({ Location(file: $0, line: 1) }) {
                    members["locations"] = .array([physicalLocation(location)])
                }
                return .object(members)
            }),
        ])
    }

    private func descriptor(_ rule: RuleDescriptor) -> JSONValue {
        .object([
            "id": .string(rule.id),
            "name": .string(rule.id.split(separator: "/").last.map(String.init) ?? rule.id),
            "shortDescription": .object(["text": .string(rule.summary)]),
            "fullDescription": .object(["text": .string(rule.help)]),
            "help": .object(["text": .string(rule.help), "markdown": .string(rule.help)]),
            "defaultConfiguration": .object(["level": .string("error")]),
        ])
    }

    private func physicalLocation(_ location: Location) -> JSONValue {
        var physical: [String: JSONValue] = [
            "artifactLocation": .object(["uri": .string(location.file)]),
        ]
        let start = max(location.line ?? 1, 1)
        var region: [String: JSONValue] = ["startLine": .integer(start)]
        if let end = location.endLine, end > start { region["endLine"] = .integer(end) }
        physical["region"] = .object(region)
        return .object(["physicalLocation": .object(physical)])
    }
}
