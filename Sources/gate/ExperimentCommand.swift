import ArgumentParser
import Experiments
import GateKit

struct ExperimentCommand: GateCommand {
    static let gateID = ExperimentGate.id
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Judge an A/B test: sample-ratio mismatch, significance, lift with confidence intervals, guardrails — ship, keep running, or stop.",
        discussion: """
            Exit 0 when a treatment ships or the experiment should keep running (a warning), 1 when it should stop \
            (sample-ratio mismatch, a breached guardrail, the primary metric significantly worse), 2 for bad input.
            Policy: gates/experiment.yml with the keys \(ExperimentPolicy.keys.joined(separator: ", ")).
            """)

    @Argument(help: ArgumentHelp("The results file (YAML or JSON); default: results: in the policy.", valueName: "results"))
    var results: String?

    @Option(help: ArgumentHelp("Significance level, split over the treatments (default 0.05).", valueName: "value"))
    var alpha: Double?

    @Option(name: .customLong("srm-alpha"), help: ArgumentHelp("Sample-ratio mismatch below this p stops the experiment (default 0.001).", valueName: "value"))
    var srmAlpha: Double?

    @Option(name: .customLong("minimum-sample"), help: ArgumentHelp("Users every variant needs before shipping (default 1000).", valueName: "n"))
    var minimumSample: Double?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        for (name, value) in [("--alpha", alpha), ("--srm-alpha", srmAlpha)] {
            if let value, !(value > 0 && value < 0.5) { throw ValidationError("\(name) must lie between 0 and 0.5.") }
        }
        if let minimumSample, minimumSample < 0 { throw ValidationError("--minimum-sample must not be negative.") }
    }

    static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try ExperimentGate(policy: ExperimentPolicy(policy: policy)).evaluate()
    }

    func run() throws {
        let context = common.context(gate: Self.gateID)
        let result = GateRunner.run(gate: Self.gateID) {
            var policy = try common.loadPolicy(gate: Self.gateID).map(ExperimentPolicy.init(policy:)) ?? ExperimentPolicy()
            if let results { policy.results = results }
            if let alpha { policy.alpha = alpha }
            if let srmAlpha { policy.srmAlpha = srmAlpha }
            if let minimumSample { policy.minimumSample = minimumSample }
            return try ExperimentGate(policy: policy).evaluate()
        }
        try common.finish(result, context: context)
    }
}
