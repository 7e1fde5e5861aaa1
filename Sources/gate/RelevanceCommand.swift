import Foundation
import ArgumentParser
import GateKit
import Relevance

struct RelevanceCommand: GateCommand {
    typealias Judged = RelevanceGate
    static let configuration = CommandConfiguration(
        commandName: "relevance",
        abstract: "Judge a ranking against a golden set: NDCG@k, top-k assertions, drop since a baseline.",
        discussion: """
            Measures are trec_eval's (see `gate relevance eval`). A golden query the ranking leaves out \
            counts as 0 and is reported (missing: zero) or fails the gate (missing: fail).
            Policy: gates/relevance.yml with the keys \(RelevancePolicy.keys.joined(separator: ", ")).
            """,
        subcommands: [RelevanceEvalCommand.self, RelevanceCompareCommand.self, RelevanceShadowCommand.self],
        aliases: ["ndcg"])

    @Option(help: ArgumentHelp("The golden set: CSV (query_id,query,product_id,grade,top_k) or TREC qrels.", valueName: "file"))
    var golden: String?

    @Option(name: .customLong("run"), help: ArgumentHelp("The ranking to judge, as a TREC run (qid Q0 docno rank score tag).", valueName: "file"))
    var runFile: String?

    @Option(help: ArgumentHelp("Rank the golden queries with this engine instead of reading a run.", valueName: "name"))
    var engine: String?

    @Option(help: ArgumentHelp("The product catalog (CSV) that --engine recommender ranks.", valueName: "file"))
    var catalog: String?

    @Option(help: ArgumentHelp("Interaction events (CSV or JSONL) --engine recommender learns popularity and affinity from.", valueName: "file"))
    var interactions: String?

    @Option(help: ArgumentHelp("A trained model directory (gate recommender train) for --engine recommender.", valueName: "dir"))
    var model: String?

    @Option(help: ArgumentHelp("The cutoff of NDCG@k and P@k (default 10).", valueName: "k"))
    var k: String?

    @Option(name: .customLong("min-ndcg"), help: ArgumentHelp("Minimum mean NDCG@k (0-1).", valueName: "value"))
    var minNDCG: String?

    @Option(help: ArgumentHelp("A golden query the ranking leaves out: zero (counts 0, warns) or fail.", valueName: "zero|fail"))
    var missing: String?

    @Option(help: ArgumentHelp("An earlier `gate relevance --format json` result: mean NDCG@k may not fall more than --max-drop below it.", valueName: "result.json"))
    var baseline: String?

    @Option(name: .customLong("max-drop"), help: ArgumentHelp("With --baseline: how far mean NDCG@k may fall (default 0).", valueName: "value"))
    var maxDrop: String?

    @Option(help: ArgumentHelp("With --baseline: a drop fails only when significant at this level (Fisher's randomization test, paired per query).", valueName: "p"))
    var significance: String?

    @Option(help: ArgumentHelp("Queries for the zero-result rate and shadow mode: one per line, or a CSV with a query column.", valueName: "file"))
    var queries: String?
    @Option(name: .customLong("max-zero-result-rate"), help: ArgumentHelp("The largest share of queries the engine may answer with nothing.", valueName: "rate"))
    var maxZeroResultRate: String?
    @Option(help: ArgumentHelp("A candidate model directory ranked beside the engine (shadow mode).", valueName: "dir"))
    var shadow: String?
    @Option(name: .customLong("min-rbo"), help: ArgumentHelp("With --shadow: the least mean rank-biased overlap.", valueName: "value"))
    var minRBO: String?
    @Option(name: .customLong("max-top1-change"), help: ArgumentHelp("With --shadow: the largest share of queries whose first result may change.", valueName: "rate"))
    var maxTopChange: String?

    @OptionGroup var common: CommonOptions

    var flags: [PolicyFlag] {
        [PolicyFlag("golden", golden), PolicyFlag("run", runFile).replacing("engine", "queries", "max-zero-result-rate", "shadow", "min-rbo", "max-top1-change"), PolicyFlag("engine", engine).replacing("run"),
         PolicyFlag("catalog", catalog).replacing("model"), PolicyFlag("interactions", interactions),
         PolicyFlag("model", model).replacing("catalog"), PolicyFlag("k", k), PolicyFlag("min-ndcg", minNDCG),
         PolicyFlag("missing", missing), PolicyFlag("baseline", baseline), PolicyFlag("max-drop", maxDrop),
         PolicyFlag("significance", significance), PolicyFlag("queries", queries), PolicyFlag("max-zero-result-rate", maxZeroResultRate),
         PolicyFlag("shadow", shadow), PolicyFlag("min-rbo", minRBO), PolicyFlag("max-top1-change", maxTopChange)]
    }

