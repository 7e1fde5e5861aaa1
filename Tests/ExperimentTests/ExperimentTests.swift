import Experiment
import GateKit
import GateTestSupport
import Testing

/// Every expected value below was printed by SciPy 1.14 (Python 3.11) with the call beside it.
@Suite("statistics equal SciPy's")
struct StatisticsTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(b))
    }

    // scipy.stats.chisquare(f_obs, f_exp) → (statistic, pvalue)
    static let chiSquare: [([Double], [Double], Double, Double)] = [
        ([5000, 5100], [5050, 5050], 0.9900990099009901, 0.3197181768128675),
        ([10000, 10450], [10225, 10225], 9.902200488997556, 0.0016508126101047649),
        ([3300, 3400, 3250], [3316.6666666666665, 3316.6666666666665, 3316.6666666666665], 3.517587939698493, 0.17225248028679596),
        ([50, 50], [50, 50], 0.0, 1.0),
        ([120, 80], [100, 100], 8.0, 0.004677734981047276),
        ([1000, 2100], [1033.3333333333333, 2066.6666666666665], 1.612903225806452, 0.20408417776556959),
    ]

    @Test("chi-square goodness of fit: scipy.stats.chisquare", arguments: 0..<6)
    func chiSquareCases(_ index: Int) {
        let (observed, expected, statistic, p) = Self.chiSquare[index]
        let result = ExperimentStatistics.chiSquare(observed: observed, expected: expected)
        #expect(Self.close(result.statistic, statistic))
        #expect(Self.close(result.p, p), "\(result.p) vs \(p)")
    }

    // scipy.stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False) → (t, p);
    // df = (v1 + v2)² / (v1²/(n1−1) + v2²/(n2−1)); scipy.stats.t.ppf(0.975, df)
    static let welch: [((Double, Double, Double, Double, Double, Double), Double, Double, Double, Double)] = [
        ((12.1, 30.2, 10000, 12.4, 31.0, 10100), -0.6949501063573449, 0.48709460604861804, 20092.73237355569, 1.9600820576655071),
        ((5.0, 1.0, 20, 5.8, 1.5, 25), -2.1380899352993943, 0.038403268689657974, 41.784011220196355, 2.0183908046157217),
        ((100, 15, 3, 110, 20, 4), -0.7559289460184545, 0.483873220057492, 4.983050847457626, 2.573213901691435),
        ((0.5, 0.1, 1000, 0.49, 0.12, 900), 1.961161351381842, 0.050017987147312586, 1756.4785617571836, 1.9613154835097644),
        ((250.0, 40.0, 500, 245.0, 38.0, 520), 2.0451782765211894, 0.04109607154055826, 1009.7393202429846, 1.9623161451081859),
    ]

    @Test("Welch's t-test and the t quantile: scipy.stats.ttest_ind_from_stats(equal_var=False), scipy.stats.t.ppf", arguments: 0..<5)
    func welchCases(_ index: Int) {
        let ((m1, s1, n1, m2, s2, n2), t, p, degrees, quantile) = Self.welch[index]
        let result = ExperimentStatistics.welch(mean1: m1, sd1: s1, n1: n1, mean2: m2, sd2: s2, n2: n2)
        #expect(Self.close(result.t, t))
        #expect(Self.close(result.p, p), "\(result.p) vs \(p)")
        #expect(Self.close(result.degrees, degrees))
        #expect(Self.close(Distributions.studentTQuantile(0.975, degrees: degrees), quantile), "\(Distributions.studentTQuantile(0.975, degrees: degrees))")
    }

    // z = (x2/n2 − x1/n1) / sqrt(p̂(1−p̂)(1/n1 + 1/n2)); p = 2 * scipy.stats.norm.sf(abs(z))
    static let proportions: [((Double, Double, Double, Double), Double, Double)] = [
        ((1200, 10000, 1310, 10100), 2.0806241594104073, 0.03746832077482137),
        ((50, 1000, 70, 1000), 1.883108942886774, 0.059685605532426224),
        ((5, 100, 15, 100), 2.357022603955158, 0.018422125454099027),
        ((4500, 50000, 4700, 50000), 2.1882309570330465, 0.028652783209351728),
        ((300, 2000, 250, 2000), -2.295668143833939, 0.021694863226039314),
    ]

    @Test("two-proportion z-test: 2 * scipy.stats.norm.sf(|z|)", arguments: 0..<5)
    func proportionCases(_ index: Int) {
        let ((x1, n1, x2, n2), z, p) = Self.proportions[index]
        let result = ExperimentStatistics.twoProportion(successes1: x1, n1: n1, successes2: x2, n2: n2)
        #expect(Self.close(result.z, z))
        #expect(Self.close(result.p, p), "\(result.p) vs \(p)")
    }

    @Test("binomial test and normal quantile: scipy.stats.binomtest(k, n, p).pvalue, scipy.stats.norm.ppf(0.975)")
    func binomialAndNormal() {
        #expect(Self.close(Distributions.binomialTwoSided(successes: 2600, trials: 10000, rate: 0.25), 0.02156395590718821))
        #expect(Distributions.binomialTwoSided(successes: 5, trials: 100, rate: 0.05) == 1)
        #expect(Self.close(Distributions.normalQuantile(0.975), 1.959963984540054, 1e-12))
    }
}

