import Foundation

/// How the hybrid ranker blends its signals; per-category weights override the defaults for
/// products of that category.
public struct HybridConfig: Sendable, Equatable, Codable {
    public struct Weights: Sendable, Equatable, Codable {
        public var relevance: Double
        public var popularity: Double
        public var freshness: Double
        public var affinity: Double

        public init(relevance: Double = 1, popularity: Double = 0.1, freshness: Double = 0.05, affinity: Double = 0.2) {
            (self.relevance, self.popularity, self.freshness, self.affinity) = (relevance, popularity, freshness, affinity)
        }

        /// Keys left out keep their defaults.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Weights()
            self.init(relevance: try c.decodeIfPresent(Double.self, forKey: .relevance) ?? d.relevance,
                      popularity: try c.decodeIfPresent(Double.self, forKey: .popularity) ?? d.popularity,
                      freshness: try c.decodeIfPresent(Double.self, forKey: .freshness) ?? d.freshness,
                      affinity: try c.decodeIfPresent(Double.self, forKey: .affinity) ?? d.affinity)
        }
    }

    public struct BM25: Sendable, Equatable, Codable {
        public var k1 = 1.5
        public var b = 0.75
        public init(k1: Double = 1.5, b: Double = 0.75) { (self.k1, self.b) = (k1, b) }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(k1: try c.decodeIfPresent(Double.self, forKey: .k1) ?? 1.5, b: try c.decodeIfPresent(Double.self, forKey: .b) ?? 0.75)
        }
    }

    public var weights = Weights()
    public var categoryWeights: [String: Weights] = [:]
    /// BM25's term-frequency saturation and length normalisation.
    public var bm25 = BM25()
    /// How many times each field's tokens count in the keyword index.
    public var fieldBoosts = KeywordSearch.FieldBoosts()
    /// MMR's λ: 1 (the default) ranks by score alone, lower values trade score for variety.
    /// Measured on two public test collections, 0.85 cost 0.011 and 0.009 NDCG@10 against
    /// keyword search alone (docs/recommender.md); a catalog that wants variety opts in.
    public var diversity = 1.0
    /// How many of the most relevant products a query's ranking considers.
    public var candidates = 200
    /// Users with fewer interactions than this are cold: popularity stands in for affinity.
    public var coldStartInteractions = 5
    /// Words left out of the index and the queries.
    public var stopwords = Stopwords.english
    /// Fields indexed with every word, stopwords included (a brand such as "The Ordinary").
    public var stopwordsOff: [String] = []

    /// `english` (Tokenizer.englishStopwords), `none`, or a list of words.
    public enum Stopwords: Sendable, Equatable, Codable {
        case english, none, words([String])

        public var list: [String] {
            switch self {
            case .english: return Tokenizer.englishStopwords
            case .none: return []
            case .words(let words): return words
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let name = try? container.decode(String.self) {
                switch name {
                case "english": self = .english
                case "none": self = .none
                default:
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "stopwords: english, none or a list of words, not '\(name)'")
                }
            } else {
                self = .words(try container.decode([String].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .english: try container.encode("english")
            case .none: try container.encode("none")
            case .words(let words): try container.encode(words)
            }
        }
    }

    /// The tokenizer these settings ask for.
    public var tokenizer: Tokenizer { Tokenizer(stopwords: stopwords.list) }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case weights, categoryWeights = "category-weights", diversity, candidates, coldStartInteractions = "cold-start-interactions"
        case bm25, fieldBoosts = "field-boosts", stopwords, stopwordsOff = "stopwords-off"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        weights = try container.decodeIfPresent(Weights.self, forKey: .weights) ?? Weights()
        // A category's weights override the top-level ones key by key.
        struct Partial: Decodable { var relevance, popularity, freshness, affinity: Double? }
        let partial = try container.decodeIfPresent([String: Partial].self, forKey: .categoryWeights) ?? [:]
        let base = weights
        categoryWeights = partial.mapValues {
            Weights(relevance: $0.relevance ?? base.relevance, popularity: $0.popularity ?? base.popularity,
                    freshness: $0.freshness ?? base.freshness, affinity: $0.affinity ?? base.affinity)
        }
        diversity = try container.decodeIfPresent(Double.self, forKey: .diversity) ?? 1.0
        candidates = try container.decodeIfPresent(Int.self, forKey: .candidates) ?? 200
        coldStartInteractions = try container.decodeIfPresent(Int.self, forKey: .coldStartInteractions) ?? 5
        bm25 = try container.decodeIfPresent(BM25.self, forKey: .bm25) ?? BM25()
        fieldBoosts = try container.decodeIfPresent(KeywordSearch.FieldBoosts.self, forKey: .fieldBoosts) ?? .init()
        stopwords = try container.decodeIfPresent(Stopwords.self, forKey: .stopwords) ?? .english
        stopwordsOff = try container.decodeIfPresent([String].self, forKey: .stopwordsOff) ?? []
    }

    /// Rejects weights and settings no ranking could mean.
    public func validated(path: String) throws -> HybridConfig {
        for (name, w) in [("weights", weights)] + categoryWeights.map({ ("category-weights.\($0.key)", $0.value) }) {
            for value in [w.relevance, w.popularity, w.freshness, w.affinity] where !(value >= 0 && value.isFinite) {
                throw RecommenderError.badConfig(path: path, problem: "\(name): weights must be finite and not negative")
            }
        }
        guard diversity >= 0, diversity <= 1 else { throw RecommenderError.badConfig(path: path, problem: "diversity must lie in [0, 1]") }
        guard candidates > 0 else { throw RecommenderError.badConfig(path: path, problem: "candidates must be positive") }
        guard bm25.k1 >= 0, bm25.k1.isFinite, (0...1).contains(bm25.b) else {
            throw RecommenderError.badConfig(path: path, problem: "bm25: k1 must be a finite number ≥ 0 and b lie in [0, 1]")
        }
        let boosts = [fieldBoosts.title, fieldBoosts.category, fieldBoosts.brand, fieldBoosts.description]
        guard boosts.allSatisfy({ (0...10).contains($0) }), boosts.contains(where: { $0 > 0 }) else {
            throw RecommenderError.badConfig(path: path, problem: "field-boosts: whole numbers from 0 to 10, at least one above 0")
        }
        let fields = ["title", "category", "brand", "description"]
        if let unknown = stopwordsOff.first(where: { !fields.contains($0) }) {
            throw RecommenderError.badConfig(path: path, problem: "stopwords-off: '\(unknown)' is not a field (\(fields.joined(separator: ", ")))")
        }
        return self
    }
}

