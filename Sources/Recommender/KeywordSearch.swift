/// Keyword search over a catalog: BM25 over title (counted `titleBoost` times, a field boost
/// in the simplest form BM25 allows) and description, plus category and brand; query terms
/// pass through `QueryRewriter` (spelling correction, synonyms) first.
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

    public init(
        catalog: Catalog, titleBoost: Int = 2, k1: Double = 1.5, b: Double = 0.75, synonymGroups: [[String]] = [],
        tokenizer: Tokenizer = Tokenizer()
    ) {
        self.catalog = catalog
        self.tokenizer = tokenizer
        let clock = ContinuousClock()
        let start = clock.now
        // Token bytes go straight to term ids: no String per token.
        var table = TermTable()
        var ids: [Int32] = []
        var ends: [Int] = []
        var title: [Int32] = []
        for product in catalog.products {
            title.removeAll(keepingCapacity: true)
            tokenizer.forEachToken(product.title) { title.append(Int32(table.id($0))) }
            for _ in 0..<max(titleBoost, 1) { ids.append(contentsOf: title) }
            for field in [product.category, product.brand, product.description] {
                tokenizer.forEachToken(field) { ids.append(Int32(table.id($0))) }
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
        var results: [Result] = []
        for (product, score) in index.matches(rewrittenTerms(query)) where score > 0 {
            results.append(Result(productID: catalog.products[product].id, score: score))
        }
        results.sort { a, b in a.score != b.score ? a.score > b.score : a.productID < b.productID }
        return Array(results.prefix(limit))
    }
}
