import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// Produces a ranking for the golden set's queries: the seam where the vendored recommender
/// plugs in (`--engine recommender`); a run file needs no engine.
public protocol RankingEngine: Sendable {
    /// Ranks documents for each query (id → text), at least `depth` per query.
    func rank(_ queries: [String: String], depth: Int) throws -> Run
}

/// The relevance gate's policy: `gates/relevance.yml`, each key with a same-named flag.
///
/// ```yaml
/// golden: fixtures/golden/golden.csv   # graded pairs and top-k assertions (or TREC qrels)
/// run: fixtures/golden/baseline.run    # the ranking to judge (or engine: recommender,
/// catalog: fixtures/catalog/products.csv  #  which ranks this catalog, with these events;
/// interactions: fixtures/catalog/interactions.csv  # or model: DIR, a trained model)
/// k: 10                                # NDCG@k and the depth P@k looks at
/// min-ndcg: 0.65                       # minimum mean NDCG@k
/// missing: zero                        # a golden query the run does not rank: zero or fail
/// baseline: ndcg-main.json             # an earlier result; mean NDCG@k may not fall more than max-drop
/// max-drop: 0.01
/// ```
public struct RelevancePolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("golden", .path, "The golden set: CSV (query_id,query,product_id,grade,top_k), JSON or TREC qrels."),
        PolicyKey("run", .path, "The ranking to judge, as a TREC run."),
        PolicyKey("engine", .string, "Rank the golden queries with this engine instead of reading a run."),
        PolicyKey("catalog", .path, "The product catalog (CSV) the recommender engine ranks."),
        PolicyKey("interactions", .path, "Interaction events (CSV or JSONL) the recommender engine learns from."),
        PolicyKey("model", .path, "A trained model directory (gate recommender train) for the recommender engine."),
        PolicyKey("k", .number, "The cutoff of NDCG@k and P@k (default 10)."),
        PolicyKey("min-ndcg", .threshold, "Minimum mean NDCG@k, 0 to 1."),
        PolicyKey("missing", .choice(["zero", "fail"]), "A golden query the ranking leaves out: zero (counts 0, warns) or fail."),
        PolicyKey("baseline", .path, "An earlier relevance result: mean NDCG@k may not fall more than max-drop below it."),
        PolicyKey("max-drop", .threshold, "How far mean NDCG@k may fall below the baseline (default 0)."),
        PolicyKey("queries", .path, "Queries (one per line, or a CSV with a query column) for the zero-result rate and shadow mode (default: the golden set's)."),
        PolicyKey("max-zero-result-rate", .threshold, "The largest share of queries the engine may answer with nothing (the seeds: 0.05)."),
        PolicyKey("shadow", .path, "A candidate model directory ranked beside the engine (shadow mode): how much the rankings change."),
        PolicyKey("min-rbo", .threshold, "With shadow: the least mean rank-biased overlap (p 0.9, depth k) between the engine and the candidate."),
        PolicyKey("max-top1-change", .threshold, "With shadow: the largest share of queries whose first result may change."),
        PolicyKey("significance", .number, "With baseline: a drop beyond max-drop fails only when Fisher's randomization test over the per-query NDCG@k finds it significant at this level (e.g. 0.05)."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }

    public enum Missing: String, Sendable { case zero, fail }

    public var golden: String?
    public var run: String?
    public var engine: String?
    /// The product catalog (CSV) the `recommender` engine ranks.
    public var catalog: String?
    /// Interaction events the `recommender` engine learns popularity and affinity from.
    public var interactions: String?
    /// A trained model directory (`gate recommender train`), instead of catalog + interactions.
    public var model: String?
    public var k = 10
    public var minNDCG: Double?
    public var minNDCGOrigin: Location?
    public var missing = Missing.zero
    public var baseline: String?
    public var maxDrop: Double?
    /// The level at which a drop must be significant (paired, per query) to fail.
    public var significance: Double?
    public var queries: String?
    public var maxZeroResultRate: Double?
    /// A candidate model directory for shadow mode, and its thresholds.
    public var shadow: String?
    public var minRBO: Double?
    public var maxTopChange: Double?

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        golden = try policy.string("golden")
        run = try policy.string("run")
        engine = try policy.string("engine")
        catalog = try policy.string("catalog")
        interactions = try policy.string("interactions")
        model = try policy.string("model")
        k = try policy.integer("k", in: 1...10_000) ?? k
        minNDCG = try policy.number("min-ndcg", in: 0...1)
        minNDCGOrigin = policy.location("min-ndcg")
        if let text = try policy.string("missing") {
            guard let value = Missing(rawValue: text) else {
                throw policy.invalid(line: policy.entry("missing")?.line, key: "missing", expected: "zero or fail")
            }
            missing = value
        }
        baseline = try policy.string("baseline")
        maxDrop = try policy.number("max-drop", in: 0...1)
        significance = try policy.number("significance", in: 0.000_001...0.5)
        queries = try policy.string("queries")
        maxZeroResultRate = try policy.number("max-zero-result-rate", in: 0...1)
        shadow = try policy.string("shadow")
        minRBO = try policy.number("min-rbo", in: 0...1)
        maxTopChange = try policy.number("max-top1-change", in: 0...1)
    }
}

