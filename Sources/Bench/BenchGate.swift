import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// The benchmark gate's policy: `gates/bench.yml`.
///
/// ```yaml
/// baseline: benchmarks/baseline.json   # any format BenchImport reads
/// current: .build/bench/current.json
/// instruction-margin: 1                # %: instruction counts may grow this much
/// wall-margin: 5                       # %: interleaved min-of-n ratio bound
/// p-value: 0.01                        # Mann-Whitney, current slower than baseline
/// min-samples: 10                      # per side, for a wall-time verdict
/// bigger-is-better: false              # for custom value-only formats
/// suites: [recommender.search]         # without `current`: run these built-in suites now
/// rounds: 3
/// html: .build/bench/report.html       # optional: the samples of each benchmark drawn
/// slo:
///   "recommender.search p95": 200ms
///   "flags.evaluate p99": 10ms
/// ```
public struct BenchPolicy: Sendable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("baseline", .path, "Baseline results (any format gate bench reads)."),
        PolicyKey("current", .path, "Current results; without it, the suites run now."),
        PolicyKey("instruction-margin", .number, "Allowed growth of instruction counts, % (default 1)."),
        PolicyKey("wall-margin", .number, "Allowed growth of the interleaved min-of-n wall time, % (default 5)."),
        PolicyKey("p-value", .number, "Mann-Whitney p below which interleaved wall time is slower (default 0.01)."),
        PolicyKey("min-samples", .number, "Runs per side a wall-time verdict needs (default 10)."),
        PolicyKey("bigger-is-better", .bool, "Custom value-only results measure throughput."),
        PolicyKey("suites", .list, "Built-in suites to run when there are no current results."),
        PolicyKey("rounds", .number, "Rounds of the built-in suites (default 3)."),
        PolicyKey("slo", .mapping, "Latency objectives: \"SERIES p95\": 200ms."),
        PolicyKey("html", .path, "Also write an HTML page drawing each benchmark's samples."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    /// `report:` was this gate's HTML page; it is `html:` now (`--report` reads an input elsewhere).
    public static let renamedKeys = ["report": "html"]

    public var baseline: String?
    public var current: String?
    public var instructionMargin = 1.0
    public var wallMargin = 5.0
    public var pValue = 0.01
    public var minSamples = 10
    public var biggerIsBetter = false
    public var suites: [String] = []
    public var rounds = 3
    /// An HTML page with each benchmark's baseline and current samples drawn.
    public var html: String?
    /// Series name → the largest allowed value, in the series' unit (seconds for times).
    public var slos: [(name: String, limit: Double, text: String)] = []

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        baseline = try policy.string("baseline")
        current = try policy.string("current")
        instructionMargin = try policy.number("instruction-margin", in: 0...100) ?? instructionMargin
        wallMargin = try policy.number("wall-margin", in: 0...100) ?? wallMargin
        pValue = try policy.number("p-value", in: 0...1) ?? pValue
        minSamples = try policy.integer("min-samples", in: 2...100_000) ?? minSamples
        biggerIsBetter = try policy.flag("bigger-is-better") ?? biggerIsBetter
        html = try policy.string("html")
        suites = try policy.strings("suites") ?? []
        for suite in suites where !BenchSuites.names.contains(suite) {
            throw policy.invalid(line: policy.entry("suites")?.line, key: "suites",
                                               expected: "suites among \(BenchSuites.names.joined(separator: ", ")) (not '\(suite)')")
        }
        rounds = try policy.integer("rounds", in: 1...1000) ?? rounds
        for entry in try policy.mapping("slo") ?? [] {
            guard case .scalar(let text, _) = entry.value, let limit = Self.limit(text) else {
                throw policy.invalid(line: entry.line, key: "slo.\(entry.key)", expected: "a number, or a duration such as 200ms, 10ms, 1.5s, 500us")
            }
            slos.append((entry.key, limit, text))
        }
    }

    /// "200ms" → 0.2 (seconds); "1.5s", "500us", "20ns"; a plain number as it is.
    public static func limit(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }
}

