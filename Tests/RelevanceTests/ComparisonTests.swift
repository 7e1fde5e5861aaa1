import Foundation
import GateKit
import GateTestSupport
import Testing
@testable import Relevance

/// Paired comparisons: each figure against the SciPy call written beside it (SciPy 1.17.1), on
/// samples both sides generate the same way:
///
///     def sample(n, a, b, c, shift=0.0):
///         return [((i * a) % 997) / 997.0 + ((i * b) % 13) * c + shift for i in range(n)]
@Suite struct ComparisonTests {
    static func sample(_ n: Int, _ a: Int, _ b: Int, _ c: Double, shift: Double = 0) -> [Double] {
        (0..<n).map { i in Double((i * a) % 997) / 997.0 + Double((i * b) % 13) * c + shift }
    }

    static let cases: [String: ([Double], [Double])] = [
        "small": (sample(12, 31, 7, 0.01), sample(12, 37, 5, 0.012)),
        "thirty": (sample(30, 31, 7, 0.01), sample(30, 37, 5, 0.011, shift: -0.02)),
        "shifted": (sample(50, 31, 7, 0.01, shift: 0.05), sample(50, 37, 5, 0.01)),
        "ties": ([0.5, 0.25, 1.0, 0.0, 0.75, 0.5, 0.25, 1.0, 0.0, 0.5], [0.25, 0.25, 0.5, 0.0, 0.75, 0.25, 0.5, 1.0, 0.25, 0.0]),
    ]

    /// r = stats.ttest_rel(a, b); (r.statistic, r.pvalue)
    @Test("the paired t-test equals scipy.stats.ttest_rel to 1e-9", arguments: [
        ("small", -2.627165668202184, 0.023525917701919658),
        ("thirty", 0.5128182347560383, 0.6119628592583243),
        ("shifted", 0.458139736357824, 0.6488774192594783),
        ("ties", 1.176696810829104, 0.26949945378301227),
    ])
    func tTest(_ row: (String, Double, Double)) {
        let (a, b) = Self.cases[row.0]!
        let result = PairedTests.tTest(a, b)
        #expect(abs(result.statistic - row.1) < 1e-9, "\(row.0): t \(result.statistic)")
        #expect(abs(result.p - row.2) < 1e-9, "\(row.0): p \(result.p)")
        #expect(result.degrees == a.count - 1)
    }

    @Test("equal samples: ttest_rel's NaN, and a randomization p of 1")
    func degenerate() {
        let a = [0.1, 0.2, 0.3]
        #expect(PairedTests.tTest(a, a).p.isNaN)
        let same = PairedTests.randomization(a, a)
        #expect(same.p == 1 && same.exact)
    }

    /// stats.permutation_test((np.array(a), np.array(b)), lambda x, y, axis: np.mean(x - y, axis=axis),
    ///     permutation_type="samples", alternative="two-sided", n_resamples=np.inf, vectorized=True).pvalue
    @Test("the exact sign-flip enumeration equals SciPy's exact permutation test", arguments: [
        ("small", 0.0263671875),
        ("ties", 0.40625),
    ])
    func exactRandomization(_ row: (String, Double)) {
        let (a, b) = Self.cases[row.0]!
        let result = PairedTests.randomization(a, b)
        #expect(result.exact)
        #expect(result.p == row.1, "\(row.0): \(result.p)")
    }

    @Test("Monte Carlo p-values fall within the binomial error of the exact one, the same for the same seed")
    func monteCarlo() {
        let a = Self.sample(25, 31, 7, 0.01), b = Self.sample(25, 37, 5, 0.012)
        let exact = PairedTests.randomization(a, b, maxExact: 24)
        #expect(exact.exact && exact.permutations == 1 << 24)
        for seed: UInt64 in [1, 2, 3] {
            let drawn = PairedTests.randomization(a, b, maxExact: 0, permutations: 20_000, seed: seed)
            #expect(!drawn.exact && drawn.permutations == 20_000)
            let error = (exact.p * (1 - exact.p) / 20_000).squareRoot()
            #expect(abs(drawn.p - exact.p) <= 4 * error + 1.0 / 20_000, "seed \(seed): \(drawn.p) vs exact \(exact.p)")
            #expect(PairedTests.randomization(a, b, maxExact: 0, permutations: 20_000, seed: seed) == drawn)
        }
    }