/// The golden-set gate: ranks (or reads the ranking of) every golden query and judges mean
/// NDCG@k, the "must be in the top k" assertions, and the drop since a baseline.
///
/// Verdict rules:
/// - `error` when the golden set or run is missing or malformed, or no ranking is given.
/// - `fail` when mean NDCG@k (trec_eval's ndcg_cut.k) is below `min-ndcg`, when a product
///   asserted to rank in the top k does not, when mean NDCG@k fell more than `max-drop` below
///   the baseline, or, with `missing: fail`, when a golden query is not ranked at all.
/// - `warn` when a golden query is not ranked and counts as 0 (`missing: zero`, the default).
public struct RelevanceGate: Sendable {
    public static let id = "relevance"

    public static let rules: [RuleDescriptor] = [
        RuleDescriptor(id: "relevance/min-ndcg", severity: .error, summary: "Mean NDCG@k is below the minimum.",
                       help: "Mean NDCG@k over the golden queries (trec_eval's ndcg_cut.k) must reach min-ndcg."),
        RuleDescriptor(id: "relevance/top-k", severity: .error, summary: "A product asserted to rank in the top k does not.",
                       help: "The golden set says this product must appear within the first k results for the query."),
        RuleDescriptor(id: "relevance/missing-query", severity: .error, summary: "A golden query has no ranking.",
                       help: "The run does not rank this query: it counts as 0 (missing: zero) or fails the gate (missing: fail)."),
        RuleDescriptor(id: "relevance/max-drop", severity: .error, summary: "Mean NDCG@k fell more than allowed since the baseline.",
                       help: "Compared with the baseline result, mean NDCG@k may fall by at most max-drop."),
        RuleDescriptor(id: "relevance/zero-results", severity: .error, summary: "More queries than max-zero-result-rate allows return nothing.",
                       help: "Look at the listed queries: missing synonyms, products or spelling correction."),
        RuleDescriptor(id: "relevance/shadow-change", severity: .error, summary: "The shadow candidate changes the rankings more than min-rbo or max-top1-change allow.",
                       help: "Check the most changed queries; if the change is wanted, lower the thresholds for this release."),
        RuleDescriptor(id: "relevance/worst-query", severity: .note, summary: "One of the lowest-scoring golden queries.",
                       help: "Listed to show where the ranking is weakest."),
    ]

    public var policy: RelevancePolicy
    public var engines: [String: any RankingEngine]
    /// The previous result under --baseline-dir: the baseline when the policy names none.
    public var previous: PreviousResult?

    public init(policy: RelevancePolicy, engines: [String: any RankingEngine] = [:], previous: PreviousResult? = nil) {
        self.policy = policy
        self.engines = engines
        self.previous = previous
    }

