import Foundation

/// One self-contained HTML page: verdicts, a bar chart of the percentage measurements against
/// their thresholds (inline SVG), the gates' tables and their findings. No script, no style
/// sheet or font from the network: it can be attached to a run and opened anywhere.
public struct HTMLReporter: Reporter {
    public static let findingLimit = 500

    /// Extra HTML a gate adds after its result (charts of its own).
    let sections: String

    public init() { sections = "" }

    init(sections: String) { self.sections = sections }

    public func render(_ report: Report) -> String {
        if !report.isCheck, report.results.count == 1, let page = report.results[0].page { return page }
        let title = report.isCheck ? "gate check: \(report.verdict.rawValue)" : (report.results.first.map { "gate \($0.gate): \($0.verdict.rawValue)" } ?? "gate")
        var out = Self.head(title: title) + "<h1>\(Self.escape(title))</h1>\n"
        if report.isCheck {
            out += "<table><tr><th>Gate</th><th>Verdict</th><th>Summary</th></tr>\n"
            for result in report.results {
                out += "<tr><td>\(Self.escape(result.gate))</td><td class=\"verdict \(result.verdict.rawValue)\">\(result.verdict.rawValue)</td><td>\(Self.escape(result.summary))</td></tr>\n"
            }
            out += "</table>\n"
        }
        for result in report.results { out += section(result) }
        return out + sections + "</body></html>\n"
    }

    /// A self-contained page's start, up to and including `<body>`: the house style, and any
    /// rules of the page's own after it.
    public static func head(title: String, style: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#1f2328;padding:0 1em}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}table{border-collapse:collapse;margin:.5em 0 1em}
        td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
        td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em}
        .pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}.error{color:#8250df}.verdict{font-weight:600;text-transform:uppercase}
        \(style)</style></head><body>

        """
    }

    private func section(_ result: GateResult) -> String {
        var out = "<h2>\(Self.escape(result.gate)) <span class=\"verdict \(result.verdict.rawValue)\">\(result.verdict.rawValue)</span></h2>\n"
        out += "<p>\(Self.escape(result.summary))</p>\n"
        let percentages = result.measurements.filter { $0.unit == "%" && $0.value.isFinite }
        if !percentages.isEmpty { out += Self.barChart(percentages) }
        if !result.measurements.isEmpty {
            out += "<table><tr><th>Measurement</th><th>Value</th><th>Threshold</th><th>Verdict</th></tr>\n"
            for m in result.measurements {
                out += "<tr><td><code>\(Self.escape(m.name))</code></td><td class=\"n\">\(Self.escape(m.displayValue))</td><td>\(Self.escape(m.displayThreshold))</td><td class=\"verdict \(m.verdict.rawValue)\">\(m.verdict.rawValue)</td></tr>\n"
            }
            out += "</table>\n"
        }
        for table in result.tables where !table.rows.isEmpty {
            out += "<h3>\(Self.escape(table.title))</h3>\n<table><tr>" + table.header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>\n"
            for row in table.rows { out += "<tr>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n" }
            out += "</table>\n"
        }
        if !result.findings.isEmpty {
            out += "<h3>Findings (\(result.findings.count))</h3>\n<table><tr><th>Severity</th><th>Location</th><th>Message</th><th>Rule</th></tr>\n"
            for f in result.findings.prefix(Self.findingLimit) {
                let place = f.location.map { "<code>\(Self.escape(TextReporter.place($0)))</code>" } ?? ""
                out += "<tr><td>\(f.severityLabel)</td><td>\(place)</td><td>\(Self.escape(f.message))</td><td><code>\(Self.escape(f.rule))</code></td></tr>\n"
            }
            out += "</table>\n"
            if result.findings.count > Self.findingLimit {
                out += "<p>… and \(result.findings.count - Self.findingLimit) more; the JSON report lists them all.</p>\n"
            }
        }
        return out
    }

    /// Horizontal bars from 0 to 100%, coloured by verdict, with a tick at each threshold.
    static func barChart(_ measurements: [Measurement]) -> String {
        let rowHeight = 26, labelWidth = 260, barWidth = 520
        let height = measurements.count * rowHeight + 10
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"measurements\" width=\"\(labelWidth + barWidth + 70)\" height=\"\(height)\" font-size=\"12\">\n"
        for (index, m) in measurements.enumerated() {
            let y = index * rowHeight + 5
            // max(NaN, 0) is NaN, and Int(NaN) traps: a value that is not a number draws no bar.
            let width = m.value.isFinite ? Int((min(max(m.value, 0), 100) / 100 * Double(barWidth)).rounded()) : 0
            let color = switch m.verdict {
            case .pass: "#2da44e"
            case .warn: "#bf8700"
            case .fail: "#cf222e"
            case .error: "#8250df"
            }
            svg += "<text x=\"0\" y=\"\(y + 15)\">\(escape(m.name))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(barWidth)\" height=\"18\" fill=\"#eaeef2\"/>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(width)\" height=\"18\" fill=\"\(color)\"/>"
            if let threshold = m.threshold, threshold.isFinite {
                let x = labelWidth + Int((min(max(threshold, 0), 100) / 100 * Double(barWidth)).rounded())
                svg += "<line x1=\"\(x)\" y1=\"\(y - 2)\" x2=\"\(x)\" y2=\"\(y + 20)\" stroke=\"#1f2328\" stroke-width=\"2\"/>"
            }
            svg += "<text x=\"\(labelWidth + barWidth + 6)\" y=\"\(y + 15)\">\(escape(m.displayValue))</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func escape(_ text: String) -> String { XMLText.escape(text) }
}
