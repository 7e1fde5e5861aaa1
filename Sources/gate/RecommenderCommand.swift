import ArgumentParser
import Foundation
import GateKit
import Recommender
import Yams

/// `gate recommender`: train the vendored recommender and query it — the system the relevance,
/// benchmark and integrity gates exercise. Not a gate itself (no verdict).
struct RecommenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommender",
        abstract: "Train the vendored hybrid recommender and query it.",
        subcommands: [RecommenderTrainCommand.self, RecommenderSearchCommand.self])
}

/// The inputs a model is built from; shared by train and search.
struct ModelInputs: ParsableArguments {
    @Option(help: ArgumentHelp("Products: CSV with product_id and title (description, category, brand, price, created_at optional).", valueName: "file"))
    var catalog: String?

    @Option(help: ArgumentHelp("Interaction events: CSV (user,product,type,timestamp) or JSONL.", valueName: "file"))
    var interactions: String?

    @Option(help: ArgumentHelp("Product embeddings: CSV lines product_id,v1,v2,...", valueName: "file"))
    var embeddings: String?

    @Option(help: ArgumentHelp("Synonym groups: one a line, comma-separated.", valueName: "file"))
    var synonyms: String?

    @Option(help: ArgumentHelp("Blend settings (YAML): weights, category-weights, diversity, candidates, cold-start-interactions, bm25 (k1, b), field-boosts, stopwords, stopwords-off.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("ALS latent factors.", valueName: "n")) var factors = 64
    @Option(help: ArgumentHelp("ALS iterations.", valueName: "n")) var iterations = 15
    @Option(help: ArgumentHelp("ALS regularization λ.", valueName: "value")) var regularization: Float = 0.01
    @Option(help: ArgumentHelp("ALS confidence scale α (c = 1 + α·r).", valueName: "value")) var alpha: Float = 1

    func validate() throws {
        guard factors > 0, iterations > 0 else { throw ValidationError("--factors and --iterations must be positive.") }
        guard regularization >= 0, alpha >= 0 else { throw ValidationError("--regularization and --alpha must not be negative.") }
    }

    func build() throws -> RecommenderModel {
        guard let catalog else { throw GateError.usage("recommender: pass --catalog FILE (or --model DIR for a trained model).") }
        let products = try Catalog.read(csv: catalog)
        let log = try interactions.map { try InteractionLog.read($0, catalog: products) }
        if let log, log.unknownProducts > 0 {
            FileSink.standardError("note: \(log.unknownProducts) event\(log.unknownProducts == 1 ? "" : "s") for products not in the catalog skipped\n")
        }
        var synonymGroups: [[String]] = []
        if let synonyms {
            guard let text = try? String(contentsOfFile: synonyms, encoding: .utf8) else { throw GateError.missingInput(path: synonyms) }
            synonymGroups = QueryRewriter.synonymGroups(text)
        }
        return RecommenderModel(
            catalog: products, interactions: log, embeddings: try embeddings.map { try Embeddings.read($0, catalog: products) },
            config: try config.map(Self.readConfig) ?? HybridConfig(),
            als: .init(factors: factors, regularization: regularization, alpha: alpha, iterations: iterations),
            synonymGroups: synonymGroups)
    }

    static let configKeys: Set<String> = ["weights", "category-weights", "diversity", "candidates", "cold-start-interactions", "bm25", "field-boosts", "stopwords", "stopwords-off"]

    static func readConfig(_ path: String) throws -> HybridConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GateError.missingInput(path: path) }
        do {
            guard let root = try Yams.load(yaml: text) as? [String: Any] else {
                throw RecommenderError.badConfig(path: path, problem: "expected a mapping of settings")
            }
            for key in root.keys.sorted() where !configKeys.contains(key) {
                throw RecommenderError.badConfig(path: path, problem: "unknown setting '\(key)' (settings: \(configKeys.sorted().joined(separator: ", ")))")
            }
            // Nested mappings: a misspelt weight must not silently keep its default.
            var nested: [(String, Any?, Set<String>)] = [
                ("weights", root["weights"], ["relevance", "popularity", "freshness", "affinity"]),
                ("bm25", root["bm25"], ["k1", "b"]),
                ("field-boosts", root["field-boosts"], ["title", "category", "brand", "description"]),
            ]
            for (category, weights) in (root["category-weights"] as? [String: Any]) ?? [:] {
                nested.append(("category-weights.\(category)", weights, ["relevance", "popularity", "freshness", "affinity"]))
            }
            for (name, value, allowed) in nested {
                guard let mapping = value as? [String: Any] else { continue }
                for key in mapping.keys.sorted() where !allowed.contains(key) {
                    throw RecommenderError.badConfig(path: path, problem: "\(name): unknown key '\(key)' (keys: \(allowed.sorted().joined(separator: ", ")))")
                }
            }
            return try YAMLDecoder().decode(HybridConfig.self, from: text).validated(path: path)
        } catch let error as RecommenderError {
            throw error
        } catch {
            throw RecommenderError.badConfig(path: path, problem: "not a valid blend config (\(error))")
        }
    }
}

