import Foundation
import GateKit

/// How alike two rankings of the same query are.
public enum RankingAgreement {
    /// |top k of a ∩ top k of b| over the longer of the two top-k lists (k when both are full;
    /// two identical short lists overlap fully), 1 when both are empty.
    public static func overlap(_ a: [String], _ b: [String], k: Int) -> Double {
        let size = max(min(k, a.count), min(k, b.count))
        guard size > 0 else { return 1 }
        return Double(Set(a.prefix(k)).intersection(b.prefix(k)).count) / Double(size)
    }

    /// Kendall's tau-b over the union of the two top-k lists: an item ranks at its position in
    /// a list, or k + 1 (tied with the others missing) where the list lacks it — what
    /// `scipy.stats.kendalltau(rank_a, rank_b)` gives for those ranks. 1 when the union has
    /// fewer than two items or either side has no variation.
    public static func kendallTauB(_ a: [String], _ b: [String], k: Int) -> Double {
        let top = (Array(a.prefix(k)), Array(b.prefix(k)))
        var union = top.0
        for item in top.1 where !union.contains(item) { union.append(item) }
        guard union.count >= 2 else { return 1 }
        func ranks(_ list: [String]) -> [Int] {
            let position = Dictionary(list.enumerated().map { ($1, $0 + 1) }, uniquingKeysWith: { a, _ in a })
            return union.map { position[$0] ?? k + 1 }
        }
        let x = ranks(top.0), y = ranks(top.1)
        var concordant = 0, discordant = 0, tiesX = 0, tiesY = 0
        for i in 0..<union.count {
            for j in (i + 1)..<union.count {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0 && dy == 0 { continue }
                if dx == 0 { tiesX += 1; continue }
                if dy == 0 { tiesY += 1; continue }
                if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = (Double(concordant + discordant + tiesX) * Double(concordant + discordant + tiesY)).squareRoot()
        return denominator == 0 ? 1 : Double(concordant - discordant) / denominator
    }

    /// Rank-biased overlap, extrapolated (Webber, Moffat and Zobel 2010, equation 32, which
    /// also covers lists of different lengths): agreement at each depth d, weighted by p^(d-1),
    /// with the unseen tail assumed to agree as the seen part does. p near 1 weighs deep ranks
    /// more; 1 for identical lists, 0 for disjoint ones, 1 for two empty lists.
    public static func rbo(_ a: [String], _ b: [String], p: Double) -> Double {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        let s = short.count, l = long.count
        if l == 0 { return 1 }
        if s == 0 { return 0 }
        // X_d: the overlap of the prefixes at depth d (the short list whole past its end).
        var seenShort = Set<String>(), seenLong = Set<String>()
        var overlap = 0
        var x = [Int](repeating: 0, count: l + 1)
        for d in 1...l {
            let fromLong = long[d - 1]
            if d <= s {
                let fromShort = short[d - 1]
                if fromShort == fromLong {
                    overlap += 1
                } else {
                    if seenLong.contains(fromShort) { overlap += 1 }
                    if seenShort.contains(fromLong) { overlap += 1 }
                }
                seenShort.insert(fromShort)
            } else if seenShort.contains(fromLong) {
                overlap += 1
            }
            seenLong.insert(fromLong)
            x[d] = overlap
        }
        var sum = 0.0
        var weight = 1.0
        for d in 1...l {
            weight *= p
            sum += Double(x[d]) / Double(d) * weight
            if d > s { sum += Double(x[s]) * Double(d - s) / Double(s * d) * weight }
        }
        let tail = (Double(x[l] - x[s]) / Double(l) + Double(x[s]) / Double(s)) * pow(p, Double(l))
        return (1 - p) / p * sum + tail
    }
}

/// The current and a candidate ranking of the same queries, compared without judgements:
/// per query overlap@k, Kendall's tau-b over the union of the top k, extrapolated RBO and
/// whether the first result changed; overall their means, the top-1 change rate and each
/// side's zero-result rate; the queries that changed most.
public struct ShadowComparison: Sendable {
    public struct Query: Sendable {
        public var id: String
        public var text: String
        public var overlap: Double
        public var tau: Double
        public var rbo: Double
        public var topChanged: Bool
        public var currentResults: Int
        public var candidateResults: Int
    }

    public var k: Int
    public var p: Double
    public var queries: [Query]
    /// The shift of the top-k scores, all queries pooled: the two-sample Kolmogorov–Smirnov
    /// test (SciPy's `ks_2samp`, as the drift gate computes it); nil when a side has none.
    public var scoreShift: KolmogorovSmirnov.Result?

    public init(queries texts: [(id: String, text: String)], current: Run, candidate: Run, k: Int, p: Double) {
        self.k = k
        self.p = p
        let scores = { (run: Run) in texts.flatMap { (run.queries[$0.id] ?? []).prefix(k).map(\.score) }.sorted() }
        let (before, after) = (scores(current), scores(candidate))
        scoreShift = before.isEmpty || after.isEmpty ? nil : KolmogorovSmirnov.test(sorted: before, after)
        queries = texts.map { query in
            let a = (current.queries[query.id] ?? []).map(\.document)
            let b = (candidate.queries[query.id] ?? []).map(\.document)
            return Query(id: query.id, text: query.text, overlap: RankingAgreement.overlap(a, b, k: k),
                         tau: RankingAgreement.kendallTauB(a, b, k: k), rbo: RankingAgreement.rbo(Array(a.prefix(k)), Array(b.prefix(k)), p: p),
                         topChanged: a.first != b.first, currentResults: a.count, candidateResults: b.count)
        }
    }

    func mean(_ value: (Query) -> Double) -> Double {
        queries.isEmpty ? 0 : queries.reduce(0) { $0 + value($1) } / Double(queries.count)
    }

    public var meanOverlap: Double { mean(\.overlap) }
    public var meanTau: Double { mean(\.tau) }
    public var meanRBO: Double { mean(\.rbo) }
    public var topChangeRate: Double { mean { $0.topChanged ? 1 : 0 } }
    public var currentZeroResultRate: Double { mean { $0.currentResults == 0 ? 1 : 0 } }
    public var candidateZeroResultRate: Double { mean { $0.candidateResults == 0 ? 1 : 0 } }

    /// The queries whose rankings changed most (lowest RBO first).
    public var mostChanged: [Query] {
        queries.sorted { $0.rbo != $1.rbo ? $0.rbo < $1.rbo : $0.id < $1.id }
    }
}

/// The queries shadow mode runs: a golden set's (CSV with a `query` column) or one per line.
public enum ShadowQueries {
    public static func read(_ path: String) throws -> [(id: String, text: String)] {
        if path.hasSuffix(".csv") {
            let texts = try GoldenSet.read(path).golden.queryTexts
            guard !texts.isEmpty else { throw GateError.usage("\(path): no query texts (a golden set CSV with a `query` column)") }
            return texts.keys.sorted().map { ($0, texts[$0]!) }
        }
        let (bytes, _) = try InputFile.readAll(path, expected: "queries, one per line", limits: .lines)
        var queries: [(String, String)] = []
        for (index, line) in TextLines.of(String(decoding: bytes, as: UTF8.self)).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            queries.append((String(format: "q%04d", index + 1), text))
        }
        guard !queries.isEmpty else { throw GateError.usage("\(path): no queries") }
        return queries
    }
}
