/// GitHub-flavoured markdown: what a step summary or a pull-request comment shows.
///
/// Bounded in size: GitHub refuses a step summary over 1 MiB, so findings stop at
/// `findingLimit` rows with a line saying how many were left out.
public struct MarkdownReporter: Reporter {
    public static let findingLimit = 500

    public init() {}

    public func render(_ report: Report) -> String {
        var out: [String] = []
        if report.isCheck {
            let verdict = report.verdict
            out.append("## \(Self.icon(verdict)) gate check: \(verdict.rawValue)")
            out.append("")
            out.append("| Gate | Verdict | Summary |")
            out.append("| --- | --- | --- |")
            for result in report.results {
                out.append("| \(Self.cell(result.gate)) | \(Self.icon(result.verdict)) \(result.verdict.rawValue) | \(Self.cell(result.summary)) |")
            }
            out.append("")
        }
        for result in report.results { out += section(result) }
        return out.joined(separator: "\n") + "\n"
    }

    private func section(_ result: GateResult) -> [String] {
        var out = ["### \(Self.icon(result.verdict)) \(Self.cell(result.gate)): \(result.verdict.rawValue)", "", Self.cell(result.summary), ""]
        if !result.measurements.isEmpty {
            // With a baseline, the change since it too.
            let compared = result.measurements.contains { $0.previous != nil }
            out.append("| Measurement | Value |\(compared ? " Change |" : "") Threshold | Verdict |")
            out.append("| --- | ---: |\(compared ? " ---: |" : "") --- | --- |")
            for m in result.measurements {
                out.append("| \(Self.cell(m.name)) | \(Self.cell(m.displayValue)) |\(compared ? " \(m.deltaText) |" : "") \(Self.cell(m.displayThreshold)) | \(m.verdict.rawValue) |")
            }
            out.append("")
        }
        for table in result.tables where !table.rows.isEmpty {
            out.append("**\(Self.cell(table.title))**")
            out.append("")
            out.append("| " + table.header.map(Self.cell).joined(separator: " | ") + " |")
            out.append("| " + table.header.map { _ in "---" }.joined(separator: " | ") + " |")
            for row in table.rows { out.append("| " + row.map(Self.cell).joined(separator: " | ") + " |") }
            out.append("")
        }
        if !result.findings.isEmpty {
            let shown = result.findings.prefix(Self.findingLimit)
            let noun = result.findings.count == 1 ? "finding" : "findings"
            out.append("<details\(result.verdict >= .fail ? " open" : "")><summary>\(result.findings.count) \(noun)</summary>")
            out.append("")
            out.append("| Severity | Location | Message | Rule |")
            out.append("| --- | --- | --- | --- |")
            for f in shown {
                let place = f.location.map { "`\(Self.cell(TextReporter.place($0)))`" } ?? ""
                out.append("| \(f.severityLabel) | \(place) | \(Self.cell(f.message)) | `\(Self.cell(f.rule))` |")
            }
            if result.findings.count > shown.count {
                out.append("")
                out.append("… and \(result.findings.count - shown.count) more; the JSON or SARIF report lists them all.")
            }
            out.append("")
            out.append("</details>")
            out.append("")
        }
        return out
    }

    static func icon(_ verdict: Verdict) -> String {
        switch verdict {
        case .pass: "✅"
        case .warn: "⚠️"
        case .fail: "❌"
        case .error: "⛔"
        }
    }

    /// Text made safe for a table cell: no pipes, newlines or HTML tags (a lone `>` is harmless).
    static func cell(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r", "\r\n": out += " "
            case "<": out += "&lt;"
            case "&": out += "&amp;"
            default: out.append(character)
            }
        }
        return out
    }
}
