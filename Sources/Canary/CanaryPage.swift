import Foundation
import GateKit

/// An earlier step's canary result (a gate-result/v1 JSON document of this gate), for the
/// rollout's history on the page.
public struct CanaryHistory: Sendable {
    public var label: String
    public var decision: String
    public var score: Double?
    public var end: Double?
    public var summary: String

    public static func read(_ path: String, name: String) throws -> CanaryHistory {
        let (bytes, _) = try InputFile.readAll(path, expected: "an earlier canary result (gate-result/v1 JSON)", limits: .document)
        let document = try JSONTree.parse(bytes, path: name)
        guard document["schema"]?.string == GateResult.schema, document["gate"]?.string == CanaryGate.id,
              let decision = document["details"]?["decision"]?.string else {
            throw GateError.usage("\(name): not a canary result (the JSON of gate canary analyze --format json, with a decision).")
        }
        return CanaryHistory(label: document["details"]?["label"]?.string ?? name, decision: decision, score: document["details"]?["score"]?.number,
                             end: document["details"]?["window-end"]?.number, summary: document["summary"]?.string ?? "")
    }
}

/// The decision page: what `--format html` prints and `html:` writes. The decision first, with
/// its reason; then per metric the medians, the change against its allowed bounds, p and the
/// metric's one verdict; how the score was made; the rounds and the rollout so far; a chart per
/// metric on a UTC time axis with the allowed band, the trigger and objective lines, the
/// stretches where a trigger's condition held, the PromQL and a link to Prometheus's graph.
/// One self-contained file: inline SVG and CSS, no script, nothing from the network.
struct CanaryPage {
    var policy: CanaryPolicy
    var decision: CanaryDecision
    var summary: String
    var judgements: [MetricJudgement]
    var rounds: [CanaryGate.Round]
    var history: [CanaryHistory]
    var end: Double
    var measurements: [GateKit.Measurement]

    /// 10m, 1h, 45s: as a policy writes a duration.
    static func duration(_ value: Double) -> String {
        let seconds = Int(value.rounded())
        return seconds % 3600 == 0 ? "\(seconds / 3600)h" : seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }

    static func time(_ seconds: Double) -> String { Timestamp.utc(Int64(seconds.rounded())).replacingOccurrences(of: "T", with: " ") + " UTC" }
    static func e(_ text: String) -> String { XMLText.escape(text) }
    static func f(_ value: Double) -> String { CanaryJudge.format(value) }

    static let colors: [Verdict: String] = [.pass: "#1a7f37", .warn: "#9a6700", .fail: "#cf222e", .error: "#8250df"]

    func render() -> String {
        let title = "canary\(policy.label.map { " " + $0 } ?? ""): \(decision.rawValue.uppercased())"
        var out = HTMLReporter.head(title: title, style: """
            h1{font-size:2.2em;margin:.2em 0}h2{font-size:1.25em}h3{margin-bottom:.2em}
            .decision{padding:.8em 1em;border-radius:6px;border:2px solid}.decision p{margin:.2em 0}
            .promote{color:#1a7f37;border-color:#1a7f37;background:#dafbe1}.hold{color:#9a6700;border-color:#bf8700;background:#fff8c5}
            .rollback{color:#cf222e;border-color:#cf222e;background:#ffebe9}.reason{color:#1f2328;font-size:1.1em}
            pre{background:#f6f8fa;padding:.5em;white-space:pre-wrap;word-break:break-all;font-size:12px}.muted{color:#59636e}

            """) + """
            <div class="decision \(decision.rawValue)">
            <h1>\(decision.rawValue.uppercased())</h1>
            <p class="reason">\(Self.e(summary))</p>
            <p class="muted">\(Self.e("canary analysis\(policy.label.map { " at " + $0 } ?? ""), window \(Self.time(end - policy.window)) – \(Self.time(end))"))</p>
            </div>

            """
        out += metricsTable() + scoreExplanation() + roundsTable() + historyTable()
        out += "<h2>Metrics over the window</h2>\n<p class=\"muted\"><span style=\"color:#8c959f\">━</span> baseline &nbsp; <span style=\"color:#0969da\">━</span> canary &nbsp; "
            + "<span style=\"color:#1a7f37\">┅</span> allowed &nbsp; <span style=\"color:#cf222e\">┅</span> trigger or objective &nbsp; "
            + "<span style=\"background:#ffcecb\">&nbsp;&nbsp;&nbsp;</span> a trigger's condition held. Times in UTC.</p>\n"
        for judgement in judgements { out += chart(judgement) }
        return out + "</body></html>\n"
    }

