#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Okapi BM25 exactly as rank_bm25's `BM25Okapi` (0.2.2) scores it, so its numbers can be
/// checked against that library:
///
/// idf(t) = ln(N − n(t) + 0.5) − ln(n(t) + 0.5), and a term in more than half the documents
/// (negative idf) gets ε · mean idf instead (ε = 0.25, the mean taken before the floor);
/// score(q, d) = Σ over query terms, repeats included, idf(t) · tf·(k1 + 1) /
/// (tf + k1·(1 − b + b·|d| / avgdl)), with k1 = 1.5 and b = 0.75 by default.
///
/// Stored as an inverted index — per term, the documents holding it with the term's count — so
/// a query touches only the documents that share a term with it.
public struct BM25Index: Sendable {
    public let k1: Double
    public let b: Double
    public let epsilon: Double
    /// Term → id, ids in order of first appearance (rank_bm25's order, which fixes how the
    /// mean idf is summed).
    let termIDs: [String: Int]
    /// Postings of term t: `postingDocuments[postingStarts[t]..<postingStarts[t+1]]`, ascending,
    /// with the term's count in each beside them.
    let postingStarts: [Int]
    let postingDocuments: [Int32]
    let postingCounts: [Int32]
    /// k1 · (1 − b + b·|d| / avgdl) per document.
    let lengthNorms: [Double]
    /// tf·(k1 + 1) / (tf + length norm) per posting, computed once: a query multiplies it by
    /// the term's idf, with no division per document.
    let postingTerms: [Double]
    let idf: [Double]
    public let documentCount: Int
    /// How many documents contain each term: the index's vocabulary.
    public let documentFrequency: [String: Int]

    /// - Parameter documents: each document's terms, already tokenized.
    public init(documents: [[String]], k1: Double = 1.5, b: Double = 0.75, epsilon: Double = 0.25) {
        var table = TermTable()
        var ids: [Int32] = []
        var ends: [Int] = []
        for document in documents {
            for term in document { ids.append(Int32(table.id(term))) }
            ends.append(ids.count)
        }
        self.init(terms: table.terms, termIDs: ids, documentEnds: ends, k1: k1, b: b, epsilon: epsilon)
    }

