import Foundation

/// Paired comparisons of two systems over the same items (per-query scores): Student's paired
/// t-test as SciPy's `ttest_rel` computes it, Fisher's randomization (sign-flip) test — exact
/// by enumeration when it fits, else Monte Carlo with a fixed seed — and the Holm and
/// Bonferroni corrections for many comparisons.
public enum PairedTests {
    public struct TTest: Sendable, Equatable {
        /// mean(a − b) / (sd(a − b) / √n), sd with n − 1; NaN when every difference is equal.
        public var statistic: Double
        /// Two-sided, Student's t with n − 1 degrees of freedom; NaN as SciPy gives it.
        public var p: Double
        public var degrees: Int
    }

    /// `scipy.stats.ttest_rel(a, b)`.
    public static func tTest(_ a: [Double], _ b: [Double]) -> TTest {
        let n = min(a.count, b.count)
        guard n >= 2 else { return TTest(statistic: .nan, p: .nan, degrees: max(n - 1, 0)) }
        let d = (0..<n).map { a[$0] - b[$0] }
        let mean = d.reduce(0, +) / Double(n)
        let variance = d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let t = mean / (variance / Double(n)).squareRoot()
        guard !t.isNaN else { return TTest(statistic: .nan, p: .nan, degrees: n - 1) }
        return TTest(statistic: t, p: Distributions.studentTTwoSided(t, degrees: Double(n - 1)), degrees: n - 1)
    }

    public struct Randomization: Sendable, Equatable {
        /// Two-sided: the share of sign assignments whose |Σ d| reaches the observed one.
        public var p: Double
        /// True when every assignment was enumerated; else `permutations` random ones.
        public var exact: Bool
        public var permutations: Int
    }

    /// Fisher's randomization test of paired differences d = a − b: under the null each
    /// difference's sign is a coin flip. Zero differences do not change any sum, so only the
    /// others are flipped; with at most `maxExact` of them every assignment is enumerated (the
    /// p-value is then exact, and equals SciPy's `permutation_test(…, permutation_type=
    /// "samples")`), otherwise `permutations` assignments are drawn from a generator seeded with
    /// `seed`, and p = (1 + hits) / (1 + permutations). A sum that equals the observed one up to
    /// rounding counts as reaching it (sums of the same values in another order differ in the last
    /// bits; not counting those ties understates p).
    public static func randomization(_ a: [Double], _ b: [Double], maxExact: Int = 24, permutations: Int = 100_000,
                                     seed: UInt64 = 20_261_205) -> Randomization {
        let n = min(a.count, b.count)
        // Differences within rounding of zero (1e-12: a score read back from a result file)
        // are zero.
        let d = (0..<n).map { a[$0] - b[$0] }.filter { abs($0) > 1e-12 }
        guard !d.isEmpty else { return Randomization(p: 1, exact: true, permutations: 1) }
        let observed = abs(d.reduce(0, +))
        let tolerance = 1e-9 * d.reduce(0) { $0 + abs($1) }
        if d.count <= maxExact {
            // Gray-code order: each step flips one sign, so each sum costs one update.
            var sum = d.reduce(0, +)
            var signs = [Double](repeating: 1, count: d.count)
            var hits = 0
            let total = 1 << d.count
            for step in 0..<total {
                if abs(sum) >= observed - tolerance { hits += 1 }
                if step + 1 == total { break }
                let bit = (step + 1).trailingZeroBitCount
                sum -= 2 * signs[bit] * d[bit]
                signs[bit] = -signs[bit]
            }
            return Randomization(p: Double(hits) / Double(total), exact: true, permutations: total)
        }
        var generator = SignFlips(seed: seed)
        var hits = 0
        for _ in 0..<permutations {
            var sum = 0.0
            var bits: UInt64 = 0
            for (index, value) in d.enumerated() {
                if index % 64 == 0 { bits = generator.next() }
                sum += (bits & 1) == 1 ? value : -value
                bits >>= 1
            }
            if abs(sum) >= observed - tolerance { hits += 1 }
        }
        return Randomization(p: Double(hits + 1) / Double(permutations + 1), exact: false, permutations: permutations)
    }

    /// Holm's step-down adjustment: the i-th smallest p-value times (m − i), kept monotonic and
    /// at most 1, returned in the input order.
    public static func holm(_ p: [Double]) -> [Double] {
        let order = p.indices.sorted { (p[$0].isNaN ? 2 : p[$0]) < (p[$1].isNaN ? 2 : p[$1]) }
        var adjusted = p
        var running = 0.0
        for (rank, index) in order.enumerated() {
            guard !p[index].isNaN else { continue }
            running = max(running, min(1, Double(p.count - rank) * p[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Bonferroni: each p-value times the number of tests, at most 1.
    public static func bonferroni(_ p: [Double]) -> [Double] {
        p.map { $0.isNaN ? $0 : min(1, $0 * Double(p.count)) }
    }
}

/// Random sign bits with a fixed sequence per seed (SplitMix64), so a Monte Carlo p-value is
/// the same on every machine and every run.
private struct SignFlips {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
