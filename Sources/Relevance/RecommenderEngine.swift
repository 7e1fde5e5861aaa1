import Recommender

/// `--engine recommender`: the vendored recommender ranks the golden queries. Today that is
/// its keyword search (BM25 over the catalog); the hybrid ranking replaces it here when it lands.
public struct RecommenderEngine: RankingEngine {
    let search: KeywordSearch

    public init(catalogPath: String) throws {
        search = KeywordSearch(catalog: try Catalog.read(csv: catalogPath))
    }

    public func rank(_ queries: [String: String], depth: Int) throws -> Run {
        var ranked: [String: [Run.Entry]] = [:]
        for (query, text) in queries {
            ranked[query] = search.search(text, limit: max(depth, 100)).map { Run.Entry(document: $0.productID, score: $0.score) }
        }
        return Run(queries: ranked)
    }
}
