import ArgumentParser
import Experiment
import Foundation
import GateKit

/// `gate experiment`: judge an A/B test (`analyze`, the default); size one (`plan`).
struct ExperimentCommand: GateCommand {
    typealias Judged = ExperimentGate
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "A/B tests: judge one (sample-ratio mismatch, fixed, sequential or Bayesian analysis, guardrails — ship, keep running, or stop); plan one's sample size.",
        subcommands: [ExperimentAnalyzeCommand.self, ExperimentPlanCommand.self],
        defaultSubcommand: ExperimentAnalyzeCommand.self)
}

struct ExperimentAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Judge an A/B test: sample-ratio mismatch, the engine's analysis of every metric, guardrails — ship, keep running, or stop.",
        discussion: """
            Exit 0 when a treatment ships or the experiment should keep running (a warning), 1 when it should stop \
            (sample-ratio mismatch, a breached guardrail, the primary metric significantly worse), 2 for bad input. \
            Run it on every push only with --engine sequential or bayesian: a fixed-horizon test looked at repeatedly \
            finds false winners far more often than alpha.
            Policy: gates/experiment.yml with the keys \(ExperimentPolicy.keys.joined(separator: ", ")).
            """)

    @Argument(help: ArgumentHelp("The results file (YAML or JSON); default: results: in the policy.", valueName: "results"))
    var results: String?
    @Option(help: ArgumentHelp("fixed, sequential or bayesian (default fixed).", valueName: "engine")) var engine: String?
    @Option(help: ArgumentHelp("relative (default) or absolute.", valueName: "kind")) var difference: String?
    @Option(help: ArgumentHelp("Significance level, split over the treatments (default 0.05).", valueName: "value")) var alpha: String?
    @Option(name: .customLong("sequential-tuning"), help: ArgumentHelp("The sequential test's tuning parameter (default 5000).", valueName: "n")) var sequentialTuning: String?
    @Option(name: .customLong("chance-to-win"), help: ArgumentHelp("Bayesian: ship at this chance to beat control (default 0.95).", valueName: "p")) var chanceToWin: String?
    @Option(name: .customLong("max-risk"), help: ArgumentHelp("Bayesian: the largest expected loss of shipping (default 0.0025).", valueName: "value")) var maxRisk: String?
    @Option(help: ArgumentHelp("Bayesian: a Gaussian prior on the relative effect as YAML, '{mean: 0, variance: 0.09}'.", valueName: "yaml")) var prior: String?
    @Option(name: .customLong("secondary-correction"), help: ArgumentHelp("benjamini-hochberg (default) or none.", valueName: "kind")) var secondaryCorrection: String?
    @Option(name: .customLong("srm-alpha"), help: ArgumentHelp("Sample-ratio mismatch below this p stops the experiment (default 0.001).", valueName: "value")) var srmAlpha: String?
    @Option(name: .customLong("minimum-sample"), help: ArgumentHelp("Users every variant needs before shipping (default 1000).", valueName: "n")) var minimumSample: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(ExperimentGate.self, flags: [
            PolicyFlag("results", results), PolicyFlag("engine", engine), PolicyFlag("difference", difference), PolicyFlag("alpha", alpha),
            PolicyFlag("sequential-tuning", sequentialTuning), PolicyFlag("chance-to-win", chanceToWin), PolicyFlag("max-risk", maxRisk),
            .yaml("prior", prior), PolicyFlag("secondary-correction", secondaryCorrection), PolicyFlag("srm-alpha", srmAlpha),
            PolicyFlag("minimum-sample", minimumSample),
        ])
    }
}

struct ExperimentPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Size an A/B test: the users per variant to detect an effect, or the smallest effect a number of users detects.",
        discussion: """
            A conversion rate: --baseline 0.10 and --effect 0.05 (relative; --absolute for points) or --users N. \
            A mean: --baseline 42 --sd 18 with --effect or --users. Two-sided test, two equal arms, the normal closed form \
            n = (z(1−α/2) + z(power))² (σ₁² + σ₂²) / δ².
            """)

    @Option(help: ArgumentHelp("The control's conversion rate, or its mean with --sd.", valueName: "value")) var baseline: Double
    @Option(help: ArgumentHelp("A mean metric's standard deviation (without it, the baseline is a conversion rate).", valueName: "value")) var sd: Double?
    @Option(help: ArgumentHelp("The effect to detect: relative to the baseline (0.05 is +5%), or absolute with --absolute.", valueName: "value")) var effect: Double?
    @ArgumentParser.Flag(help: "The effect is in the metric's own units (points for a rate).") var absolute = false
    @Option(help: ArgumentHelp("Users per variant: report the minimum detectable effect instead.", valueName: "n")) var users: Double?
    @Option(help: ArgumentHelp("Significance level, two-sided (default 0.05).", valueName: "value")) var alpha = 0.05
    @Option(help: ArgumentHelp("Power (default 0.8).", valueName: "value")) var power = 0.8

    func validate() throws {
        guard (effect == nil) != (users == nil) else { throw ValidationError("Pass --effect (for a sample size) or --users (for a detectable effect), one of them.") }
        guard alpha > 0, alpha < 1, power > 0, power < 1 else { throw ValidationError("--alpha and --power must be between 0 and 1.") }
        if sd == nil { guard baseline > 0, baseline < 1 else { throw ValidationError("--baseline must be a rate between 0 and 1 (or pass --sd for a mean).") } }
        if let sd { guard sd > 0, sd.isFinite else { throw ValidationError("--sd must be positive.") } }
        if let effect { guard effect != 0, effect.isFinite else { throw ValidationError("--effect must not be 0.") } }
        if let users { guard users >= 2 else { throw ValidationError("--users must be at least 2.") } }
    }

    func run() throws {
        try exitingTwoOnError {
            let test = "two-sided α = \(Measurement.format(alpha)), power \(Measurement.format(power))"
            if let effect {
                let delta = absolute ? effect : effect * baseline
                let n: Double
                if let sd {
                    n = ExperimentPlan.sampleSize(effect: delta, controlVariance: sd * sd, treatmentVariance: sd * sd, alpha: alpha, power: power)
                } else {
                    guard baseline + delta > 0, baseline + delta < 1 else { throw GateError.usage("experiment plan: \(baseline) + \(delta) is not a rate between 0 and 1.") }
                    n = ExperimentPlan.proportionSampleSize(baseline: baseline, effect: delta, alpha: alpha, power: power)
                }
                let users = Int(n.rounded(.up))
                FileSink.standardOutput("\(users) users per variant (\(2 * users) in all) to detect \(Measurement.format(baseline)) → \(Measurement.format(baseline + delta)) (\(Measurement.significantText(delta / baseline * 100))%), \(test)\n")
            } else if let users {
                let delta: Double?
                if let sd {
                    delta = ExperimentPlan.meanDetectableEffect(n: users, sd: sd, alpha: alpha, power: power)
                } else {
                    delta = ExperimentPlan.proportionDetectableEffect(baseline: baseline, n: users, alpha: alpha, power: power)
                }
                guard let delta else { throw GateError.usage("experiment plan: \(Measurement.format(users)) users per variant detect no rise from \(Measurement.format(baseline)) at \(test).") }
                FileSink.standardOutput("minimum detectable effect with \(Measurement.format(users)) users per variant: \(Measurement.format(baseline)) → \(Measurement.significantText(baseline + delta, digits: 6)) (+\(Measurement.significantText(delta / baseline * 100))%, \(Measurement.significantText(delta, digits: 6)) absolute), \(test)\n")
            }
        }
    }
}