    func run() throws {
        try common.run(RelevanceGate.self, flags: flags)
    }
}

struct RelevanceEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run against qrels, printing what trec_eval prints.",
        discussion: """
            Measures as trec_eval 10.0 computes them (ties by docno descending, scores as doubles, \
            linear gains). A query judged in the qrels but missing from the run counts as 0 (trec_eval's \
            -c) and is named on standard error; queries only in the run are ignored. With --format json \
            (an option of gate relevance, accepted here too) every per-query and mean value is printed at full \
            double precision.
            """)

    @Argument(help: ArgumentHelp("Judgements: qid iter docno grade.", valueName: "qrels"))
    var qrels: String

    @Argument(help: ArgumentHelp("The run: qid Q0 docno rank score tag.", valueName: "run"))
    var runFile: String

    @Option(name: .short, help: ArgumentHelp("Measure (repeatable): ndcg, ndcg_cut.10, P.5,10, recall.100, map, recip_rank.", valueName: "measure"))
    var measure: [String] = []

    @Flag(name: .short, help: "Also print every query's values, before the `all` lines.")
    var q = false

    /// `--format` belongs to `gate relevance`; eval reads it from there (text or json).
    @ParentCommand var relevance: RelevanceCommand

    func validate() throws {
        guard [.text, .json].contains(relevance.common.output.format) else {
            throw ValidationError("gate relevance eval writes --format text (trec_eval's) or json (every value at full precision).")
        }
        for name in measure {
            do { _ = try Measure.parse(name) } catch { throw ValidationError(String(describing: error)) }
        }
    }

    func run() throws {
        do {
            let names = measure.isEmpty ? ["map", "recip_rank", "P.10", "recall.10", "ndcg", "ndcg_cut.10"] : measure
            let measures = try names.flatMap(Measure.parse)
            // The qrels are read on another thread while the run is read here (a qrels error
            // is still the one reported when both files are wrong).
            let qrelsPath = qrels
            let judged = Background { try TRECFiles.readQrels(qrelsPath).qrels }
            let rankingRead = Result { try TRECFiles.readRunWithoutDigest(runFile) }
            let judgements = try judged.value.get()
            var ranking = try rankingRead.get()
            let evaluation = RelevanceEvaluation(qrels: judgements, run: ranking, measures: measures)
            // Millions of docnos are freed on the other core while the output is written.
            releaseInBackground(&ranking, leaving: Run(queries: [:]))
            if !evaluation.missing.isEmpty {
                FileSink.standardError("note: \(evaluation.missing.count) quer\(evaluation.missing.count == 1 ? "y" : "ies") of the qrels "
                    + "missing from the run count as 0: \(evaluation.missing.prefix(10).joined(separator: ", "))"
                    + (evaluation.missing.count > 10 ? ", …" : "") + "\n")
            }
            if relevance.common.output.format == .json {
                FileSink.standardOutput(Self.json(evaluation).rendered())
            } else {
                FileSink.standardOutput(evaluation.trecEvalText(perQuery: q))
            }
        } catch {
            FileSink.standardError("error: \(Excerpt.message(String(describing: error)))\n")
            throw ExitCode(2)
        }
    }

    static func json(_ evaluation: RelevanceEvaluation) -> JSONValue {
        func values(_ numbers: [Double]) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: zip(evaluation.measures.map(\.description), numbers.map(JSONValue.number))))
        }
        return .object([
            "measures": .array(evaluation.measures.map { .string($0.description) }),
            "all": values(evaluation.means),
            "queries": .orderedObject(evaluation.perQuery.map { ($0.query, values($0.values)) }),
            "missing": .array(evaluation.missing.map(JSONValue.string)),
        ])
    }
}