    public func evaluate() throws -> GateResult {
        guard let goldenPath = policy.golden else {
            throw GateError.usage("relevance: no golden set given. Pass --golden FILE or set 'golden' in gates/relevance.yml.")
        }
        let (golden, goldenDigest) = try GoldenSet.read(goldenPath)
        var inputs = [goldenDigest]
        let run: Run
        var rankingEngine: (any RankingEngine)?
        switch (policy.run, policy.engine) {
        case (let path?, nil):
            let loaded = try TRECFiles.readRun(path)
            run = loaded.run
            inputs.append(loaded.input)
        case (nil, let name?):
            var available = engines
            if available["recommender"] == nil, name == "recommender" {
                if let model = policy.model {
                    available["recommender"] = try RecommenderEngine(modelPath: model)
                } else if let catalog = policy.catalog {
                    available["recommender"] = try RecommenderEngine(catalogPath: catalog, interactionsPath: policy.interactions)
                } else {
                    throw GateError.usage("relevance: the recommender engine ranks a catalog: pass --catalog FILE (CSV with product_id and title) or --model DIR (a trained model).")
                }
            }
            guard let engine = available[name] else {
                let known = Set(available.keys).union(["recommender"]).sorted().joined(separator: ", ")
                let hint = " (engines: \(known)); or pass a run file with --run."
                throw GateError.usage("relevance: no ranking engine named '\(name)' in this build" + hint)
            }
            run = try engine.rank(golden.queryTexts, depth: max(policy.k, golden.assertions.map(\.topK).max() ?? 0))
            rankingEngine = engine
        case (nil, nil):
            throw GateError.usage("relevance: nothing to judge. Pass --run FILE (a TREC run) or --engine NAME.")
        case (_?, _?):
            throw GateError.usage("relevance: give either run or engine, not both.")
        }
        var baseline: (mean: Double, queries: [String: Double])?
        var unusable: String?
        if let path = policy.baseline {
            let previous = try PreviousResult.load(path, gate: Self.id)
            baseline = try Self.baseline(previous, k: policy.k)
            inputs.append(previous.input)
        } else if let previous {
            // From --baseline-dir: a result the ratchet cannot read is a note, not an error.
            do { baseline = try Self.baseline(previous, k: policy.k) } catch { unusable = String(describing: error) }
        }
        var result = judge(golden, run: run, baseline: baseline, inputs: inputs)
        if policy.queries != nil || policy.maxZeroResultRate != nil || policy.shadow != nil {
            guard let rankingEngine else {
                throw GateError.usage("relevance: queries, max-zero-result-rate and shadow rank queries with an engine: give engine, not run.")
            }
            try addQueryChecks(&result, golden: golden, engine: rankingEngine)
        }
        if let unusable { result.addNote("the ratchet did not run: \(unusable)") }
        return result
    }

