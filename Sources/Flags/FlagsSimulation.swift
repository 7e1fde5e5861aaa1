import FeatureFlags
import GateKit

/// `gate flags simulate`: evaluates synthetic users (`user-0` … `user-(N−1)`) against every flag
/// that is rolled out by percentage and checks two things.
///
/// - Share: the users found in match the rollout percentage — an exact two-sided binomial test
///   per flag; p below 0.001 fails (the hash would be biased).
/// - Stickiness: a user in at p is in at every higher ladder percentage — every user is
///   re-evaluated with the flag set to each step.
public struct FlagsSimulation: Sendable {
    public static let id = "flags-simulate"
    public static let alpha = 0.001

    public let file: FlagFile
    public let users: Int
    public let ladder: [Double]

    public init(file: FlagFile, users: Int, ladder: [Double] = [0, 0.01, 0.1, 1, 5, 10, 25, 50, 75, 100]) {
        (self.file, self.users, self.ladder) = (file, users, ladder)
    }

    public func evaluate(input: InputDigest? = nil) -> GateResult {
        var measurements: [Measurement] = []
        var findings: [Finding] = []
        var rows: [[String]] = []
        let ids = (0..<users).map { "user-\($0)" }
        for flag in file.flags where flag.enabled && !flag.adminOverrideEnabled && !flag.adminOverrideDisabled {
            // Share: overrides left out, so only the hash decides.
            let evaluator = FlagEvaluator(file: FlagFile(path: file.path, flags: [flag]))
            let inCount = ids.reduce(0) { $0 + (evaluator.evaluate(flag.name, user: $1, at: 0).value ? 1 : 0) }
            let p = Distributions.binomialTwoSided(successes: inCount, trials: users, rate: flag.rolloutPercentage / 100)
            let verdict: Verdict = p < Self.alpha ? .fail : .pass
            measurements.append(Measurement(name: "share_p_value[\(flag.name)]", value: p, threshold: Self.alpha, comparison: .atLeast, verdict: verdict))
            rows.append([flag.name, "\(Percentage.text(flag.rolloutPercentage))%", String(format: "%.3f%%", 100 * Double(inCount) / Double(max(users, 1))), String(format: "%.4g", p)])
            if verdict == .fail {
                findings.append(Finding(severity: .error, rule: "flags/biased-rollout",
                                        message: "\(flag.name): \(inCount) of \(users) users in at \(Percentage.text(flag.rolloutPercentage))% (binomial p = \(String(format: "%.3g", p)))",
                                        location: Location(file: file.path, line: flag.line)))
            }
            // Stickiness across the ladder.
            let steps = ladder.map { percentage -> FlagEvaluator in
                var copy = flag
                copy.rolloutPercentage = percentage
                return FlagEvaluator(file: FlagFile(path: file.path, flags: [copy]))
            }
            var broken: String?
            for id in ids where broken == nil {
                var wasIn = false
                for (step, evaluator) in zip(ladder, steps) {
                    let isIn = evaluator.evaluate(flag.name, user: id, at: 0).value
                    if wasIn && !isIn { broken = "\(id) is in below \(Percentage.text(step))% but out at \(Percentage.text(step))%" }
                    wasIn = isIn
                }
            }
            if let broken {
                findings.append(Finding(severity: .error, rule: "flags/not-sticky", message: "\(flag.name): \(broken)",
                                        location: Location(file: file.path, line: flag.line)))
            }
        }
        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        let checked = measurements.count
        return GateResult(
            gate: Self.id, verdict: verdict,
            summary: "\(users) synthetic users, \(checked) rolled-out flag\(checked == 1 ? "" : "s"): "
                + (verdict == .pass ? "shares match their percentages and rollouts are sticky" : "\(findings.count) problem\(findings.count == 1 ? "" : "s")"),
            measurements: measurements, findings: findings, inputs: input.map { [$0] } ?? [], rules: FlagsGate.rules,
            tables: [ResultTable(title: "Observed shares", header: ["flag", "rollout", "observed", "binomial p"], rows: rows)])
    }
}
