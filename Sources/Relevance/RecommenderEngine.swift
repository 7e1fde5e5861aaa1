import GateKit
import Recommender

/// `--engine recommender`: the vendored recommender's hybrid ranking (BM25 and TF-IDF
/// relevance, popularity, freshness, MMR diversity) ranks the golden queries, on all cores — built from a
/// catalog (and interaction events, when given) or loaded from a trained model directory,
/// whose manifest is verified first.
public struct RecommenderEngine: RankingEngine {
    let ranker: HybridRanker

    public init(catalogPath: String, interactionsPath: String? = nil) throws {
        let catalog = try Catalog.read(csv: catalogPath)
        let log = try interactionsPath.map { try InteractionLog.read($0, catalog: catalog) }
        ranker = HybridRanker(model: RecommenderModel(catalog: catalog, interactions: log))
    }

    public init(modelPath: String) throws {
        ranker = HybridRanker(model: try ModelArtifacts.load(modelPath))
    }

    /// The queries ranked on all cores.
    public func rank(_ queries: [String: String], depth: Int) throws -> Run {
        let list = Array(queries)
        let ranker = ranker
        let ranked = parallelMap(list.count) { index in
            ranker.search(list[index].value, limit: max(depth, 100)).map { Run.Entry(document: $0.productID, score: $0.score) }
        }
        var run: [String: [Run.Entry]] = [:]
        for (index, entries) in ranked.enumerated() { run[list[index].key] = try entries.get() }
        return Run(queries: run)
    }
}
