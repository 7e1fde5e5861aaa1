import Alerts
import ArgumentParser
import Bench
import Canary
import Coverage
import Dashboards
import Drift
import Experiment
import Flags
import GateKit
import Checksum
import Reconcile
import Relevance
import SBOM
import Vulns

/// A gate's command: the subcommand named as the gate, whose judging command (itself, or
/// its default subcommand) has a flag for every policy key.
protocol GateCommand: ParsableCommand {
    associatedtype Judged: Gate
}

extension GateCommand {
    static var gateID: String { Judged.id }
}

/// A gate as `gate check`, `gate rules` and the registry test see it.
struct RegisteredGate: Sendable {
    let id: String
    let rules: [RuleDescriptor]
    let keys: [PolicyKey]
    /// The words after `gate` that reach the judging command (`canary analyze`).
    let command: [String]
    let judge: @Sendable (Policy, GateContext) throws -> GateResult

    init<Command: GateCommand>(_ command: Command.Type) {
        id = Command.Judged.id
        rules = Command.Judged.declaredRules
        keys = Command.Judged.policyKeys
        let name = Command.configuration.commandName ?? id
        self.command = Command.configuration.defaultSubcommand.map { [name, $0.configuration.commandName ?? ""] } ?? [name]
        judge = { try Command.Judged.judge(policy: $0, context: $1) }
    }
}

/// Every gate, in the order `gate check` and `gate --help` list them. Adding a gate adds one
/// line here.
enum GateRegistry {
    static let gates: [RegisteredGate] = [
        RegisteredGate(CoverageCommand.self),
        RegisteredGate(RelevanceCommand.self),
        RegisteredGate(FlagsCommand.self),
        RegisteredGate(ExperimentCommand.self),
        RegisteredGate(SBOMCommand.self),
        RegisteredGate(VulnsCommand.self),
        RegisteredGate(ChecksumCommand.self),
        RegisteredGate(DriftCommand.self),
        RegisteredGate(ReconcileCommand.self),
        RegisteredGate(BenchCommand.self),
        RegisteredGate(CanaryCommand.self),
        RegisteredGate(DashboardsCommand.self),
        RegisteredGate(AlertsCommand.self),
    ]

    static let commands: [any ParsableCommand.Type] = [
        CheckCommand.self,
        CoverageCommand.self,
        RelevanceCommand.self,
        FlagsCommand.self,
        ExperimentCommand.self,
        SBOMCommand.self,
        VulnsCommand.self,
        ChecksumCommand.self,
        DriftCommand.self,
        ReconcileCommand.self,
        BenchCommand.self,
        CanaryCommand.self,
        DashboardsCommand.self,
        AlertsCommand.self,
        RecommenderCommand.self,
        CommentCommand.self,
        RulesCommand.self,
    ]

    static func gate(named id: String) -> RegisteredGate? {
        gates.first { $0.id == id }
    }
}