struct RecommenderTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Build the index, train ALS, and write the model with a SHA-256 manifest.")

    @OptionGroup var inputs: ModelInputs

    @Option(name: .customLong("out"), help: ArgumentHelp("The model directory to write.", valueName: "dir"))
    var output: String

    func run() throws {
        try exitingTwoOnError {
            let start = Date()
            let model = try inputs.build()
            let seconds = Date().timeIntervalSince(start)
            let files = try ModelArtifacts.write(
                model, catalogPath: inputs.catalog!, embeddingsPath: inputs.embeddings, synonymsPath: inputs.synonyms, to: output)
            var lines = ["trained in \(String(format: "%.2f", seconds)) s: \(model.catalog.products.count) products, \(model.users.count) users"]
            if let als = model.als {
                let losses = als.losses.map { String(format: "%.6g", $0) }
                let seconds = Double(als.trainingTime.components.seconds) + Double(als.trainingTime.components.attoseconds) / 1e18
                lines.append("ALS: \(als.users) users × \(als.items) products, \(model.interactions?.values.count ?? 0) nonzeros, \(als.parameters.factors) factors, "
                    + "\(als.parameters.iterations) iterations in \(String(format: "%.3f", seconds)) s; loss \(losses.first ?? "-") → \(losses.last ?? "-")")
            }
            lines.append("wrote \(output): \(files.joined(separator: ", "))")
            FileSink.standardOutput(lines.joined(separator: "\n") + "\n")
        }
    }
}