struct RelevanceCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs query by query: mean differences, paired t-test and Fisher's randomization test, corrected for many comparisons.",
        discussion: """
            Every pair of runs on every measure (trec_eval's; a query missing from a run counts 0). The randomization \
            test flips the signs of the per-query differences: exactly, by enumeration, when at most 24 differences are \
            non-zero, else --permutations random flips from a fixed --seed (p = (1 + hits) / (1 + permutations)). The \
            table marks beside each mean the runs it beats at --alpha after the correction. --format json (an option of \
            gate relevance) prints every per-query value and p-value.
            """)

    @Argument(help: ArgumentHelp("Judgements: qid iter docno grade.", valueName: "qrels"))
    var qrels: String

    @Argument(help: ArgumentHelp("Two or more runs: qid Q0 docno rank score tag.", valueName: "run"))
    var runs: [String]

    @Option(name: .short, help: ArgumentHelp("Measure (repeatable; default ndcg_cut.10, map, recip_rank, P.10).", valueName: "measure"))
    var measure: [String] = []

    @Option(help: ArgumentHelp("The test that decides significance: fisher (randomization) or ttest.", valueName: "fisher|ttest"))
    var test = "fisher"

    @Option(help: ArgumentHelp("Correction across all comparisons: holm, bonferroni or none.", valueName: "holm|bonferroni|none"))
    var correction = "holm"

    @Option(help: ArgumentHelp("Significance level (default 0.05).", valueName: "p")) var alpha = 0.05
    @Option(help: ArgumentHelp("Random sign flips when enumeration is too large (default 100000).", valueName: "n")) var permutations = 100_000
    @Option(help: ArgumentHelp("The seed of those flips.", valueName: "n")) var seed: UInt64 = 20_261_205

    @ParentCommand var relevance: RelevanceCommand

    func validate() throws {
        guard [.text, .json].contains(relevance.common.output.format) else {
            throw ValidationError("gate relevance compare writes --format text or json.")
        }
        guard runs.count >= 2 else { throw ValidationError("give at least two runs to compare.") }
        guard RelevanceComparison.Test(rawValue: test) != nil else { throw ValidationError("--test must be fisher or ttest.") }
        guard RelevanceComparison.Correction(rawValue: correction) != nil else { throw ValidationError("--correction must be holm, bonferroni or none.") }
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1.") }
        guard permutations >= 1, permutations <= 10_000_000 else { throw ValidationError("--permutations must be between 1 and 10000000.") }
        for name in measure {
            do { _ = try Measure.parse(name) } catch { throw ValidationError(String(describing: error)) }
        }
    }

    func run() throws {
        try exitingTwoOnError {
            let names = measure.isEmpty ? ["ndcg_cut.10", "map", "recip_rank", "P.10"] : measure
            let measures = try names.flatMap(Measure.parse)
            let judgements = try TRECFiles.readQrels(qrels).qrels
            var loaded: [(name: String, run: Run)] = []
            for path in runs {
                loaded.append(((path as NSString).lastPathComponent, try TRECFiles.readRunWithoutDigest(path)))
            }
            var options = RelevanceComparison.Options()
            options.test = RelevanceComparison.Test(rawValue: test)!
            options.correction = RelevanceComparison.Correction(rawValue: correction)!
            options.alpha = alpha
            options.permutations = permutations
            options.seed = seed
            let comparison = RelevanceComparison(qrels: judgements, runs: loaded, measures: measures, options: options)
            FileSink.standardOutput(relevance.common.output.format == .json ? comparison.json.rendered() : comparison.text)
        }
    }
}