    /// The band the canary's median may move within before the metric can fail: the larger of
    /// the allowed relative and absolute change, on the bad side (both sides for `either`).
    static func allowed(_ j: MetricJudgement) -> (low: Double?, high: Double?) {
        guard j.outcome != .nodata, j.baselineMedian.isFinite else { return (nil, nil) }
        let margin = max(j.allowedRelative * abs(j.baselineMedian), j.allowedAbsolute)
        switch j.bad {
        case .increase: return (nil, j.baselineMedian + margin)
        case .decrease: return (j.baselineMedian - margin, nil)
        case .either: return (j.baselineMedian - margin, j.baselineMedian + margin)
        }
    }

    static func describeAllowed(_ j: MetricJudgement) -> String {
        var parts: [String] = []
        let direction = j.bad == .increase ? "+" : j.bad == .decrease ? "−" : "±"
        if j.allowedRelative > 0 || j.allowedAbsolute == 0 { parts.append("\(direction)\(f(j.allowedRelative * 100))%") }
        if j.allowedAbsolute > 0 { parts.append("\(direction)\(f(j.allowedAbsolute))") }
        var text = parts.joined(separator: " or ")
        if let maximum = j.maximum { text += "; at most \(f(maximum))" }
        if let minimum = j.minimum { text += "; at least \(f(minimum))" }
        return text
    }

    func metricsTable() -> String {
        var out = "<h2>Metrics</h2>\n<table><tr><th>metric</th><th>baseline median</th><th>canary median</th><th>change</th><th>allowed</th><th>p</th><th>verdict</th><th>why</th></tr>\n"
        for j in judgements {
            let change = j.outcome == .nodata ? "" : CanaryJudge.describe(j.change, j.canaryMedian - j.baselineMedian)
            out += "<tr><td><a href=\"#m-\(Self.e(j.name))\">\(Self.e(j.name))</a>\(j.critical ? " <span class=\"muted\">(critical)</span>" : "")</td>"
                + "<td class=\"n\">\(j.outcome == .nodata && j.baseline.isEmpty ? "" : Self.f(j.baselineMedian))</td><td class=\"n\">\(j.outcome == .nodata && j.canary.isEmpty ? "" : Self.f(j.canaryMedian))</td>"
                + "<td class=\"n\">\(Self.e(change))</td><td>\(Self.e(Self.describeAllowed(j)))</td><td class=\"n\">\(j.pValue.map(Self.f) ?? "")</td>"
                + "<td class=\"verdict \(j.verdict.rawValue)\">\(j.verdict.rawValue)</td><td>\(Self.e(j.why))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    func scoreExplanation() -> String {
        let total = judgements.reduce(0) { $0 + $1.weight }
        let passed = judgements.filter(\.passed).reduce(0) { $0 + $1.weight }
        let score = measurements.first { $0.name == "score" }?.value ?? 0
        let terms = judgements.map { "\($0.name) \(Self.f($0.weight))\($0.passed ? " ✓" : " ✗")" }.joined(separator: " + ")
        return """
            <h2>How the score was made</h2>
            <p>Score = the weight of the metrics that passed ÷ the weight of all metrics × 100 = \(Self.e(Self.f(passed))) ÷ \(Self.e(Self.f(total))) × 100 = <b>\(Self.e(Self.f(score)))</b>.
            Weights: \(Self.e(terms)).</p>
            <p>Promote at a score of \(Self.e(Self.f(policy.passScore))) or more; hold from \(Self.e(Self.f(policy.marginalScore))); roll back below.
            A failed critical metric, a metric without data or a fired rollback trigger rolls back whatever the score.
            A metric fails when the Mann-Whitney test finds the canary different at \(Self.e(Self.f(policy.confidence * 100)))% confidence (p &lt; \(Self.e(Self.f(1 - policy.confidence)))),
            in its bad direction, by more than it allows — or when its median breaks an absolute objective.</p>

            """
    }

    func roundsTable() -> String {
        guard policy.count > 1 else { return "" }
        var out = "<h2>Rounds (\(rounds.count) of \(policy.count), one every \(Self.duration(policy.interval)))</h2>\n"
        out += "<p class=\"muted\">Failure limit \(policy.failureLimit), inconclusive limit \(policy.inconclusiveLimit); a fired trigger ends the run at once.</p>\n"
        out += "<table><tr><th>round</th><th>window end</th><th>decision</th><th>score</th><th>failed</th></tr>\n"
        for round in rounds {
            let failed = round.failed.map { $0 + (round.triggered.contains($0) ? " (trigger)" : "") }.joined(separator: ", ")
            out += "<tr><td class=\"n\">\(round.index)</td><td>\(Self.time(round.end))</td><td class=\"verdict \(round.decision.verdict.rawValue)\">\(round.decision.rawValue)</td>"
                + "<td class=\"n\">\(Self.f(round.score))</td><td>\(Self.e(failed))</td></tr>\n"
        }
        return out + "</table>\n"
    }

