/// The `gate-result/v1` document: one object for a gate, an array for `gate check`.
public struct JSONReporter: Reporter {
    public init() {}

    public func render(_ report: Report) -> String {
        if report.isCheck {
            return JSONValue.array(report.results.map(Self.document)).rendered()
        }
        return (report.results.first.map(Self.document) ?? .null).rendered()
    }

    /// The result as its JSON document.
    public static func document(_ result: GateResult) -> JSONValue {
        var members: [String: JSONValue] = [
            "schema": .string(GateResult.schema),
            "gate": .string(result.gate),
            "verdict": .string(result.verdict.rawValue),
            "summary": .string(result.summary),
            "measurements": .array(result.measurements.map(measurement)),
            "findings": .array(result.findings.map(finding)),
            "inputs": .array(result.inputs.map { .object(["path": .string($0.path), "sha256": .string($0.sha256)]) }),
        ]
        if let details = result.details { members["details"] = details }
        return .object(members)
    }

    private static func measurement(_ measurement: Measurement) -> JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(measurement.name),
            "value": .number(measurement.value),
            "verdict": .string(measurement.verdict.rawValue),
        ]
        if let unit = measurement.unit { members["unit"] = .string(unit) }
        if let threshold = measurement.threshold { members["threshold"] = .number(threshold) }
        if let comparison = measurement.comparison { members["comparison"] = .string(comparison.rawValue) }
        if let previous = measurement.previous { members["previous"] = .number(previous) }
        return .object(members)
    }

    private static func finding(_ finding: Finding) -> JSONValue {
        var members: [String: JSONValue] = [
            "severity": .string(finding.severity.rawValue),
            "rule": .string(finding.rule),
            "message": .string(finding.message),
            "fingerprint": .string(finding.fingerprint),
        ]
        if let identity = finding.identity { members["identity"] = .string(identity) }
        if let baseline = finding.baseline { members["baseline"] = .string(baseline.rawValue) }
        if let location = finding.location {
            var place: [String: JSONValue] = ["file": .string(location.file)]
            if let line = location.line { place["line"] = .integer(line) }
            if let endLine = location.endLine { place["endLine"] = .integer(endLine) }
            members["location"] = .object(place)
        }
        return .object(members)
    }
}
