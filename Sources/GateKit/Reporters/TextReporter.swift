/// Human output for a terminal: the verdict first, then the figures, then the evidence.
public struct TextReporter: Reporter {
    /// How many findings a gate lists before it says how many more there are.
    public static let findingLimit = 50

    let style: TerminalStyle

    public init(color: Bool) {
        style = TerminalStyle(enabled: color)
    }

    public func render(_ report: Report) -> String {
        var lines: [String] = []
        for result in report.results {
            if !lines.isEmpty { lines.append("") }
            lines += section(result)
        }
        if report.isCheck {
            lines.append("")
            let table = ColumnTable(
                header: ["gate", "verdict", "summary"],
                rows: report.results.map { [$0.gate, $0.verdict.rawValue, $0.summary] })
            lines += table.rendered(indent: "") { row, column, padded in
                column == 1 ? style.verdict(padded, report.results[row].verdict) : padded
            }
            let verdict = report.verdict
            lines.append("")
            lines.append(style.bold("gate check: ") + style.verdict(verdict.rawValue.uppercased(), verdict)
                + " (\(report.results.count) gate\(report.results.count == 1 ? "" : "s"))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func section(_ result: GateResult) -> [String] {
        let timing = result.durationMs.map { style.dim(" (\($0) ms)") } ?? ""
        var lines = [style.bold(result.gate + ": ") + style.verdict(result.verdict.rawValue.uppercased(), result.verdict)
            + "  " + result.summary + timing]
        if !result.measurements.isEmpty {
            lines.append("")
            let table = ColumnTable(
                header: ["measurement", "value", "threshold", "verdict"],
                rows: result.measurements.map { [$0.name, $0.displayValue, $0.displayThreshold, $0.verdict.rawValue] })
            lines += table.rendered { row, column, padded in
                column == 3 ? style.verdict(padded, result.measurements[row].verdict) : padded
            }
        }
        if !result.findings.isEmpty {
            lines.append("")
            lines.append("  findings (\(result.findings.count))")
            let shown = result.findings.prefix(Self.findingLimit)
            let table = ColumnTable(
                header: ["severity", "location", "message", "rule"].map { _ in "" },
                rows: shown.map { [$0.severityLabel, Self.place($0.location), $0.message, $0.rule] })
            lines += table.rendered(indent: "  ") { row, column, padded in
                column == 0 ? style.severity(padded, shown[shown.startIndex + row].severity)
                    : column == 3 ? style.dim(padded) : padded
            }.dropFirst()
            if result.findings.count > shown.count {
                lines.append("    … and \(result.findings.count - shown.count) more (--format json lists them all)")
            }
        }
        return lines
    }

    static func place(_ location: Location?) -> String {
        guard let location else { return "-" }
        guard let line = location.line else { return location.file }
        if let end = location.endLine, end != line { return "\(location.file):\(line)-\(end)" }
        return "\(location.file):\(line)"
    }
}
