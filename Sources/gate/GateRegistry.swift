import ArgumentParser
import GateKit

/// A subcommand that is a gate: `gate check` runs it from its policy file alone.
protocol GateCommand: ParsableCommand {
    static var gateID: String { get }
    /// Evaluates the gate from its policy file, with no command-line overrides.
    static func evaluate(policy: Policy, context: GateContext) throws -> GateResult
}

/// A gate as `gate check` sees it: its id and how to evaluate a policy file.
struct RegisteredGate: Sendable {
    let id: String
    let evaluate: @Sendable (Policy, GateContext) throws -> GateResult

    init<Command: GateCommand>(_ command: Command.Type) {
        id = Command.gateID
        evaluate = { try Command.evaluate(policy: $0, context: $1) }
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
        RegisteredGate(ChecksumCommand.self),
        RegisteredGate(DriftCommand.self),
        RegisteredGate(BenchCommand.self),
        RegisteredGate(CanaryCommand.self),
        RegisteredGate(DashboardsCommand.self),
    ]

    static let commands: [any ParsableCommand.Type] = [
        CheckCommand.self,
        CoverageCommand.self,
        RelevanceCommand.self,
        FlagsCommand.self,
        ExperimentCommand.self,
        SBOMCommand.self,
        ChecksumCommand.self,
        DriftCommand.self,
        BenchCommand.self,
        CanaryCommand.self,
        DashboardsCommand.self,
        RecommenderCommand.self,
        CommentCommand.self,
    ]

    static func gate(named id: String) -> RegisteredGate? {
        gates.first { $0.id == id }
    }
}
