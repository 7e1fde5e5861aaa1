import Foundation
import GateKit
import GateTestSupport
import Relevance
import Testing

/// Values trec_eval computes for the edge cases in fixtures/relevance (ties, unjudged and
/// negative grades, an all-irrelevant query, a missing query, cutoffs past the list),
/// produced by pytrec_eval-terrier (see expected.json's "tool" and "call").
@Suite struct TrecEvalAgreementTests {
    static let measureNames = ["ndcg", "ndcg_cut.1,3,5,10,1000", "P.1,3,5,10,1000", "recall.1,3,5,10,1000", "map", "recip_rank"]

    static func evaluate() throws -> RelevanceEvaluation {
        let qrels = try TRECFiles.readQrels(Fixtures.path("relevance/edge.qrels")).qrels
        let run = try TRECFiles.readRun(Fixtures.path("relevance/edge.run")).run
        return RelevanceEvaluation(qrels: qrels, run: run, measures: try measureNames.flatMap(Measure.parse))
    }

    static func expected() throws -> [String: [String: Double]] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try Fixtures.text("relevance/expected.json").utf8)) as? [String: Any])
        return try #require(document["queries"] as? [String: [String: Double]])
    }

    @Test("every measure of every query equals trec_eval's to 1e-9")
    func perQuery() throws {
        let evaluation = try Self.evaluate()
        let expected = try Self.expected()
        #expect(evaluation.measures.count == 18)
        for row in evaluation.perQuery where row.query != "q4" {
            let values = try #require(expected[row.query], "\(row.query) was evaluated by trec_eval")
            for (measure, value) in zip(evaluation.measures, row.values) {
                let reference = try #require(values[measure.description], "\(measure)")
                #expect(abs(value - reference) <= 1e-9, "\(row.query) \(measure): \(value) vs \(reference)")
            }
        }
    }

    @Test("a judged query missing from the run counts as 0 and is listed (trec_eval -c); a run-only query is ignored")
    func missingQuery() throws {
        let evaluation = try Self.evaluate()
        let expected = try Self.expected()
        #expect(evaluation.missing == ["q4"])
        #expect(evaluation.perQuery.map(\.query) == ["q1", "q2", "q3", "q4", "q5"])
        let q4 = try #require(evaluation.perQuery.first { $0.query == "q4" })
        #expect(q4.values.allSatisfy { $0 == 0 })
        for (index, measure) in evaluation.measures.enumerated() {
            let sum = expected.values.reduce(0.0) { $0 + $1[measure.description]! }
            #expect(abs(evaluation.means[index] - sum / 5) <= 1e-9, "\(measure)")
        }
    }

    @Test("text output is trec_eval's: measure padded to 22, tab, qid, tab, %6.4f")
    func trecEvalText() throws {
        let evaluation = try Self.evaluate()
        let lines = evaluation.trecEvalText(perQuery: true).split(separator: "\n")
        #expect(lines.count == 18 * 6)
        #expect(lines.first == "ndcg                  \tq1\t0.8616")
        #expect(lines.contains("ndcg_cut_5            \tq3\t0.5180"))
        #expect(lines.last.map(String.init)?.hasPrefix("recip_rank            \tall\t") == true)
    }

    @Test("measure names parse as trec_eval's -m does", arguments: [
        ("ndcg_cut.10", ["ndcg_cut_10"]), ("P.5,10", ["P_5", "P_10"]), ("recall.100", ["recall_100"]),
        ("map", ["map"]), ("recip_rank", ["recip_rank"]), ("ndcg", ["ndcg"]),
    ])
    func measureNames(text: String, names: [String]) throws {
        #expect(try Measure.parse(text).map(\.description) == names)
    }

    @Test("unknown measures and bad cutoffs are refused", arguments: ["ndcg_cut.0", "P.5,5", "bpref", "map.10", "P.x"])
    func badMeasures(text: String) {
        #expect(throws: RelevanceError.unknownMeasure(text)) { try Measure.parse(text) }
    }
}

