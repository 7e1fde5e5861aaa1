/// The Mann–Whitney U test as SciPy's `mannwhitneyu(x, y)` computes it by default
/// (two-sided, `use_continuity=True`, `method="auto"`): U of the first sample from average
/// ranks; the exact null distribution when both samples have at most 8 values and there are
/// no ties, else the normal approximation with tie and continuity corrections. The benchmark
/// and canary gates compare samples with it.
public enum MannWhitney {
    public enum Method: String, Sendable { case exact, asymptotic }

    /// SciPy's `alternative`: `greater` asks whether x tends to be larger than y.
    public enum Alternative: String, Sendable { case twoSided = "two-sided", greater, less }

    public struct Result: Sendable, Equatable {
        /// U of the first sample (SciPy's `statistic`).
        public var u: Double
        public var pValue: Double
        public var method: Method
    }

    public static func test(_ x: [Double], _ y: [Double], alternative: Alternative = .twoSided) -> Result {
        precondition(!x.isEmpty && !y.isEmpty, "Mann-Whitney needs two non-empty samples")
        let (n1, n2) = (x.count, y.count)
        // Average ranks over the pooled sample, and the sizes of tied groups.
        let pooled = (x.map { ($0, true) } + y.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSumX = 0.0
        var tieTerm = 0.0
        var hasTies = false
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let averageRank = Double(start + end + 2) / 2
            let size = Double(end - start + 1)
            if size > 1 {
                hasTies = true
                tieTerm += size * size * size - size
            }
            for k in start...end where pooled[k].1 { rankSumX += averageRank }
            start = end + 1
        }
        let u1 = rankSumX - Double(n1 * (n1 + 1)) / 2
        let u2 = Double(n1 * n2) - u1
        let (u, factor): (Double, Double) = switch alternative {
        case .twoSided: (max(u1, u2), 2)
        case .greater: (u1, 1)
        case .less: (u2, 1)
        }
        if n1 <= 8 || n2 <= 8, !hasTies {
            let p = factor * exactSurvival(Int(u.rounded()), min(n1, n2), max(n1, n2))
            return Result(u: u1, pValue: min(max(p, 0), 1), method: .exact)
        }
        let n = Double(n1 + n2)
        let mean = Double(n1 * n2) / 2
        let sd = (Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))).squareRoot()
        let z = (u - mean - 0.5) / sd
        let p = factor * Distributions.normalSurvival(z)
        return Result(u: u1, pValue: min(max(p.isNaN ? 1 : p, 0), 1), method: .asymptotic)
    }

    /// P(U ≥ k) under the null for sample sizes m ≤ n: the number of arrangements with U ≥ k
    /// over C(m+n, m), counted by the recurrence f(m, n, k) = f(m−1, n, k−n) + f(m, n−1, k).
    static func exactSurvival(_ k: Int, _ m: Int, _ n: Int) -> Double {
        // counts[i][j][u]: arrangements of i and j values with statistic u, built up in i and j.
        var table = [[[Double]]](repeating: [[Double]](repeating: [], count: n + 1), count: m + 1)
        for i in 0...m {
            for j in 0...n {
                if i == 0 || j == 0 {
                    table[i][j] = [1]
                    continue
                }
                var counts = [Double](repeating: 0, count: i * j + 1)
                for (u, c) in table[i][j - 1].enumerated() { counts[u] += c }
                for (u, c) in table[i - 1][j].enumerated() { counts[u + j] += c }
                table[i][j] = counts
            }
        }
        let counts = table[m][n]
        let total = counts.reduce(0, +)
        let atLeast = counts.indices.filter { $0 >= k }.reduce(0.0) { $0 + counts[$1] }
        return atLeast / total
    }
}
