import Foundation
import GateKit

/// One variant's sums for one metric, as GrowthBook's statistics engine (gbstats) takes them:
/// a proportion (n units, `sum` converted), a mean (n, sum, sum of squares), a ratio of two
/// such (clicks per session: numerator and denominator sums and the sum of their products,
/// by the delta method), or a post-period statistic adjusted by its pre-period covariate
/// (CUPED; θ estimated on both variants together).
public indirect enum VariantStatistic: Sendable, Equatable {
    /// n, sum and, for a mean, the sum of squares (nil: a proportion, whose squares are its sum).
    public struct Moments: Sendable, Equatable {
        public var n: Double
        public var sum: Double
        public var sumSquares: Double?

        public init(n: Double, sum: Double, sumSquares: Double? = nil) { (self.n, self.sum, self.sumSquares) = (n, sum, sumSquares) }

        public var mean: Double { n == 0 ? 0 : sum / n }
        /// p(1 − p) for a proportion; the sample variance (n − 1) for a mean.
        public var variance: Double {
            guard let sumSquares else { return mean * (1 - mean) }
            return n <= 1 ? 0 : (sumSquares - sum * sum / n) / (n - 1)
        }
    }

    case moments(Moments)
    case ratio(numerator: Moments, denominator: Moments, products: Double)
    case adjusted(post: Moments, pre: Moments, products: Double, theta: Double)

    public var n: Double {
        switch self {
        case .moments(let m): m.n
        case .ratio(let numerator, _, _): numerator.n
        case .adjusted(let post, _, _, _): post.n
        }
    }

    public var mean: Double {
        switch self {
        case .moments(let m): return m.mean
        case .ratio(let numerator, let denominator, _): return denominator.sum == 0 ? 0 : numerator.sum / denominator.sum
        case .adjusted(let post, let pre, _, let theta): return post.mean - theta * pre.mean
        }
    }

    /// The mean before any CUPED adjustment: what relative lifts divide by.
    public var unadjustedMean: Double {
        if case .adjusted(let post, _, _, _) = self { return post.mean }
        return mean
    }

    public var variance: Double {
        switch self {
        case .moments(let m):
            return m.variance
        case .ratio(let m, let d, let products):
            guard d.mean != 0, m.n > 1 else { return 0 }
            let covariance = (products - m.sum * d.sum / m.n) / (m.n - 1)
            return m.variance / pow(d.mean, 2) - 2 * covariance * m.mean / pow(d.mean, 3) + pow(m.mean, 2) * d.variance / pow(d.mean, 4)
        case .adjusted(let post, let pre, let products, let theta):
            guard post.n > 1 else { return 0 }
            let covariance = (products - post.sum * pre.sum / post.n) / (post.n - 1)
            return post.variance + theta * theta * pre.variance - 2 * theta * covariance
        }
    }

    /// CUPED's θ for a control and a treatment, from both together: cov(post, pre) / var(pre);
    /// 0 when either pooled variance is 0 (the statistics are then used unadjusted).
    public static func theta(_ a: VariantStatistic, _ b: VariantStatistic) -> Double {
        guard case .adjusted(let postA, let preA, let productsA, _) = a, case .adjusted(let postB, let preB, let productsB, _) = b else { return 0 }
        func joint(_ x: Moments, _ y: Moments) -> Moments {
            Moments(n: x.n + y.n, sum: x.sum + y.sum, sumSquares: x.sumSquares.flatMap { s in y.sumSquares.map { s + $0 } })
        }
        let post = joint(postA, postB), pre = joint(preA, preB)
        guard pre.variance != 0, post.variance != 0, post.n > 1 else { return 0 }
        let covariance = (productsA + productsB - post.sum * pre.sum / post.n) / (post.n - 1)
        return covariance / pre.variance
    }

    /// The pair with CUPED's θ set, or the post-period statistics when θ is 0.
    public static func prepared(_ a: VariantStatistic, _ b: VariantStatistic) -> (VariantStatistic, VariantStatistic) {
        guard case .adjusted(let postA, let preA, let productsA, _) = a, case .adjusted(let postB, let preB, let productsB, _) = b else { return (a, b) }
        let theta = theta(a, b)
        guard theta != 0 else { return (.moments(postA), .moments(postB)) }
        return (.adjusted(post: postA, pre: preA, products: productsA, theta: theta), .adjusted(post: postB, pre: preB, products: productsB, theta: theta))
    }
}

