import ArgumentParser
import GateKit

/// `gate rules [GATE]`: every rule a gate's findings may cite, with its default severity —
/// the ids a policy's `rules:` mapping turns off or regrades.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List every gate's rules (or one gate's): id, default severity, summary.",
        discussion: "A policy's rules: mapping changes them per repository: rules: {dashboards/rate-interval: off, flags/stale: error}.")

    @Argument(help: ArgumentHelp("Only this gate's rules.", valueName: "gate")) var gate: String?
    @Flag(help: "Print the gates' contracts as JSON: id, command, policy keys, rules.") var json = false

    func run() throws {
        var gates = GateRegistry.gates
        if let gate {
            guard let found = GateRegistry.gate(named: gate) else {
                let ids = GateRegistry.gates.map(\.id)
                FileSink.standardError("error: no gate is named '\(gate)'\(GateError.suggestion(for: gate, among: ids)). Gates: \(ids.joined(separator: ", ")).\n")
                throw ExitCode(2)
            }
            gates = [found]
        }
        if json {
            let documents: [JSONValue] = gates.map { gate in
                .orderedObject([
                    ("id", .string(gate.id)),
                    ("command", .array(gate.command.map(JSONValue.string))),
                    ("keys", .array(gate.keys.map { .string($0.name) })),
                    ("rules", .array(gate.rules.map { rule in
                        .orderedObject([("id", .string(rule.id)), ("severity", .string(rule.severity.rawValue)), ("summary", .string(rule.summary))])
                    })),
                ])
            }
            FileSink.standardOutput(JSONValue.array(documents).rendered())
            return
        }
        let rows = gates.flatMap { gate in gate.rules.map { [$0.id, $0.severity.rawValue, $0.summary] } }
        FileSink.standardOutput(ColumnTable.render(header: ["rule", "severity", "summary"], rows: rows))
    }
}
