import Foundation
import GateKit

/// The benchmark gate's HTML report: the standard result page and, per benchmark, its
/// baseline and current samples as two rows of dots on one scale, with each side's minimum and
/// median marked — where the runs lie matters more here than any one summary of them.
enum BenchHTMLReport {
    /// The page's charts, after the standard result.
    static func sections(baseline: BenchResults?, current: BenchResults) -> String {
        var charts = "<h2>Distributions</h2>\n<p><span style=\"color:#8c959f\">●</span> baseline &nbsp; <span style=\"color:#0969da\">●</span> current; | minimum, ◆ median</p>\n"
        for series in current.series {
            charts += chart(name: series.name, baseline: baseline?.series(named: series.name), current: series)
        }
        return charts
    }

    static func chart(name: String, baseline: BenchSeries?, current: BenchSeries) -> String {
        let rows = [baseline, current].compactMap { $0 }
        let all = rows.flatMap(\.samples)
        guard let low = all.min(), let high = all.max() else { return "" }
        let (width, left, rowHeight) = (640.0, 70.0, 28.0)
        let span = high > low ? high - low : max(abs(high), 1e-12)
        func x(_ value: Double) -> Double { left + (value - low) / span * (width - left - 20) }
        let unit = current.kind == .instructions ? "instructions" : current.unit
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"samples of \(XMLText.escape(name))\" width=\"\(Int(width))\" height=\"\(Int(rowHeight * Double(rows.count) + 30))\" font-size=\"11\">\n"
        for (index, series) in rows.enumerated() {
            let isCurrent = series == current && index == rows.count - 1
            let y = 18 + rowHeight * Double(index)
            let color = isCurrent ? "#0969da" : "#8c959f"
            svg += "<text x=\"0\" y=\"\(y + 4)\">\(isCurrent ? "current" : "baseline")</text>"
            for sample in series.samples {
                svg += "<circle cx=\"\(String(format: "%.1f", x(sample)))\" cy=\"\(y)\" r=\"3\" fill=\"\(color)\" fill-opacity=\"0.55\"/>"
            }
            svg += "<line x1=\"\(String(format: "%.1f", x(series.minimum)))\" y1=\"\(y - 9)\" x2=\"\(String(format: "%.1f", x(series.minimum)))\" y2=\"\(y + 9)\" stroke=\"#1f2328\" stroke-width=\"2\"/>"
            let median = x(series.median)
            svg += "<path d=\"M\(String(format: "%.1f", median)) \(y - 6) l5 6 l-5 6 l-5 -6 z\" fill=\"#1f2328\"/>\n"
        }
        let axisY = 18 + rowHeight * Double(rows.count)
        svg += "<text x=\"\(Int(left))\" y=\"\(Int(axisY))\">\(XMLText.escape(BenchGate.describe(low, unit: unit)))</text>"
        svg += "<text x=\"\(Int(width - 20))\" y=\"\(Int(axisY))\" text-anchor=\"end\">\(XMLText.escape(BenchGate.describe(high, unit: unit)))</text>\n</svg>\n"
        return "<h3>\(XMLText.escape(name))</h3>\n" + svg
    }
}