/// The three analyses of one treatment against the control, each as gbstats computes it.
///
/// - **fixed** (gbstats' `TwoSidedTTest`): the difference — relative, (b − a) / a, or
///   absolute — with its delta-method variance, Welch–Satterthwaite degrees of freedom, a
///   two-sided t p-value and interval. Valid once, at a horizon fixed in advance.
/// - **sequential** (`SequentialTwoSidedTTest`): the always-valid interval and p-value of
///   Waudby-Smith et al. (a normal mixture with ρ from the tuning parameter, default 5,000):
///   valid however often it is looked at.
/// - **bayesian** (`EffectBayesianABTest`): a normal posterior of the effect (flat prior by
///   default, or a proper Gaussian prior on the relative effect); chance to beat control,
///   credible interval and the expected loss (risk) of choosing either side.
public enum ExperimentEngine: String, Sendable, CaseIterable {
    case fixed, sequential, bayesian

    public struct Settings: Sendable, Equatable {
        public var relative = true
        public var alpha = 0.05
        public var sequentialTuning = 5000.0
        /// A proper prior on the relative effect (mean, variance); nil: flat.
        public var prior: (mean: Double, variance: Double)?
        /// For Bayesian: lower values are better (chance to win and risk are flipped).
        public var inverse = false
        public init() {}

        public static func == (a: Settings, b: Settings) -> Bool {
            a.relative == b.relative && a.alpha == b.alpha && a.sequentialTuning == b.sequentialTuning
                && a.prior?.mean == b.prior?.mean && a.prior?.variance == b.prior?.variance && a.inverse == b.inverse
        }
    }

    public struct Result: Sendable, Equatable {
        /// The estimated effect (relative or absolute) and its interval.
        public var effect: Double
        public var interval: (Double, Double)
        /// Frequentist engines.
        public var p: Double?
        /// Bayesian: P(treatment beats control), and the expected loss of choosing the control
        /// and of choosing the treatment.
        public var chanceToWin: Double?
        public var risk: (control: Double, treatment: Double)?
        /// Why there is no test (a zero control mean, no variance, an empty variant).
        public var problem: String?

        public static func == (a: Result, b: Result) -> Bool {
            a.effect == b.effect && a.interval == b.interval && a.p == b.p && a.chanceToWin == b.chanceToWin
                && a.risk?.control == b.risk?.control && a.risk?.treatment == b.risk?.treatment && a.problem == b.problem
        }
    }

    /// gbstats' difference and its variance (delta method for relative).
    static func difference(_ a: VariantStatistic, _ b: VariantStatistic, relative: Bool) -> (estimate: Double, variance: Double) {
        let meanA = a.unadjustedMean, meanB = b.unadjustedMean
        if relative {
            return ((b.mean - a.mean) / meanA, b.variance / (meanA * meanA * b.n) + a.variance * meanB * meanB / (pow(meanA, 4) * a.n))
        }
        return (b.mean - a.mean, b.variance / b.n + a.variance / a.n)
    }

    public func analyse(control: VariantStatistic, treatment: VariantStatistic, settings: Settings) -> Result {
        let (a, b) = VariantStatistic.prepared(control, treatment)
        func none(_ problem: String) -> Result {
            self == .bayesian
                ? Result(effect: 0, interval: (0, 0), chanceToWin: 0.5, risk: (0, 0), problem: problem)
                : Result(effect: 0, interval: (0, 0), p: 1, problem: problem)
        }
        if self == .bayesian, a.n == 0 || b.n == 0 { return none("a variant has no units") }
        if a.mean == 0 || a.unadjustedMean == 0, settings.relative || self != .bayesian { return none("the control's mean is 0: no relative change") }
        if a.variance <= 0 || b.variance <= 0 { return none("a variant's variance is 0") }
        let (estimate, variance) = Self.difference(a, b, relative: settings.relative)
        let alpha = settings.alpha
        switch self {
        case .fixed:
            let va = a.variance / a.n, vb = b.variance / b.n
            let degrees = (va + vb) * (va + vb) / (vb * vb / (b.n - 1) + va * va / (a.n - 1))
            let t = estimate / variance.squareRoot()
            let width = Distributions.studentTQuantile(1 - alpha / 2, degrees: degrees) * variance.squareRoot()
            return Result(effect: estimate, interval: (estimate - width, estimate + width), p: Distributions.studentTTwoSided(t, degrees: degrees))
        case .sequential:
            let n = a.n + b.n
            let rho = ((-2 * log(alpha) + log(-2 * log(alpha) + 1)) / settings.sequentialTuning).squareRoot()
            let tr2p1 = n * rho * rho + 1
            let width = (variance * n).squareRoot() * (2 * tr2p1 * log(tr2p1.squareRoot() / alpha) / pow(n * rho, 2)).squareRoot()
            let st2 = estimate * estimate * n / variance
            let evidence = exp(rho * rho * st2 / (2 * tr2p1)) / tr2p1.squareRoot()
            return Result(effect: estimate, interval: (estimate - width, estimate + width), p: min(1 / evidence, 1))
        case .bayesian:
            var mean = estimate, precision = 1 / variance
            if let prior = settings.prior {
                // The prior is on the relative effect; an absolute analysis rescales it.
                let scale = settings.relative ? 1 : abs(a.unadjustedMean)
                let priorMean = prior.mean * scale, priorVariance = prior.variance * scale * scale
                precision += 1 / priorVariance
                mean = (estimate / variance + priorMean / priorVariance) / precision
            }
            let sd = (1 / precision).squareRoot()
            let beats = Distributions.normalSurvival(-mean / sd)
            let z = Distributions.normalQuantile(1 - alpha / 2)
            var risk = Self.risk(mean: mean, sd: sd)
            if settings.inverse { risk = (risk.treatment, risk.control) }
            return Result(effect: mean, interval: (mean - z * sd, mean + z * sd), chanceToWin: settings.inverse ? 1 - beats : beats, risk: risk)
        }
    }

