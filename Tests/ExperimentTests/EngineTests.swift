@testable import Experiment
import Foundation
import GateKit
import GateTestSupport
import Testing

/// The fixed, sequential and Bayesian engines against GrowthBook's own (gbstats 0.8.0 from
/// PyPI, which scripts/setup-python-tools.sh installs; scripts/gbstats-reference.py runs it).
/// Tolerances: effects and intervals 1e-9 relative; p-values, chances to win and risks 1e-7
/// relative or 1e-12 absolute (a p of 1e-20 is 0 to gbstats' 1 − cdf).
@Suite struct EngineTests {
    typealias Moments = VariantStatistic.Moments

    /// Per-unit values to sums, as a warehouse query would give them.
    static func sums(_ values: [Double]) -> Moments {
        Moments(n: Double(values.count), sum: values.reduce(0, +), sumSquares: values.reduce(0) { $0 + $1 * $1 })
    }

    /// A deterministic noise in [0, 1).
    static func unit(_ i: Int, _ seed: Int) -> Double {
        var x = UInt64(truncatingIfNeeded: i &* 2_654_435_761 &+ seed &* 97_531 &+ 12_345)
        x ^= x >> 33; x = x &* 0xff51_afd7_ed55_8ccd; x ^= x >> 33; x = x &* 0xc4ce_b9fe_1a85_ec53; x ^= x >> 33
        return Double(x >> 11) / Double(1 << 53)
    }

    struct Case {
        var name: String
        var kind: String
        var control: VariantStatistic
        var treatment: VariantStatistic
    }

    /// The six cases of the issue, and a CUPED one.
    static let cases: [Case] = {
        // Clicks per session: per user, sessions 1–4 and clicks among them.
        func ratio(_ users: Int, _ seed: Int, _ rate: Double) -> VariantStatistic {
            var sessions: [Double] = [], clicks: [Double] = []
            for i in 0..<users {
                let s = 1 + Double(Int(unit(i, seed) * 4))
                sessions.append(s)
                clicks.append((0..<Int(s) * 3).reduce(0.0) { $0 + (unit(i * 16 + $1, seed + 1) < rate ? 1 : 0) })
            }
            let products = zip(clicks, sessions).reduce(0) { $0 + $1.0 * $1.1 }
            return .ratio(numerator: sums(clicks), denominator: sums(sessions), products: products)
        }
        // Revenue with last month's revenue as the covariate.
        func adjusted(_ users: Int, _ seed: Int, _ lift: Double) -> VariantStatistic {
            var pre: [Double] = [], post: [Double] = []
            for i in 0..<users {
                let base = 20 + 30 * unit(i, seed)
                pre.append(base + 5 * unit(i, seed + 2))
                post.append(base * (1 + lift) + 5 * unit(i, seed + 3))
            }
            return .adjusted(post: sums(post), pre: sums(pre), products: zip(post, pre).reduce(0) { $0 + $1.0 * $1.1 }, theta: 0)
        }
        func mean(_ users: Int, _ seed: Int, _ center: Double) -> VariantStatistic {
            .moments(sums((0..<users).map { center + 20 * (unit($0, seed) - 0.5) + 10 * unit($0, seed + 7) }))
        }
        return [
            Case(name: "clear winner", kind: "proportion", control: .moments(Moments(n: 10_000, sum: 1_000)), treatment: .moments(Moments(n: 10_000, sum: 1_150))),
            Case(name: "no difference", kind: "proportion", control: .moments(Moments(n: 10_000, sum: 1_000)), treatment: .moments(Moments(n: 10_050, sum: 1_003))),
            Case(name: "loser", kind: "mean", control: mean(4_000, 11, 50), treatment: mean(4_100, 12, 48.5)),
            // 0.75% relative at two million per arm: z ≈ 2.5 — significant once, not always-valid.
            Case(name: "tiny effect at huge n", kind: "proportion", control: .moments(Moments(n: 2_000_000, sum: 200_000)),
                 treatment: .moments(Moments(n: 2_000_000, sum: 201_500))),
            Case(name: "ratio metric", kind: "ratio", control: ratio(3_000, 21, 0.30), treatment: ratio(3_100, 23, 0.32)),
            Case(name: "CUPED", kind: "adjusted", control: adjusted(2_000, 31, 0), treatment: adjusted(2_050, 37, 0.02)),
        ]
    }()

