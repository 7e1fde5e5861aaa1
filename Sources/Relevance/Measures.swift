import GateKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One ranking measure, named as trec_eval names it (`ndcg_cut_10`, `P_5`, `recall_100`).
public enum Measure: Sendable, Hashable, CustomStringConvertible {
    case ndcg
    case ndcgCut(Int)
    case precision(Int)
    case recall(Int)
    case averagePrecision
    case reciprocalRank

    public var description: String {
        switch self {
        case .ndcg: "ndcg"
        case .ndcgCut(let k): "ndcg_cut_\(k)"
        case .precision(let k): "P_\(k)"
        case .recall(let k): "recall_\(k)"
        case .averagePrecision: "map"
        case .reciprocalRank: "recip_rank"
        }
    }

    /// Parses trec_eval's `-m` syntax: `ndcg`, `map`, `recip_rank`, `ndcg_cut.10`,
    /// `P.5,10`, `recall.100` (several cutoffs give several measures).
    public static func parse(_ text: String) throws -> [Measure] {
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let cutoffs: [Int]
        if parts.count == 2 {
            let values = parts[1].split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }), Set(values).count == values.count else {
                throw RelevanceError.unknownMeasure(text)
            }
            cutoffs = values.map { $0! }
        } else {
            cutoffs = []
        }
        switch (name, cutoffs.isEmpty) {
        case ("ndcg", true): return [.ndcg]
        case ("map", true): return [.averagePrecision]
        case ("recip_rank", true): return [.reciprocalRank]
        case ("ndcg_cut", false): return cutoffs.map(Measure.ndcgCut)
        case ("P", false): return cutoffs.map(Measure.precision)
        case ("recall", false): return cutoffs.map(Measure.recall)
        case ("ndcg_cut", true): return [5, 10, 15, 20, 30, 100, 200, 500, 1000].map(Measure.ndcgCut)
        case ("P", true), ("recall", true): return [5, 10, 15, 20, 30, 100, 200, 500, 1000].map(name == "P" ? Measure.precision : Measure.recall)
        default: throw RelevanceError.unknownMeasure(text)
        }
    }
}

/// trec_eval's measures for one query, from its judgements and its ranked documents.
///
/// Rules (trec_eval 10.0: m_ndcg.c, m_ndcg_cut.c, m_P.c, m_recall.c, m_map.c,
/// m_recip_rank.c, form_res_rels.c):
/// - documents are ranked by score descending, ties by docno descending (byte-wise); the
///   run's own rank column is ignored;
/// - a retrieved document's relevance is its grade; unjudged (not in the qrels) and negative
///   grades count as not relevant and gain nothing, but keep their rank;
/// - relevant means grade ≥ 1; gain is the grade itself (linear), discounted by log2(rank + 1);
/// - the ideal ranking is every judged document of the query with grade ≥ 1, retrieved or
///   not, by grade descending; an ideal DCG of 0 gives 0, never NaN;
/// - P.k divides by k even when fewer documents were retrieved; recall, map divide by the
///   number of relevant documents (0 when there are none).
public struct QueryEvaluation: Sendable {
    /// The retrieved documents with grade ≥ 1 — the only ones any measure adds up — as
    /// (rank, grade), by rank.
    let relevant: [(rank: Int, grade: Int)]
    /// Judged grades ≥ 1, descending: the ideal ranking.
    let ideal: [Int]

