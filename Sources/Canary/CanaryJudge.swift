import Foundation
import GateKit

/// The decision a release manager acts on.
public enum CanaryDecision: String, Sendable {
    case promote, hold, rollback

    var verdict: Verdict {
        switch self {
        case .promote: .pass
        case .hold: .warn
        case .rollback: .fail
        }
    }
}

/// One metric's judgement.
public struct MetricJudgement: Sendable {
    public enum Outcome: String, Sendable { case pass, high, low, nodata }
    public var name: String
    public var critical: Bool
    public var weight: Double
    public var baselineMedian: Double
    public var canaryMedian: Double
    /// (canary − baseline) / |baseline|, or nil when the baseline median is 0.
    public var change: Double?
    public var pValue: Double?
    public var outcome: Outcome
    /// Rollback triggers that fired, as written in the policy.
    public var triggered: [String]
    public var why: String
    public var baseline: [PrometheusSeries.Sample]
    public var canary: [PrometheusSeries.Sample]

    public var passed: Bool { outcome == .pass && triggered.isEmpty }
}

/// Judges each metric as Kayenta's Mann–Whitney classifier does — a difference counts only
/// when the test is significant at the policy's confidence and the effect passes the allowed
/// relative and absolute change in the bad direction — then the rollback triggers on the
/// canary's time series, then the weighted score and the decision. No data from the canary
/// (or the baseline) is a failure: missing data never promotes.
public enum CanaryJudge {
    public static func judge(_ metric: CanaryPolicy.Metric, baseline: [PrometheusSeries.Sample], canary: [PrometheusSeries.Sample],
                             confidence: Double, step: Double) -> MetricJudgement {
        let b = baseline.filter { $0.value.isFinite }, c = canary.filter { $0.value.isFinite }
        var judgement = MetricJudgement(
            name: metric.name, critical: metric.critical, weight: metric.weight, baselineMedian: quantile(sorted: b.map(\.value).sorted(), 0.5),
            canaryMedian: quantile(sorted: c.map(\.value).sorted(), 0.5), change: nil, pValue: nil, outcome: .pass, triggered: [], why: "", baseline: baseline, canary: canary)
        guard !c.isEmpty, !b.isEmpty else {
            judgement.outcome = .nodata
            judgement.why = c.isEmpty ? "no data from the canary" : "no data from the baseline"
            return judgement
        }
        let delta = judgement.canaryMedian - judgement.baselineMedian
        if judgement.baselineMedian != 0 { judgement.change = delta / abs(judgement.baselineMedian) }
        let test = MannWhitney.test(c.map(\.value), b.map(\.value))
        judgement.pValue = test.pValue
        let significant = test.pValue < 1 - confidence
        let worse = (metric.bad == .increase && delta > 0) || (metric.bad == .decrease && delta < 0) || (metric.bad == .either && delta != 0)
        let beyondRelative = judgement.change.map { abs($0) > metric.allowedRelative } ?? (delta != 0)
        let beyondAbsolute = abs(delta) > metric.allowedAbsolute
        if significant && worse && beyondRelative && beyondAbsolute {
            judgement.outcome = delta > 0 ? .high : .low
            judgement.why = "canary \(delta > 0 ? "higher" : "lower") (Mann-Whitney p = \(format(test.pValue)) < \(format(1 - confidence)); change \(describe(judgement.change, delta)) beyond allowed \(format(metric.allowedRelative * 100))% / \(format(metric.allowedAbsolute)))"
        } else if !significant {
            judgement.why = "no significant difference (p = \(format(test.pValue)))"
        } else if !worse {
            judgement.why = "different, in the good direction (\(describe(judgement.change, delta)))"
        } else {
            judgement.why = "different but within the allowed change (\(describe(judgement.change, delta)))"
        }
        for trigger in metric.triggers where fires(trigger, canary: c, baseline: b, step: step) {
            judgement.triggered.append(trigger.text)
        }
        if !judgement.triggered.isEmpty {
            judgement.why += "; rollback trigger {\(judgement.triggered.joined(separator: "}, {"))} fired"
        }
        return judgement
    }

    /// Whether the trigger's condition held long enough: sustained over a stretch of at least
    /// `for` (consecutive samples, the stretch counted as last − first + step), or for
    /// `consecutive` samples in a row within `within`.
    static func fires(_ trigger: CanaryPolicy.Trigger, canary: [PrometheusSeries.Sample], baseline: [PrometheusSeries.Sample], step: Double) -> Bool {
        let base = Dictionary(baseline.map { ($0.time, $0.value) }, uniquingKeysWith: { a, _ in a })
        func holds(_ sample: PrometheusSeries.Sample) -> Bool {
            if let above = trigger.above, !(sample.value > above) { return false }
            if let below = trigger.below, !(sample.value < below) { return false }
            if let ratio = trigger.aboveBaseline {
                guard let reference = base[sample.time], reference > 0, sample.value > ratio * reference else { return false }
            }
            return true
        }
        var runStart: Double?
        var runCount = 0
        var previous: Double?
        for sample in canary.sorted(by: { $0.time < $1.time }) {
            // A gap in the data breaks a run: the condition was not seen to hold there.
            if let previous, sample.time - previous > step * 1.5 { (runStart, runCount) = (nil, 0) }
            previous = sample.time
            guard holds(sample) else { (runStart, runCount) = (nil, 0); continue }
            if runStart == nil { runStart = sample.time }
            runCount += 1
            if let duration = trigger.duration, sample.time - runStart! + step >= duration { return true }
            if let count = trigger.consecutive, runCount >= count, sample.time - runStart! <= (trigger.within ?? .infinity) { return true }
            if let count = trigger.consecutive, runCount >= count { runStart = sample.time - step * Double(count - 1); runCount = count - 1 }
        }
        return false
    }

    /// Score = weighted share of passing metrics (0–100); rollback on any critical failure or
    /// fired trigger, else promote at or above the pass score, hold down to marginal.
    public static func decide(_ judgements: [MetricJudgement], passScore: Double, marginalScore: Double) -> (decision: CanaryDecision, score: Double) {
        let total = judgements.reduce(0) { $0 + $1.weight }
        let passed = judgements.filter(\.passed).reduce(0) { $0 + $1.weight }
        let score = total > 0 ? passed / total * 100 : 0
        if judgements.isEmpty || judgements.contains(where: { !$0.triggered.isEmpty || ($0.critical && !$0.passed) }) {
            return (.rollback, score)
        }
        if score >= passScore { return (.promote, score) }
        return (score >= marginalScore ? .hold : .rollback, score)
    }

    static func format(_ value: Double) -> String { Measurement.format(Measurement.significant(value)) }

    static func describe(_ change: Double?, _ delta: Double) -> String {
        guard let change else { return "\(delta >= 0 ? "+" : "")\(format(delta))" }
        return "\(change >= 0 ? "+" : "")\(format(change * 100))%"
    }
}
