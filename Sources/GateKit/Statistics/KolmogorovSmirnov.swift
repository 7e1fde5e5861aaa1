import Foundation

/// The two-sample Kolmogorov–Smirnov test as SciPy's `ks_2samp(a, b)` computes it with its
/// default `method="auto"`: the exact distribution when neither sample has more than 10,000
/// values, else the asymptotic one — the one-sample distribution `kstwo` of D for
/// n = round(n₁n₂/(n₁+n₂)) — so p-values agree with SciPy's to 1e-9 at every size.
public enum KolmogorovSmirnov {
    /// SciPy's `MAX_AUTO_N`: above this many values in either sample, the asymptotic method.
    public static let exactLimit = 10_000

    public enum Method: String, Sendable { case exact, asymptotic }

    public struct Result: Sendable, Equatable {
        public var statistic: Double
        public var pValue: Double
        public var method: Method
    }

    /// The test on two ascending samples (neither empty).
    public static func test(sorted a: [Double], _ b: [Double]) -> Result {
        precondition(!a.isEmpty && !b.isEmpty, "KS needs two non-empty samples")
        let (n1, n2) = (a.count, b.count)
        // D = max over all values x of |F_a(x) − F_b(x)|, the CDFs taken right-continuous.
        var (i, j) = (0, 0)
        var d = 0.0
        while i < n1 || j < n2 {
            let x = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j]
            while i < n1 && a[i] <= x { i += 1 }
            while j < n2 && b[j] <= x { j += 1 }
            d = max(d, abs(Double(i) / Double(n1) - Double(j) / Double(n2)))
        }
        if max(n1, n2) <= exactLimit, let exact = exactPValue(n1, n2, d) {
            return Result(statistic: exact.d, pValue: exact.p, method: .exact)
        }
        let (m, n) = (Double(max(n1, n2)), Double(min(n1, n2)))
        let en = (m * n / (m + n)).rounded(.toNearestOrEven)
        return Result(statistic: d, pValue: min(max(kolmogorovSurvival(n: Int(en), d), 0), 1), method: .asymptotic)
    }

    /// The exact two-sided p-value, with D snapped to the lattice of attainable values
    /// h / lcm(n₁, n₂); nil where the computation leaves [0, 1] (SciPy then goes asymptotic).
    static func exactPValue(_ n1: Int, _ n2: Int, _ d: Double) -> (d: Double, p: Double)? {
        let g = gcd(n1, n2)
        let lcm = Double((n1 / g) * n2)
        let h = Int((d * lcm).rounded(.toNearestOrEven))
        let snapped = Double(h) / lcm
        guard h > 0 else { return (snapped, 1) }
        let p = n1 == n2 ? outsideSquare(n1, h) : outsideInside(n1, n2, g, h)
        guard p.isFinite, p >= 0, p <= 1 else { return nil }
        return (snapped, p)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Equal sizes: P(D ≥ h/n) = 2 Σ_k (−1)^(k−1) C(2n, n−kh) / C(2n, n), evaluated as a nested
    /// product (each term relative to the one before) to avoid cancellation.
    private static func outsideSquare(_ n: Int, _ h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var term = 1.0
            for j in 0..<h { term = Double(n - k * h - j) * term / Double(n + k * h + j + 1) }
            p = term * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// Unequal sizes: the share of lattice paths from (0,0) to (m,n) leaving the band
    /// |x/m − y/n| < h/lcm, by the "inside" recursion rewritten for 1 − p (Hodges 1958;
    /// Viehmann 2021), one sliding column at a time.
    private static func outsideInside(_ first: Int, _ second: Int, _ g: Int, _ h: Int) -> Double {
        let (m, n) = first >= second ? (first, second) : (second, first)
        let (mg, ng) = (m / g, n / g)
        var minj = 0
        var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var curlen = maxj - minj
        let length = min(2 * maxj + 2, n + 1)
        var column = [Double](repeating: 1, count: length)
        for index in minj..<maxj { column[index] = 0 }
        for i in 1...m {
            let (lastminj, lastlen) = (minj, curlen)
            minj = min(max(Int(floor(Double(ng * i - h) / Double(mg))) + 1, 0), n)
            maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if maxj <= minj { return 1 }
            var value = minj == 0 ? 0.0 : 1.0
            for jj in 0..<(maxj - minj) {
                let j = jj + minj
                value = (column[jj + minj - lastminj] * Double(i) + value * Double(j)) / Double(i + j)
                column[jj] = value
            }
            curlen = maxj - minj
            if lastlen > curlen {
                for index in (maxj - minj)..<(maxj - minj + lastlen - curlen) { column[index] = 1 }
            }
        }
        return column[maxj - minj - 1]
    }

    // MARK: - The one-sample distribution of D (SciPy's kstwo), survival function

    /// P(Dₙ ≥ x), choosing among exact and approximate methods by n and x as Simard and
    /// L'Ecuyer (2011) recommend and SciPy's `kstwo.sf` does.
    public static func kolmogorovSurvival(n: Int, _ x: Double) -> Double {
        guard n > 0 else { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {  // Ruben–Gambino
            if t <= 0.5 { return 1 }
            let cdf = n <= 140
                ? (1...n).reduce(1.0) { $0 * (Double($1) / nd * (2 * t - 1)) }
                : exp(logFactorialOverPower(nd) + nd * log(2 * t - 1))
            return clip(1 - cdf)
        }
        if t >= nd - 1 { return clip(2 * pow(1 - x, nd)) }
        if x >= 0.5 { return clip(2 * smirnov(n, x)) }
        let nxx = t * x
        if n <= 140 {
            if nxx <= 0.754693 { return clip(1 - durbinMatrix(n, x)) }
            if nxx <= 4 { return clip(1 - pomeranz(n, x)) }
            return clip(2 * smirnov(n, x))
        }
        if nxx >= 370 { return 0 }
        if nxx >= 2.2 { return clip(2 * smirnov(n, x)) }
        let cdf = n <= 100_000 && nd * pow(x, 1.5) <= 1.4 ? durbinMatrix(n, x) : pelzGood(n, x)
        return clip(1 - cdf)
    }

    private static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    /// log(n! / nⁿ) by Stirling's series with n log n taken out first.
    private static func logFactorialOverPower(_ n: Double) -> Double {
        let coefficients = [-2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
                            8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
                            -2.7777777777777777778e-3, 8.3333333333333333333e-2]
        let r = 1 / n
        let series = coefficients.reduce(0.0) { $0 * (r / n) + $1 }
        return log(n) / 2 - n + log(2 * Double.pi) / 2 + r * series
    }

    private static func logGamma(_ x: Double) -> Double { Foundation.lgamma(x) }

    /// The one-sided P(Dₙ⁺ ≥ x) by the Birnbaum–Tingey sum, every term positive, each
    /// evaluated in logarithms: x Σ_{j ≤ n(1−x)} C(n, j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1).
    static func smirnov(_ n: Int, _ x: Double) -> Double {
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let last = Int(floor(nd * (1 - x)))
        var sum = 0.0
        let logN = logGamma(nd + 1)
        for j in 0...max(last, 0) {
            let jd = Double(j)
            let a = 1 - x - jd / nd
            guard a > 0 || j == n else { continue }
            let logTerm = logN - logGamma(jd + 1) - logGamma(nd - jd + 1)
                + (nd - jd) * (a > 0 ? log(a) : 0) + (jd - 1) * log(x + jd / nd)
            sum += exp(logTerm)
        }
        return min(x * sum, 1)
    }

    /// P(Dₙ < x) by Durbin's matrix method as Marsaglia, Tsang and Wang (2003) give it: the
    /// k-th diagonal entry of Hⁿ scaled by n!/nⁿ, with exponents kept apart to avoid overflow.
    private static func durbinMatrix(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = (1...m).map { 1 - pow(h, Double($0)) }
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] *= factorial
        }
        v[m - 1] = (1 + pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))) * factorial
        var matrix = [Double](repeating: 0, count: m * m)
        for i in 1..<max(m, 1) {
            for row in (i - 1)..<m { matrix[row * m + i] = w[row - i + 1] }
        }
        for row in 0..<m { matrix[row * m] = v[row] }
        for column in 0..<m { matrix[(m - 1) * m + column] = v[m - 1 - column] }

        let big = 0x1p128, bigExponent = 128
        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var exponent = 0, matrixExponent = 0
        var remaining = n
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, m)
                exponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + (k - 1)]) > big {
                for index in matrix.indices { matrix[index] /= big }
                matrixExponent += bigExponent
            }
            remaining /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < 0x1p-128 {
                p *= big
                exponent -= bigExponent
            }
        }
        return clip(scalbn(p, exponent))
    }

    private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for l in 0..<m {
                let factor = a[i * m + l]
                if factor == 0 { continue }
                for j in 0..<m { c[i * m + j] += factor * b[l * m + j] }
            }
        }
        return c
    }

    /// P(Dₙ ≤ x) by Pomeranz's recursion (1974): rows convolved with truncated Poisson weights,
    /// only the band of non-zero entries kept, rescaled to avoid underflow.
    private static func pomeranz(_ n: Int, _ x: Double) -> Double {
        let t = Double(n) * x
        let ll = Int(floor(t))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers)
        var twoGPower = gPower, oneMinusTwoGPower = gPower
        let nd = Double(n)
        for m in 1..<powers {
            gPower[m] = gPower[m - 1] * (g / nd) / Double(m)
            twoGPower[m] = twoGPower[m - 1] * (2 * g / nd) / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / nd) / Double(m)
        }
        func bounds(_ i: Int) -> (Int, Int) {
            var j1: Int, j2: Int
            if i == 0 {
                (j1, j2) = (-ll - ceilf - 1, ll + ceilf - 1)
            } else {
                let (half, odd) = ((i + 1) / 2, (i + 1) % 2)
                if odd == 0 {
                    if half == n + 1 {
                        (j1, j2) = (n - ll - ceilf - 1, n + ll + ceilf - 1)
                    } else {
                        (j1, j2) = (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
                    }
                } else {
                    (j1, j2) = (half - 1 - ll - 1, half + ll + roundf - 1)
                }
            }
            return (max(j1 + 2, 0), min(j2, n))
        }
        var previous = [Double](repeating: 0, count: powers)
        var current = [Double](repeating: 0, count: powers)
        current[0] = 1
        var previousStart = 0, currentStart = 0
        var exponent = 0
        var (j1, j2) = bounds(0)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&previous, &current)
            swap(&previousStart, &currentStart)
            for index in current.indices { current[index] = 0 }
            (j1, j2) = bounds(i)
            let weights = i == 1 || i == 2 * n + 1 ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let span = j2 - k1 + 1
            guard span > 0 else { continue }
            // The full convolution of previous[k1 - start ..< +span] with weights[..<span],
            // of which entries j1 - k1 ..< j2 - k1 + 1 are kept.
            let offset = k1 - previousStart
            let keepStart = j1 - k1
            let keepCount = j2 - j1 + 1
            for out in 0..<keepCount {
                let position = keepStart + out
                var sum = 0.0
                let low = max(0, position - (span - 1)), high = min(position, span - 1)
                if low <= high {
                    // Entries past the row's end count as zero, as a shorter slice would.
                    for a in low...high where offset + a >= 0 && offset + a < previous.count {
                        sum += previous[offset + a] * weights[position - a]
                    }
                }
                current[out] = sum
            }
            let largest = current[0..<max(keepCount, 0)].max() ?? 0
            if largest > 0 && largest < 0x1p-128 {
                for index in 0..<keepCount { current[index] *= 0x1p128 }
                exponent -= 128
            }
            currentStart = previousStart + j1 - k1
        }
        var answer = current[n - currentStart]
        for m in 1...n {
            if abs(answer) > 0x1p128 {
                answer *= 0x1p-128
                exponent += 128
            }
            answer *= Double(m)
        }
        return clip(scalbn(answer, exponent))
    }

    /// P(Dₙ ≤ x) by the Pelz–Good (1976) expansion in 1/√n, with Jacobi-theta forms of the
    /// terms that converge for small z = x√n.
    private static func pelzGood(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let z = Double(n).squareRoot() * x
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = exp(qlog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * pow(z, 8)
        var sums = [0.0, 0.0, 0.0, 0.0]
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        if maxk >= 1 {
            for k in stride(from: maxk, through: 1, by: -1) {
                let m = Double(2 * k - 1)
                let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
                let qPower = pow(q, Double(8 * k))
                let coefficients = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
                for index in 0..<4 { sums[index] = sums[index] * qPower + coefficients[index] }
            }
        }
        let root2pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for index in 0..<4 { sums[index] = sums[index] * q * root2pi / divisors[index] }
        q = exp(-pi2 / 2 / z2)
        var k2extra = 0.0, k3extra = 0.0
        let root3z = 3.0.squareRoot() * z
        if maxk >= 1 {
            for k in stride(from: maxk, through: 1, by: -1) {
                let kd = Double(k)
                let k2 = kd * kd
                let qPower = pow(q, k2)
                k2extra += k2 * qPower
                let kpi = Double.pi * kd
                k3extra += (root3z + kpi) * (root3z - kpi) * k2 * qPower
            }
        }
        sums[2] += k2extra * pi2 * root2pi / (-36 * z3)
        sums[3] += k3extra * pi2 * root2pi / (216 * z6)
        let nd = Double(n)
        for index in 0..<4 { sums[index] /= pow(nd, Double(index) / 2) }
        return sums.reduce(0, +)
    }
}