    public func judge(_ golden: GoldenSet, run: Run, baseline: (mean: Double, queries: [String: Double])? = nil, inputs: [InputDigest] = []) -> GateResult {
        let k = policy.k
        let evaluation = RelevanceEvaluation(qrels: golden.qrels, run: run, measures: [.ndcgCut(k), .precision(k)])
        let mean = evaluation.means[0]
        var measurements: [Measurement] = []
        var findings: [Finding] = []
        let location = Location(file: policy.golden ?? "golden")

        var ndcg = Measurement(name: "ndcg_cut_\(k)", value: Self.shown(mean))
        if let minimum = policy.minNDCG {
            let holds = mean >= minimum
            ndcg = Measurement(name: ndcg.name, value: ndcg.value, threshold: minimum, comparison: .atLeast, verdict: holds ? .pass : .fail)
            if !holds {
                findings.append(Finding(severity: .error, rule: "relevance/min-ndcg",
                                        message: "mean NDCG@\(k) \(Self.text(mean)) < \(Measurement.format(minimum)) over \(evaluation.perQuery.count) golden queries",
                                        location: policy.minNDCGOrigin))
            }
        }
        measurements.append(ndcg)
        measurements.append(Measurement(name: "P_\(k)", value: Self.shown(evaluation.means[1])))

        // Top-k assertions, against the run's own order (trec_eval's ranking).
        var positions: [String: [String: Int]] = [:]
        for (query, entries) in run.queries where golden.qrels.queries[query] != nil {
            let ordered = entries.sorted(by: QueryEvaluation.ranksBefore)
            positions[query] = Dictionary(ordered.enumerated().map { ($1.document, $0 + 1) }, uniquingKeysWith: { a, _ in a })
        }
        var failedAssertions = 0
        for assertion in golden.assertions {
            let rank = positions[assertion.query]?[assertion.product]
            guard rank.map({ $0 > assertion.topK }) ?? true else { continue }
            failedAssertions += 1
            let name = golden.queryTexts[assertion.query].map { "'\($0)' (\(assertion.query))" } ?? "'\(assertion.query)'"
            findings.append(Finding(
                severity: .error, rule: "relevance/top-k",
                message: "\(assertion.product) must rank in the top \(assertion.topK) for \(name) but " + (rank.map { "ranks \($0)" } ?? "is not ranked"),
                location: Location(file: location.file, line: assertion.line)))
        }
        if !golden.assertions.isEmpty {
            measurements.append(Measurement(name: "top_k_assertions_failed", value: Double(failedAssertions), threshold: 0, comparison: .atMost,
                                            verdict: failedAssertions == 0 ? .pass : .fail, tally: FindingTally(rules: ["relevance/top-k"])))
        }
        for query in evaluation.missing {
            findings.append(Finding(
                severity: policy.missing == .fail ? .error : .warning, rule: "relevance/missing-query",
                message: "golden query \(query)\(golden.queryTexts[query].map { " ('\($0)')" } ?? "") has no ranking in the run; "
                    + (policy.missing == .fail ? "missing: fail" : "it counts as 0"),
                location: location))
        }
        let scores = evaluation.perQuery.map { ($0.query, $0.values[0]) }
        let worst = scores.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        for (query, value) in worst.prefix(3) where value < 1 {
            findings.append(Finding(severity: .note, rule: "relevance/worst-query",
                                    message: "NDCG@\(k) \(Self.text(value)) for \(query)\(golden.queryTexts[query].map { " ('\($0)')" } ?? "")",
                                    location: location))
        }
        if let baseline {
            let drop = baseline.mean - mean
            let allowed = policy.maxDrop ?? 0
            var failed = drop > allowed + 1e-12
            var significanceNote = ""
            if let level = policy.significance {
                // The same queries, paired: a drop of the mean that per-query noise explains passes.
                let paired = scores.compactMap { query, value in baseline.queries[query].map { ($0, value) } }
                let test = PairedTests.randomization(paired.map(\.0), paired.map(\.1))
                let significant = drop > 0 && test.p < level
                measurements.append(Measurement(name: "ndcg_drop_p", value: test.p, threshold: level, comparison: .atLeast,
                                                verdict: failed && significant ? .fail : .pass))
                significanceNote = "; Fisher's randomization test over \(paired.count) paired queries gives p = \(String(format: "%.3g", test.p)) < \(Measurement.format(level))"
                failed = failed && significant
            }
            measurements.append(Measurement(name: "ndcg_drop", value: Self.shown(max(drop, 0)), threshold: allowed, comparison: .atMost, verdict: failed ? .fail : .pass))
            if failed {
                findings.append(Finding(severity: .error, rule: "relevance/max-drop",
                                        message: "mean NDCG@\(k) fell from \(Self.text(baseline.mean)) to \(Self.text(mean)); at most \(Measurement.format(allowed)) allowed" + significanceNote))
            }
        }
        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        var summary = "NDCG@\(k) \(Self.text(mean)) over \(evaluation.perQuery.count) golden queries"
        if !golden.assertions.isEmpty { summary += ", \(golden.assertions.count - failedAssertions) of \(golden.assertions.count) top-k assertions held" }
        if !evaluation.missing.isEmpty { summary += ", \(evaluation.missing.count) quer\(evaluation.missing.count == 1 ? "y" : "ies") not ranked" }
        if let failed = measurements.first(where: { $0.verdict == .fail }), failed.name.hasPrefix("ndcg_cut") {
            summary = "ndcg_cut_\(k) \(Self.text(mean)) < \(Measurement.format(policy.minNDCG ?? 0)) — " + summary
        }
        let table = ResultTable(
            title: "Golden queries, worst first", header: ["Query", "Text", "NDCG@\(k)", "P@\(k)"],
            rows: evaluation.perQuery.sorted { $0.values[0] != $1.values[0] ? $0.values[0] < $1.values[0] : $0.query < $1.query }.prefix(100).map {
                [$0.query, golden.queryTexts[$0.query] ?? "", Self.text($0.values[0]), Self.text($0.values[1])]
            })
        let details = JSONValue.object([
            "k": .integer(k),
            "mean": .number(mean),
            "queries": .orderedObject(scores.map { ($0.0, JSONValue.number($0.1)) }),
            "missing": .array(evaluation.missing.map(JSONValue.string)),
        ])
        return GateResult(gate: Self.id, verdict: verdict, summary: summary, measurements: measurements, findings: findings,
                          inputs: inputs, rules: Self.rules, details: details, tables: [table])
    }