struct RelevanceShadowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Shadow mode: the current and a candidate model rank the same queries; how much the rankings change, no judgements needed.",
        discussion: """
            gate relevance shadow --queries FILE --model CURRENT --shadow CANDIDATE [--k 10] [--min-rbo V] [--max-top1-change V] \
            [--max-zero-result-rate V] — the options of gate relevance, which runs the same comparison beside its golden set. \
            Per query: overlap@k, Kendall's tau-b over the union of the two top k, rank-biased overlap (extrapolated, \
            persistence --p) and whether the first result changed; overall their means, the top-1 change rate and each \
            model's zero-result rate, and the queries that changed most. A threshold crossed is exit 1.
            """)

    @Option(help: ArgumentHelp("RBO's persistence, 0 < p < 1 (default 0.9).", valueName: "p")) var p = 0.9

    @ParentCommand var relevance: RelevanceCommand

    func validate() throws {
        guard [.text, .json].contains(relevance.common.output.format) else { throw ValidationError("gate relevance shadow writes --format text or json.") }
        guard p > 0, p < 1 else { throw ValidationError("--p must be between 0 and 1.") }
        guard relevance.queries != nil, relevance.model != nil, relevance.shadow != nil else {
            throw ValidationError("gate relevance shadow needs --queries FILE, --model CURRENT and --shadow CANDIDATE.")
        }
    }

    func run() throws {
        try exitingTwoOnError {
            func number(_ text: String?, _ name: String) throws -> Double? {
                guard let text else { return nil }
                guard let value = Double(text), value >= 0, value <= 1 else { throw GateError.usage("--\(name) must be a number from 0 to 1, not '\(text)'") }
                return value
            }
            guard let depth = Int(relevance.k ?? "10"), depth >= 1, depth <= 1000 else { throw GateError.usage("--k must be a whole number from 1 to 1000") }
            let minRBO = try number(relevance.minRBO, "min-rbo"), maxTopChange = try number(relevance.maxTopChange, "max-top1-change")
            let maxZeroResultRate = try number(relevance.maxZeroResultRate, "max-zero-result-rate")
            let texts = try ShadowQueries.read(relevance.queries!)
            let keyed = Dictionary(texts.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
            let now = try RecommenderEngine(modelPath: relevance.model!).rank(keyed, depth: depth)
            let next = try RecommenderEngine(modelPath: relevance.shadow!).rank(keyed, depth: depth)
            let shadow = ShadowComparison(queries: texts, current: now, candidate: next, k: depth, p: p)
            var failures: [String] = []
            if let minRBO, shadow.meanRBO < minRBO { failures.append("mean RBO \(String(format: "%.4f", shadow.meanRBO)) < \(minRBO)") }
            if let maxTopChange, shadow.topChangeRate > maxTopChange {
                failures.append("top-1 change rate \(String(format: "%.4f", shadow.topChangeRate)) > \(maxTopChange)")
            }
            if let maxZeroResultRate, shadow.candidateZeroResultRate > maxZeroResultRate {
                failures.append("candidate zero-result rate \(String(format: "%.4f", shadow.candidateZeroResultRate)) > \(maxZeroResultRate)")
            }
            if relevance.common.output.format == .json {
                FileSink.standardOutput(Self.json(shadow, failures: failures).rendered())
            } else {
                FileSink.standardOutput(Self.text(shadow, failures: failures))
            }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }

    static func text(_ shadow: ShadowComparison, failures: [String]) -> String {
        let f = { (x: Double) in String(format: "%.4f", x) }
        var out = "shadow: \(failures.isEmpty ? "PASS" : "FAIL")  \(shadow.queries.count) queries, top \(shadow.k): overlap \(f(shadow.meanOverlap)), "
            + "tau-b \(f(shadow.meanTau)), RBO(p=\(shadow.p)) \(f(shadow.meanRBO)), top-1 changed \(f(shadow.topChangeRate)), "
            + "zero results \(f(shadow.currentZeroResultRate)) → \(f(shadow.candidateZeroResultRate))"
            + (shadow.scoreShift.map { ", score shift KS \(f($0.statistic)) (p \(String(format: "%.3g", $0.pValue)))" } ?? "") + "\n"
        for failure in failures { out += "  fail: \(failure)\n" }
        let rows = shadow.mostChanged.prefix(10).map { [$0.id, $0.text, f($0.overlap), f($0.tau), f($0.rbo), $0.topChanged ? "yes" : ""] }
        out += "\nMost changed\n" + ColumnTable.render(header: ["query", "text", "overlap", "tau-b", "RBO", "top-1 changed"], rows: Array(rows))
        return out
    }

    static func json(_ shadow: ShadowComparison, failures: [String]) -> JSONValue {
        .object([
            "k": .integer(shadow.k), "p": .number(shadow.p), "queries": .integer(shadow.queries.count),
            "overlap": .number(shadow.meanOverlap), "tau_b": .number(shadow.meanTau), "rbo": .number(shadow.meanRBO),
            "top1_change_rate": .number(shadow.topChangeRate),
            "score_shift": shadow.scoreShift.map { .object(["ks_statistic": .number($0.statistic), "p": .number($0.pValue)]) } ?? .null,
            "zero_result_rate": .object(["current": .number(shadow.currentZeroResultRate), "candidate": .number(shadow.candidateZeroResultRate)]),
            "failures": .array(failures.map(JSONValue.string)),
            "per_query": .array(shadow.queries.map { q in
                .object(["id": .string(q.id), "text": .string(q.text), "overlap": .number(q.overlap), "tau_b": .number(q.tau), "rbo": .number(q.rbo),
                         "top1_changed": .bool(q.topChanged), "current_results": .integer(q.currentResults), "candidate_results": .integer(q.candidateResults)])
            }),
        ])
    }
}