    /// statsmodels.stats.multitest.multipletests(p, method="holm" / "bonferroni")[1]
    @Test("Holm and Bonferroni corrections")
    func corrections() {
        let p = [0.01, 0.04, 0.03, 0.005]
        let holm = PairedTests.holm(p)
        for (x, y) in zip(holm, [0.03, 0.06, 0.06, 0.02]) { #expect(abs(x - y) < 1e-15, "\(holm)") }
        let bonferroni = PairedTests.bonferroni(p)
        for (x, y) in zip(bonferroni, [0.04, 0.16, 0.12, 0.02]) { #expect(abs(x - y) < 1e-15, "\(bonferroni)") }
        #expect(PairedTests.holm([0.5, .nan, 0.9]).enumerated().allSatisfy { $0.offset == 1 ? $0.element.isNaN : $0.element == 1 })
    }

    static let folder = "fixtures/relevance/compare"

    @Test("gate relevance compare: a small consistent loss is significant, noise is not; JSON has every comparison")
    func compareCommand() throws {
        let runs = ["base", "noise", "loss"].map { "\(Self.folder)/\($0).run" }
        let text = try GateBinary.run(["relevance", "compare", "\(Self.folder)/judgements.qrels"] + runs, in: Fixtures.repositoryRoot)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("a  base.run") && $0.contains("0.9881 c") }, "\(text.stdout)")
        #expect(lines.contains { $0.hasPrefix("b  noise.run") && !$0.contains(" a") && !$0.contains(" c ") })
        let json = try GateBinary.run(["relevance", "compare", "\(Self.folder)/judgements.qrels"] + runs + ["--format", "json", "--test", "ttest"],
                                      in: Fixtures.repositoryRoot)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let comparisons = try #require(document["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == 12)
        let lossPair = try #require(comparisons.first { $0["a"] as? String == "base.run" && $0["b"] as? String == "loss.run" && $0["measure"] as? String == "ndcg_cut_10" })
        #expect(lossPair["significant"] as? Bool == true)
        #expect((document["queries"] as? [Any])?.count == 40)
        let bad = try GateBinary.run(["relevance", "compare", "\(Self.folder)/judgements.qrels", runs[0]], in: Fixtures.repositoryRoot)
        #expect(bad.status == 2 && bad.stderr.contains("at least two runs"))
    }

    @Test("the baseline check with significance: equal quality with other noise passes, a small consistent loss fails")
    func significantDrop() throws {
        let directory = try Fixtures.temporaryDirectory()
        let golden = "\(Self.folder)/judgements.qrels"
        let base = try GateBinary.run(["relevance", "--golden", golden, "--run", "\(Self.folder)/base.run", "--policy", "/dev/null",
                                       "--format", "json", "--output", directory + "/base.json"], in: Fixtures.repositoryRoot)
        #expect(base.status == 0, "\(base.stderr)")
        func judge(_ run: String, _ extra: [String]) throws -> ProcessOutput {
            try GateBinary.run(["relevance", "--golden", golden, "--run", "\(Self.folder)/\(run).run", "--policy", "/dev/null",
                                "--baseline", directory + "/base.json"] + extra, in: Fixtures.repositoryRoot)
        }
        // The mean-drop rule alone fails the noisy run: its mean is 0.002 lower.
        #expect(try judge("noise", []).status == 1)
        let noise = try judge("noise", ["--significance", "0.05"])
        #expect(noise.status == 0, "\(noise.stdout)")
        let loss = try judge("loss", ["--significance", "0.05"])
        #expect(loss.status == 1 && loss.stdout.contains("Fisher's randomization test over 40 paired queries"), "\(loss.stdout)")
        #expect(try judge("noise", ["--significance", "2"]).status == 2)
    }
}