/// One benchmark's comparison.
public struct BenchComparison: Sendable {
    public enum Outcome: String, Sendable { case pass, regressed, improved, inconclusive, reported, incomparable }
    public var name: String
    public var kind: BenchSeries.Kind
    public var baseline: Double
    public var current: Double
    /// Relative change of the figure compared (median, or minimum for interleaved wall time), %.
    public var change: Double
    public var pValue: Double?
    public var interval: (low: Double, high: Double)?
    public var outcome: Outcome
    public var why: String
}

/// `gate bench compare`: baseline against current, each benchmark by the rule its kind allows.
///
/// - Instruction counts fail above `instruction-margin` (they are exact for native code).
/// - Wall time fails only when measured interleaved in one job (`gate bench ab`), and only
///   when both the min-of-n ratio passes `wall-margin` and a one-sided Mann–Whitney test says
///   current is slower with p below `p-value`; the median change is reported with a bootstrap
///   95% interval. Too few runs is "inconclusive": a warning, not a pass or a failure.
/// - Wall time or values from another job are reported and at worst warn: on shared runners
///   a stored baseline from another job false-alarms a third of the time.
public struct BenchGate: Sendable {
    public static let id = "bench"
    public static let rules = [
        RuleDescriptor(id: "bench/regression", severity: .error, summary: "A benchmark got slower beyond its margin.", help: "Profile the change (valgrind --tool=callgrind counts instructions repeatably)."),
        RuleDescriptor(id: "bench/inconclusive", severity: .warning, summary: "Too few runs to decide.", help: "Raise --runs to at least min-samples per side."),
        RuleDescriptor(id: "bench/cross-job", severity: .warning, summary: "Wall time compared with a baseline from another job.", help: "Reported only: use gate bench ab, or --instructions, to gate."),
        RuleDescriptor(id: "bench/incomparable", severity: .warning, summary: "Instruction counts from different valgrind versions.", help: "Record both with the same valgrind."),
        RuleDescriptor(id: "bench/added", severity: .warning, summary: "A benchmark only the current results have.", help: "It has no baseline yet."),
        RuleDescriptor(id: "bench/removed", severity: .warning, summary: "A benchmark only the baseline has.", help: "Was it renamed or deleted on purpose?"),
        RuleDescriptor(id: "bench/slo", severity: .error, summary: "A latency objective is exceeded.", help: "The seeds' objectives: search p95 < 200 ms, flag evaluation < 10 ms."),
    ]

    public var policy: BenchPolicy
    public var context: GateContext

    public init(policy: BenchPolicy, context: GateContext) {
        (self.policy, self.context) = (policy, context)
    }


    public func evaluate() throws -> GateResult {
        let current: BenchResults
        var inputs: [InputDigest] = []
        if let currentPath = policy.current {
            let read = try BenchImport.read(context.resolve(currentPath), biggerIsBetter: policy.biggerIsBetter)
            var input = read.input
            input.path = currentPath
            (current, inputs) = (read.results, [input])
        } else if !policy.suites.isEmpty {
            current = BenchResults(source: "gate", series: try policy.suites.flatMap {
                try BenchSuites.run($0, inputs: BenchSuites.Inputs(), root: context.root, rounds: policy.rounds)
            })
        } else {
            throw GateError.usage("bench: pass --current FILE (and --baseline FILE), or current: or suites: in gates/bench.yml.")
        }
        var baseline: BenchResults?
        var unusable: String?
        if let path = policy.baseline {
            let read = try BenchImport.read(context.resolve(path), biggerIsBetter: policy.biggerIsBetter)
            var input = read.input
            input.path = path
            inputs.insert(input, at: 0)
            baseline = read.results
        } else if let previous = context.baseline?.previous {
            // From --baseline-dir: the previous run's current results, kept in its details.
            do { baseline = try Self.results(of: previous, biggerIsBetter: policy.biggerIsBetter) } catch { unusable = String(describing: error) }
        }
        guard baseline != nil || !policy.slos.isEmpty else {
            throw GateError.usage("bench: nothing to judge — give a baseline to compare with, or SLOs (slo: in gates/bench.yml).")
        }
        var result = judge(baseline: baseline, current: current, inputs: inputs)
        if let unusable { result.addNote("no comparison with the previous run: \(unusable)") }
        attachPage(to: &result, baseline: baseline, current: current)
        return result
    }

