import FeatureFlags
import Foundation
import GateKit
import Recommender

/// Built-in suites for the vendored libraries, run in process so each operation is timed on
/// its own: recommender search and model training (BM25 index, popularity, ALS), flag evaluation, and (as a process, through
/// the gate binary) relevance evaluation. Latency suites add p50/p95/p99 series, which SLOs
/// (search p95 < 200 ms, flag evaluation < 10 ms) are checked against.
public enum BenchSuites {
    public static let names = ["recommender.search", "recommender.train", "flags.evaluate", "relevance.eval"]

    public struct Inputs: Sendable {
        public var catalog = "fixtures/catalog/products.csv"
        public var interactions = "fixtures/catalog/interactions.csv"
        public var golden = "fixtures/golden/golden.csv"
        public var flags = "fixtures/flags/flags.yml"
        public var qrels = "fixtures/relevance/edge.qrels"
        public var run = "fixtures/relevance/edge.run"
        /// The gate binary, for suites that run it as a process.
        public var gate: String?
        public init() {}
    }

    public static func run(_ suite: String, inputs: Inputs, root: String, rounds: Int) throws -> [BenchSeries] {
        func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : root + "/" + relative }
        switch suite {
        case "recommender.search":
            let catalog = try Catalog.read(csv: path(inputs.catalog))
            let log = try InteractionLog.read(path(inputs.interactions), catalog: catalog)
            let ranker = HybridRanker(model: RecommenderModel(catalog: catalog, interactions: log))
            let queries = try goldenQueries(path(inputs.golden))
            var latencies: [Double] = []
            for _ in 0..<max(rounds, 1) {
                for query in queries {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = ranker.search(query, limit: 10)
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                }
            }
            return withPercentiles("recommender.search", latencies)
        case "recommender.train":
            let catalog = try Catalog.read(csv: path(inputs.catalog))
            let log = try InteractionLog.read(path(inputs.interactions), catalog: catalog)
            var times: [Double] = []
            for _ in 0..<max(rounds, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = RecommenderModel(catalog: catalog, interactions: log)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return [BenchSeries(name: "recommender.train", kind: .wallTime, unit: "s", samples: times)]
        case "flags.evaluate":
            let file = try FlagFile.load(path(inputs.flags))
            let evaluator = FlagEvaluator(file: file)
            let names = file.flags.map(\.name)
            guard !names.isEmpty else { throw BenchError.noSamples(name: "flags.evaluate (the flag file has no flags)") }
            // Single evaluations are too short for the clock: each sample is a batch of 1,000
            // users over every flag, divided by the evaluations it made.
            var perEvaluation: [Double] = []
            var on = 0
            for round in 0..<max(rounds, 1) * 20 {
                let start = DispatchTime.now().uptimeNanoseconds
                for user in 0..<1000 {
                    for name in names where evaluator.evaluate(name, user: "user-\(round)-\(user)", at: 0).value { on += 1 }
                }
                perEvaluation.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(1000 * names.count))
            }
            precondition(on >= 0)
            return withPercentiles("flags.evaluate", perEvaluation)
        case "relevance.eval":
            guard let gate = inputs.gate else { throw BenchError.cannotRun(command: "relevance.eval", reason: "the gate binary's path is unknown") }
            let command = "'\(gate)' relevance eval -m ndcg_cut.10 -m map '\(path(inputs.qrels))' '\(path(inputs.run))'"
            let runs = try BenchRunner.run(command, runs: max(rounds, 1) * 5, warmups: 1)
            return [BenchSeries(name: "relevance.eval", kind: .wallTime, unit: "s", samples: runs.map(\.wall))]
        default:
            throw GateError.usage("bench: no suite '\(suite)'. Suites: \(names.joined(separator: ", ")).")
        }
    }

    /// The samples, and their p50, p95 and p99 as value series (`name p95`).
    static func withPercentiles(_ name: String, _ samples: [Double]) -> [BenchSeries] {
        let sorted = samples.sorted()
        return [BenchSeries(name: name, kind: .wallTime, unit: "s", samples: samples)]
            + [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)].map {
                BenchSeries(name: "\(name) \($0.0)", kind: .value, unit: "s", samples: [quantile(sorted: sorted, $0.1)])
            }
    }

    /// The distinct query texts of a golden-set CSV (its `query` column; without one, the
    /// second), read by the one CSV reader: quoted commas, CRLF and all.
    static func goldenQueries(_ path: String) throws -> [String] {
        let (bytes, _) = try InputFile.readAll(path, expected: "a golden-set CSV (query_id,query,…)", limits: .lines)
        var seen = Set<String>(), queries: [String] = []
        try bytes.withUnsafeBytes { bytes in
            var records = CSVRecords(bytes, path: path)
            guard let header = try records.next() else { return }
            let column = (0..<header.count).first { header.string($0) == "query" } ?? 1
            while let record = try records.next() {
                guard record.count > column else { continue }
                let query = record.string(column)
                if seen.insert(query).inserted { queries.append(query) }
            }
        }
        guard !queries.isEmpty else { throw BenchError.noSamples(name: "recommender.search (no queries in \(path))") }
        return queries
    }
}