    /// The zero-result rate over the queries, and shadow mode against a candidate model.
    func addQueryChecks(_ result: inout GateResult, golden: GoldenSet, engine: any RankingEngine) throws {
        let queries: [(id: String, text: String)]
        if let path = policy.queries {
            queries = try ShadowQueries.read(path)
        } else {
            queries = golden.queryTexts.keys.sorted().map { ($0, golden.queryTexts[$0]!) }
        }
        let keyed = Dictionary(queries.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        let current = try engine.rank(keyed, depth: policy.k)
        let empty = queries.filter { (current.queries[$0.id] ?? []).isEmpty }
        let rate = queries.isEmpty ? 0 : Double(empty.count) / Double(queries.count)
        let zeroFailed = policy.maxZeroResultRate.map { rate > $0 + 1e-12 } ?? false
        result.measurements.append(Measurement(name: "zero_result_rate", value: rate, threshold: policy.maxZeroResultRate,
                                               comparison: .atMost, verdict: zeroFailed ? .fail : .pass))
        if zeroFailed {
            result.findings.append(Finding(severity: .error, rule: "relevance/zero-results",
                                           message: "\(empty.count) of \(queries.count) queries return nothing (\(Measurement.format(rate * 100))%), at most \(Measurement.format(policy.maxZeroResultRate! * 100))% allowed: "
                                               + empty.prefix(5).map { "'\($0.text)'" }.joined(separator: ", ") + (empty.count > 5 ? ", …" : "")))
        }
        if let candidatePath = policy.shadow {
            let candidate = try RecommenderEngine(modelPath: candidatePath).rank(keyed, depth: policy.k)
            let shadow = ShadowComparison(queries: queries, current: current, candidate: candidate, k: policy.k, p: 0.9)
            let rboFailed = policy.minRBO.map { shadow.meanRBO < $0 - 1e-12 } ?? false
            let topFailed = policy.maxTopChange.map { shadow.topChangeRate > $0 + 1e-12 } ?? false
            result.measurements += [
                Measurement(name: "shadow_rbo", value: shadow.meanRBO, threshold: policy.minRBO, comparison: .atLeast, verdict: rboFailed ? .fail : .pass),
                Measurement(name: "shadow_top1_change", value: shadow.topChangeRate, threshold: policy.maxTopChange, comparison: .atMost, verdict: topFailed ? .fail : .pass),
                Measurement(name: "shadow_overlap", value: shadow.meanOverlap),
                Measurement(name: "shadow_tau_b", value: shadow.meanTau),
                Measurement(name: "shadow_zero_result_rate", value: shadow.candidateZeroResultRate),
            ]
            if let shift = shadow.scoreShift {
                result.measurements += [Measurement(name: "shadow_score_ks", value: shift.statistic), Measurement(name: "shadow_score_ks_p", value: shift.pValue)]
            }
            if rboFailed || topFailed {
                let worst = shadow.mostChanged.prefix(3).map { "'\($0.text)' (RBO \(String(format: "%.3f", $0.rbo)))" }.joined(separator: ", ")
                result.findings.append(Finding(severity: .error, rule: "relevance/shadow-change",
                                               message: "the candidate \(candidatePath) changes the rankings more than allowed: mean RBO \(String(format: "%.4f", shadow.meanRBO)), "
                                                   + "top-1 changed for \(Measurement.format(shadow.topChangeRate * 100))% of queries; most changed: \(worst)"))
            }
            result.summary += "; shadow \(candidatePath): RBO \(String(format: "%.4f", shadow.meanRBO)), top-1 changed \(Measurement.format(shadow.topChangeRate * 100))%"
        }
        result.verdict = GateResult.verdict(measurements: result.measurements, findings: result.findings)
    }

    /// Four decimals, truncated, so a failing 0.64996 never shows as 0.6500.
    static func shown(_ value: Double) -> Double { (value * 10_000).rounded(.down) / 10_000 }
    static func text(_ value: Double) -> String { RelevanceEvaluation.fourDecimals(shown(value)).trimmingCharacters(in: " ") }

    /// Mean and per-query NDCG@k from a previous result's `details`, which must be at this k.
    static func baseline(_ previous: PreviousResult, k: Int) throws -> (mean: Double, queries: [String: Double]) {
        guard let details = previous.details, let mean = details["mean"]?.number, case .object(let members)? = details["queries"] else {
            throw GateError.invalidBaseline(path: previous.path, problem: "it has no details.mean or details.queries")
        }
        guard details["k"]?.number == Double(k) else {
            throw GateError.invalidBaseline(path: previous.path, problem: "it measured NDCG@\(details["k"]?.number.map(Measurement.format) ?? "?"), this run NDCG@\(k)")
        }
        var queries: [String: Double] = [:]
        for (query, value) in members {
            guard let score = value.number else { throw GateError.invalidBaseline(path: previous.path, problem: "details.queries[\"\(query)\"] is not a number") }
            queries[query] = score
        }
        return (mean, queries)
    }
}

extension RelevanceGate: Gate {
    public static var policyKeys: [PolicyKey] { RelevancePolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try RelevanceGate(policy: RelevancePolicy(policy: policy), previous: context.baseline?.previous).evaluate()
    }
}