/// Why a product ranks where it does: every signal, the weights applied, and what diversity
/// took off.
public struct ScoreBreakdown: Sendable, Equatable, Codable {
    /// BM25 score, and divided by the query's best BM25 score.
    public var keyword: Double
    public var keywordNormalized: Double
    /// TF-IDF cosine with the query.
    public var semantic: Double
    /// max(keywordNormalized, semantic).
    public var relevance: Double
    /// log(1 + popularity) / log(1 + the catalog's highest popularity).
    public var popularity: Double
    public var freshness: Double
    /// The user's predicted preference (ALS, clamped to [0, 1]); popularity for cold users.
    public var affinity: Double
    public var affinitySource: String
    public var weights: HybridConfig.Weights
    /// Σ weight · signal.
    public var blended: Double
    /// MMR: (1 − λ) · the highest similarity to a product ranked above it.
    public var diversityPenalty: Double
}

/// One ranked product.
public struct RankedProduct: Sendable, Equatable {
    public var productID: String
    /// λ · blended − diversity penalty: the order MMR chose (not increasing down the list
    /// only because MMR picks greedily).
    public var score: Double
    /// Nil for keyword-only rankings.
    public var breakdown: ScoreBreakdown?

    public init(productID: String, score: Double, breakdown: ScoreBreakdown?) {
        (self.productID, self.score, self.breakdown) = (productID, score, breakdown)
    }
}

/// The hybrid ranking: candidates are the products a query matches (BM25 or TF-IDF), each
/// scored as
///
///     blended = w_rel · max(keyword / best keyword, cosine) + w_pop · popularity
///             + w_fresh · freshness + w_aff · affinity
///
/// with the weights of the product's category (or the defaults), then ordered by maximal
/// marginal relevance (Carbonell and Goldstein, 1998): repeatedly the candidate maximising
/// λ · blended − (1 − λ) · max similarity to those already chosen.
public struct HybridRanker: Sendable {
    public let model: RecommenderModel

    public init(model: RecommenderModel) {
        self.model = model
    }

    /// The best `limit` products for `query`, for `user` when given.
    public func search(_ query: String, user: String? = nil, limit: Int) -> [RankedProduct] {
        let config = model.config
        let terms = model.keyword.rewrittenTerms(query)
        let counts = model.keyword.index.termCounts(terms)
        let matches = model.keyword.index.matches(counts)
        guard !matches.isEmpty else { return [] }
        var cosines = [Double](repeating: 0, count: model.catalog.products.count)
        model.content.queryCosines(counts, into: &cosines)
        let best = matches.reduce(0) { max($0, $1.score) }
        let affinity = model.affinity(for: user)
        let products = model.catalog.products
        func blend(_ product: Int, _ keyword: Double) -> ScoreBreakdown {
            let keywordNormalized = best > 0 ? max(0, keyword) / best : 0
            let relevance = max(keywordNormalized, cosines[product])
            let popularity = model.popularityNormalized[product]
            let freshness = model.freshness[product]
            let (affinityValue, source) = affinity(product)
            let w = model.productWeights[product]
            let blended = w.relevance * relevance + w.popularity * popularity + w.freshness * freshness + w.affinity * affinityValue
            return ScoreBreakdown(
                keyword: keyword, keywordNormalized: keywordNormalized, semantic: cosines[product], relevance: relevance,
                popularity: popularity, freshness: freshness, affinity: affinityValue, affinitySource: source, weights: w,
                blended: blended, diversityPenalty: 0)
        }
        // Blended scores first, breakdowns only for the products kept. Without diversity (λ = 1)
        // MMR keeps the order, so the best `limit` are all it needs.
        func blended(_ product: Int, _ keyword: Double) -> Double {
            let w = model.productWeights[product]
            return w.relevance * max(best > 0 ? max(0, keyword) / best : 0, cosines[product]) + w.popularity * model.popularityNormalized[product]
                + w.freshness * model.freshness[product] + w.affinity * affinity(product).0
        }
        let scored = matches.map { (product: $0.document, keyword: $0.score, blended: blended($0.document, $0.score)) }
        let kept = scored.best(config.diversity < 1 ? config.candidates : min(config.candidates, limit)) { a, b in
            a.blended != b.blended ? a.blended > b.blended : products[a.product].id < products[b.product].id
        }
        return diversify(kept.map { ($0.product, blend($0.product, $0.keyword)) }, limit: limit, lambda: config.diversity)
    }