    func historyTable() -> String {
        guard !history.isEmpty else { return "" }
        var out = "<h2>The rollout so far</h2>\n<table><tr><th>step</th><th>window end</th><th>decision</th><th>score</th><th>summary</th></tr>\n"
        for step in history {
            let verdict = CanaryDecision(rawValue: step.decision)?.verdict.rawValue ?? "error"
            out += "<tr><td>\(Self.e(step.label))</td><td>\(step.end.map(Self.time) ?? "")</td><td class=\"verdict \(verdict)\">\(Self.e(step.decision))</td>"
                + "<td class=\"n\">\(step.score.map(Self.f) ?? "")</td><td>\(Self.e(step.summary))</td></tr>\n"
        }
        out += "<tr><td><b>\(Self.e(policy.label ?? "this step"))</b></td><td>\(Self.time(end))</td><td class=\"verdict \(decision.verdict.rawValue)\">\(decision.rawValue)</td>"
            + "<td class=\"n\">\(Self.f(rounds.last?.score ?? 0))</td><td>\(Self.e(summary))</td></tr>\n"
        return out + "</table>\n"
    }

    /// Prometheus's graph page for the two queries over the window.
    func graphLink(_ j: MetricJudgement) -> String? {
        guard policy.offline == nil, let base = policy.prometheus, base.hasPrefix("http://") || base.hasPrefix("https://") else { return nil }
        // Only the unreserved characters go through as they are.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func q(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        let endText = Timestamp.utc(Int64(end.rounded())).replacingOccurrences(of: "T", with: " ")
        let range = Self.duration(policy.window)
        var query: [String] = []
        for (index, expression) in [j.queries.0, j.queries.1].enumerated() {
            query += ["g\(index).expr=\(q(expression))", "g\(index).tab=0", "g\(index).range_input=\(range)", "g\(index).end_input=\(q(endText))",
                      "g\(index).step_input=\(Int(policy.step))"]
        }
        return base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/graph?" + query.joined(separator: "&")
    }

