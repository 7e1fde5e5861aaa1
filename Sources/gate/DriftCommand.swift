import ArgumentParser
import Drift
import GateKit

/// `gate drift`: reference vs current feature data, column by column, plus data quality.
struct DriftCommand: GateCommand {
    static let gateID = DriftGate.id
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Data drift between reference and current CSV or JSON Lines: a test per column as Evidently chooses it, PSI, schema, missing values, new categories, freshness.",
        discussion: "Policy: gates/drift.yml with the keys \(DriftPolicy.keys.joined(separator: ", ")); per column under columns: \(DriftPolicy.columnKeys.joined(separator: ", ")).")

    @Option(help: ArgumentHelp("The reference sample (what the model was trained or validated on).", valueName: "file")) var reference: String?
    @Option(help: ArgumentHelp("The current sample (what the service sees now).", valueName: "file")) var current: String?
    @Option(name: .customLong("drift-share"), help: ArgumentHelp("Dataset drift (fail) when this share of the compared columns drifted (default 0.5).", valueName: "share")) var driftShare: Double?
    @Option(name: .customLong("max-missing"), help: ArgumentHelp("Largest share of missing values allowed in any current column.", valueName: "share")) var maxMissing: Double?
    @Option(name: .customLong("new-categories"), help: ArgumentHelp("warn, fail or ignore categories the reference never had (default warn).", valueName: "action")) var newCategories: String?
    @Option(help: ArgumentHelp("Write an HTML report with a histogram per column.", valueName: "file")) var report: String?
    @Option(help: ArgumentHelp("Leave a column out (repeatable).", valueName: "column")) var ignore: [String] = []
    @OptionGroup var common: CommonOptions

    func validate() throws {
        for (name, value) in [("--drift-share", driftShare), ("--max-missing", maxMissing)] {
            if let value, !(0...1).contains(value) { throw ValidationError("\(name) must be between 0 and 1, got \(value).") }
        }
        if let newCategories, DriftPolicy.NewCategories(rawValue: newCategories) == nil {
            throw ValidationError("--new-categories must be warn, fail or ignore, got '\(newCategories)'.")
        }
    }

    static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try DriftGate(policy: DriftPolicy(policy: policy), context: context).evaluate()
    }

    func run() throws {
        let context = common.context(gate: Self.gateID)
        let result = GateRunner.run(gate: Self.gateID) {
            var policy = try common.loadPolicy(gate: Self.gateID).map(DriftPolicy.init(policy:)) ?? DriftPolicy()
            if let reference { policy.reference = reference }
            if let current { policy.current = current }
            if let driftShare { policy.driftShare = driftShare }
            if let maxMissing { policy.maxMissing = maxMissing }
            if let newCategories { policy.newCategories = DriftPolicy.NewCategories(rawValue: newCategories)! }
            if let report { policy.report = report }
            policy.ignore.formUnion(ignore)
            return try DriftGate(policy: policy, context: context).evaluate(stage: stageLine("drift"))
        }
        try common.finish(result, context: context)
    }
}
