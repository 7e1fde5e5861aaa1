import Foundation
import GateTestSupport
import Testing

/// `gate recommender train` and `search` as users run them, and the golden-set gate on a
/// trained model.
@Suite("gate recommender")
struct RecommenderCommandTests {
    static let catalog = Fixtures.path("catalog/products.csv")
    static let interactions = Fixtures.path("catalog/interactions.csv")

    static func train(_ extra: [String] = []) throws -> String {
        let directory = try Fixtures.temporaryDirectory() + "/model"
        let output = try GateBinary.run(["recommender", "train", "--catalog", catalog, "--interactions", interactions,
                                         "--factors", "8", "--iterations", "5", "--out", directory] + extra)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("48 products, 60 users"))
        #expect(output.stderr.contains("3 events for products not in the catalog skipped"))
        return directory
    }

    @Test("train writes a model sha256sum accepts; search on it explains each result")
    func trainAndSearch() throws {
        let directory = try Self.train()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let check = try Shell.run(["sha256sum", "-c", "MANIFEST.sha256"], in: directory)
        #expect(check.contains("item_factors.f32: OK"))

        let json = try GateBinary.run(["recommender", "search", "--model", directory, "--query", "wireless headphones", "--user", "u03",
                                       "--limit", "3", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let results = try #require(entries.first?["results"] as? [[String: Any]])
        #expect(results.count == 3)
        #expect(results.first?["product"] as? String == "p001")
        let breakdown = try #require(results.first?["breakdown"] as? [String: Any])
        #expect(Set(breakdown.keys).isSuperset(of: ["keyword", "semantic", "relevance", "popularity", "freshness", "affinity", "weights", "diversityPenalty"]))

        let text = try GateBinary.run(["recommender", "search", "--model", directory, "--query", "tent", "--limit", "2"])
        #expect(text.stdout.contains("  1. p0"))
        #expect(text.stdout.contains("relevance"))
    }

    @Test("a TREC run from search judged by the relevance gate; the gate also ranks from the model directly")
    func runIntoRelevance() throws {
        let directory = try Self.train()
        defer { try? FileManager.default.removeItem(atPath: directory.replacingOccurrences(of: "/model", with: "")) }
        let queries = directory + "/../queries.tsv"
        try Fixtures.write("q01\tnoise cancelling headphones\nq02\twireless earbuds for running\n", to: queries)
        let run = try GateBinary.run(["recommender", "search", "--model", directory, "--queries", queries, "--format", "trec", "--mode", "keyword", "--timings"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("q01 Q0 p001 1 "))
        #expect(run.stderr.contains("2 queries: median"))
        // Without --timings the file is ranked on all cores: the same run, in the file's order.
        let golden = try String(contentsOfFile: Fixtures.path("golden/golden.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        var seen = Set<String>()
        let lines = golden.compactMap { line -> String? in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return seen.insert(String(fields[0])).inserted ? "\(fields[0])\t\(fields[1])" : nil
        }
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: queries)
        for mode in ["keyword", "hybrid"] {
            let arguments = ["recommender", "search", "--model", directory, "--queries", queries, "--format", "trec", "--mode", mode, "--limit", "20"]
            let parallel = try GateBinary.run(arguments), sequential = try GateBinary.run(arguments + ["--timings"])
            #expect(parallel.status == 0 && parallel.stdout == sequential.stdout && parallel.stdout.hasPrefix("q01 Q0 "))
            #expect(Set(parallel.stdout.split(separator: "\n").map { $0.split(separator: " ")[0] }).count == lines.count)
        }
        let gate = try GateBinary.run(["relevance", "--golden", Fixtures.path("golden/golden.csv"), "--engine", "recommender", "--model", directory,
                                       "--min-ndcg", "0.65"])
        #expect(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        #expect(gate.stdout.contains("28 of 28 top-k assertions held"))
    }

    @Test("a corrupted model, a bad blend config, bad queries: a clear error and exit 2", arguments: ["corrupt", "config", "queries", "catalog"])
    func badInput(_ kind: String) throws {
        let directory = try Self.train()
        defer { try? FileManager.default.removeItem(atPath: directory.replacingOccurrences(of: "/model", with: "")) }
        let output: ProcessOutput
        switch kind {
        case "corrupt":
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/user_factors.f32"))
            try handle.seekToEnd()
            handle.write(Data([1, 2, 3, 4]))
            try handle.close()
            output = try GateBinary.run(["recommender", "search", "--model", directory, "--query", "tent"])
            #expect(output.stderr.contains("user_factors.f32 does not match its SHA-256 in MANIFEST.sha256"))
        case "config":
            try Fixtures.write("weights:\n  relevance: 1\ndiversty: 0.5\n", to: directory + "/../blend.yml")
            output = try GateBinary.run(["recommender", "train", "--catalog", Self.catalog, "--config", directory + "/../blend.yml", "--out", directory])
            #expect(output.stderr.contains("unknown setting 'diversty'"))
        case "queries":
            try Fixtures.write("no tab here\n", to: directory + "/../q.tsv")
            output = try GateBinary.run(["recommender", "search", "--catalog", Self.catalog, "--queries", directory + "/../q.tsv"])
            #expect(output.stderr.contains("q.tsv:1: expected query_id<TAB>text"))
        default:
            try Fixtures.write("product_id,title\n", to: directory + "/../empty.csv")
            output = try GateBinary.run(["recommender", "train", "--catalog", directory + "/../empty.csv", "--out", directory])
            #expect(output.stderr.contains("the catalog has no products"))
        }
        #expect(output.status == 2, "\(output.stdout)\(output.stderr)")
    }
}
