import ArgumentParser
import GateKit
import Reconcile

/// `gate reconcile`: two exports of the same events compared by key.
struct ReconcileCommand: ParsableCommand, GateCommand {
    typealias Judged = ReconcileGate
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Two exports of the same events (a dual write's two sinks; CSV or JSON Lines, any order) compared by key: rows missing from either side, duplicate keys, differing values (numbers by value), sequence gaps per producer.",
        discussion: "Policy: gates/reconcile.yml with the keys \(ReconcilePolicy.policyKeys.map(\.name).joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("One export (default: a: in the policy).", valueName: "a")) var a: String?
    @Argument(help: ArgumentHelp("The other export (default: b: in the policy).", valueName: "b")) var b: String?
    @Option(help: ArgumentHelp("A key column (repeatable): together they identify a row on both sides.", valueName: "column")) var key: [String] = []
    @Option(help: ArgumentHelp("A compared column (repeatable; default: every column both sides have).", valueName: "column")) var compare: [String] = []
    @Option(help: ArgumentHelp("a's column names → b's, where they differ: {amount_cents: cents} (YAML).", valueName: "yaml")) var columns: String?
    @Option(help: ArgumentHelp("Numbers at most this far apart are equal (default 0).", valueName: "number")) var tolerance: String?
    @Option(help: ArgumentHelp("{column: NAME, group: NAME}: missing sequence numbers per group (YAML).", valueName: "yaml")) var sequence: String?
    @Flag(inversion: .prefixedNo, help: "Compare a SHA-256 of each row's compared values instead of the values.") var checksum: Bool?
    @Option(name: .customLong("max-missing"), help: ArgumentHelp("Missing rows allowed (default 0).", valueName: "n")) var maxMissing: String?
    @Option(name: .customLong("max-mismatched"), help: ArgumentHelp("Differing rows allowed (default 0).", valueName: "n")) var maxMismatched: String?
    @Option(name: .customLong("max-duplicates"), help: ArgumentHelp("Repeated keys allowed (default 0).", valueName: "n")) var maxDuplicates: String?
    @Option(name: .customLong("max-gaps"), help: ArgumentHelp("Missing sequence numbers allowed (default 0).", valueName: "n")) var maxGaps: String?
    @Option(help: ArgumentHelp("Ids listed per kind in findings (default 10).", valueName: "n")) var show: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let flags = [PolicyFlag("a", a), PolicyFlag("b", b), PolicyFlag("key", key), PolicyFlag("compare", compare), .yaml("columns", columns),
                     PolicyFlag("tolerance", tolerance), .yaml("sequence", sequence), PolicyFlag("checksum", checksum),
                     PolicyFlag("max-missing", maxMissing), PolicyFlag("max-mismatched", maxMismatched), PolicyFlag("max-duplicates", maxDuplicates),
                     PolicyFlag("max-gaps", maxGaps), PolicyFlag("show", show)]
        try common.run(ReconcileGate.self, flags: flags) { policy, context in
            try ReconcileGate(policy: ReconcilePolicy(policy: policy), context: context).evaluate()
        }
    }
}
