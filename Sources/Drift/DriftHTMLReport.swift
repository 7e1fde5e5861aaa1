import Foundation
import GateKit

/// The drift gate's HTML report: the standard result page with, per column, a histogram of
/// reference and current shares side by side (inline SVG; at most 40 bars per column, the
/// largest categories first).
enum DriftHTMLReport {
    static let maxBins = 40

    /// The page's charts, after the standard result.
    static func sections(drifts: [ColumnDrift], reference: String, current: String) -> String {
        var charts = "<h2>Histograms</h2>\n<p><span style=\"color:#8c959f\">■</span> \(XMLText.escape(reference)) (reference) &nbsp; <span style=\"color:#0969da\">■</span> \(XMLText.escape(current)) (current)</p>\n"
        for drift in drifts { charts += histogram(drift) }
        return charts
    }

    static func histogram(_ drift: ColumnDrift) -> String {
        var indices = Array(drift.bins.indices)
        if drift.kind == .categorical, indices.count > maxBins {
            indices = Array(indices.sorted { max(drift.referenceShares[$0], drift.currentShares[$0]) > max(drift.referenceShares[$1], drift.currentShares[$1]) }.prefix(maxBins)).sorted()
        } else if indices.count > maxBins {
            indices = Array(indices.prefix(maxBins))
        }
        let top = max(indices.map { max(drift.referenceShares[$0], drift.currentShares[$0]) }.max() ?? 0, 1e-12)
        let (barWidth, gap, height, labelHeight) = (9, 6, 140, 90)
        let width = max(indices.count * (2 * barWidth + gap) + 50, 240)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"histogram of \(XMLText.escape(drift.column))\" width=\"\(width)\" height=\"\(height + labelHeight)\" font-size=\"10\">\n"
        svg += "<text x=\"0\" y=\"10\">\(Measurement.format(top * 100))%</text><line x1=\"40\" y1=\"\(height)\" x2=\"\(width)\" y2=\"\(height)\" stroke=\"#d0d7de\"/>\n"
        for (position, index) in indices.enumerated() {
            let x = 44 + position * (2 * barWidth + gap)
            for (offset, share, color) in [(0, drift.referenceShares[index], "#8c959f"), (barWidth, drift.currentShares[index], "#0969da")] {
                let h = Int((share / top * Double(height - 16)).rounded())
                svg += "<rect x=\"\(x + offset)\" y=\"\(height - h)\" width=\"\(barWidth)\" height=\"\(h)\" fill=\"\(color)\"><title>\(XMLText.escape(drift.bins[index])): \(Measurement.format(share * 100))%</title></rect>"
            }
            let label = drift.bins[index].count > 16 ? String(drift.bins[index].prefix(15)) + "…" : drift.bins[index]
            svg += "<text transform=\"translate(\(x + barWidth),\(height + 6)) rotate(60)\">\(XMLText.escape(label))</text>\n"
        }
        svg += "</svg>\n"
        let verdict = drift.drifted ? "<span class=\"verdict warn\">drift</span>" : "<span class=\"verdict pass\">no drift</span>"
        var out = "<h3>\(XMLText.escape(drift.column)) — \(drift.kind.rawValue), \(XMLText.escape(drift.test.title)) \(Measurement.format(Measurement.significant(drift.score))) \(verdict)</h3>\n" + svg
        if drift.bins.count > indices.count { out += "<p>\(drift.bins.count - indices.count) more bins not drawn.</p>\n" }
        return out
    }
}
