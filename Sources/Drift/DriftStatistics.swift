import CIntrinsics
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distances and tests the drift gate reports, each defined as SciPy or NumPy computes
/// it (the tests hold them to 1e-9 of the library calls written beside them). Samples are
/// ascending arrays of finite values; shares are per-bin fractions.
public enum DriftStatistics {
    /// `scipy.stats.wasserstein_distance(u, v)`: the area between the two empirical CDFs,
    /// Σ |F_u(x_k) − F_v(x_k)| (x_{k+1} − x_k) over the pooled sorted values.
    public static func wasserstein(sorted u: [Double], _ v: [Double]) -> Double {
        precondition(!u.isEmpty && !v.isEmpty, "wasserstein needs two non-empty samples")
        // Merged in C (CIntrinsics), which keeps the merge's selects free of branches.
        return u.withUnsafeBufferPointer { u in
            v.withUnsafeBufferPointer { v in gate_wasserstein_sorted(u.baseAddress!, u.count, v.baseAddress!, v.count) }
        }
    }

    /// `numpy.std(x)`: the population standard deviation (ddof 0), two-pass.
    public static func standardDeviation(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        var total = CompensatedSum()
        for value in x { total.add(value) }
        let mean = total.value / Double(x.count)
        var squares = CompensatedSum()
        for value in x { squares.add((value - mean) * (value - mean)) }
        return (squares.value / Double(x.count)).squareRoot()
    }

    /// Evidently's normed Wasserstein distance: the distance over max(std(reference), 0.001).
    public static func normedWasserstein(reference: [Double], current: [Double]) -> Double {
        wasserstein(sorted: reference, current) / max(standardDeviation(reference), 0.001)
    }

    /// `scipy.spatial.distance.jensenshannon(p, q, base)`: both normalised to sum 1, then
    /// √((KL(p‖m) + KL(q‖m)) / 2 / ln base) with m their mean.
    public static func jensenShannon(_ p: [Double], _ q: [Double], base: Double = 2) -> Double {
        precondition(p.count == q.count, "jensenShannon needs the same bins")
        let (sp, sq) = (p.reduce(0, +), q.reduce(0, +))
        var left = CompensatedSum(), right = CompensatedSum()
        for k in p.indices {
            let (a, b) = (p[k] / sp, q[k] / sq)
            let m = (a + b) / 2
            left.add(relativeEntropy(a, m))
            right.add(relativeEntropy(b, m))
        }
        return ((left.value + right.value) / log(base) / 2).squareRoot()
    }

    /// `scipy.special.rel_entr(x, y)`.
    static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x > 0 && y > 0 { return x * log(x / y) }
        if x == 0 && y >= 0 { return 0 }
        return .infinity
    }

    /// `scipy.stats.chisquare(observed, expected)`: Σ (o − e)² / e and its chi-square p-value
    /// with k − 1 degrees of freedom (an expected 0 against an observed count is infinite).
    public static func chiSquare(observed: [Double], expected: [Double]) -> (statistic: Double, pValue: Double) {
        precondition(observed.count == expected.count && observed.count > 1, "chiSquare needs two or more matching cells")
        var statistic = CompensatedSum()
        for k in observed.indices {
            let difference = observed[k] - expected[k]
            statistic.add(difference * difference / expected[k])
        }
        let value = statistic.value
        return (value, value.isInfinite ? 0 : Distributions.chiSquareSurvival(value, degrees: Double(observed.count - 1)))
    }

    /// The two-proportion z-test Evidently uses for binary columns, p = 2(1 − Φ(|z|)) with
    /// the pooled proportion: `successes` are the counts of one of the two values.
    public static func proportionsZTest(referenceSuccesses s1: Int, referenceCount n1: Int, currentSuccesses s2: Int, currentCount n2: Int) -> Double {
        let (p1, p2) = (Double(s1) / Double(n1), Double(s2) / Double(n2))
        let pooled = (p1 * Double(n1) + p2 * Double(n2)) / Double(n1 + n2)
        let z = (p1 - p2) / (pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
        return 2 * (1 - Distributions.normalCDF(abs(z)))
    }

    /// Population Stability Index, Σ (r − c) ln(r / c), on shares with no zero (see
    /// `fillingZeros`).
    public static func psi(_ reference: [Double], _ current: [Double]) -> Double {
        var sum = 0.0
        for k in reference.indices { sum += (reference[k] - current[k]) * log(reference[k] / current[k]) }
        return sum
    }

    /// Evidently's `feel_zeroes`: empty bins get the smallest non-empty share / 10⁶ when that
    /// share is at most 0.0001, else 0.0001, so logarithms stay finite.
    public static func fillingZeros(_ shares: [Double]) -> [Double] {
        guard let smallest = shares.filter({ $0 != 0 }).min() else { return shares }
        let fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001
        return shares.map { $0 == 0 ? fill : $0 }
    }

    /// `numpy.histogram_bin_edges(concat(a, b), bins="sturges")`: ⌈range / (range / (log₂ n + 1))⌉
    /// equal bins over [min, max] (width at least 1 for integer data, as NumPy does for int64
    /// arrays), edges start + i·step with the last edge exactly max.
    public static func sturgesEdges(sorted a: [Double], _ b: [Double], integers: Bool) -> [Double] {
        var first = min(a.first!, b.first!), last = max(a.last!, b.last!)
        if first == last { (first, last) = (first - 0.5, last + 0.5) }
        let size = Double(a.count + b.count)
        let range = max(a.last!, b.last!) - min(a.first!, b.first!)
        var width = range / (log2(size) + 1)
        var bins = 1
        if !range.isFinite {
            // Values spanning more than a Double holds (±1e308): Sturges's count of bins,
            // each step computed without the overflowing difference.
            bins = Int((log2(size) + 1).rounded(.up))
        } else if width != 0 {
            if integers && width < 1 { width = 1 }
            bins = Int(((last - first) / width).rounded(.up))
        }
        let step = range.isFinite ? (last - first) / Double(bins) : last / Double(bins) - first / Double(bins)
        var edges = (0...bins).map { Double($0) * step + first }
        edges[bins] = last
        return edges
    }

    /// `numpy.histogram(x, edges)[0]` for ascending x: counts in [e_k, e_{k+1}), the last bin
    /// closed.
    public static func histogram(sorted x: [Double], edges: [Double]) -> [Int] {
        func lowerBound(_ value: Double) -> Int {
            var (low, high) = (0, x.count)
            while low < high {
                let mid = (low + high) / 2
                if x[mid] < value { low = mid + 1 } else { high = mid }
            }
            return low
        }
        func upperBound(_ value: Double) -> Int {
            var (low, high) = (0, x.count)
            while low < high {
                let mid = (low + high) / 2
                if x[mid] <= value { low = mid + 1 } else { high = mid }
            }
            return low
        }
        var cumulative = edges.dropLast().map(lowerBound)
        cumulative.append(upperBound(edges.last!))
        return (1..<cumulative.count).map { cumulative[$0] - cumulative[$0 - 1] }
    }
}

/// Kahan–Babuška summation: sums of millions of terms within an ulp or two of NumPy's
/// pairwise sums, whatever their order.
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    mutating func add(_ value: Double) {
        let t = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - t) + value
        } else {
            compensation += (value - t) + sum
        }
        sum = t
    }

    /// Infinite or NaN terms make the plain sum the answer.
    var value: Double { sum.isFinite ? sum + compensation : sum }
}