    static func json(_ m: Moments) -> [String: Any] {
        var object: [String: Any] = ["n": m.n, "sum": m.sum]
        if let squares = m.sumSquares { object["sum_squares"] = squares }
        return object
    }

    static func json(_ statistic: VariantStatistic) -> [String: Any] {
        switch statistic {
        case .moments(let m): return json(m)
        case .ratio(let m, let d, let products): return ["m": json(m), "d": json(d), "products": products]
        case .adjusted(let post, let pre, let products, _): return ["post": json(post), "pre": json(pre), "products": products]
        }
    }

    static let python: String? = {
        guard let tools = ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"] else { return nil }
        return tools + "/bin/python"
    }()

    static func reference(_ cases: [[String: Any]]) throws -> [[String: Any]] {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: directory + "/cases.json"))
        let run = try ProcessRunner.run("/bin/sh", ["-c", "\(python!) \(Fixtures.repositoryRoot)/scripts/gbstats-reference.py < cases.json"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
    }

    static func close(_ a: Double, _ b: Double, relative: Double, absolute: Double = 0) -> Bool {
        a == b || abs(a - b) <= max(relative * max(abs(a), abs(b)), absolute)
    }

    @Test("every figure of the six cases and CUPED equals gbstats', fixed, sequential and Bayesian, relative and absolute",
          .enabled(if: python != nil))
    func agreement() throws {
        var requests: [[String: Any]] = []
        var ours: [(String, ExperimentEngine.Result)] = []
        for item in Self.cases {
            for engine in ExperimentEngine.allCases {
                for relative in [true, false] {
                    var settings = ExperimentEngine.Settings()
                    settings.relative = relative
                    requests.append(["kind": item.kind, "control": Self.json(item.control), "treatment": Self.json(item.treatment),
                                     "engine": engine.rawValue, "relative": relative])
                    ours.append(("\(item.name), \(engine.rawValue), \(relative ? "relative" : "absolute")",
                                 engine.analyse(control: item.control, treatment: item.treatment, settings: settings)))
                }
            }
        }
        // Bayesian with a proper prior and for a lower-is-better metric; sequential at another tuning and alpha.
        var prior = ExperimentEngine.Settings()
        prior.prior = (0, 0.01)
        requests.append(["kind": "proportion", "control": Self.json(Self.cases[0].control), "treatment": Self.json(Self.cases[0].treatment),
                         "engine": "bayesian", "relative": false, "prior": [0, 0.01]])
        prior.relative = false
        ours.append(("clear winner, bayesian, proper prior, absolute", ExperimentEngine.bayesian.analyse(control: Self.cases[0].control, treatment: Self.cases[0].treatment, settings: prior)))
        var inverse = ExperimentEngine.Settings()
        inverse.inverse = true
        requests.append(["kind": "mean", "control": Self.json(Self.cases[2].control), "treatment": Self.json(Self.cases[2].treatment), "engine": "bayesian", "inverse": true])
        ours.append(("loser, bayesian, inverse", ExperimentEngine.bayesian.analyse(control: Self.cases[2].control, treatment: Self.cases[2].treatment, settings: inverse)))
        var tuned = ExperimentEngine.Settings()
        (tuned.sequentialTuning, tuned.alpha) = (20_000, 0.1)
        requests.append(["kind": "proportion", "control": Self.json(Self.cases[0].control), "treatment": Self.json(Self.cases[0].treatment),
                         "engine": "sequential", "tuning": 20_000, "alpha": 0.1])
        ours.append(("clear winner, sequential, tuning 20000, alpha 0.1", ExperimentEngine.sequential.analyse(control: Self.cases[0].control, treatment: Self.cases[0].treatment, settings: tuned)))

        let theirs = try Self.reference(requests)
        #expect(theirs.count == ours.count)
        for ((name, result), reference) in zip(ours, theirs) {
            let ci = try #require(reference["ci"] as? [Double])
            let effect = try #require(reference["effect"] as? Double)
            #expect(Self.close(result.effect, effect, relative: 1e-9), "\(name): effect \(result.effect) vs \(effect)")
            #expect(Self.close(result.interval.0, ci[0], relative: 1e-9) && Self.close(result.interval.1, ci[1], relative: 1e-9),
                    "\(name): interval \(result.interval) vs \(ci)")
            if let p = reference["p"] as? Double {
                #expect(Self.close(result.p ?? .nan, p, relative: 1e-7, absolute: 1e-12), "\(name): p \(result.p ?? .nan) vs \(p)")
            } else {
                let chance = try #require(reference["chance_to_win"] as? Double), risk = try #require(reference["risk"] as? [Double])
                #expect(Self.close(result.chanceToWin ?? .nan, chance, relative: 1e-7, absolute: 1e-12), "\(name): chance \(result.chanceToWin ?? .nan) vs \(chance)")
                #expect(Self.close(result.risk?.control ?? .nan, risk[0], relative: 1e-7, absolute: 1e-12)
                        && Self.close(result.risk?.treatment ?? .nan, risk[1], relative: 1e-7, absolute: 1e-12),
                        "\(name): risk \(String(describing: result.risk)) vs \(risk)")
            }
        }
        // The tiny effect at huge n: significant once, not when looked at always.
        let tiny = Self.cases[3]
        #expect((ExperimentEngine.fixed.analyse(control: tiny.control, treatment: tiny.treatment, settings: .init()).p ?? 1) < 0.05)
        #expect((ExperimentEngine.sequential.analyse(control: tiny.control, treatment: tiny.treatment, settings: .init()).p ?? 0) > 0.05)
    }

    /// Peeking: 1,000 A/A experiments (10% conversion in both arms), each looked at after every
    /// 1,000 users per arm, ten looks. A winner is declared at the first look with p < 0.05.
    static func peeking() -> (fixed: Int, sequential: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / Double(1 << 53)
        }
        // One batch's conversions: Binomial(1000, 0.1) by its normal approximation, rounded.
        func batch() -> Double {
            let normal = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            return min(max((100 + normal * 90.0.squareRoot()).rounded(), 0), 1000)
        }
        var fixed = 0, sequential = 0
        for _ in 0..<1000 {
            var (a, b) = (0.0, 0.0)
            var (fixedWon, sequentialWon) = (false, false)
            for look in 1...10 {
                a += batch(); b += batch()
                let n = Double(look * 1000)
                let control = VariantStatistic.moments(.init(n: n, sum: a)), treatment = VariantStatistic.moments(.init(n: n, sum: b))
                fixedWon = fixedWon || (ExperimentEngine.fixed.analyse(control: control, treatment: treatment, settings: .init()).p ?? 1) < 0.05
                sequentialWon = sequentialWon || (ExperimentEngine.sequential.analyse(control: control, treatment: treatment, settings: .init()).p ?? 1) < 0.05
            }
            fixed += fixedWon ? 1 : 0
            sequential += sequentialWon ? 1 : 0
        }
        return (fixed, sequential)
    }

    @Test("peeking: at ten looks, fixed-horizon tests find a winner in far more than 5% of A/A experiments, sequential in at most about 5%")
    func peekingRates() {
        let (fixed, sequential) = Self.peeking()
        // Ten looks at a fixed-horizon test: about 19% false winners (Armitage et al.); the
        // always-valid test stays under alpha.
        #expect(fixed >= 120, "fixed: \(fixed) of 1000")
        #expect(sequential <= 60, "sequential: \(sequential) of 1000")
        print("peeking, 1,000 A/A experiments × 10 looks: fixed \(fixed), sequential \(sequential) false winners")
    }

    @Test("the sample-ratio check equals gbstats' check_srm", .enabled(if: python != nil))
    func sampleRatio() throws {
        let splits: [([Double], [Double])] = [([50_000, 48_500], [0.5, 0.5]), ([10_000, 10_100, 9_800], [1, 1, 1]), ([30_000, 10_500], [3, 1])]
        let theirs = try Self.reference(splits.map { ["kind": "srm", "users": $0.0, "weights": $0.1] })
        for ((users, weights), reference) in zip(splits, theirs) {
            let total = users.reduce(0, +), share = weights.reduce(0, +)
            let ours = ExperimentStatistics.chiSquare(observed: users, expected: weights.map { total * $0 / share }).p
            let p = try #require(reference["srm"] as? Double)
            #expect(Self.close(ours, p, relative: 1e-7, absolute: 1e-12), "\(users): \(ours) vs \(p)")
        }
    }

    @Test("Benjamini–Hochberg q-values: step-up, monotone, capped at 1")
    func benjaminiHochberg() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH") = 0.025 0.05 0.05 0.025 0.5
        let q = ExperimentEngine.benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5])
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5]
        #expect(zip(q, expected).allSatisfy { abs($0 - $1) < 1e-15 }, "\(q)")
        #expect(ExperimentEngine.benjaminiHochberg([0.9, 0.95]) == [0.95, 0.95])
        #expect(ExperimentEngine.benjaminiHochberg([]).isEmpty)
    }
}