@Suite("experiment gate")
struct ExperimentGateTests {
    static func results(users: (Double, Double) = (24890, 25110), conversions: (Double, Double) = (2987, 3264),
                        latency: (Double, Double) = (412, 414.5), extra: String = "") -> String {
        """
        experiment: t
        control: control
        users: {control: \(users.0), green: \(users.1)}
        primary: conversion
        metrics:
          conversion:
            type: proportion
            variants:
              control: {users: \(users.0), conversions: \(conversions.0)}
              green: {users: \(users.1), conversions: \(conversions.1)}
          p95_latency_ms:
            type: mean
            guardrail: {direction: lower-is-better, max-degradation: 5%}
            variants:
              control: {mean: \(latency.0), sd: 95, n: \(users.0)}
              green: {mean: \(latency.1), sd: 97, n: \(users.1)}
        \(extra)
        """
    }

    static func judge(_ text: String, policy: ExperimentPolicy = ExperimentPolicy()) throws -> GateResult {
        ExperimentGate(policy: policy).judge(try ExperimentResults.parse(text, path: "results.yml"))
    }

    @Test("a significant primary lift with guardrails held ships; the lift's interval is reported")
    func ship() throws {
        let result = try Self.judge(Self.results())
        #expect(result.verdict == .pass)
        #expect(result.summary == "t: green ship (fixed)")
        let lift = try #require(result.measurements.first { $0.name == "primary_lift[green]" })
        #expect(abs(lift.value - 8.32) < 0.01)
    }

    @Test("a sample-ratio mismatch stops the experiment whatever the metrics say")
    func sampleRatioMismatch() throws {
        let result = try Self.judge(Self.results(users: (24000, 26000)))
        #expect(result.verdict == .fail)
        #expect(result.findings.contains { $0.rule == "experiment/sample-ratio-mismatch" && $0.message.contains("control 24000, green 26000") })
    }

    @Test("a significantly breached guardrail stops; an unproven one keeps it running")
    func guardrails() throws {
        let breached = try Self.judge(Self.results(latency: (412, 460)))
        #expect(breached.verdict == .fail)
        #expect(breached.findings.contains { $0.rule == "experiment/guardrail-breached" && $0.message.contains("p95_latency_ms degraded +11.65%") })
        let small = try Self.judge(Self.results(users: (1200, 1210), conversions: (140, 180), latency: (412, 425)))
        #expect(small.verdict == .warn)
        #expect(small.findings.contains { $0.message.contains("guardrail p95_latency_ms could still be degraded") })
    }

