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
    /// The metric's bounds, for the page.
    public var bad = CanaryPolicy.Direction.increase
    public var allowedRelative = 0.0
    public var allowedAbsolute = 0.0
    public var maximum: Double?
    public var minimum: Double?
    /// Samples dropped as outliers (baseline, canary).
    public var removed = (0, 0)
    /// The PromQL sent for the baseline and the canary.
    public var queries = ("", "")

    public var passed: Bool { outcome == .pass && triggered.isEmpty }

    /// The one verdict the metric gets everywhere (the result, the tables, the page): pass;
    /// fail when it is critical, has no data or fired a trigger; warn otherwise.
    public var verdict: Verdict {
        if passed { return .pass }
        return critical || outcome == .nodata || !triggered.isEmpty ? .fail : .warn
    }
}

/// Judges each metric as Kayenta's Mann–Whitney classifier does — a difference counts only
/// when the test is significant at the policy's confidence and the effect passes the allowed
/// relative and absolute change in the bad direction — then the rollback triggers on the
/// canary's time series, then the weighted score and the decision. No data from the canary
/// (or the baseline) is a failure: missing data never promotes.
public enum CanaryJudge {
    public static func judge(_ metric: CanaryPolicy.Metric, baseline: [PrometheusSeries.Sample], canary: [PrometheusSeries.Sample],
                             confidence: Double, step: Double) -> MetricJudgement {
        // NaN removed or read as zero (the metric's `nan:`); infinities never count.
        func clean(_ samples: [PrometheusSeries.Sample]) -> [PrometheusSeries.Sample] {
            samples.map { metric.nanAsZero && $0.value.isNaN ? .init(time: $0.time, value: 0) : $0 }.filter { $0.value.isFinite }
        }
        let b = clean(baseline), c = clean(canary)
        let (bValues, cValues) = metric.removeOutliers
            ? (withoutOutliers(b.map(\.value), factor: metric.outlierFactor), withoutOutliers(c.map(\.value), factor: metric.outlierFactor))
            : (b.map(\.value), c.map(\.value))
        var judgement = MetricJudgement(
            name: metric.name, critical: metric.critical, weight: metric.weight, baselineMedian: quantile(sorted: bValues.sorted(), 0.5),
            canaryMedian: quantile(sorted: cValues.sorted(), 0.5), change: nil, pValue: nil, outcome: .pass, triggered: [], why: "", baseline: baseline, canary: canary)
        judgement.allowedRelative = metric.allowedRelative
        judgement.allowedAbsolute = metric.allowedAbsolute
        judgement.bad = metric.bad
        judgement.maximum = metric.maximum
        judgement.minimum = metric.minimum
        judgement.removed = (b.count - bValues.count, c.count - cValues.count)
        guard !cValues.isEmpty, !bValues.isEmpty else {
            judgement.outcome = .nodata
            judgement.why = c.isEmpty ? "no data from the canary" : "no data from the baseline"
            return judgement
        }
        let delta = judgement.canaryMedian - judgement.baselineMedian
        if judgement.baselineMedian != 0 { judgement.change = delta / abs(judgement.baselineMedian) }
        let test = MannWhitney.test(cValues, bValues)
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
        // Absolute objectives on the canary's median, whatever the baseline does.
        if let maximum = metric.maximum, judgement.canaryMedian > maximum {
            judgement.outcome = .high
            judgement.why = "canary median \(format(judgement.canaryMedian)) above the objective \(format(maximum))" + (judgement.why.isEmpty ? "" : "; " + judgement.why)
        } else if let minimum = metric.minimum, judgement.canaryMedian < minimum {
            judgement.outcome = .low
            judgement.why = "canary median \(format(judgement.canaryMedian)) below the objective \(format(minimum))" + (judgement.why.isEmpty ? "" : "; " + judgement.why)
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
        var runStart: Double?
        var runCount = 0
        var previous: Double?
        for sample in canary.sorted(by: { $0.time < $1.time }) {
            // A gap in the data breaks a run: the condition was not seen to hold there.
            if let previous, sample.time - previous > step * 1.5 { (runStart, runCount) = (nil, 0) }
            previous = sample.time
            guard holds(trigger, sample, base) else { (runStart, runCount) = (nil, 0); continue }
            if runStart == nil { runStart = sample.time }
            runCount += 1
            if let duration = trigger.duration, sample.time - runStart! + step >= duration { return true }
            if let count = trigger.consecutive, runCount >= count, sample.time - runStart! <= (trigger.within ?? .infinity) { return true }
            if let count = trigger.consecutive, runCount >= count { runStart = sample.time - step * Double(count - 1); runCount = count - 1 }
        }
        return false
    }

    /// The stretches where the trigger's condition held on the canary (consecutive samples,
    /// each stretch from its first sample to its last plus a step), for the page's shading.
    static func spans(_ trigger: CanaryPolicy.Trigger, canary: [PrometheusSeries.Sample], baseline: [PrometheusSeries.Sample], step: Double) -> [(Double, Double)] {
        let base = Dictionary(baseline.filter { $0.value.isFinite }.map { ($0.time, $0.value) }, uniquingKeysWith: { a, _ in a })
        var spans: [(Double, Double)] = []
        var open: (Double, Double)?
        for sample in canary.filter({ $0.value.isFinite }).sorted(by: { $0.time < $1.time }) {
            if let current = open, sample.time - current.1 > step * 1.5 { spans.append((current.0, current.1 + step)); open = nil }
            if holds(trigger, sample, base) {
                open = (open?.0 ?? sample.time, sample.time)
            } else if let current = open {
                spans.append((current.0, current.1 + step))
                open = nil
            }
        }
        if let current = open { spans.append((current.0, current.1 + step)) }
        return spans
    }

    static func holds(_ trigger: CanaryPolicy.Trigger, _ sample: PrometheusSeries.Sample, _ base: [Double: Double]) -> Bool {
        if let above = trigger.above, !(sample.value > above) { return false }
        if let below = trigger.below, !(sample.value < below) { return false }
        if let ratio = trigger.aboveBaseline {
            guard let reference = base[sample.time], reference > 0, sample.value > ratio * reference else { return false }
        }
        return true
    }

    /// Why a rollback or a hold, in a few words: the trigger, the critical metric, the missing
    /// data, or the score; nil for a promotion.
    public static func reason(_ judgements: [MetricJudgement], _ decision: CanaryDecision) -> String? {
        func names(_ list: [MetricJudgement]) -> String { list.map(\.name).joined(separator: ", ") }
        switch decision {
        case .promote: return nil
        case .hold: return "the score is between the marginal and the pass score"
        case .rollback:
            let fired = judgements.filter { !$0.triggered.isEmpty }, empty = judgements.filter { $0.outcome == .nodata }
            let critical = judgements.filter { $0.critical && !$0.passed && $0.outcome != .nodata && $0.triggered.isEmpty }
            var parts: [String] = []
            if !fired.isEmpty { parts.append("a rollback trigger fired on \(names(fired))") }
            if !empty.isEmpty { parts.append("no data for \(names(empty))") }
            if !critical.isEmpty { parts.append("critical metric\(critical.count == 1 ? "" : "s") \(names(critical)) failed") }
            return parts.isEmpty ? (judgements.isEmpty ? "no metrics" : "the score is below the marginal score") : parts.joined(separator: "; ")
        }
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

    /// Kayenta's outlier removal: values farther than `factor` × IQR below the first quartile
    /// or above the third are dropped.
    static func withoutOutliers(_ values: [Double], factor: Double) -> [Double] {
        guard values.count >= 4 else { return values }
        let sorted = values.sorted()
        let q1 = quantile(sorted: sorted, 0.25), q3 = quantile(sorted: sorted, 0.75)
        let (low, high) = (q1 - factor * (q3 - q1), q3 + factor * (q3 - q1))
        return values.filter { $0 >= low && $0 <= high }
    }

    /// Four significant digits, never binary noise: 0.1235, 3.36e-41, 95.
    static func format(_ value: Double) -> String { Measurement.significantText(value, digits: 4) }

    static func describe(_ change: Double?, _ delta: Double) -> String {
        guard let change else { return "\(delta >= 0 ? "+" : "")\(format(delta))" }
        return "\(change >= 0 ? "+" : "")\(format(change * 100))%"
    }
}