    /// The HTML page the policy asks for (`html:`), as an artifact of the result.
    public func attachPage(to result: inout GateResult, baseline: BenchResults?, current: BenchResults) {
        guard let html = policy.html else { return }
        result.artifacts.append(Artifact(path: context.resolve(html), name: html, content: .page(sections: BenchHTMLReport.sections(baseline: baseline, current: current))))
    }

    public func judge(baseline: BenchResults?, current: BenchResults, inputs: [InputDigest] = []) -> GateResult {
        var findings: [Finding] = []
        var measurements: [Measurement] = []
        var comparisons: [BenchComparison] = []
        if let baseline {
            let sameJob = current.interleavedWith != nil && current.interleavedWith == baseline.interleavedWith
            for series in current.series {
                guard let base = baseline.series(named: series.name) else {
                    findings.append(Finding(severity: .warning, rule: "bench/added", message: "added: '\(series.name)' has no baseline"))
                    continue
                }
                let comparison = compare(base, series, sameJob: sameJob, valgrind: (baseline.valgrind, current.valgrind))
                comparisons.append(comparison)
                let verdict: Verdict
                switch comparison.outcome {
                case .regressed:
                    verdict = .fail
                    findings.append(Finding(severity: .error, rule: "bench/regression", message: "'\(series.name)' regressed: \(comparison.why)"))
                case .inconclusive:
                    verdict = .warn
                    findings.append(Finding(severity: .warning, rule: "bench/inconclusive", message: "'\(series.name)': \(comparison.why)"))
                case .incomparable:
                    verdict = .warn
                    findings.append(Finding(severity: .warning, rule: "bench/incomparable", message: "'\(series.name)': \(comparison.why)"))
                case .reported where comparison.change > policy.wallMargin:
                    verdict = .warn
                    findings.append(Finding(severity: .warning, rule: "bench/cross-job", message: "'\(series.name)' looks slower: \(comparison.why)"))
                default:
                    verdict = .pass
                }
                measurements.append(Measurement(name: "change[\(series.name)]", value: Measurement.significant(comparison.change), unit: "%", verdict: verdict))
            }
            for series in baseline.series where current.series(named: series.name) == nil {
                findings.append(Finding(severity: .warning, rule: "bench/removed", message: "removed: '\(series.name)' is in the baseline only"))
            }
        }
        for slo in policy.slos {
            guard let series = current.series(named: slo.name) else {
                findings.append(Finding(severity: .error, rule: "bench/slo", message: "no benchmark named '\(slo.name)' in the current results to check its objective (\(slo.text)): never a pass"))
                continue
            }
            let value = series.samples.count == 1 ? series.samples[0] : series.median
            let ok = value <= slo.limit
            measurements.append(Measurement(name: "slo[\(slo.name)]", value: Measurement.significant(value * (series.unit == "s" ? 1000 : 1)),
                                            unit: series.unit == "s" ? "ms" : series.unit,
                                            threshold: Measurement.significant(slo.limit * (series.unit == "s" ? 1000 : 1)), comparison: .atMost, verdict: ok ? .pass : .fail))
            if !ok {
                findings.append(Finding(severity: .error, rule: "bench/slo",
                                        message: "'\(slo.name)' is \(Self.describe(value, unit: series.unit)), over its objective \(slo.text)"))
            }
        }
        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        let regressed = comparisons.filter { $0.outcome == .regressed }.count
        var summary = baseline == nil ? "" : "\(comparisons.count) benchmarks compared, \(regressed) regressed"
        let inconclusive = comparisons.filter { $0.outcome == .inconclusive }.count
        if inconclusive > 0 { summary += ", \(inconclusive) inconclusive" }
        // Past the margin but not significant: say why it did not fail, so a +15% that passes
        // is not a mystery.
        let unproven = comparisons.filter { $0.outcome == .pass && $0.change > policy.wallMargin && ($0.pValue ?? 0) >= policy.pValue }
        for comparison in unproven.prefix(3) {
            summary += "; \(comparison.name) \(Self.signed(comparison.change))% passes: Mann-Whitney p = \(Measurement.significantText(comparison.pValue ?? 1)) is not below \(Measurement.format(policy.pValue))"
        }
        if !policy.slos.isEmpty {
            let missed = findings.filter { $0.rule == "bench/slo" }.count
            summary += (summary.isEmpty ? "" : "; ") + "\(policy.slos.count - missed) of \(policy.slos.count) objectives met"
        }
        return GateResult(gate: Self.id, verdict: verdict, summary: summary, measurements: measurements, findings: findings,
                          inputs: inputs, rules: Self.rules, details: current.document, tables: [Self.table(comparisons)])
    }

