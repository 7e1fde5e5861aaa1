import Foundation
import GateKit
import GateTestSupport
import Relevance
import Testing

/// The golden-set gate: NDCG@k, top-k assertions, missing queries, the baseline.
@Suite struct RelevanceGateTests {
    static func golden(_ csv: String) throws -> GoldenSet {
        let directory = try Fixtures.temporaryDirectory()
        try Fixtures.write(csv, to: directory + "/golden.csv")
        return try GoldenSet.read(directory + "/golden.csv").golden
    }

    static let csv = """
        query_id,query,product_id,grade,top_k
        a,red shoes,s1,4,1
        a,red shoes,s2,2,
        b,"blue, warm hat",h1,3,2
        c,tent,t1,4,
        """

    static func run(_ entries: [(String, String, Double)]) -> Run {
        var queries: [String: [Run.Entry]] = [:]
        for (query, document, score) in entries { queries[query, default: []].append(Run.Entry(document: document, score: score)) }
        return Run(queries: queries)
    }

    @Test("the repository's golden set on its baseline ranking passes the seeds' rule")
    func fixturePasses() throws {
        var policy = RelevancePolicy()
        policy.golden = Fixtures.path("golden/golden.csv")
        policy.run = Fixtures.path("golden/baseline.run")
        policy.minNDCG = 0.65
        let result = try RelevanceGate(policy: policy).evaluate()
        #expect(result.verdict == .pass)
        #expect(result.measurements.first?.name == "ndcg_cut_10")
        #expect(result.summary.contains("over 30 golden queries, 28 of 28 top-k assertions held"))
    }

    @Test("NDCG@k is trec_eval's ndcg_cut; a product outside its top k fails with its rank")
    func topKAssertion() throws {
        let golden = try Self.golden(Self.csv)
        #expect(golden.queryTexts["b"] == "blue, warm hat")
        var policy = RelevancePolicy()
        policy.k = 3
        let result = RelevanceGate(policy: policy).judge(golden, run: Self.run([
            ("a", "s2", 3), ("a", "s1", 2), ("b", "x", 9), ("b", "y", 8), ("b", "h1", 7), ("c", "t1", 1),
        ]))
        #expect(result.verdict == .fail)
        let failures = result.findings.filter { $0.rule == "relevance/top-k" }
        #expect(failures.map(\.message) == [
            "s1 must rank in the top 1 for 'red shoes' (a) but ranks 2",
            "h1 must rank in the top 2 for 'blue, warm hat' (b) but ranks 3",
        ])
        #expect(failures.map { $0.location?.line } == [2, 4])
        let expected = RelevanceEvaluation(qrels: golden.qrels, run: Self.run([
            ("a", "s2", 3), ("a", "s1", 2), ("b", "x", 9), ("b", "y", 8), ("b", "h1", 7), ("c", "t1", 1),
        ]), measures: [.ndcgCut(3)]).means[0]
        #expect(result.measurements[0].value == (expected * 10_000).rounded(.down) / 10_000)
    }

    @Test("a golden query without a ranking counts 0 and warns, or fails with missing: fail", arguments: [
        (RelevancePolicy.Missing.zero, Verdict.warn, Severity.warning), (.fail, .fail, .error),
    ])
    func missingQuery(mode: RelevancePolicy.Missing, verdict: Verdict, severity: Severity) throws {
        let golden = try Self.golden("query_id,product_id,grade\na,s1,4\nc,t1,4\n")
        var policy = RelevancePolicy()
        policy.missing = mode
        let result = RelevanceGate(policy: policy).judge(golden, run: Self.run([("a", "s1", 1)]))
        #expect(result.verdict == verdict)
        #expect(result.measurements[0].value == 0.5)
        #expect(result.findings.filter { $0.rule == "relevance/missing-query" }.map(\.severity) == [severity])
    }

    @Test("mean NDCG@k may not fall more than max-drop below the baseline")
    func baseline() throws {
        let golden = try Self.golden("query_id,product_id,grade\na,s1,4\nb,h1,4\n")
        var policy = RelevancePolicy()
        policy.maxDrop = 0.1
        let gate = RelevanceGate(policy: policy)
        let before = gate.judge(golden, run: Self.run([("a", "s1", 1), ("b", "h1", 1)]))
        let directory = try Fixtures.temporaryDirectory()
        try Fixtures.write(JSONReporter().render(Report(results: [before], isCheck: false)), to: directory + "/base.json")
        policy.baseline = directory + "/base.json"
        policy.golden = directory + "/golden.csv"
        try Fixtures.write("query_id,product_id,grade\na,s1,4\nb,h1,4\n", to: directory + "/golden.csv")
        try Fixtures.write("a Q0 s1 1 1 t\nb Q0 zz 1 2 t\nb Q0 h1 2 1 t\n", to: directory + "/after.run")
        policy.run = directory + "/after.run"
        let after = try RelevanceGate(policy: policy).evaluate()
        #expect(after.verdict == .fail)
        #expect(after.findings.contains { $0.rule == "relevance/max-drop" && $0.message.hasPrefix("mean NDCG@10 fell from 1.0000 to 0.8154") })
    }

    @Test("golden CSV errors name the line", arguments: [
        ("query_id,product_id,grade\na,s1,7\n", "golden.csv:2: grade '7' is not 0 (irrelevant) to 4 (perfect)"),
        ("query_id,product_id,grade\na,s1\n", "golden.csv:2: expected 3 fields as the header names, found 2"),
        ("query_id,product,grade\na,s1,1\n", "golden.csv:1: the header must name query_id, product_id and grade"),
        ("query_id,product_id,grade,top_k\na,s1,1,0\n", "golden.csv:2: top_k '0' is not a positive number"),
        ("query_id,product_id,grade\na,s1,1\na,s1,2\n", "golden.csv:3: product 's1' is graded twice for query 'a'"),
        ("query_id,product_id,grade\n", "golden.csv: no graded query–product pairs"),
        ("query_id,query,product_id,grade\na,\"red shoes,s1,1\n", "golden.csv:2:3: a quoted field opened here is never closed"),
        ("query_id,query,product_id,grade\na,red \"shoes\",s1,1\n", "golden.csv:2:7: a quote inside an unquoted field"),
    ])
    func badGolden(text: String, message: String) throws {
        expectError(containing: message) { _ = try Self.golden(text) }
    }

    @Test("an engine this build does not have, or the recommender without a catalog, is a usage error")
    func unknownEngine() {
        var policy = RelevancePolicy()
        policy.golden = Fixtures.path("golden/golden.csv")
        policy.engine = "magic"
        #expect(throws: GateError.usage("relevance: no ranking engine named 'magic' in this build (engines: recommender); or pass a run file with --run.")) {
            try RelevanceGate(policy: policy).evaluate()
        }
        policy.engine = "recommender"
        #expect(throws: GateError.usage("relevance: the recommender engine ranks a catalog: pass --catalog FILE (CSV with product_id and title) or --model DIR (a trained model).")) {
            try RelevanceGate(policy: policy).evaluate()
        }
    }

    @Test("--engine recommender ranks the golden queries over the catalog with the vendored keyword search")
    func recommenderEngine() throws {
        var policy = RelevancePolicy()
        policy.golden = Fixtures.path("golden/golden.csv")
        policy.engine = "recommender"
        policy.catalog = Fixtures.path("catalog/products.csv")
        policy.minNDCG = 0.65
        let result = try RelevanceGate(policy: policy).evaluate()
        #expect(result.verdict != .error, "\(result.summary)")
        #expect(result.summary.contains("over 30 golden queries"))
        #expect(result.measurements[0].value >= 0.65)
    }
}

