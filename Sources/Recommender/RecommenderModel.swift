import Foundation

/// Everything the hybrid ranker needs, built from a catalog and (optionally) interaction
/// events and embeddings: the keyword index, content vectors, popularity and freshness per
/// product, and ALS factors.
///
/// Cold start: a user with fewer than `config.coldStartInteractions` interactions (or none
/// known) gets popularity in place of affinity; a product nobody has interacted with yet
/// gets, for a warm user, its highest content similarity to what that user interacted with.
public struct RecommenderModel: Sendable {
    public let catalog: Catalog
    public let config: HybridConfig
    public let keyword: KeywordSearch
    public let content: ContentSimilarity
    /// log(1 + popularity) / log(1 + highest popularity), per product.
    public let popularityNormalized: [Double]
    public let freshness: [Double]
    let productWeights: [HybridConfig.Weights]
    public let als: ImplicitALS?
    /// Users by id → row of the interaction matrix.
    public let users: [String: Int]
    /// users × products, r_ui = Σ event weights.
    public let interactions: SparseMatrix?
    let productHasInteractions: [Bool]

    /// Event weights for the interaction matrix ALS learns from (the popularity weights).
    public static let eventWeights: [Interaction.Kind: Float] = [.view: 1, .click: 2, .cart: 4, .purchase: 8]

    public init(
        catalog: Catalog, interactions log: InteractionLog? = nil, embeddings: Embeddings? = nil,
        config: HybridConfig = HybridConfig(), als parameters: ImplicitALS.Parameters = .init(), synonymGroups: [[String]] = [],
        now: Double? = nil
    ) {
        // "Now" defaults to the newest event or listing, so training the same data twice gives
        // the same model, byte for byte (and the same manifest).
        let newest = ((log?.events.map(\.timestamp) ?? []) + catalog.products.compactMap(\.createdAt)).max()
        let now = now ?? newest ?? Date().timeIntervalSince1970
        self.catalog = catalog
        self.config = config
        keyword = KeywordSearch(catalog: catalog, boosts: config.fieldBoosts, k1: config.bm25.k1, b: config.bm25.b, synonymGroups: synonymGroups,
                                tokenizer: config.tokenizer, wholeFields: Set(config.stopwordsOff))
        content = ContentSimilarity(index: keyword.index, embeddings: embeddings)
        freshness = catalog.products.map { Freshness().score($0, now: now) }
        productWeights = catalog.products.map { config.categoryWeights[$0.category] ?? config.weights }
        let positions = Dictionary(catalog.products.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        guard let log, !log.events.isEmpty else {
            popularityNormalized = Array(repeating: 0, count: catalog.products.count)
            (als, users, interactions) = (nil, [:], nil)
            productHasInteractions = Array(repeating: false, count: catalog.products.count)
            return
        }
        let popularity = Popularity().scores(log.events, now: now)
        let highest = popularity.values.max() ?? 0
        popularityNormalized = catalog.products.map { product in
            highest > 0 ? Foundation.log1p(popularity[product.id] ?? 0) / Foundation.log1p(highest) : 0
        }
        var users: [String: Int] = [:]
        var entries: [(row: Int, column: Int, value: Float)] = []
        entries.reserveCapacity(log.events.count)
        var hasInteractions = Array(repeating: false, count: catalog.products.count)
        for event in log.events {
            guard let product = positions[event.product] else { continue }
            let user: Int
            if let known = users[event.user] { user = known } else {
                user = users.count
                users[event.user] = user
            }
            entries.append((user, product, Self.eventWeights[event.kind] ?? 0))
            hasInteractions[product] = true
        }
        let matrix = SparseMatrix(rows: users.count, columns: catalog.products.count, entries: entries)
        (self.users, interactions, productHasInteractions) = (users, matrix, hasInteractions)
        als = ImplicitALS.train(matrix, parameters: parameters)
    }

    /// Rebuilds a model from saved parts (artifacts), without training.
    init(catalog: Catalog, index: BM25Index, config: HybridConfig, embeddings: Embeddings?, synonymGroups: [[String]],
         popularityNormalized: [Double], freshness: [Double], als: ImplicitALS?, users: [String: Int], interactions: SparseMatrix?) {
        self.catalog = catalog
        self.config = config
        keyword = KeywordSearch(catalog: catalog, index: index, synonymGroups: synonymGroups, tokenizer: config.tokenizer)
        content = ContentSimilarity(index: keyword.index, embeddings: embeddings)
        (self.popularityNormalized, self.freshness, self.als, self.users, self.interactions) = (popularityNormalized, freshness, als, users, interactions)
        productWeights = catalog.products.map { config.categoryWeights[$0.category] ?? config.weights }
        var hasInteractions = Array(repeating: false, count: catalog.products.count)
        if let interactions { for column in interactions.columnIndices { hasInteractions[column] = true } }
        productHasInteractions = hasInteractions
    }

    /// How many distinct products `user` interacted with.
    public func interactionCount(of user: String) -> Int {
        guard let row = users[user], let interactions else { return 0 }
        return interactions.rowStarts[row + 1] - interactions.rowStarts[row]
    }

    func seenProducts(of user: String) -> Set<Int> {
        guard let row = users[user], let interactions else { return [] }
        return Set(interactions.columns(of: row))
    }

    /// The affinity of `user` for each product, and where it came from.
    func affinity(for user: String?) -> (Int) -> (Double, String) {
        guard let user else { return { _ in (0, "none") } }
        guard let row = users[user], let als, let interactions, interactionCount(of: user) >= config.coldStartInteractions else {
            let popularity = popularityNormalized
            return { product in (popularity[product], "popularity (cold user)") }
        }
        let history = Array(interactions.columns(of: row))
        let hasInteractions = productHasInteractions
        let content = content
        return { product in
            if hasInteractions[product] {
                return (Double(min(1, max(0, als.score(user: row, item: product)))), "als")
            }
            let similarity = history.reduce(0.0) { max($0, content.similarity(product, $1)) }
            return (similarity, "content (new product)")
        }
    }
}