    /// gbstats' risk: the expected loss of keeping the control, P(effect > 0) × E[effect | > 0],
    /// and of shipping the treatment, −P(effect < 0) × E[effect | < 0].
    static func risk(mean: Double, sd: Double) -> (control: Double, treatment: Double) {
        let controlBetter = Distributions.normalCDF(-mean / sd)
        let b = -mean / sd
        let density = exp(-b * b / 2) / (2 * Double.pi).squareRoot()
        // Truncated normal means: above 0 and below 0.
        let above = mean + sd * density / Distributions.normalSurvival(b)
        let below = mean - sd * density / Distributions.normalCDF(b)
        let control = (1 - controlBetter) * above, treatment = -(controlBetter * below)
        return (control.isFinite ? control : 0, treatment.isFinite ? treatment : 0)
    }

    /// Benjamini–Hochberg adjusted p-values (q-values), in the input's order.
    public static func benjaminiHochberg(_ p: [Double]) -> [Double] {
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: p.count)
        var running = 1.0
        for (rank, index) in order.enumerated().reversed() {
            running = min(running, p[index] * Double(p.count) / Double(rank + 1))
            adjusted[index] = min(running, 1)
        }
        return adjusted
    }
}

/// Sample size and minimum detectable effect for a two-sided test of two equal arms, by the
/// normal closed form: n per arm = (z₁₋α/₂ + z_power)² (σ₁² + σ₂²) / δ².
public enum ExperimentPlan {
    /// Units per arm to detect `effect` (absolute) on a metric whose arms have variances
    /// `controlVariance` and `treatmentVariance`.
    public static func sampleSize(effect: Double, controlVariance: Double, treatmentVariance: Double, alpha: Double, power: Double) -> Double {
        let z = Distributions.normalQuantile(1 - alpha / 2) + Distributions.normalQuantile(power)
        return z * z * (controlVariance + treatmentVariance) / (effect * effect)
    }

    /// Per arm, for a conversion rate moving from `baseline` by `effect` (absolute).
    public static func proportionSampleSize(baseline: Double, effect: Double, alpha: Double, power: Double) -> Double {
        let treated = baseline + effect
        return sampleSize(effect: effect, controlVariance: baseline * (1 - baseline), treatmentVariance: treated * (1 - treated), alpha: alpha, power: power)
    }

    /// The smallest absolute effect `n` units per arm detect on a mean metric of standard deviation `sd`.
    public static func meanDetectableEffect(n: Double, sd: Double, alpha: Double, power: Double) -> Double {
        (Distributions.normalQuantile(1 - alpha / 2) + Distributions.normalQuantile(power)) * (2 * sd * sd / n).squareRoot()
    }

    /// The smallest absolute rise from `baseline` that `n` units per arm detect (the closed
    /// form solved for the effect by bisection: the treated arm's variance depends on it).
    public static func proportionDetectableEffect(baseline: Double, n: Double, alpha: Double, power: Double) -> Double? {
        var low = 0.0, high = 1 - baseline
        guard high > 0, proportionSampleSize(baseline: baseline, effect: high, alpha: alpha, power: power) <= n else { return nil }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if proportionSampleSize(baseline: baseline, effect: middle, alpha: alpha, power: power) > n { low = middle } else { high = middle }
        }
        return high
    }
}
