import Foundation
import GateKit

/// The canary report for the release manager: the decision page and, per metric, baseline
/// and canary over the window as two lines on one chart (inline SVG, no script).
enum CanaryHTMLReport {
    /// The page's charts, after the standard result.
    static func sections(judgements: [MetricJudgement]) -> String {
        var charts = "<h2>Metrics over the window</h2>\n<p><span style=\"color:#8c959f\">━</span> baseline &nbsp; <span style=\"color:#0969da\">━</span> canary</p>\n"
        for judgement in judgements { charts += chart(judgement) }
        return charts
    }

    static func chart(_ judgement: MetricJudgement) -> String {
        let points = (judgement.baseline + judgement.canary).filter { $0.value.isFinite }
        let verdict = judgement.passed ? "<span class=\"verdict pass\">pass</span>" : "<span class=\"verdict fail\">fail</span>"
        let heading = "<h3>\(XMLText.escape(judgement.name)) \(verdict)</h3>\n<p>\(XMLText.escape(judgement.why))</p>\n"
        guard let t0 = points.map(\.time).min(), let t1 = points.map(\.time).max(),
              let low = points.map(\.value).min(), let high = points.map(\.value).max() else {
            return heading + "<p>No data to draw.</p>\n"
        }
        let (width, height, left, top) = (640.0, 180.0, 60.0, 10.0)
        let spanT = max(t1 - t0, 1), spanV = high > low ? high - low : max(abs(high), 1)
        func x(_ t: Double) -> Double { left + (t - t0) / spanT * (width - left - 10) }
        func y(_ v: Double) -> Double { top + (1 - (v - low) / spanV) * (height - top - 30) }
        func line(_ samples: [PrometheusSeries.Sample], _ color: String) -> String {
            let path = samples.filter { $0.value.isFinite }.sorted { $0.time < $1.time }
                .map { String(format: "%.1f,%.1f", x($0.time), y($0.value)) }.joined(separator: " ")
            return path.isEmpty ? "" : "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(XMLText.escape(judgement.name)) over time\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"10\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(height - 20)\" x2=\"\(width - 10)\" y2=\"\(height - 20)\" stroke=\"#d0d7de\"/>"
        svg += "<text x=\"0\" y=\"\(top + 8)\">\(XMLText.escape(CanaryJudge.format(high)))</text><text x=\"0\" y=\"\(height - 24)\">\(XMLText.escape(CanaryJudge.format(low)))</text>"
        svg += "<text x=\"\(left)\" y=\"\(height - 5)\">−\(Int((t1 - t0) / 60)) min</text><text x=\"\(width - 10)\" y=\"\(height - 5)\" text-anchor=\"end\">end</text>\n"
        svg += line(judgement.baseline, "#8c959f") + line(judgement.canary, "#0969da")
        return heading + svg + "</svg>\n"
    }
}