    @Test("too few users, or no significant difference, keeps it running; significantly worse stops")
    func keepRunningAndStop() throws {
        let few = try Self.judge(Self.results(users: (500, 510), conversions: (40, 80)), policy: ExperimentPolicy())
        #expect(few.verdict == .warn)
        #expect(few.findings.contains { $0.message.contains("fewer than 1000 users in a variant") })
        let flat = try Self.judge(Self.results(conversions: (2987, 3000)))
        #expect(flat.verdict == .warn)
        let worse = try Self.judge(Self.results(conversions: (2987, 2600)))
        #expect(worse.verdict == .fail)
        #expect(worse.findings.contains { $0.message.contains("conversion is significantly worse") })
    }

    @Test("bad results are errors naming the variant or key", arguments: [
        ("users: {control: 10, green: 0}", "variant 'green' has 0 users"),
        ("conversions: 3264}", ""),
        ("colour: red", "unknown key 'colour'"),
    ])
    func badInput(_ change: String, _ expected: String) throws {
        var text = Self.results()
        if change.hasPrefix("users:") {
            text = text.replacingOccurrences(of: "users: {control: 24890.0, green: 25110.0}", with: change)
        } else if change.hasPrefix("conversions") {
            text = text.replacingOccurrences(of: "green: {users: 25110.0, conversions: 3264.0}", with: "green: {users: 0, conversions: 0}")
        } else {
            text += "\n" + change + "\n"
        }
        do {
            _ = try ExperimentResults.parse(text, path: "results.yml")
            Issue.record("accepted")
        } catch {
            let message = String(describing: error)
            #expect(message.contains(expected.isEmpty ? "variant green has 0 users" : expected), "\(message)")
        }
    }

    @Test("the repository's experiment fixture ships")
    func fixture() throws {
        var policy = ExperimentPolicy()
        policy.results = Fixtures.path("experiments/checkout-button.yml")
        let result = try ExperimentGate(policy: policy).evaluate()
        #expect(result.verdict == .pass)
        #expect(result.tables.first?.rows.count == 5)
    }
}

@Suite("experiment engines in the gate")
struct ExperimentEngineGateTests {
    static func policy(_ engine: ExperimentEngine) -> ExperimentPolicy {
        var policy = ExperimentPolicy()
        policy.engine = engine
        return policy
    }

    @Test("one result, three engines: fixed ships at p 0.001; sequential keeps running at its always-valid p; Bayesian ships on its chance to win")
    func engines() throws {
        let text = ExperimentGateTests.results()
        let fixed = try ExperimentGateTests.judge(text)
        let sequential = try ExperimentGateTests.judge(text, policy: Self.policy(.sequential))
        let bayesian = try ExperimentGateTests.judge(text, policy: Self.policy(.bayesian))
        #expect(fixed.verdict == .pass && fixed.summary == "t: green ship (fixed)")
        let fixedP = try #require(fixed.measurements.first { $0.name == "primary_p_value[green]" }?.value)
        let sequentialP = try #require(sequential.measurements.first { $0.name == "primary_p_value[green]" }?.value)
        #expect(fixedP < 0.05 && sequentialP > fixedP, "\(fixedP) vs \(sequentialP)")
        #expect(sequential.summary == "t: green \(sequentialP < 0.05 ? "ship" : "keep running") (sequential)")
        let chance = try #require(bayesian.measurements.first { $0.name == "primary_chance_to_win[green]" }?.value)
        #expect(chance > 0.99 && bayesian.verdict == .pass, "\(chance)")
        #expect(bayesian.tables.first?.header.suffix(3) == ["credible interval", "chance to win", "risk"])
        // A clearly worse treatment: the Bayesian engine stops on it too.
        let worse = try ExperimentGateTests.judge(ExperimentGateTests.results(conversions: (2987, 2600)), policy: Self.policy(.bayesian))
        #expect(worse.verdict == .fail && worse.findings.contains { $0.message.contains("conversion is most likely worse") })
        // A breached guardrail stops under every engine.
        for engine in ExperimentEngine.allCases {
            let breached = try ExperimentGateTests.judge(ExperimentGateTests.results(latency: (412, 460)), policy: Self.policy(engine))
            #expect(breached.verdict == .fail && breached.findings.contains { $0.rule == "experiment/guardrail-breached" }, "\(engine)")
        }
    }

