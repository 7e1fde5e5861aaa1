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

/// Shadow mode's agreement measures: RBO against the `rbo` package (PyPI rbo 0.1.3,
/// `rbo.RankingSimilarity(S, T).rbo_ext(p)`, the paper's equation 32), Kendall's tau-b against
/// `scipy.stats.kendalltau` on the ranks of the union of the top k.
@Suite struct ShadowTests {
    static let lists: [String: ([String], [String])] = [
        "same": (Array("abcdefghij").map(String.init), Array("abcdefghij").map(String.init)),
        "swap": (Array("abcdefghij").map(String.init), Array("bacdefghij").map(String.init)),
        "disjoint": (Array("abcde").map(String.init), Array("vwxyz").map(String.init)),
        "shifted": (Array("abcdefghij").map(String.init), Array("xabcdefghi").map(String.init)),
        "uneven": (Array("abcdefghij").map(String.init), Array("cabfz").map(String.init)),
        "reversed": (Array("abcdefgh").map(String.init), Array("hgfedcba").map(String.init)),
    ]

    @Test("extrapolated RBO equals the reference implementation", arguments: [
        ("same", 0.9, 1.0), ("same", 0.98, 1.0), ("swap", 0.9, 0.8999999999999999), ("swap", 0.98, 0.98),
        ("disjoint", 0.9, 0.0), ("shifted", 0.9, 0.7297157565642858), ("shifted", 0.98, 0.8624221785988686),
        ("uneven", 0.9, 0.6412722434357143), ("uneven", 0.98, 0.6895264980944645),
        ("reversed", 0.9, 0.5894589857142858), ("reversed", 0.98, 0.9027426252036266),
    ])
    func rbo(_ row: (String, Double, Double)) {
        let (a, b) = Self.lists[row.0]!
        #expect(abs(RankingAgreement.rbo(a, b, p: row.1) - row.2) < 1e-12, "\(row.0) p=\(row.1)")
        #expect(abs(RankingAgreement.rbo(b, a, p: row.1) - row.2) < 1e-12, "symmetric")
    }

    /// stats.kendalltau(rank_a, rank_b).statistic, ranks over the union, k + 1 where a list lacks an item.
    @Test("Kendall's tau-b over the union of the top k equals SciPy's", arguments: [
        ("swap", 0.9555555555555554), ("shifted", 0.6363636363636364), ("uneven", 0.42640143271122083), ("reversed", -0.9999999999999998),
    ])
    func tau(_ row: (String, Double)) {
        let (a, b) = Self.lists[row.0]!
        #expect(abs(RankingAgreement.kendallTauB(a, b, k: 10) - row.1) < 1e-12, "\(row.0)")
    }

    @Test("overlap@k, and shadow mode on the fixture model: against itself nothing changes")
    func shadow() throws {
        #expect(RankingAgreement.overlap(["a", "b", "c"], ["c", "a", "x"], k: 10) == 2.0 / 3.0)
        #expect(RankingAgreement.overlap([], [], k: 10) == 1)
        let same = try GateBinary.run(["relevance", "shadow", "--queries", "fixtures/golden/golden.csv", "--model", "fixtures/model",
                                       "--shadow", "fixtures/model", "--format", "json", "--min-rbo", "0.99"], in: Fixtures.repositoryRoot)
        #expect(same.status == 0, "\(same.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])
        #expect(document["rbo"] as? Double == 1 && document["overlap"] as? Double == 1 && document["top1_change_rate"] as? Double == 0)
        #expect(document["queries"] as? Int == 30)
        let shift = try #require(document["score_shift"] as? [String: Any])
        #expect(shift["ks_statistic"] as? Double == 0 && shift["p"] as? Double == 1)
        let directory = try Fixtures.temporaryDirectory()
        try Fixtures.write("wireless headphones\n\n# a comment\nzzzz qqqq\n", to: directory + "/queries.txt")
        let strict = try GateBinary.run(["relevance", "shadow", "--queries", directory + "/queries.txt", "--model", "fixtures/model",
                                         "--shadow", "fixtures/model", "--max-zero-result-rate", "0.1"], in: Fixtures.repositoryRoot)
        #expect(strict.status == 1 && strict.stdout.contains("candidate zero-result rate 0.5000 > 0.1"), "\(strict.stdout)\(strict.stderr)")
    }
}

/// The gate's query checks: the zero-result rate and shadow mode, each with a case that trips
/// it and the repository's policy as the control.
@Suite struct QueryCheckTests {
    static let base = ["relevance", "--golden", "fixtures/golden/golden.csv", "--engine", "recommender", "--model", "fixtures/model", "--policy", "/dev/null"]

    @Test("the repository's policy: no zero results, the candidate within its shadow thresholds")
    func control() throws {
        let run = try GateBinary.run(["relevance", "--format", "json"], in: Fixtures.repositoryRoot)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let names = (document["measurements"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("zero_result_rate") && names.contains("shadow_rbo") && names.contains("shadow_top1_change"))
    }

    @Test("queries without a result beyond max-zero-result-rate fail, naming them")
    func zeroResults() throws {
        let directory = try Fixtures.temporaryDirectory()
        try Fixtures.write("wireless earbuds\nzzzz qqqq\nespresso machine\nxyzzy plugh\n", to: directory + "/queries.txt")
        let run = try GateBinary.run(Self.base + ["--queries", directory + "/queries.txt", "--max-zero-result-rate", "0.05"], in: Fixtures.repositoryRoot)
        #expect(run.status == 1 && run.stdout.contains("relevance/zero-results") && run.stdout.contains("2 of 4 queries return nothing"), "\(run.stdout)")
    }

    @Test("a candidate that changes the rankings more than allowed fails, naming the most changed queries")
    func shadowChange() throws {
        let run = try GateBinary.run(Self.base + ["--shadow", "fixtures/model-candidate", "--min-rbo", "0.999"], in: Fixtures.repositoryRoot)
        #expect(run.status == 1 && run.stdout.contains("relevance/shadow-change") && run.stdout.contains("'kitchen knife' (RBO 0.940)"), "\(run.stdout)")
        let mixed = try GateBinary.run(["relevance", "--golden", "fixtures/golden/golden.csv", "--run", "fixtures/golden/baseline.run", "--policy", "/dev/null",
                                        "--shadow", "fixtures/model-candidate"], in: Fixtures.repositoryRoot)
        #expect(mixed.status == 2 && mixed.stderr.contains("give engine, not run"))
    }
}
