import GateKit

/// The tests the experiment gate runs, each as SciPy computes it (tests hold them to 1e-9).
public enum ExperimentStatistics {
    /// Pearson's chi-square goodness of fit (`scipy.stats.chisquare(observed, expected)`).
    public static func chiSquare(observed: [Double], expected: [Double]) -> (statistic: Double, p: Double) {
        let statistic = zip(observed, expected).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) / $1.1 }
        return (statistic, Distributions.chiSquareSurvival(statistic, degrees: Double(observed.count - 1)))
    }

    /// Welch's t-test from summary statistics
    /// (`scipy.stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)`): t is
    /// (m1 − m2) / se, with the Welch–Satterthwaite degrees of freedom.
    public static func welch(mean1: Double, sd1: Double, n1: Double, mean2: Double, sd2: Double, n2: Double)
        -> (t: Double, p: Double, degrees: Double, standardError: Double) {
        let v1 = sd1 * sd1 / n1, v2 = sd2 * sd2 / n2
        let se = (v1 + v2).squareRoot()
        let degrees = (v1 + v2) * (v1 + v2) / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1))
        let t = (mean1 - mean2) / se
        return (t, Distributions.studentTTwoSided(t, degrees: degrees), degrees, se)
    }

    /// The pooled two-proportion z-test: z = (p2 − p1) / sqrt(p̂(1 − p̂)(1/n1 + 1/n2)), two-sided
    /// p = 2 · `scipy.stats.norm.sf(|z|)`.
    public static func twoProportion(successes1: Double, n1: Double, successes2: Double, n2: Double) -> (z: Double, p: Double) {
        let pooled = (successes1 + successes2) / (n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
        guard se > 0 else { return (0, 1) }
        let z = (successes2 / n2 - successes1 / n1) / se
        return (z, 2 * Distributions.normalSurvival(abs(z)))
    }
}
