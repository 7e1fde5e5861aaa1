import ArgumentParser
import Drift
import GateKit

/// `gate drift`: reference vs current feature data, column by column, plus data quality.
struct DriftCommand: GateCommand {
    typealias Judged = DriftGate
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Data drift between reference and current CSV or JSON Lines: a test per column as Evidently chooses it, PSI, schema, missing values, new categories, freshness; declared expectations (on the current file alone, when no reference is given).",
        discussion: "Policy: gates/drift.yml with the keys \(DriftPolicy.keys.joined(separator: ", ")); per column under columns: \(DriftPolicy.columnKeys.joined(separator: ", ")).")

    @Option(help: ArgumentHelp("The reference sample (what the model was trained or validated on).", valueName: "file")) var reference: String?
    @Option(help: ArgumentHelp("The current sample (what the service sees now).", valueName: "file")) var current: String?
    @Option(name: .customLong("drift-share"), help: ArgumentHelp("Dataset drift (fail) when this share of the compared columns drifted (default 0.5).", valueName: "share")) var driftShare: String?
    @Option(name: .customLong("max-missing"), help: ArgumentHelp("Largest share of missing values allowed in any current column.", valueName: "share")) var maxMissing: String?
    @Option(name: .customLong("new-categories"), help: ArgumentHelp("warn, fail or ignore categories the reference never had (default warn).", valueName: "action")) var newCategories: String?
    @Option(help: ArgumentHelp("Write an HTML report with a histogram per column.", valueName: "file")) var html: String?
    @Option(help: .hidden) var report: String?
    @Option(help: ArgumentHelp("Leave a column out (repeatable).", valueName: "column")) var ignore: [String] = []
    @Option(help: ArgumentHelp("{column: NAME, max-age: DURATION}: the newest timestamp may not be older (YAML).", valueName: "yaml")) var freshness: String?
    @Option(help: ArgumentHelp("Per column: {NAME: {type, test, threshold, critical, max-missing, not-null, min, max, above, below, allowed, pattern, min-length, max-length, unique}} (YAML).", valueName: "yaml")) var columns: String?
    @Option(help: ArgumentHelp("Table expectations: {min-rows, max-rows, rows-within, no-duplicate-rows, unique: [COLUMNS]} (YAML).", valueName: "yaml")) var expect: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let flags = [PolicyFlag("reference", reference), PolicyFlag("current", current), PolicyFlag("drift-share", driftShare),
                     PolicyFlag("max-missing", maxMissing), PolicyFlag("new-categories", newCategories), PolicyFlag("html", html), PolicyFlag("report", report),
                     .yaml("freshness", freshness), PolicyFlag("ignore", ignore), .yaml("columns", columns),
                     .yaml("expect", expect)]
        try common.run(DriftGate.self, flags: flags) { policy, context in
            try DriftGate(policy: DriftPolicy(policy: policy), context: context).evaluate(stage: stageLine("drift"))
        }
    }
}