/// Bad input: a clear error naming the file and line.
@Suite struct RelevanceBadInputTests {
    static func write(_ text: String) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        let path = directory + "/input.txt"
        try Fixtures.write(text, to: path)
        return path
    }

    @Test("run files: wrong field count, non-numeric score, a document twice, nothing ranked", arguments: [
        ("q1 Q0 d1 1 2.0 tag\nq1 Q0 d2 2\n", "input.txt:2: expected 6 fields (qid Q0 docno rank score tag), found 4"),
        ("q1 Q0 d1 1 high tag\n", "input.txt:1: the score 'high' is not a number"),
        ("q1 Q0 d1 1 nan tag\n", "input.txt:1: the score 'nan' is not a number"),
        ("q1 Q0 d1 1 2 t\nq2 Q0 d1 1 2 t\nq1 Q0 d1 3 1 t\n", "input.txt:3: document 'd1' appears twice for query 'q1' (first at line 1)"),
        ("# only a comment\n", "input.txt: no ranked documents in the file"),
        ("", "input.txt: the file is empty"),
    ])
    func badRun(text: String, message: String) throws {
        let path = try Self.write(text)
        expectError(containing: message) { _ = try TRECFiles.readRun(path) }
    }

    @Test("qrels files: wrong field count, a non-integer grade, a duplicate, empty", arguments: [
        ("q1 0 d1\n", "input.txt:1: expected 4 fields (qid iter docno rel), found 3"),
        ("q1 0 d1 high\n", "input.txt:1: the grade 'high' is not an integer"),
        ("q1 0 d1 1\nq1 0 d1 2\n", "input.txt:2: document 'd1' appears twice for query 'q1' (first at line 1)"),
        ("q2 0 d1 1\nq1 0 d0 0\nq1 0 d1 1\nq2 0 d2 1\nq1 0 d1 2\n", "input.txt:5: document 'd1' appears twice for query 'q1' (first at line 3)"),
        ("", "input.txt: the file is empty"),
    ])
    func badQrels(text: String, message: String) throws {
        let path = try Self.write(text)
        expectError(containing: message) { _ = try TRECFiles.readQrels(path) }
    }

    @Test("grades are read as atol reads them: 1.5 is 1, -1 is negative")
    func atolGrades() throws {
        let path = try Self.write("q1 0 d1 1.5\nq1 0 d2 -1\nq1 0 d3 +2\n")
        #expect(try TRECFiles.readQrels(path).qrels.queries == ["q1": ["d1": 1, "d2": -1, "d3": 2]])
    }
}

@Suite struct RankingTests {
    /// The measures from a full sort of the ranking, written the plain way: what the
    /// evaluation's ranks of relevant documents must reproduce.
    static func reference(_ measure: Measure, judgements: [String: Int], ranking: [Run.Entry]) -> Double {
        // trec_eval's order: score descending, ties by docno descending, byte by byte.
        let sorted = ranking.sorted { $0.score != $1.score ? $0.score > $1.score : Array($1.document.utf8).lexicographicallyPrecedes(Array($0.document.utf8)) }
        let grades = sorted.map { judgements[$0.document] ?? -1 }
        let ideal = judgements.values.filter { $0 >= 1 }.sorted(by: >)
        func dcg(_ gains: [Int], _ limit: Int) -> Double {
            gains.prefix(limit).enumerated().reduce(0.0) { $0 + ($1.1 > 0 ? Double($1.1) / log2(Double($1.0 + 2)) : 0) }
        }
        func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
        switch measure {
        case .ndcg: return ratio(dcg(grades, grades.count), dcg(ideal, ideal.count))
        case .ndcgCut(let k): return ratio(dcg(grades, k), dcg(ideal, k))
        case .precision(let k): return Double(grades.prefix(k).filter { $0 >= 1 }.count) / Double(k)
        case .recall(let k): return ideal.isEmpty ? 0 : Double(grades.prefix(k).filter { $0 >= 1 }.count) / Double(ideal.count)
        case .averagePrecision:
            guard !ideal.isEmpty else { return 0 }
            var (found, sum) = (0, 0.0)
            for (index, grade) in grades.enumerated() where grade >= 1 { found += 1; sum += Double(found) / Double(index + 1) }
            return sum / Double(ideal.count)
        case .reciprocalRank:
            return grades.firstIndex { $0 >= 1 }.map { 1 / Double($0 + 1) } ?? 0
        }
    }

    /// Few judged documents take the direct count, many the binary search in sorted scores.
    @Test("ranks from counting equal a full sort's, heavy ties included", arguments: [(2, 10), (6, 10), (400, 10), (2, 60), (6, 60), (400, 60)])
    func countedRanksMatchFullSort(_ distinctScores: Int, _ judged: Int) {
        var state: UInt64 = 7
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % n
        }
        let entries = (0..<400).map { Run.Entry(document: "d\(next(1000))-\($0)", score: Double(next(UInt64(distinctScores))) / 2) }
        let judgements = Dictionary(uniqueKeysWithValues: entries.shuffled().prefix(judged).enumerated().map { ($1.document, $0 % 5 - 1) })
            .merging(["not-retrieved": 3, "also-not": 1]) { a, _ in a }
        let evaluation = QueryEvaluation(judgements: judgements, ranking: entries.shuffled())
        for measure in [Measure.ndcg, .ndcgCut(5), .ndcgCut(40), .precision(10), .recall(7), .averagePrecision, .reciprocalRank] {
            #expect(evaluation.value(measure) == Self.reference(measure, judgements: judgements, ranking: entries), "\(measure)")
        }
    }
}
