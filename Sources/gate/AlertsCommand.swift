import Alerts
import ArgumentParser
import GateKit

/// `gate alerts`: Prometheus rule files checked, linted and unit-tested.
struct AlertsCommand: GateCommand {
    typealias Judged = AlertsGate
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Check, lint and unit-test Prometheus alerting and recording rules, offline.",
        subcommands: [AlertsCheckCommand.self, AlertsTestCommand.self],
        defaultSubcommand: AlertsCheckCommand.self)
}

struct AlertsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Rule files checked as promtool check rules does, linted against the metric catalog, their unit tests run.",
        discussion: "Policy: gates/alerts.yml with the keys \(AlertsPolicy.keys.joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("Rule files or folders (default: rule-files: in the policy).", valueName: "rule-files"))
    var ruleFiles: [String] = []
    @Option(parsing: .upToNextOption, help: ArgumentHelp("promtool unit-test files or folders.", valueName: "path")) var tests: [String] = []
    @Option(help: ArgumentHelp("The metric catalog: names, `name type` lines, an exposition or /api/v1/metadata JSON.", valueName: "path"))
    var catalog: String?
    @Option(name: .customLong("catalog-prometheus"), help: ArgumentHelp("Take the metric names a live Prometheus has.", valueName: "url"))
    var catalogPrometheus: String?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Allowed severity label values.", valueName: "value")) var severities: [String] = []
    @Option(name: .customLong("required-annotations"), parsing: .upToNextOption, help: ArgumentHelp("Annotations every alert must have.", valueName: "name"))
    var requiredAnnotations: [String] = []
    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(AlertsGate.self, flags: [
            PolicyFlag("rule-files", ruleFiles), PolicyFlag("tests", tests), PolicyFlag("catalog", catalog),
            PolicyFlag("catalog-prometheus", catalogPrometheus), PolicyFlag("severities", severities),
            PolicyFlag("required-annotations", requiredAnnotations),
        ])
    }
}

/// `gate alerts test FILE…`: promtool test rules, with its output and exit codes.
struct AlertsTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit tests as promtool test rules does: its report on standard output, exit 0 when all pass, 1 when any fails.")

    @Argument(help: ArgumentHelp("promtool test files.", valueName: "test-file")) var files: [String]

    func run() throws {
        try exitingTwoOnError {
            var failed = false
            for file in files {
                let result = try RuleUnitTests.run(file)
                FileSink.standardOutput(result.report)
                if !result.passed { failed = true }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
