import GateKit
import Testing

/// U and p against `scipy.stats.mannwhitneyu(x, y)` (SciPy 1.17.1: two-sided, continuity
/// correction, method "auto": exact for ≤ 8 values in a sample and no ties, else asymptotic).
@Suite struct MannWhitneyTests {
    static let samples: [String: ([Double], [Double])] = [
        "exact_small": ([1.2, 3.4, 2.2, 5.1, 0.3], [2.5, 4.4, 6.1, 7.7, 3.9, 5.5]),
        "exact_8x20": ([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5], (0..<20).map { Double($0) * 0.37 + 2 }),
        "ties_small": ([1, 2, 2, 3, 4], [2, 3, 3, 5, 6, 6]),
        // [((i * 31) % 97) / 7.0 for i in range(40)], [((i * 17) % 89) / 6.0 + 1.0 for i in range(35)]
        "asymp": ((0..<40).map { Double((($0 * 31) % 97)) / 7.0 }, (0..<35).map { Double((($0 * 17) % 89)) / 6.0 + 1.0 }),
        "asymp_ties": ((0..<50).map { Double($0 % 6) }, (0..<45).map { Double($0 % 7) }),
        "shifted": ((0..<30).map { Double(100 + ($0 * 7) % 13) }, (0..<30).map { Double(110 + ($0 * 5) % 11) }),
    ]

    @Test("U and the p-value equal SciPy's", arguments: [
        ("exact_small", 4.0, 0.05194805194805195, MannWhitney.Method.exact),
        ("exact_8x20", 52.0, 0.16525181742573047, .exact),
        ("ties_small", 6.0, 0.1130499788563229, .asymptotic),
        ("asymp", 606.5, 0.3233141111481268, .asymptotic),
        ("asymp_ties", 986.0, 0.2962426453227639, .asymptotic),
        ("shifted", 24.0, 2.988860411917684e-10, .asymptotic),
    ])
    func scipy(name: String, u: Double, p: Double, method: MannWhitney.Method) {
        let (x, y) = Self.samples[name]!
        let result = MannWhitney.test(x, y)
        #expect(result.u == u)
        #expect(abs(result.pValue - p) < 1e-9, "p \(result.pValue) vs SciPy \(p)")
        #expect(result.method == method)
    }

    /// stats.mannwhitneyu(x, y, alternative="greater").pvalue and alternative="less"
    @Test("one-sided p-values equal SciPy's", arguments: [
        ("exact_small", 0.9848484848484849, 0.025974025974025976),
        ("exact_8x20", 0.9250131511001076, 0.08262590871286524),
        ("ties_small", 0.9617245753150733, 0.05652498942816145),
        ("asymp", 0.8409307386279048, 0.1616570555740634),
        ("asymp_ties", 0.8536154816397685, 0.14812132266138195),
        ("shifted", 0.9999999998641835, 1.494430205958842e-10),
    ])
    func oneSided(name: String, greater: Double, less: Double) {
        let (x, y) = Self.samples[name]!
        #expect(abs(MannWhitney.test(x, y, alternative: .greater).pValue - greater) < 1e-9)
        #expect(abs(MannWhitney.test(x, y, alternative: .less).pValue - less) < 1e-9)
    }

    @Test("identical samples give p = 1")
    func identical() {
        #expect(MannWhitney.test([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).pValue == 1)
    }
}