    func compare(_ base: BenchSeries, _ current: BenchSeries, sameJob: Bool, valgrind: (String?, String?)) -> BenchComparison {
        let sign = current.smallerIsBetter ? 1.0 : -1.0
        func change(_ a: Double, _ b: Double) -> Double { sign * (b / a - 1) * 100 }
        var result = BenchComparison(name: current.name, kind: current.kind, baseline: base.median, current: current.median,
                                     change: change(base.median, current.median), outcome: .pass, why: "")
        if base.kind == .instructions && current.kind == .instructions {
            if let a = valgrind.0, let b = valgrind.1, a != b {
                result.outcome = .incomparable
                result.why = "instruction counts from \(a) and \(b) do not compare"
                return result
            }
            result.why = "\(Self.describe(base.median, unit: "instructions")) → \(Self.describe(current.median, unit: "instructions")) (\(Self.signed(result.change))%, margin \(Measurement.format(policy.instructionMargin))%)"
            if result.change > policy.instructionMargin { result.outcome = .regressed } else if result.change < -policy.instructionMargin { result.outcome = .improved }
            return result
        }
        guard base.kind == .wallTime, current.kind == .wallTime, sameJob else {
            result.outcome = .reported
            result.why = "median \(Self.describe(base.median, unit: base.unit)) → \(Self.describe(current.median, unit: current.unit)) (\(Self.signed(result.change))%); measured in different jobs, so reported, never failed"
            return result
        }
        guard base.samples.count >= policy.minSamples, current.samples.count >= policy.minSamples else {
            result.outcome = .inconclusive
            result.why = "\(base.samples.count) and \(current.samples.count) runs; at least \(policy.minSamples) per side are needed to decide"
            return result
        }
        let minimumChange = change(base.minimum, current.minimum)
        let test = MannWhitney.test(current.samples, base.samples, alternative: current.smallerIsBetter ? .greater : .less)
        let interval = Self.bootstrapMedianChange(base.samples, current.samples, sign: sign)
        result.change = minimumChange
        result.pValue = test.pValue
        result.interval = interval
        result.why = "min \(Self.describe(base.minimum, unit: "s")) → \(Self.describe(current.minimum, unit: "s")) (\(Self.signed(minimumChange))%, margin \(Measurement.format(policy.wallMargin))%), Mann-Whitney p = \(Measurement.format(Measurement.significant(test.pValue))) (bound \(Measurement.format(policy.pValue))), median change \(Self.signed(change(base.median, current.median)))% [95% CI \(Self.signed(interval.low))%, \(Self.signed(interval.high))%]"
        if minimumChange > policy.wallMargin && test.pValue < policy.pValue {
            result.outcome = .regressed
        } else if minimumChange < -policy.wallMargin && MannWhitney.test(current.samples, base.samples, alternative: current.smallerIsBetter ? .less : .greater).pValue < policy.pValue {
            result.outcome = .improved
        }
        return result
    }