    /// Recommendations without a query: affinity (ALS for a warm user, popularity for a cold
    /// one), plus popularity and freshness, diversified the same way.
    public func recommend(user: String, limit: Int) -> [RankedProduct] {
        let config = model.config
        let affinity = model.affinity(for: user)
        let seen = model.seenProducts(of: user)
        var scored: [Candidate] = []
        for product in model.catalog.products.indices where !seen.contains(product) {
            let (affinityValue, source) = affinity(product)
            let w = model.productWeights[product]
            let popularity = model.popularityNormalized[product], freshness = model.freshness[product]
            let blended = w.popularity * popularity + w.freshness * freshness + w.affinity * affinityValue
            scored.append((product, ScoreBreakdown(
                keyword: 0, keywordNormalized: 0, semantic: 0, relevance: 0, popularity: popularity, freshness: freshness,
                affinity: affinityValue, affinitySource: source, weights: w, blended: blended, diversityPenalty: 0)))
        }
        let candidates = Self.top(scored, count: config.candidates, ids: model.catalog.products)
        return diversify(candidates, limit: limit, lambda: config.diversity)
    }

    /// Greedy MMR over candidates sorted best first.
    func diversify(_ candidates: [Candidate], limit: Int, lambda: Double) -> [RankedProduct] {
        let products = candidates.map(\.product)
        var done = [Bool](repeating: false, count: candidates.count)
        var highestSimilarity = [Double](repeating: 0, count: candidates.count)
        var scratch = [Float](repeating: 0, count: lambda < 1 ? model.content.vocabularySize : 0)
        var chosen: [RankedProduct] = []
        while chosen.count < min(limit, candidates.count) {
            var best = -1
            var bestValue = -Double.infinity
            for index in candidates.indices where !done[index] {
                let value = lambda * candidates[index].breakdown.blended - (1 - lambda) * highestSimilarity[index]
                if value > bestValue { (best, bestValue) = (index, value) }
            }
            done[best] = true
            var breakdown = candidates[best].breakdown
            breakdown.diversityPenalty = (1 - lambda) * highestSimilarity[best]
            chosen.append(RankedProduct(productID: model.catalog.products[products[best]].id,
                                        score: lambda * breakdown.blended - breakdown.diversityPenalty, breakdown: breakdown))
            if lambda < 1 {
                model.content.raise(&highestSimilarity, candidates: products, skipping: done, to: products[best], scratch: &scratch)
            }
        }
        return chosen
    }

    typealias Candidate = (product: Int, breakdown: ScoreBreakdown)

    /// The `count` best by blended score, best first, ties by product id.
    static func top(_ items: [Candidate], count: Int, ids: [Product]) -> [Candidate] {
        items.best(count) { a, b in
            a.breakdown.blended != b.breakdown.blended ? a.breakdown.blended > b.breakdown.blended : ids[a.product].id < ids[b.product].id
        }
    }
}

extension Array {
    /// The `count` best elements, best first: a bounded heap, so a query matching most of a
    /// large catalog does not pay for a full sort.
    func best(_ count: Int, by better: (Element, Element) -> Bool) -> [Element] {
        guard self.count > count else { return sorted(by: better) }
        // A heap whose root is the worst of the best `count` so far.
        var heap: [Element] = []
        heap.reserveCapacity(count)
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1, right = left + 1
                var worst = parent
                if left < heap.count, better(heap[worst], heap[left]) { worst = left }
                if right < heap.count, better(heap[worst], heap[right]) { worst = right }
                if worst == parent { return }
                heap.swapAt(parent, worst)
                parent = worst
            }
        }
        for item in self {
            if heap.count < count {
                heap.append(item)
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard better(heap[parent], heap[child]) else { break }
                    heap.swapAt(parent, child)
                    child = parent
                }
            } else if better(item, heap[0]) {
                heap[0] = item
                siftDown(0)
            }
        }
        return heap.sorted(by: better)
    }
}
