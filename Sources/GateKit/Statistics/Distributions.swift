#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distribution functions the statistical gates need, computed to near double precision
/// so results match SciPy's to 1e-9: the normal, chi-square, Student t and binomial
/// distributions, from the regularized incomplete gamma and beta functions (series and
/// Lentz continued fractions, as in Numerical Recipes §6.2 and §6.4).
public enum Distributions {
    /// Φ(x), the standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// 1 − Φ(x), accurate in the far tail.
    public static func normalSurvival(_ x: Double) -> Double {
        0.5 * erfc(x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p): Acklam's rational approximation refined by two Halley steps (~1e-15).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p > 1 - 0.02425 {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        for _ in 0..<2 {
            let e = normalCDF(x) - p
            let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }

    /// P(a, x), the regularized lower incomplete gamma function.
    public static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 0 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
    }

    /// Q(a, x) = 1 − P(a, x), computed directly in the upper tail.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
    }

    private static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a, sum = term, n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    private static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-17 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// I_x(a, b), the regularized incomplete beta function.
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
        if x < (a + 1) / (a + b + 2) { return front * betaContinuedFraction(x, a, b) / a }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b
    }

    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<10_000 {
            let m = Double(m)
            var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }

    /// P(X > x) for chi-square with `degrees` degrees of freedom.
    public static func chiSquareSurvival(_ x: Double, degrees: Double) -> Double {
        regularizedGammaQ(degrees / 2, x / 2)
    }

    /// P(T ≤ t) for Student's t with `degrees` degrees of freedom (any positive real).
    public static func studentTCDF(_ t: Double, degrees: Double) -> Double {
        let tail = 0.5 * regularizedBeta(degrees / (degrees + t * t), degrees / 2, 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// P(|T| ≥ |t|).
    public static func studentTTwoSided(_ t: Double, degrees: Double) -> Double {
        regularizedBeta(degrees / (degrees + t * t), degrees / 2, 0.5)
    }

    /// The t with P(T ≤ t) = p: bisection on the CDF; from 10,000 degrees of freedom on, the
    /// Cornish–Fisher expansion in the normal quantile (Abramowitz & Stegun 26.7.5), whose
    /// terms past the fourth are below 1e-20 there while the incomplete beta function loses
    /// digits (a two-million-per-arm experiment's interval was 4e-10 off SciPy's).
    public static func studentTQuantile(_ p: Double, degrees: Double) -> Double {
        precondition(p > 0 && p < 1, "studentTQuantile needs 0 < p < 1")
        if degrees >= 10_000 {
            let z = normalQuantile(p), z2 = z * z
            let g1 = (z2 + 1) * z / 4
            let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
            let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
            let g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92_160
            return z + (g1 + (g2 + (g3 + g4 / degrees) / degrees) / degrees) / degrees
        }
        var low = -1.0, high = 1.0
        while studentTCDF(low, degrees: degrees) > p { low *= 2 }
        while studentTCDF(high, degrees: degrees) < p { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if studentTCDF(middle, degrees: degrees) < p { low = middle } else { high = middle }
            if high - low < 1e-15 * max(1, abs(middle)) { break }
        }
        return (low + high) / 2
    }

    /// P(X = k) for X ~ Binomial(n, p).
    public static func binomialPMF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        guard k >= 0, k <= n else { return 0 }
        if p <= 0 { return k == 0 ? 1 : 0 }
        if p >= 1 { return k == n ? 1 : 0 }
        let (kd, nd) = (Double(k), Double(n))
        return exp(lgamma(nd + 1) - lgamma(kd + 1) - lgamma(nd - kd + 1) + kd * log(p) + (nd - kd) * log1p(-p))
    }

    /// P(X ≤ k).
    public static func binomialCDF(_ k: Int, _ n: Int, _ p: Double) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        return regularizedBeta(1 - p, Double(n - k), Double(k + 1))
    }

    /// P(X > k).
    public static func binomialSurvival(_ k: Int, _ n: Int, _ p: Double) -> Double {
        if k < 0 { return 1 }
        if k >= n { return 0 }
        return regularizedBeta(p, Double(k + 1), Double(n - k))
    }

    /// The two-sided exact binomial test, as SciPy's `binomtest` computes it: the probability
    /// of every count no more likely than the one observed (relative tolerance 1e-7).
    public static func binomialTwoSided(successes k: Int, trials n: Int, rate p: Double) -> Double {
        if p <= 0 { return k == 0 ? 1 : 0 }
        if p >= 1 { return k == n ? 1 : 0 }
        let d = binomialPMF(k, n, p) * (1 + 1e-7)
        let mean = p * Double(n)
        if Double(k) == mean { return 1 }
        /// The last index in [low, high] where `f` is still ≤ target (f monotone there).
        func search(_ f: (Int) -> Double, _ target: Double, _ low: Int, _ high: Int) -> Int {
            var (lo, hi) = (low, high)
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                let value = f(mid)
                if value < target { lo = mid + 1 } else if value > target { hi = mid - 1 } else { return mid }
            }
            return f(lo) <= target ? lo : lo - 1
        }
        let value: Double
        if Double(k) < mean {
            let index = search({ -binomialPMF($0, n, p) }, -d, Int(mean.rounded(.up)), n)
            let y = n - index + (d == binomialPMF(index, n, p) ? 1 : 0)
            value = binomialCDF(k, n, p) + binomialSurvival(n - y, n, p)
        } else {
            let index = search({ binomialPMF($0, n, p) }, d, 0, Int(mean.rounded(.down)))
            let y = index + 1
            value = binomialCDF(y - 1, n, p) + binomialSurvival(k - 1, n, p)
        }
        return min(1, value)
    }
}