@Suite struct GoldenJSONTests {
    @Test("a JSON golden set reads as the CSV with the same rows does")
    func jsonMatchesCSV() throws {
        let csv = try GoldenSet.read(Fixtures.path("golden/golden.csv")).golden
        var rows: [[String: Any]] = []
        for (query, products) in csv.qrels.queries {
            for (product, grade) in products {
                var row: [String: Any] = ["query_id": query, "product_id": product, "grade": grade]
                if let text = csv.queryTexts[query] { row["query"] = text }
                if let assertion = csv.assertions.first(where: { $0.query == query && $0.product == product }) { row["top_k"] = assertion.topK }
                rows.append(row)
            }
        }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try JSONSerialization.data(withJSONObject: rows).write(to: URL(fileURLWithPath: directory + "/golden.json"))
        let json = try GoldenSet.read(directory + "/golden.json").golden
        #expect(json.qrels == csv.qrels)
        #expect(json.queryTexts == csv.queryTexts)
        #expect(Set(json.assertions.map { "\($0.query)/\($0.product)/\($0.topK)" }) == Set(csv.assertions.map { "\($0.query)/\($0.product)/\($0.topK)" }))
    }

    @Test("JSON rows with a bad grade or an unknown key name the row", arguments: [
        ("[{\"query_id\": \"a\", \"product_id\": \"p\", \"grade\": 9}]", "golden.json:1: [0].grade '9' is not 0 (irrelevant) to 4 (perfect)"),
        ("[{\"query_id\": \"a\", \"product_id\": \"p\", \"grade\": 1, \"rank\": 2}]", "golden.json:1: [0] has unknown keys rank"),
        ("[1]", "golden.json:1: [0] is not an object"),
        ("[]", "golden.json: no graded query–product pairs"),
    ])
    func badJSON(text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/golden.json")
        expectError(containing: message) { _ = try GoldenSet.read(directory + "/golden.json") }
    }
}

@Suite struct GoldenSetRecognitionTests {
    @Test("a golden-set JSON array behind a UTF-8 byte-order mark is read as JSON, not taken for TREC qrels")
    func bomJSON() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let json = #"[{"query_id": "q01", "query": "headphones", "product_id": "p001", "grade": 4, "top_k": 3}]"#
        _ = FileManager.default.createFile(atPath: directory + "/golden.json", contents: Data([0xEF, 0xBB, 0xBF] + Array(json.utf8)))
        let golden = try GoldenSet.read(directory + "/golden.json").golden
        #expect(golden.assertions.map(\.product) == ["p001"])
        #expect(golden.queryTexts == ["q01": "headphones"])
    }
}