    /// No sort of the ranking: each relevant document's rank is one plus the documents
    /// scored above it plus, among documents of the same score, those whose docno sorts after
    /// it — counted directly when relevant documents are few, else by a binary search in the
    /// scores sorted as plain numbers. The measures need
    /// nothing else; sorting every document (its docno string retained and released at each
    /// comparison) was most of `relevance eval`'s time.
    public init(judgements: [String: Int], ranking: [Run.Entry]) {
        ideal = judgements.values.filter { $0 >= 1 }.sorted(by: >)
        // The relevant judged documents in a small open-addressed table by docno hash; each
        // entry is checked by the hash the reader stored, its string compared only on a match.
        let wanted = judgements.filter { $0.value >= 1 }.map { (entry: Run.Entry(document: $0.key, score: 0), grade: $0.value) }
        var size = 8
        while size < wanted.count * 4 { size *= 2 }
        var table = [Int](repeating: -1, count: size)
        for (index, item) in wanted.enumerated() {
            var slot = Int(truncatingIfNeeded: item.entry.hash) & (size - 1)
            while table[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            table[slot] = index
        }
        var found: [(index: Int, grade: Int)] = []
        if !wanted.isEmpty {
            for (index, entry) in ranking.enumerated() {
                var slot = Int(truncatingIfNeeded: entry.hash) & (size - 1)
                while table[slot] >= 0 {
                    let item = wanted[table[slot]]
                    if item.entry.hash == entry.hash, item.entry.name == entry.name { found.append((index, item.grade)); break }
                    slot = (slot + 1) & (size - 1)
                }
            }
        }
        guard !found.isEmpty else { relevant = []; return }
        // Few relevant documents (the usual case): count what ranks before each directly.
        if found.count * 16 < ranking.count {
            relevant = found.map { index, grade in
                let entry = ranking[index]
                var rank = 1
                for other in ranking where other.score >= entry.score {
                    if other.score > entry.score || Self.ranksBefore(other, entry) { rank += 1 }
                }
                return (rank, grade)
            }.sorted { $0.rank < $1.rank }
            return
        }
        let scores = ranking.map(\.score).sorted(by: >)
        relevant = found.map { index, grade in
            let entry = ranking[index]
            // Scores above: the first position whose score is not greater.
            var low = 0, high = scores.count
            while low < high {
                let middle = (low + high) / 2
                if scores[middle] > entry.score { low = middle + 1 } else { high = middle }
            }
            var rank = low + 1
            if low + 1 < scores.count, scores[low + 1] == entry.score {
                for other in ranking where other.score == entry.score && Self.ranksBefore(other, entry) { rank += 1 }
            }
            return (rank, grade)
        }.sorted { $0.rank < $1.rank }
    }

    /// trec_eval's order: score descending, then docno descending byte-wise.
    static func ranksBefore(_ a: Run.Entry, _ b: Run.Entry) -> Bool {
        if a.score != b.score { return a.score > b.score }
        return DocumentName.precedes(b.name, a.name)
    }

    public func value(_ measure: Measure) -> Double {
        switch measure {
        case .ndcg:
            return Self.ratio(Self.dcg(relevant, limit: .max), Self.dcg(ideal, limit: ideal.count))
        case .ndcgCut(let k):
            return Self.ratio(Self.dcg(relevant, limit: k), Self.dcg(ideal, limit: k))
        case .precision(let k):
            return Double(relevantCount(within: k)) / Double(k)
        case .recall(let k):
            return ideal.isEmpty ? 0 : Double(relevantCount(within: k)) / Double(ideal.count)
        case .averagePrecision:
            guard !ideal.isEmpty else { return 0 }
            var sum = 0.0
            for (found, document) in relevant.enumerated() { sum += Double(found + 1) / Double(document.rank) }
            return sum / Double(ideal.count)
        case .reciprocalRank:
            guard let first = relevant.first else { return 0 }
            return 1 / Double(first.rank)
        }
    }

    private func relevantCount(within k: Int) -> Int {
        relevant.prefix { $0.rank <= k }.count
    }

    /// Σ grade / log2(rank + 1) over the relevant documents within rank `limit`, in rank
    /// order as trec_eval adds them.
    static func dcg(_ relevant: [(rank: Int, grade: Int)], limit: Int) -> Double {
        var sum = 0.0
        for document in relevant where document.rank <= limit {
            sum += Double(document.grade) / log2(Double(document.rank + 1))
        }
        return sum
    }

    /// The ideal DCG: `gains` (descending) at ranks 1, 2, … up to `limit`.
    static func dcg(_ gains: [Int], limit: Int) -> Double {
        var sum = 0.0
        for (index, gain) in gains.prefix(limit).enumerated() where gain > 0 {
            sum += Double(gain) / log2(Double(index + 2))
        }
        return sum
    }

    static func ratio(_ dcg: Double, _ ideal: Double) -> Double {
        ideal > 0 ? dcg / ideal : 0
    }
}

/// Every query of the qrels evaluated against a run, with trec_eval's `-c`: a query judged in
/// the qrels but absent from the run counts, with value 0, and is listed in `missing`;
/// queries only in the run are ignored. Means are arithmetic means over the qrels' queries.
public struct RelevanceEvaluation: Sendable {
    public var measures: [Measure]
    /// Per query (sorted as trec_eval prints them, by qid string), per measure.
    public var perQuery: [(query: String, values: [Double])]
    public var means: [Double]
    /// Queries in the qrels that the run does not rank.
    public var missing: [String]

    public init(qrels: Qrels, run: Run, measures: [Measure]) {
        self.measures = measures
        var rows: [(String, [Double])] = []
        var missing: [String] = []
        let queries = qrels.queries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // Queries are independent: evaluated on every core, kept in qid order.
        let values = parallelMap(queries.count) { index in
            measures.map(QueryEvaluation(judgements: qrels.queries[queries[index]]!, ranking: run.queries[queries[index]] ?? []).value)
        }
        for (query, result) in zip(queries, values) {
            if run.queries[query] == nil { missing.append(query) }
            rows.append((query, try! result.get()))
        }
        perQuery = rows
        self.missing = missing
        means = measures.indices.map { index in
            rows.isEmpty ? 0 : rows.reduce(0.0) { $0 + $1.1[index] } / Double(rows.count)
        }
    }

    /// trec_eval's output: `measure<TAB>qid<TAB>value`, the measure padded to 22 characters,
    /// values with four decimals; per-query lines (with `-q`) before the `all` lines.
    public func trecEvalText(perQuery includeQueries: Bool) -> String {
        var out = ""
        func line(_ measure: Measure, _ query: String, _ value: Double) {
            let name = measure.description
            out += name + String(repeating: " ", count: max(0, 22 - name.count)) + "\t" + query + "\t" + Self.fourDecimals(value) + "\n"
        }
        if includeQueries {
            for row in perQuery {
                for (index, measure) in measures.enumerated() { line(measure, row.query, row.values[index]) }
            }
        }
        for (index, measure) in measures.enumerated() { line(measure, "all", means[index]) }
        return out
    }

    /// `%6.4f`.
    static func fourDecimals(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%6.4f", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
