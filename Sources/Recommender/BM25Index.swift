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
public struct BM25Index: Sendable {
    public let k1: Double
    public let b: Double
    public let epsilon: Double
    private let termFrequencies: [[String: Int]]
    private let lengths: [Double]
    private let averageLength: Double
    private let idf: [String: Double]
    /// How many documents contain each term: the index's vocabulary.
    public let documentFrequency: [String: Int]

    /// - Parameter documents: each document's terms, already tokenized.
    public init(documents: [[String]], k1: Double = 1.5, b: Double = 0.75, epsilon: Double = 0.25) {
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon
        var frequencies: [[String: Int]] = []
        var documentFrequency: [String: Int] = [:]
        var order: [String] = []
        var total = 0
        for document in documents {
            var counts: [String: Int] = [:]
            for term in document {
                if counts[term] == nil {
                    // First in this document: in rank_bm25's order of first appearance.
                    if documentFrequency[term] == nil { order.append(term) }
                    documentFrequency[term, default: 0] += 1
                }
                counts[term, default: 0] += 1
            }
            frequencies.append(counts)
            total += document.count
        }
        termFrequencies = frequencies
        self.documentFrequency = documentFrequency
        lengths = documents.map { Double($0.count) }
        averageLength = documents.isEmpty ? 0 : Double(total) / Double(documents.count)
        let count = Double(documents.count)
        var values: [String: Double] = [:]
        var sum = 0.0
        var negative: [String] = []
        for term in order {
            let frequency = Double(documentFrequency[term]!)
            let value = log(count - frequency + 0.5) - log(frequency + 0.5)
            values[term] = value
            sum += value
            if value < 0 { negative.append(term) }
        }
        let floor = order.isEmpty ? 0 : epsilon * (sum / Double(order.count))
        for term in negative { values[term] = floor }
        idf = values
    }

    /// The score of every document for `query` (its terms), in document order.
    public func scores(_ query: [String]) -> [Double] {
        var scores = Array(repeating: 0.0, count: termFrequencies.count)
        for term in query {
            let weight = idf[term] ?? 0
            for index in scores.indices {
                let frequency = Double(termFrequencies[index][term] ?? 0)
                scores[index] += weight * (frequency * (k1 + 1) / (frequency + k1 * (1 - b + b * lengths[index] / averageLength)))
            }
        }
        return scores
    }
}
