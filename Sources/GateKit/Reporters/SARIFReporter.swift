/// SARIF 2.1.0 for GitHub code scanning: one run per gate, with the rules its findings cite.
///
/// Code scanning tracks a result across runs by `partialFingerprints` (the finding's
/// fingerprint: rule, file, identity — no line) and needs URIs relative to the repository:
/// paths under `root` are made relative, and a path outside it gives no location rather than
/// an absolute one. GitHub displays only results that have a location, so a finding without
/// one (a total below its threshold) points at the gate's first input, line 1, when that is a
/// file of the repository. `runAutomationDetails.id` is `gate/<gate>/` so several gates can
/// be uploaded for one commit.
public struct SARIFReporter: Reporter {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    /// The `partialFingerprints` key of `Finding.fingerprint` (rule, file, identity; no line).
    public static let fingerprintKey = "gateFinding/v1"
    let toolVersion: String
    /// The repository root (GITHUB_WORKSPACE): URIs are relative to it.
    let root: String?
    /// The directory the gate ran in, which the findings' relative paths are relative to.
    let base: String?

    public init(toolVersion: String = GateVersion.current, root: String? = nil, base: String? = nil) {
        func trimmed(_ path: String?) -> String? { path.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 } }
        self.toolVersion = toolVersion
        self.root = trimmed(root)
        self.base = trimmed(base) ?? trimmed(root)
    }

    public func render(_ report: Report) -> String {
        JSONValue.object([
            "$schema": .string(Self.schemaURI),
            "version": .string("2.1.0"),
            "runs": .array(report.results.map(run)),
        ]).rendered()
    }

    private func run(_ result: GateResult) -> JSONValue {
        var rules: [String: RuleDescriptor] = [ResultBaseline.unavailableRule: ResultBaseline.descriptor]
        for rule in result.rules { rules[rule.id] = rule }
        for finding in result.findings where rules[finding.rule] == nil {
            rules[finding.rule] = RuleDescriptor(id: finding.rule, severity: finding.severity, summary: finding.rule, help: finding.rule)
        }
        let cited = Set(result.findings.map(\.rule))
        let declared = Set(result.rules.map(\.id))
        let ruleIDs = rules.keys.filter { cited.contains($0) || declared.contains($0) }.sorted()
        let index = Dictionary(uniqueKeysWithValues: ruleIDs.enumerated().map { ($1, $0) })
        let fallback = result.inputs.first.flatMap { relative($0.path) }
        return .object([
            "tool": .object([
                "driver": .object([
                    "name": .string("gate"),
                    "version": .string(toolVersion),
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
                if let location = finding.location.flatMap({ location in relative(location.file).map { Location(file: $0, line: location.line, endLine: location.endLine) } })
                    ?? (finding.location == nil ? fallback.map({ Location(file: $0, line: 1) }) : nil) {
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
            "defaultConfiguration": .object(["level": .string(rule.severity.rawValue)]),
        ])
    }

    private func physicalLocation(_ location: Location) -> JSONValue {
        var physical: [String: JSONValue] = [
            "artifactLocation": .object(["uri": .string(Self.uri(location.file))]),
        ]
        let start = max(location.line ?? 1, 1)
        var region: [String: JSONValue] = ["startLine": .integer(start)]
        if let end = location.endLine, end > start { region["endLine"] = .integer(end) }
        physical["region"] = .object(region)
        return .object(["physicalLocation": .object(physical)])
    }

    /// `path` relative to the repository: as it is when relative (without `./`), the part under
    /// `root` when absolute, nil when it is outside the root or climbs out of it.
    func relative(_ path: String) -> String? {
        var path = path
        if !path.hasPrefix("/"), let base, let root, base != root { path = base + "/" + path }
        if path.hasPrefix("/") {
            guard let root, path.hasPrefix(root + "/") else { return nil }
            path.removeFirst(root.count + 1)
        }
        while path.hasPrefix("./") { path.removeFirst(2) }
        guard !path.isEmpty, !path.split(separator: "/").contains("..") else { return nil }
        return path
    }

    /// A relative path as a URI reference: unreserved characters, `/` and the sub-delimiters
    /// kept, everything else (spaces, `%`, `#`, `?`, non-ASCII) percent-encoded.
    static func uri(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let kept = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-._~/!$&'()*+,;=:@".utf8.contains(byte)
            if kept {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + InputFile.hex([byte]).uppercased()
            }
        }
        return out
    }
}
