import Recommender

/// `--engine recommender`: the vendored recommender's hybrid ranking (BM25 and TF-IDF
/// relevance, popularity, freshness, MMR diversity) ranks the golden queries — built from a
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

    public func rank(_ queries: [String: String], depth: Int) throws -> Run {
        var ranked: [String: [Run.Entry]] = [:]
        for (query, text) in queries {
            ranked[query] = ranker.search(text, limit: max(depth, 100)).map { Run.Entry(document: $0.productID, score: $0.score) }
        }
        return Run(queries: ranked)
    }
}
