/// The content-address of one input a gate read, so a result can be traced to its evidence.
public struct InputDigest: Sendable, Equatable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// A small table of evidence a gate wants a person to see (worst files, slowest benchmarks),
/// rendered by the text, markdown and HTML reporters; machines read `details` instead.
public struct ResultTable: Sendable, Equatable {
    public var title: String
    public var header: [String]
    public var rows: [[String]]

    public init(title: String, header: [String], rows: [[String]]) {
        self.title = title
        self.header = header
        self.rows = rows
    }
}

/// Everything one gate run concluded: what every reporter renders and `gate check` collects.
///
/// Serialised as the `gate-result/v1` document. The run's duration is kept for the text and
/// JUnit reporters but is not part of the JSON document, so that document is byte-identical
/// across runs on the same inputs.
public struct GateResult: Sendable, Equatable {
    public static let schema = "gate-result/v1"

    public var gate: String
    public var verdict: Verdict
    public var summary: String
    public var measurements: [Measurement]
    public var findings: [Finding]
    public var inputs: [InputDigest]
    /// Descriptions of the rules the findings cite (for SARIF); not serialised in JSON.
    public var rules: [RuleDescriptor]
    /// Gate-specific evidence for machines (per-file figures, …), serialised as `details`;
    /// a later run can read it back (the coverage ratchet does).
    public var details: JSONValue?
    /// Tables for people (markdown, HTML); not serialised in JSON.
    public var tables: [ResultTable]
    public var durationMs: Int?
    /// Files the gate made for people (an HTML page with charts, an SBOM), written by the
    /// publisher after the result is final — never from inside the judgement; not in JSON.
    public var artifacts: [Artifact] = []
    /// The gate's own HTML page for this result, when it has one (the canary's decision page):
    /// the HTML reporter prints it instead of the standard page when this result is reported
    /// alone; not in JSON.
    public var page: String?

    public init(
        gate: String,
        verdict: Verdict,
        summary: String,
        measurements: [Measurement] = [],
        findings: [Finding] = [],
        inputs: [InputDigest] = [],
        rules: [RuleDescriptor] = [],
        details: JSONValue? = nil,
        tables: [ResultTable] = [],
        durationMs: Int? = nil
    ) {
        self.gate = gate
        self.verdict = verdict
        self.summary = summary
        self.measurements = measurements
        self.findings = findings.sorted(by: Finding.importanceOrder)
        self.inputs = inputs
        self.rules = rules
        self.details = details
        self.tables = tables
        self.durationMs = durationMs
    }

    /// The result of a gate that could not judge: verdict `error`, the reason as summary — on
    /// one line and bounded, whatever input it quotes.
    public static func error(gate: String, message: String, inputs: [InputDigest] = []) -> GateResult {
        GateResult(gate: gate, verdict: .error, summary: Excerpt.message(message), inputs: inputs)
    }

    /// The verdict the measurements and findings imply: the worst failed measurement, `warn`
    /// when only warnings were found.
    public static func verdict(measurements: [Measurement], findings: [Finding]) -> Verdict {
        var verdict = Verdict.worst(measurements.map(\.verdict))
        if verdict < .warn, findings.contains(where: { $0.severity == .warning }) {
            verdict = .warn
        }
        if verdict < .fail, findings.contains(where: { $0.severity == .error }) {
            verdict = .fail
        }
        return verdict
    }
}
