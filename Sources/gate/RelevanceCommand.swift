import ArgumentParser
import GateKit
import Relevance

struct RelevanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relevance",
        abstract: "Ranking quality: trec_eval-exact measures over TREC qrels and runs.",
        subcommands: [RelevanceEvalCommand.self])
}

struct RelevanceEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run against qrels, printing what trec_eval prints.",
        discussion: """
            Measures as trec_eval 10.0 computes them (ties by docno descending, scores as doubles, \
            linear gains). A query judged in the qrels but missing from the run counts as 0 (trec_eval's \
            -c) and is named on standard error; queries only in the run are ignored.
            """)

    @Argument(help: ArgumentHelp("Judgements: qid iter docno grade.", valueName: "qrels"))
    var qrels: String

    @Argument(help: ArgumentHelp("The run: qid Q0 docno rank score tag.", valueName: "run"))
    var runFile: String

    @Option(name: .short, help: ArgumentHelp("Measure (repeatable): ndcg, ndcg_cut.10, P.5,10, recall.100, map, recip_rank.", valueName: "measure"))
    var measure: [String] = []

    @Flag(name: .short, help: "Also print every query's values, before the `all` lines.")
    var q = false

    @Option(help: "Output format: text (trec_eval's) or json (every value at full precision).")
    var format: EvalFormat = .text

    enum EvalFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    func validate() throws {
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
            switch format {
            case .text:
                FileSink.standardOutput(evaluation.trecEvalText(perQuery: q))
            case .json:
                FileSink.standardOutput(Self.json(evaluation).rendered())
            }
        } catch {
            FileSink.standardError("error: \(error)\n")
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