    /// The 95% percentile interval of the median's relative change over 2,000 paired
    /// resamples, from a fixed seed so the same inputs give the same report.
    static func bootstrapMedianChange(_ a: [Double], _ b: [Double], sign: Double) -> (low: Double, high: Double) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        var changes: [Double] = []
        changes.reserveCapacity(2000)
        for _ in 0..<2000 {
            let ra = (0..<a.count).map { _ in a[next(a.count)] }.sorted()
            let rb = (0..<b.count).map { _ in b[next(b.count)] }.sorted()
            changes.append(sign * (quantile(sorted: rb, 0.5) / quantile(sorted: ra, 0.5) - 1) * 100)
        }
        changes.sort()
        return (quantile(sorted: changes, 0.025), quantile(sorted: changes, 0.975))
    }

    static func signed(_ value: Double) -> String {
        (value >= 0 ? "+" : "") + String(format: "%.2f", value)
    }

    static func describe(_ value: Double, unit: String) -> String {
        switch unit {
        case "s":
            if value < 1e-6 { return String(format: "%.1f ns", value * 1e9) }
            if value < 1e-3 { return String(format: "%.2f µs", value * 1e6) }
            if value < 1 { return String(format: "%.2f ms", value * 1e3) }
            return String(format: "%.3f s", value)
        case "instructions":
            return (abs(value) < 0x1p53 ? String(Int(value)) : Measurement.format(value)) + " instructions"
        default:
            return Measurement.format(Measurement.significant(value)) + (unit.isEmpty ? "" : " \(unit)")
        }
    }

    static func table(_ comparisons: [BenchComparison]) -> ResultTable {
        ResultTable(
            title: "Benchmarks", header: ["benchmark", "kind", "baseline", "current", "change", "p", "outcome"],
            rows: comparisons.map {
                let unit = $0.kind == .instructions ? "instructions" : ($0.kind == .wallTime ? "s" : "")
                return [$0.name, $0.kind.rawValue, describe($0.baseline, unit: unit), describe($0.current, unit: unit),
                        signed($0.change) + "%", $0.pValue.map { Measurement.format(Measurement.significant($0)) } ?? "", $0.outcome.rawValue]
            })
    }
}

extension BenchGate {
    /// The current results a previous bench result keeps in its `details` (gate-bench/v1).
    static func results(of previous: PreviousResult, biggerIsBetter: Bool) throws -> BenchResults {
        guard let details = previous.details, details["schema"]?.string == BenchResults.schema else {
            throw GateError.invalidBaseline(path: previous.path, problem: "its details hold no gate-bench/v1 results (was it written by an older gate?)")
        }
        return try BenchImport.parse(foundation(details), path: previous.path, biggerIsBetter: biggerIsBetter)
    }

    private static func foundation(_ tree: JSONTree) -> Any {
        switch tree {
        case .object(let members): Dictionary(members.map { ($0.key, foundation($0.value)) }, uniquingKeysWith: { first, _ in first })
        case .array(let items): items.map(foundation)
        case .string(let text): text
        case .number(let number): NSNumber(value: number)
        case .bool(let flag): flag
        case .null: NSNull()
        }
    }
}

extension BenchGate: Gate {
    public static var policyKeys: [PolicyKey] { BenchPolicy.policyKeys }
    public static var renamedKeys: [String: String] { BenchPolicy.renamedKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try BenchGate(policy: BenchPolicy(policy: policy), context: context).evaluate()
    }
}