    /// From every document's term ids back to back (`documentEnds[d]` is where document d
    /// ends), ids numbered in order of first appearance; `terms` names them.
    init(terms: [String], termIDs ids: [Int32], documentEnds: [Int], k1: Double, b: Double, epsilon: Double) {
        (self.k1, self.b, self.epsilon) = (k1, b, epsilon)
        documentCount = documentEnds.count
        let vocabulary = terms.count
        termIDs = Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($1, $0) })
        // Per document, (term, count) pairs, found without sorting: `lastDocument[t]` says
        // whether t was seen in this document, `lastPair[t]` where its pair is.
        var frequency = [Int](repeating: 0, count: vocabulary)
        var pairTerms: [Int32] = [], pairCounts: [Int32] = [], pairDocuments: [Int32] = []
        pairTerms.reserveCapacity(ids.count)
        pairCounts.reserveCapacity(ids.count)
        pairDocuments.reserveCapacity(ids.count)
        var lengths = [Double](repeating: 0, count: documentCount)
        var lastDocument = [Int32](repeating: -1, count: vocabulary)
        var lastPair = [Int](repeating: 0, count: vocabulary)
        ids.withUnsafeBufferPointer { ids in
        lastDocument.withUnsafeMutableBufferPointer { lastDocument in
        lastPair.withUnsafeMutableBufferPointer { lastPair in
        frequency.withUnsafeMutableBufferPointer { frequency in
            var start = 0
            for (document, end) in documentEnds.enumerated() {
                lengths[document] = Double(end - start)
                let current = Int32(document)
                for position in start..<end {
                    let term = Int(ids[position])
                    if lastDocument[term] == current {
                        pairCounts[lastPair[term]] += 1
                    } else {
                        lastDocument[term] = current
                        lastPair[term] = pairTerms.count
                        pairTerms.append(Int32(term))
                        pairCounts.append(1)
                        pairDocuments.append(current)
                        frequency[term] += 1
                    }
                }
                start = end
            }
        }
        }
        }
        }
        // Postings: a counting sort of the pairs by term keeps documents ascending.
        var starts = [Int](repeating: 0, count: vocabulary + 1)
        for term in 0..<vocabulary { starts[term + 1] = starts[term] + frequency[term] }
        var fill = starts
        var postingDocuments = [Int32](repeating: 0, count: pairTerms.count)
        var postingCounts = [Int32](repeating: 0, count: pairTerms.count)
        for pair in pairTerms.indices {
            let term = Int(pairTerms[pair])
            postingDocuments[fill[term]] = pairDocuments[pair]
            postingCounts[fill[term]] = pairCounts[pair]
            fill[term] += 1
        }
        (postingStarts, self.postingDocuments, self.postingCounts) = (starts, postingDocuments, postingCounts)

        let averageLength = documentCount == 0 ? 0 : Double(ids.count) / Double(documentCount)
        lengthNorms = lengths.map { k1 * (1 - b + b * $0 / averageLength) }
        let count = Double(documentCount)
        var idf = [Double](repeating: 0, count: vocabulary)
        var sum = 0.0
        for term in 0..<vocabulary {
            let n = Double(frequency[term])
            idf[term] = log(count - n + 0.5) - log(n + 0.5)
            sum += idf[term]
        }
        let floor = vocabulary == 0 ? 0 : epsilon * (sum / Double(vocabulary))
        for term in 0..<vocabulary where idf[term] < 0 { idf[term] = floor }
        self.idf = idf
        documentFrequency = Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($1, frequency[$0]) })
        postingTerms = Self.postingTerms(postingDocuments, postingCounts, lengthNorms, k1: k1)
    }

    static func postingTerms(_ documents: [Int32], _ counts: [Int32], _ norms: [Double], k1: Double) -> [Double] {
        zip(documents, counts).map { document, count in
            let frequency = Double(count)
            return frequency * (k1 + 1) / (frequency + norms[Int(document)])
        }
    }

    /// An index as saved (`ModelArtifacts`); nil unless the parts fit together: postings
    /// ascending within bounds, one norm per document, one idf per term.
    init?(k1: Double, b: Double, epsilon: Double, terms: [String], postingStarts: [Int], postingDocuments: [Int32], postingCounts: [Int32],
          lengthNorms: [Double], idf: [Double]) {
        let documentCount = lengthNorms.count
        guard postingStarts.count == terms.count + 1, postingStarts.first == 0, postingStarts.last == postingDocuments.count,
              postingCounts.count == postingDocuments.count, idf.count == terms.count,
              zip(postingStarts, postingStarts.dropFirst()).allSatisfy({ $0 <= $1 }),
              postingDocuments.allSatisfy({ $0 >= 0 && Int($0) < documentCount }), postingCounts.allSatisfy({ $0 > 0 }),
              Set(terms).count == terms.count else { return nil }
        (self.k1, self.b, self.epsilon, self.documentCount) = (k1, b, epsilon, documentCount)
        termIDs = Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($1, $0) })
        (self.postingStarts, self.postingDocuments, self.postingCounts, self.lengthNorms, self.idf) =
            (postingStarts, postingDocuments, postingCounts, lengthNorms, idf)
        postingTerms = Self.postingTerms(postingDocuments, postingCounts, lengthNorms, k1: k1)
        documentFrequency = Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($1, postingStarts[$0 + 1] - postingStarts[$0]) })
    }

    /// The score of every document for `query` (its terms, repeats counting), in document order.
    public func scores(_ query: [String]) -> [Double] {
        var scores = [Double](repeating: 0, count: documentCount)
        for term in query {
            guard let id = termIDs[term] else { continue }
            let weight = idf[id]
            for posting in postingStarts[id]..<postingStarts[id + 1] {
                scores[Int(postingDocuments[posting])] += weight * postingTerms[posting]
            }
        }
        return scores
    }

    /// The documents sharing a term with `query` and their scores, in no particular order.
    public func matches(_ query: [String]) -> [(document: Int, score: Double)] {
        matches(termCounts(query))
    }

    /// The query's known terms as ids with how often each occurs, in order of first appearance.
    func termCounts(_ query: [String]) -> [(id: Int, count: Int)] {
        var terms: [(id: Int, count: Int)] = []
        var position: [Int: Int] = [:]
        for term in query {
            guard let id = termIDs[term] else { continue }
            if let known = position[id] { terms[known].count += 1 } else {
                position[id] = terms.count
                terms.append((id, 1))
            }
        }
        return terms
    }

    /// `matches` over term counts: a term repeated in the query counts that many times, in one
    /// pass over its postings with its weight multiplied (a paragraph-long query repeats its
    /// subject words).
    func matches(_ terms: [(id: Int, count: Int)]) -> [(document: Int, score: Double)] {
        var scores = [Double](repeating: 0, count: documentCount)
        var seen = [Bool](repeating: false, count: documentCount)
        var touched: [Int] = []
        for (id, count) in terms {
            let weight = idf[id] * Double(count)
            for posting in postingStarts[id]..<postingStarts[id + 1] {
                let document = Int(postingDocuments[posting])
                scores[document] += weight * postingTerms[posting]
                if !seen[document] {
                    seen[document] = true
                    touched.append(document)
                }
            }
        }
        return touched.map { ($0, scores[$0]) }
    }
}
