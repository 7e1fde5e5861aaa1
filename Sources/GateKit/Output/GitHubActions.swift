/// GitHub Actions integration: workflow-command annotations, the step summary, step outputs.
///
/// Rules from GitHub's documentation: a step shows at most 10 error and 10 warning
/// annotations, so the most important come first and, past the cap, one annotation says how
/// many were left out; property values escape `%`, CR, LF, `:` and `,`, messages `%`, CR, LF;
/// multi-line outputs use a random heredoc delimiter that must not occur in the value.
public enum GitHubActions {
    public static let annotationsPerSeverity = 10

    /// Workflow commands for every finding of every result, capped per severity, plus one
    /// `::error` per gate that could not judge. Findings the baseline already had are not
    /// annotated (a pull request did not add them); one notice counts them.
    public static func annotations(for results: [GateResult]) -> [String] {
        var bySeverity: [Severity: [String]] = [:]
        var errored: [String] = []
        var existing = 0
        for result in results {
            if result.verdict == .error {
                errored.append(command("error", properties: [("title", "gate \(result.gate)")], message: result.summary))
            }
            for finding in result.findings {
                if finding.baseline == .unchanged {
                    existing += 1
                    continue
                }
                bySeverity[finding.severity, default: []].append(annotation(finding))
            }
        }
        if existing > 0 {
            bySeverity[.note, default: []].insert(command("notice", properties: [("title", "gate")],
                message: "\(existing) finding\(existing == 1 ? " was" : "s were") already in the baseline and \(existing == 1 ? "is" : "are") not annotated; the step summary lists \(existing == 1 ? "it" : "them")."), at: 0)
        }
        var lines: [String] = []
        let budget = annotationsPerSeverity
        let errors = errored + (bySeverity[.error] ?? [])
        lines += capped(errors, kind: "error", budget: budget)
        lines += capped(bySeverity[.warning] ?? [], kind: "warning", budget: budget)
        lines += capped(bySeverity[.note] ?? [], kind: "notice", budget: budget)
        return lines
    }

    private static func capped(_ commands: [String], kind: String, budget: Int) -> [String] {
        guard commands.count > budget else { return commands }
        let left = commands.count - (budget - 1)
        let noun = kind == "notice" ? "notices" : "\(kind)s"
        return Array(commands.prefix(budget - 1))
            + [command(kind, properties: [("title", "gate")], message: "\(left) more \(noun) not shown here; the step summary and the JSON or SARIF report list them all.")]
    }

    static func annotation(_ finding: Finding) -> String {
        let kind = switch finding.severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "notice"
        }
        var properties: [(String, String)] = []
        if let location = finding.location {
            properties.append(("file", location.file))
            if let line = location.line {
                properties.append(("line", String(line)))
                if let end = location.endLine, end > line { properties.append(("endLine", String(end))) }
            }
        }
        properties.append(("title", finding.rule))
        return command(kind, properties: properties, message: finding.message)
    }

    /// `::kind key=value,…::message` with GitHub's escaping.
    public static func command(_ kind: String, properties: [(String, String)], message: String) -> String {
        let props = properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
        return "::\(kind)\(props.isEmpty ? "" : " " + props)::\(escapeData(message))"
    }

    static func escapeData(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }

    /// `$GITHUB_OUTPUT` text: `verdict`, `exit-code`, `findings`, per gate `<gate>-verdict`,
    /// `<gate>-<measurement>` and, for a gate that decides (the canary: promote, hold or
    /// rollback), `<gate>-decision`, and the summary as a heredoc with a random delimiter.
    public static func outputs(for report: Report, delimiter: String = randomDelimiter()) -> String {
        var lines = [
            "verdict=\(report.verdict.rawValue)",
            "exit-code=\(report.verdict.exitCode)",
            "findings=\(report.results.reduce(0) { $0 + $1.findings.count })",
        ]
        for result in report.results {
            let gate = outputName(String(result.gate.filter { $0 != "]" }))  // coverage[api] → coverage-api
            lines.append("\(gate)-verdict=\(result.verdict.rawValue)")
            if case .object(let details)? = result.details, case .string(let decision)? = details["decision"] {
                lines.append("\(gate)-decision=\(outputName(decision))")
            }
            for measurement in result.measurements {
                lines.append("\(gate)-\(outputName(measurement.name))=\(Measurement.format(measurement.value))")
            }
        }
        let summary = report.results.map { "\($0.gate): \($0.verdict.rawValue) — \($0.summary)" }.joined(separator: "\n")
        var fence = delimiter
        while summary.contains(fence) { fence = randomDelimiter() }
        lines.append("summary<<\(fence)")
        lines.append(summary)
        lines.append(fence)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Lowercase letters, digits and dashes: safe as an output name and in expressions.
    static func outputName(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    public static func randomDelimiter() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<4).map { _ in String(generator.next() as UInt32, radix: 16) }.joined()
        return "ghadelimiter_" + hex
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