    /// A ratio metric, a CUPED metric and three secondary metrics.
    static let rich = ExperimentGateTests.results(extra: """
          clicks_per_session:
            type: ratio
            variants:
              control: {n: 24890, numerator-sum: 74100, numerator-sum-squares: 301000, denominator-sum: 49800, denominator-sum-squares: 121000, products: 180000}
              green: {n: 25110, numerator-sum: 79300, numerator-sum-squares: 330000, denominator-sum: 50300, denominator-sum-squares: 123000, products: 192000}
          revenue:
            type: mean
            variants:
              control: {n: 24890, sum: 363000, sum-squares: 9900000, pre-sum: 350000, pre-sum-squares: 9400000, pre-products: 9500000}
              green: {n: 25110, sum: 377500, sum-squares: 10300000, pre-sum: 352000, pre-sum-squares: 9500000, pre-products: 9800000}
          pages_viewed:
            type: mean
            variants:
              control: {mean: 5.1, sd: 3.2, n: 24890}
              green: {mean: 5.16, sd: 3.3, n: 25110}
        """)

    @Test("ratio and CUPED metrics are read and analysed as the engines take them; secondary p-values get Benjamini–Hochberg q-values")
    func ratioCupedAndSecondary() throws {
        let results = try ExperimentResults.parse(Self.rich, path: "results.yml")
        let ratio = try #require(results.metrics.first { $0.name == "clicks_per_session" })
        #expect(ratio.kind == .ratio && abs(ratio.variants["control"]!.value - 74100.0 / 49800) < 1e-12)
        let revenue = try #require(results.metrics.first { $0.name == "revenue" })
        guard case .adjusted = revenue.variants["green"]!.statistic else { Issue.record("revenue is not CUPED-adjusted"); return }
        let result = ExperimentGate(policy: ExperimentPolicy()).judge(results)
        let rows = try #require(result.tables.first?.rows)
        // The primary and the guardrail carry no q; the three secondary metrics do, BH over their p.
        let secondary = rows.filter { !$0[7].isEmpty }.map { $0[1] }
        #expect(secondary == ["clicks_per_session", "revenue", "pages_viewed"])
        let p = rows.filter { !$0[7].isEmpty }.map { Double($0[6])! }
        let q = rows.filter { !$0[7].isEmpty }.map { Double($0[7])! }
        let expected = ExperimentEngine.benjaminiHochberg(p)
        #expect(zip(q, expected).allSatisfy { abs($0 - $1) <= 1e-3 * max($1, 1e-9) }, "\(q) vs \(expected)")
        var none = ExperimentPolicy()
        none.correctSecondary = false
        #expect(ExperimentGate(policy: none).judge(results).tables.first?.rows.allSatisfy { $0[7].isEmpty } == true)
    }

    @Test("bad engine settings and bad ratio or covariate figures are errors naming the key or the variant", arguments: [
        ("engine: bayes", "engine"), ("difference: ratio", "difference"), ("secondary-correction: holm", "secondary-correction"),
        ("prior: {mean: 0}", "prior"), ("chance-to-win: 0.3", "chance-to-win"),
    ])
    func badPolicy(_ text: String, _ key: String) {
        expectError(containing: key) { _ = try ExperimentPolicy(policy: Policy.parse(text, path: "experiment.yml")) }
    }

    @Test("a ratio without its products, a covariate on one variant only, a zero denominator: errors naming the variant")
    func badFigures() {
        let missing = Self.rich.replacingOccurrences(of: ", products: 192000}", with: "}")
        expectError(containing: "variant green needs exactly") { _ = try ExperimentResults.parse(missing, path: "r.yml") }
        let one = Self.rich.replacingOccurrences(of: ", pre-sum: 350000, pre-sum-squares: 9400000, pre-products: 9500000", with: "")
        expectError(containing: "a pre-period covariate (pre-sum, pre-products) for some variants but not all") { _ = try ExperimentResults.parse(one, path: "r.yml") }
        let zero = Self.rich.replacingOccurrences(of: "denominator-sum: 49800,", with: "denominator-sum: 0,")
        expectError(containing: "variant control has a denominator sum of 0") { _ = try ExperimentResults.parse(zero, path: "r.yml") }
    }
}
