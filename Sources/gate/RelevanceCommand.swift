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
        subcommands: [RelevanceEvalCommand.self],
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

    @OptionGroup var common: CommonOptions

    var flags: [PolicyFlag] {
        [PolicyFlag("golden", golden), PolicyFlag("run", runFile).replacing("engine"), PolicyFlag("engine", engine).replacing("run"),
         PolicyFlag("catalog", catalog).replacing("model"), PolicyFlag("interactions", interactions),
         PolicyFlag("model", model).replacing("catalog"), PolicyFlag("k", k), PolicyFlag("min-ndcg", minNDCG),
         PolicyFlag("missing", missing), PolicyFlag("baseline", baseline), PolicyFlag("max-drop", maxDrop)]
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
            let judgements = try TRECFiles.readQrels(qrels).qrels
            let ranking = try TRECFiles.readRun(runFile).run
            let evaluation = RelevanceEvaluation(qrels: judgements, run: ranking, measures: measures)
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
