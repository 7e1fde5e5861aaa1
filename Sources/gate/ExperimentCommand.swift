import ArgumentParser
import Experiment
import GateKit

struct ExperimentCommand: GateCommand {
    typealias Judged = ExperimentGate
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
    var alpha: String?

    @Option(name: .customLong("srm-alpha"), help: ArgumentHelp("Sample-ratio mismatch below this p stops the experiment (default 0.001).", valueName: "value"))
    var srmAlpha: String?

    @Option(name: .customLong("minimum-sample"), help: ArgumentHelp("Users every variant needs before shipping (default 1000).", valueName: "n"))
    var minimumSample: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(ExperimentGate.self, flags: [
            PolicyFlag("results", results), PolicyFlag("alpha", alpha), PolicyFlag("srm-alpha", srmAlpha),
            PolicyFlag("minimum-sample", minimumSample),
        ])
    }
}