    func chart(_ j: MetricJudgement) -> String {
        var out = "<h3 id=\"m-\(Self.e(j.name))\">\(Self.e(j.name)) <span class=\"verdict \(j.verdict.rawValue)\">\(j.verdict.rawValue)</span></h3>\n<p>\(Self.e(j.why))</p>\n"
        let metric = policy.metrics.first { $0.name == j.name }
        let baseline = j.baseline.filter { $0.value.isFinite }.sorted { $0.time < $1.time }
        let canary = j.canary.filter { $0.value.isFinite }.sorted { $0.time < $1.time }
        let (low, high) = Self.allowed(j)
        var levels: [(Double, String, String)] = []  // value, colour, label
        if let high { levels.append((high, "#1a7f37", "allowed \(Self.f(high))")) }
        if let low { levels.append((low, "#1a7f37", "allowed \(Self.f(low))")) }
        for trigger in metric?.triggers ?? [] {
            if let above = trigger.above { levels.append((above, "#cf222e", "trigger > \(Self.f(above))")) }
            if let below = trigger.below { levels.append((below, "#cf222e", "trigger < \(Self.f(below))")) }
            if let ratio = trigger.aboveBaseline, j.baselineMedian.isFinite, j.baselineMedian > 0 {
                levels.append((ratio * j.baselineMedian, "#cf222e", "trigger > \(Self.f(ratio))× baseline"))
            }
        }
        if let maximum = j.maximum { levels.append((maximum, "#cf222e", "objective ≤ \(Self.f(maximum))")) }
        if let minimum = j.minimum { levels.append((minimum, "#cf222e", "objective ≥ \(Self.f(minimum))")) }
        let (t0, t1) = (end - policy.window, end)
        let data = (baseline + canary).map(\.value)
        if baseline.isEmpty && canary.isEmpty {
            out += "<p class=\"verdict fail\">No data to draw.</p>\n"
        } else if let dataMin = data.min(), let dataMax = data.max() {
            let (width, height, left, right, top, bottom) = (900.0, 220.0, 70.0, 170.0, 10.0, 30.0)
            // The scale follows the data; a line within twice the data's span of it widens the
            // scale, one farther off is named at the edge instead of flattening the series.
            let span = max(dataMax - dataMin, abs(dataMax) * 0.1, 1e-12)
            let near = levels.map(\.0).filter { $0 >= dataMin - 2 * span && $0 <= dataMax + 2 * span }
            var minValue = min(dataMin, near.min() ?? dataMin), maxValue = max(dataMax, near.max() ?? dataMax)
            if maxValue == minValue {
                let widen = max(abs(minValue) * 0.1, 0.5)
                (minValue, maxValue) = (dataMin >= 0 ? max(minValue - widen, 0) : minValue - widen, maxValue + widen)
            }
            let pad = (maxValue - minValue) * 0.05
            let (v0, v1) = (minValue >= 0 && minValue - pad < 0 ? 0 : minValue - pad, maxValue + pad)
            func x(_ t: Double) -> Double { left + (min(max(t, t0), t1) - t0) / max(t1 - t0, 1) * (width - left - right) }
            func y(_ v: Double) -> Double { top + (1 - (v - v0) / (v1 - v0)) * (height - top - bottom) }
            // One decimal, by integer arithmetic: String(format:) cost 4 µs a coordinate, 60 ms
            // for 20 metrics' charts.
            func n(_ value: Double) -> String {
                let tenths = Int((value * 10).rounded())
                return (tenths < 0 ? "-" : "") + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
            }
            var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(Self.e(j.name)) over time\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">\n"
            for trigger in metric?.triggers ?? [] {
                for (from, to) in CanaryJudge.spans(trigger, canary: canary, baseline: baseline, step: policy.step) {
                    svg += "<rect x=\"\(n(x(from)))\" y=\"\(n(top))\" width=\"\(n(max(x(to) - x(from), 1)))\" height=\"\(n(height - top - bottom))\" fill=\"#ffcecb\"><title>\(Self.e(trigger.text)) held \(Self.time(from)) – \(Self.time(to))</title></rect>\n"
                }
            }
            svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(width - left - right))\" height=\"\(n(height - top - bottom))\" fill=\"none\" stroke=\"#d0d7de\"/>\n"
            // Value axis: the bounds and the middle.
            for v in [v0, (v0 + v1) / 2, v1] {
                svg += "<text x=\"\(n(left - 4))\" y=\"\(n(y(v) + 4))\" text-anchor=\"end\">\(Self.e(Self.f(v)))</text>\n"
            }
            // Time axis: ticks on round minutes (1, 2, 5, 10, 15, 30 or 60 apart, at most seven),
            // HH:MM UTC, the date under the axis.
            let spacing = [60.0, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 86_400].first { (t1 - t0) / $0 <= 6 } ?? 86_400
            var tick = (t0 / spacing).rounded(.up) * spacing
            while tick <= t1 {
                let hhmm = String(Timestamp.utc(Int64(tick.rounded())).dropFirst(11).prefix(5))
                svg += "<line x1=\"\(n(x(tick)))\" y1=\"\(n(height - bottom))\" x2=\"\(n(x(tick)))\" y2=\"\(n(height - bottom + 4))\" stroke=\"#8c959f\"/>"
                svg += "<text x=\"\(n(x(tick)))\" y=\"\(n(height - bottom + 15))\" text-anchor=\"middle\">\(hhmm)</text>\n"
                tick += spacing
            }
            svg += "<text x=\"\(n(left))\" y=\"\(n(height - 2))\" fill=\"#59636e\">\(Self.time(t0)) – \(Self.time(t1))</text>\n"
            // Lines with their labels at the right, labels kept 12 px apart; a line off the
            // scale is a label at the edge with an arrow.
            var labelled: [Double] = []
            for (value, color, label) in levels.sorted(by: { $0.0 > $1.0 }) {
                let onScale = value >= v0 && value <= v1
                var at = onScale ? y(value) + 4 : (value > v1 ? top + 8 : height - bottom - 2)
                while labelled.contains(where: { abs($0 - at) < 12 }) { at += 12 }
                labelled.append(at)
                if onScale {
                    svg += "<line x1=\"\(n(left))\" y1=\"\(n(y(value)))\" x2=\"\(n(width - right))\" y2=\"\(n(y(value)))\" stroke=\"\(color)\" stroke-dasharray=\"5 4\"/>"
                }
                svg += "<text x=\"\(n(width - right + 4))\" y=\"\(n(at))\" fill=\"\(color)\">\(onScale ? "" : value > v1 ? "↑ " : "↓ ")\(Self.e(label))</text>\n"
            }
            func line(_ samples: [PrometheusSeries.Sample], _ color: String) -> String {
                let points = samples.map { "\(n(x($0.time))),\(n(y($0.value)))" }.joined(separator: " ")
                return points.isEmpty ? "" : "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            }
            svg += line(baseline, "#8c959f") + line(canary, "#0969da")
            out += svg + "</svg>\n"
        }
        out += "<pre>baseline: \(Self.e(j.queries.0))\ncanary:   \(Self.e(j.queries.1))</pre>\n"
        if let link = graphLink(j) { out += "<p><a href=\"\(Self.e(link))\">Open in Prometheus</a></p>\n" }
        return out
    }
}
