/// Keyword search over a catalog: BM25 over title, category, brand and description, each
/// field's tokens counted as many times as its boost says (a field boost in the simplest form
/// BM25 allows: the title twice by default); query terms pass through `QueryRewriter`
/// (spelling correction, synonyms) first.
public struct KeywordSearch: Sendable {
    public struct Result: Sendable, Equatable {
        public var productID: String
        public var score: Double
    }

    public let catalog: Catalog
    let index: BM25Index
    let tokenizer: Tokenizer
    let rewriter: QueryRewriter
    /// How long tokenizing the catalog (into term ids) and building the postings took (zero
    /// for a loaded index).
    public private(set) var buildTimes: (tokenize: Duration, index: Duration) = (.zero, .zero)

    /// How many times each field's tokens count.
    public struct FieldBoosts: Sendable, Equatable, Codable {
        public var title = 2
        public var category = 1
        public var brand = 1
        public var description = 1

        public init(title: Int = 2, category: Int = 1, brand: Int = 1, description: Int = 1) {
            (self.title, self.category, self.brand, self.description) = (title, category, brand, description)
        }

        /// Fields left out keep their defaults.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(title: try c.decodeIfPresent(Int.self, forKey: .title) ?? 2,
                      category: try c.decodeIfPresent(Int.self, forKey: .category) ?? 1,
                      brand: try c.decodeIfPresent(Int.self, forKey: .brand) ?? 1,
                      description: try c.decodeIfPresent(Int.self, forKey: .description) ?? 1)
        }
    }

    public init(
        catalog: Catalog, titleBoost: Int = 2, k1: Double = 1.5, b: Double = 0.75, synonymGroups: [[String]] = [],
        tokenizer: Tokenizer = Tokenizer()
    ) {
        self.init(catalog: catalog, boosts: FieldBoosts(title: titleBoost), k1: k1, b: b, synonymGroups: synonymGroups, tokenizer: tokenizer)
    }

    /// `wholeFields` are indexed with their stopwords (`stopwords-off`).
    public init(catalog: Catalog, boosts: FieldBoosts, k1: Double, b: Double, synonymGroups: [[String]], tokenizer: Tokenizer = Tokenizer(),
                wholeFields: Set<String> = []) {
        self.catalog = catalog
        self.tokenizer = tokenizer
        let clock = ContinuousClock()
        let start = clock.now
        // Token bytes go straight to term ids: no String per token.
        var table = TermTable()
        var ids: [Int32] = []
        var ends: [Int] = []
        var field: [Int32] = []
        for product in catalog.products {
            for (name, text, boost) in [("title", product.title, boosts.title), ("category", product.category, boosts.category),
                                        ("brand", product.brand, boosts.brand), ("description", product.description, boosts.description)]
            where boost > 0 {
                field.removeAll(keepingCapacity: true)
                tokenizer.forEachToken(text, keepStopwords: wholeFields.contains(name)) { field.append(Int32(table.id($0))) }
                for _ in 0..<boost { ids.append(contentsOf: field) }
            }
            ends.append(ids.count)
        }
        let tokenized = clock.now
        index = BM25Index(terms: table.terms, termIDs: ids, documentEnds: ends, k1: k1, b: b, epsilon: 0.25)
        buildTimes = (tokenized - start, clock.now - tokenized)
        rewriter = QueryRewriter(vocabulary: index.documentFrequency, synonymGroups: synonymGroups)
    }

    /// Over an index built earlier (loaded from a trained model).
    init(catalog: Catalog, index: BM25Index, synonymGroups: [[String]], tokenizer: Tokenizer = Tokenizer()) {
        (self.catalog, self.index, self.tokenizer) = (catalog, index, tokenizer)
        rewriter = QueryRewriter(vocabulary: index.documentFrequency, synonymGroups: synonymGroups)
    }

    /// The query's terms as the index sees them: tokenized, corrected, synonyms added.
    public func rewrittenTerms(_ query: String) -> [String] {
        rewriter.rewrite(tokenizer.tokens(query))
    }

    /// The best `limit` products with a positive score, best first; ties by product id.
    public func search(_ query: String, limit: Int) -> [Result] {
        let products = catalog.products
        let matches = index.matches(rewrittenTerms(query)).filter { $0.score > 0 }
        return matches.best(limit) { a, b in a.score != b.score ? a.score > b.score : products[a.document].id < products[b.document].id }
            .map { Result(productID: products[$0.document].id, score: $0.score) }
    }
}