struct RecommenderSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Rank products for a query (or every query of a file) with the hybrid ranker or keyword search alone.",
        discussion: """
            --format json carries each result's score breakdown; --format trec writes a TREC run that \
            `gate relevance --run` and `gate relevance eval` read. A query file is ranked on all cores; \
            --timings ranks one query at a time and prints the build time and per-query latency (median, p95) \
            to stderr.
            """)

    @OptionGroup var inputs: ModelInputs

    @Option(help: ArgumentHelp("A trained model directory (from `gate recommender train`) instead of --catalog.", valueName: "dir"))
    var model: String?

    @Option(help: ArgumentHelp("One query.", valueName: "text")) var query: String?

    @Option(help: ArgumentHelp("Queries: lines of query_id<TAB>text.", valueName: "file"))
    var queries: String?

    @Option(help: ArgumentHelp("Rank for this user (affinity; cold-start rules apply).", valueName: "id")) var user: String?
    @Option(help: ArgumentHelp("Results per query.", valueName: "n")) var limit = 10
    @Option(help: ArgumentHelp("hybrid or keyword.", valueName: "mode")) var mode = "hybrid"
    @Option(help: ArgumentHelp("text, json or trec.", valueName: "format")) var format = "text"
    @Flag(help: "Print build time and query latency to stderr.") var timings = false

    func validate() throws {
        guard ["hybrid", "keyword"].contains(mode) else { throw ValidationError("--mode must be hybrid or keyword.") }
        guard ["text", "json", "trec"].contains(format) else { throw ValidationError("--format must be text, json or trec.") }
        guard (query == nil) != (queries == nil) else { throw ValidationError("Pass exactly one of --query and --queries.") }
        guard (model == nil) != (inputs.catalog == nil) else { throw ValidationError("Pass exactly one of --model and --catalog.") }
        guard limit > 0 else { throw ValidationError("--limit must be positive.") }
    }

    func run() throws {
        try exitingTwoOnError {
            let buildStart = DispatchTime.now()
            let loaded = try model.map(ModelArtifacts.load) ?? inputs.build()
            let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart.uptimeNanoseconds) / 1e9
            let list = try queries.map(Self.readQueries) ?? [("q1", query!)]
            let ranker = HybridRanker(model: loaded)
            let (keywordOnly, limit, user) = (mode == "keyword", limit, user)
            let rank: @Sendable (String) -> [RankedProduct] = { text in
                keywordOnly
                    ? loaded.keyword.search(text, limit: limit).map { RankedProduct(productID: $0.productID, score: $0.score, breakdown: nil) }
                    : ranker.search(text, user: user, limit: limit)
            }
            var latencies: [Double] = []
            var results: [(String, String, [RankedProduct])] = []
            if timings {
                // One query at a time, so each latency is one query's own.
                for (id, text) in list {
                    let start = DispatchTime.now()
                    let ranked = rank(text)
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
                    results.append((id, text, ranked))
                }
            } else {
                // A query file is ranked on all cores; the output keeps the file's order.
                let texts = list.map(\.1)
                let ranked = parallelMap(texts.count) { rank(texts[$0]) }
                results = zip(list, ranked).map { ($0.0, $0.1, (try? $1.get()) ?? []) }
            }
            FileSink.standardOutput(render(results))
            if timings {
                let sorted = latencies.sorted()
                let median = sorted[sorted.count / 2]
                let p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
                func seconds(_ duration: Duration) -> Double {
                    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
                }
                let (tokenize, index) = loaded.keyword.buildTimes
                FileSink.standardError(String(
                    format: "build %.3f s (tokenize %.3f s, index %.3f s); %d queries: median %.3f ms, p95 %.3f ms\n",
                    buildSeconds, seconds(tokenize), seconds(index), sorted.count, median, p95))
            }
        }
    }

    func render(_ results: [(String, String, [RankedProduct])]) -> String {
        switch format {
        case "trec":
            return results.map { id, _, ranked in
                ranked.enumerated().map { "\(id) Q0 \($1.productID) \($0 + 1) \(String(format: "%.9g", $1.score)) gate-\(mode)\n" }.joined()
            }.joined()
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Entry: Encodable {
                var query: String
                var id: String
                var results: [Result]
            }
            struct Result: Encodable {
                var product: String
                var score: Double
                var breakdown: ScoreBreakdown?
            }
            let entries = results.map { id, text, ranked in
                Entry(query: text, id: id, results: ranked.map { Result(product: $0.productID, score: $0.score, breakdown: $0.breakdown) })
            }
            return String(decoding: (try? encoder.encode(entries)) ?? Data(), as: UTF8.self) + "\n"
        default:
            return results.map { id, text, ranked in
                "\(id): \(text)\n" + ranked.enumerated().map { rank, result in
                    var line = String(format: "%3d. %@  %.4f", rank + 1, result.productID, result.score)
                    if let b = result.breakdown {
                        line += String(format: "  (relevance %.3f = max(keyword %.3f, semantic %.3f); popularity %.3f, freshness %.3f, affinity %.3f [%@]; diversity −%.3f)",
                                       b.relevance, b.keywordNormalized, b.semantic, b.popularity, b.freshness, b.affinity, b.affinitySource, b.diversityPenalty)
                    }
                    return line + "\n"
                }.joined()
            }.joined()
        }
    }

    static func readQueries(_ path: String) throws -> [(String, String)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GateError.missingInput(path: path) }
        var result: [(String, String)] = []
        for (index, line) in TextLines.of(text).enumerated() where !line.isEmpty {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else {
                throw GateError.usage("\(path):\(index + 1): expected query_id<TAB>text.")
            }
            result.append((String(parts[0]), String(parts[1])))
        }
        guard !result.isEmpty else { throw GateError.emptyInput(path: path, expected: "queries (query_id<TAB>text lines)") }
        return result
    }
}
