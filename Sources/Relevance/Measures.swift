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
    /// Grades of the ranked documents, in rank order (-1 unjudged).
    let grades: [Int]
    /// Judged grades ≥ 1, descending: the ideal ranking.
    let ideal: [Int]

    /// - Parameter depth: how many ranks the requested measures look at (nil: all). With a
    ///   small depth only the top documents are selected, in the same order a full sort gives.
    public init(judgements: [String: Int], ranking: [Run.Entry], depth: Int? = nil) {
        let ordered: [Run.Entry]
        if let depth, depth * 8 < ranking.count {
            ordered = Self.top(depth, of: ranking)
        } else {
            ordered = ranking.sorted(by: Self.ranksBefore)
        }
        grades = ordered.map { judgements[$0.document] ?? -1 }
        ideal = judgements.values.filter { $0 >= 1 }.sorted(by: >)
    }

    /// trec_eval's order: score descending, then docno descending byte-wise.
    static func ranksBefore(_ a: Run.Entry, _ b: Run.Entry) -> Bool {
        if a.score != b.score { return a.score > b.score }
        return b.document.utf8.lexicographicallyPrecedes(a.document.utf8)
    }

    /// The first `k` entries of the full order, by insertion into a short sorted list.
    static func top(_ k: Int, of entries: [Run.Entry]) -> [Run.Entry] {
        var best: [Run.Entry] = []
        best.reserveCapacity(k + 1)
        for entry in entries {
            if best.count == k, !ranksBefore(entry, best[k - 1]) { continue }
            var low = 0, high = best.count
            while low < high {
                let middle = (low + high) / 2
                if ranksBefore(best[middle], entry) { low = middle + 1 } else { high = middle }
            }
            best.insert(entry, at: low)
            if best.count > k { best.removeLast() }
        }
        return best
    }

    /// The deepest rank any of `measures` reads; nil when one reads the whole ranking.
    public static func depth(for measures: [Measure]) -> Int? {
        var deepest = 0
        for measure in measures {
            switch measure {
            case .ndcgCut(let k), .precision(let k), .recall(let k): deepest = max(deepest, k)
            case .ndcg, .averagePrecision, .reciprocalRank: return nil
            }
        }
        return deepest
    }

    public func value(_ measure: Measure) -> Double {
        switch measure {
        case .ndcg:
            return Self.ratio(Self.dcg(grades, limit: grades.count), Self.dcg(ideal, limit: ideal.count))
        case .ndcgCut(let k):
            return Self.ratio(Self.dcg(grades, limit: k), Self.dcg(ideal, limit: k))
        case .precision(let k):
            return Double(relevantCount(within: k)) / Double(k)
        case .recall(let k):
            return ideal.isEmpty ? 0 : Double(relevantCount(within: k)) / Double(ideal.count)
        case .averagePrecision:
            guard !ideal.isEmpty else { return 0 }
            var found = 0
            var sum = 0.0
            for (index, grade) in grades.enumerated() where grade >= 1 {
                found += 1
                sum += Double(found) / Double(index + 1)
            }
            return sum / Double(ideal.count)
        case .reciprocalRank:
            guard let first = grades.firstIndex(where: { $0 >= 1 }) else { return 0 }
            return 1 / Double(first + 1)
        }
    }

    private func relevantCount(within k: Int) -> Int {
        grades.prefix(k).filter { $0 >= 1 }.count
    }

    /// Σ gain / log2(rank + 1) over the first `limit` ranks, adding only positive gains, in
    /// rank order as trec_eval adds them.
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
        let depth = QueryEvaluation.depth(for: measures)
        for query in qrels.queries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let ranking = run.queries[query]
            if ranking == nil { missing.append(query) }
            let evaluation = QueryEvaluation(judgements: qrels.queries[query]!, ranking: ranking ?? [], depth: depth)
            rows.append((query, measures.map(evaluation.value)))
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