@Suite struct PlanTests {
    /// (baseline rate or mean, sd or nil, absolute effect, alpha, power)
    static let cases: [(Double, Double?, Double, Double, Double)] = [
        (0.10, nil, 0.005, 0.05, 0.8), (0.02, nil, 0.001, 0.01, 0.9), (0.5, nil, -0.03, 0.05, 0.8), (42, 18, 1, 0.05, 0.8), (3.5, 0.9, 0.05, 0.1, 0.95),
    ]

    @Test("sample sizes and detectable effects equal the closed form computed with SciPy's normal quantiles", .enabled(if: EngineTests.python != nil))
    func closedForm() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The closed form, written again in Python: n = (z(1−α/2) + z(power))² (σ₁² + σ₂²) / δ²;
        // for a mean, the detectable δ = (z(1−α/2) + z(power)) √(2σ²/n).
        let script = """
            import json, sys
            from scipy.stats import norm
            out = []
            for b, sd, d, a, p in json.load(sys.stdin):
                z = norm.ppf(1 - a / 2) + norm.ppf(p)
                v1, v2 = (sd * sd, sd * sd) if sd is not None else (b * (1 - b), (b + d) * (1 - b - d))
                n = z * z * (v1 + v2) / (d * d)
                out.append([n, z * (2 * sd * sd / n) ** 0.5 if sd is not None else None])
            print(json.dumps(out))
            """
        try script.write(toFile: directory + "/plan.py", atomically: true, encoding: .utf8)
        let input = Self.cases.map { [$0.0, $0.1 as Any? ?? NSNull(), $0.2, $0.3, $0.4] }
        try JSONSerialization.data(withJSONObject: input).write(to: URL(fileURLWithPath: directory + "/cases.json"))
        let run = try ProcessRunner.run("/bin/sh", ["-c", "\(EngineTests.python!) plan.py < cases.json"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[Any]])
        for ((baseline, sd, effect, alpha, power), figures) in zip(Self.cases, reference) {
            let n = try #require(figures[0] as? Double)
            let ours = sd.map { ExperimentPlan.sampleSize(effect: effect, controlVariance: $0 * $0, treatmentVariance: $0 * $0, alpha: alpha, power: power) }
                ?? ExperimentPlan.proportionSampleSize(baseline: baseline, effect: effect, alpha: alpha, power: power)
            #expect(EngineTests.close(ours, n, relative: 1e-9), "\(baseline), \(effect): \(ours) vs \(n)")
            if let sd, let detectable = figures[1] as? Double {
                #expect(EngineTests.close(ExperimentPlan.meanDetectableEffect(n: n, sd: sd, alpha: alpha, power: power), detectable, relative: 1e-9))
            } else if effect > 0 {
                // The detectable effect at that n is the effect it was sized for.
                let back = try #require(ExperimentPlan.proportionDetectableEffect(baseline: baseline, n: n, alpha: alpha, power: power))
                #expect(EngineTests.close(back, effect, relative: 1e-9), "\(back) vs \(effect)")
            }
        }
    }

    @Test("the command: users for an effect, the effect for users; contradictory or missing options exit 2")
    func command() throws {
        let size = try GateBinary.run(["experiment", "plan", "--baseline", "0.10", "--effect", "0.05"])
        #expect(size.status == 0 && size.stdout.hasPrefix("\(Int(ExperimentPlan.proportionSampleSize(baseline: 0.1, effect: 0.005, alpha: 0.05, power: 0.8).rounded(.up))) users per variant"), "\(size.stdout)")
        let effect = try GateBinary.run(["experiment", "plan", "--baseline", "42", "--sd", "18", "--users", "5000"])
        #expect(effect.status == 0 && effect.stdout.contains("minimum detectable effect with 5000 users per variant"), "\(effect.stdout)")
        for arguments in [["--baseline", "0.1"], ["--baseline", "0.1", "--effect", "0.1", "--users", "10"], ["--baseline", "1.5", "--effect", "0.1"]] {
            #expect(try GateBinary.run(["experiment", "plan"] + arguments).status == 2, "\(arguments)")
        }
    }
}
