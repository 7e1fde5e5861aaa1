import Foundation

/// Content similarity: each product a TF-IDF vector over the same terms BM25 indexes
/// (sublinear tf = 1 + ln(count), smoothed idf = ln((1 + N) / (1 + df)) + 1, L2-normalised,
/// as scikit-learn's `TfidfVectorizer(sublinear_tf=True)` weighs them); similarity is the
/// cosine, i.e. the dot product of unit vectors. Precomputed embeddings, when given, replace
/// the TF-IDF vectors for product-to-product similarity (queries have no embedding, so query
/// relevance stays TF-IDF).
public struct ContentSimilarity: Sendable {
    /// Per term, the unit-vector weight of each document holding it (aligned with the BM25
    /// index's postings), so a query's cosine with every document is one pass over postings.
    let postingWeights: [Float]
    let idf: [Double]
    /// Per document, its (term, weight) pairs, terms ascending.
    let documentStarts: [Int]
    let documentTerms: [Int32]
    let documentWeights: [Float]
    let embeddings: Embeddings?
    let index: BM25Index

    public init(index: BM25Index, embeddings: Embeddings? = nil) {
        self.index = index
        self.embeddings = embeddings
        let n = Double(index.documentCount)
        let vocabulary = index.postingStarts.count - 1
        idf = (0..<vocabulary).map { term in
            log((1 + n) / (1 + Double(index.postingStarts[term + 1] - index.postingStarts[term]))) + 1
        }
        var weights = [Float](repeating: 0, count: index.postingDocuments.count)
        var norms = [Double](repeating: 0, count: index.documentCount)
        var perDocument = [Int](repeating: 0, count: index.documentCount + 1)
        for term in 0..<vocabulary {
            for posting in index.postingStarts[term]..<index.postingStarts[term + 1] {
                let weight = (1 + log(Double(index.postingCounts[posting]))) * idf[term]
                weights[posting] = Float(weight)
                let document = Int(index.postingDocuments[posting])
                norms[document] += weight * weight
                perDocument[document + 1] += 1
            }
        }
        for document in 0..<index.documentCount { perDocument[document + 1] += perDocument[document] }
        var fill = perDocument
        var terms = [Int32](repeating: 0, count: weights.count)
        var documentWeights = [Float](repeating: 0, count: weights.count)
        for term in 0..<vocabulary {
            for posting in index.postingStarts[term]..<index.postingStarts[term + 1] {
                let document = Int(index.postingDocuments[posting])
                let norm = norms[document].squareRoot()
                weights[posting] = norm > 0 ? Float(Double(weights[posting]) / norm) : 0
                terms[fill[document]] = Int32(term)
                documentWeights[fill[document]] = weights[posting]
                fill[document] += 1
            }
        }
        (postingWeights, documentStarts, documentTerms, self.documentWeights) = (weights, perDocument, terms, documentWeights)
    }

    /// The cosine of the query (its terms, as `BM25Index.termCounts` gives them, as TF-IDF of
    /// unit length) with every document it shares a term with, written into `scores` (which
    /// must hold one slot per document).
    func queryCosines(_ terms: [(id: Int, count: Int)], into scores: inout [Double]) {
        let weights = terms.map { ($0.id, (1 + log(Double($0.count))) * idf[$0.id]) }
        let norm = weights.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
        guard norm > 0 else { return }
        for (term, weight) in weights {
            let q = weight / norm
            for posting in index.postingStarts[term]..<index.postingStarts[term + 1] {
                scores[Int(index.postingDocuments[posting])] += q * Double(postingWeights[posting])
            }
        }
    }

    /// Raises `highest[k]` to the similarity of `candidates[k]` with `product` where that is
    /// higher. TF-IDF: the product's vector is scattered into `scratch` (one slot per term, all
    /// zero on entry and on return), so each candidate costs one pass over its own terms.
    func raise(_ highest: inout [Double], candidates: [Int], skipping done: [Bool], to product: Int, scratch: inout [Float]) {
        if embeddings != nil {
            for (k, candidate) in candidates.enumerated() where !done[k] {
                highest[k] = max(highest[k], similarity(candidate, product))
            }
            return
        }
        for entry in documentStarts[product]..<documentStarts[product + 1] {
            scratch[Int(documentTerms[entry])] = documentWeights[entry]
        }
        for (k, candidate) in candidates.enumerated() where !done[k] {
            var sum: Float = 0
            for entry in documentStarts[candidate]..<documentStarts[candidate + 1] {
                sum += documentWeights[entry] * scratch[Int(documentTerms[entry])]
            }
            highest[k] = max(highest[k], Double(sum))
        }
        for entry in documentStarts[product]..<documentStarts[product + 1] {
            scratch[Int(documentTerms[entry])] = 0
        }
    }

    var vocabularySize: Int { idf.count }

    /// Product-to-product similarity in [0, 1] (negative embedding cosines count as 0).
    public func similarity(_ a: Int, _ b: Int) -> Double {
        if let embeddings, let x = embeddings.vector(a), let y = embeddings.vector(b) {
            return max(0, zip(x, y).reduce(0.0) { $0 + Double($1.0 * $1.1) })
        }
        var i = documentStarts[a], j = documentStarts[b]
        let iEnd = documentStarts[a + 1], jEnd = documentStarts[b + 1]
        var sum = 0.0
        while i < iEnd && j < jEnd {
            if documentTerms[i] == documentTerms[j] {
                sum += Double(documentWeights[i] * documentWeights[j])
                i += 1
                j += 1
            } else if documentTerms[i] < documentTerms[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }
}

/// Precomputed product embeddings: CSV lines `product_id,v1,v2,...` (a first line starting
/// with `product_id` is a header), every vector the same length. Vectors are scaled to unit
/// length; products without one fall back to TF-IDF similarity.
public struct Embeddings: Sendable {
    let vectors: [Int: [Float]]
    public let dimension: Int

    init(vectors: [Int: [Float]], dimension: Int) {
        (self.vectors, self.dimension) = (vectors, dimension)
    }

    func vector(_ product: Int) -> [Float]? { vectors[product] }

    public static func read(_ path: String, catalog: Catalog) throws -> Embeddings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RecommenderError.unreadable(path: path, reason: error.localizedDescription)
        }
        let positions = Dictionary(catalog.products.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var vectors: [Int: [Float]] = [:]
        var dimension = 0
        for (index, row) in CSV.lines(text).enumerated() {
            let number = index + 1
            if row.allSatisfy(\.isWhitespace) || (number == 1 && row.hasPrefix("product_id")) { continue }
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2 else {
                throw RecommenderError.malformedRow(path: path, line: number, problem: "expected a product id and at least one number")
            }
            var vector: [Float] = []
            for field in fields.dropFirst() {
                guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw RecommenderError.malformedRow(path: path, line: number, problem: "'\(field)' is not a number")
                }
                vector.append(value)
            }
            if dimension == 0 { dimension = vector.count }
            guard vector.count == dimension else {
                throw RecommenderError.malformedRow(path: path, line: number, problem: "\(vector.count) dimensions where the first vector has \(dimension)")
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else {
                throw RecommenderError.malformedRow(path: path, line: number, problem: "a zero vector has no direction")
            }
            let id = String(fields[0])
            guard let position = positions[id] else { continue }
            vectors[position] = vector.map { $0 / norm }
        }
        guard dimension > 0 else { throw RecommenderError.malformedRow(path: path, line: 1, problem: "no embeddings in the file") }
        return Embeddings(vectors: vectors, dimension: dimension)
    }
}
