import ArgumentParser
import Dashboards
import Foundation
import GateKit
import PromQL

/// `gate dashboards`: Grafana dashboards and their PromQL, validated offline.
struct DashboardsCommand: GateCommand {
    typealias Judged = DashboardsGate
    static let configuration = CommandConfiguration(
        commandName: "dashboards",
        abstract: "Grafana dashboards: JSON, uids, panel ids, layout, datasources, variables, and every PromQL query parsed and checked against a metric catalog.",
        subcommands: [DashboardsCheckCommand.self, DashboardsPromQLCommand.self],
        defaultSubcommand: DashboardsCheckCommand.self)
}

struct DashboardsCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "The gate (exit 1 on an error-level finding).",
        discussion: "Policy: gates/dashboards.yml with the keys \(DashboardsPolicy.keys.joined(separator: ", ")). Rules: `gate rules dashboards`.")

    @Argument(help: ArgumentHelp("Dashboard files or directories (default: dashboards: in the policy).", valueName: "dashboards")) var dashboards: [String] = []
    @Option(help: ArgumentHelp("Metric names the service exports: one per line, or a Prometheus exposition.", valueName: "file")) var catalog: String?
    @Option(name: .customLong("catalog-prometheus"), help: ArgumentHelp("Take the metric names a live Prometheus has (PROMETHEUS_TOKEN as bearer token).", valueName: "url")) var catalogPrometheus: String?
    @Option(help: ArgumentHelp("A datasource uid or name concrete references may use (repeatable).", valueName: "uid")) var datasources: [String] = []
    @Option(help: ArgumentHelp("Findings left out, as YAML: '[{rule: rate-interval, dashboard: UID, panel: 12, reason: why}]'.", valueName: "yaml")) var exclude: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(DashboardsGate.self, flags: [
            PolicyFlag("dashboards", dashboards), PolicyFlag("catalog", catalog), PolicyFlag("catalog-prometheus", catalogPrometheus),
            PolicyFlag("datasources", datasources), .yaml("exclude", exclude),
        ])
    }
}

/// Prints every PromQL expression of the dashboards (variables substituted) or of standard
/// input (one JSON string per line) with the parser's verdict, one JSON object per line —
/// what benchmarks/promql_promtool.py compares with promtool.
struct DashboardsPromQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql",
        abstract: "Parse the dashboards' PromQL (or JSON-string lines on stdin with --stdin) and print each verdict as a JSON line.")

    @Argument(help: ArgumentHelp("Dashboard files or directories.", valueName: "path")) var paths: [String] = []
    @Flag(help: "Read expressions from standard input, one JSON string per line.") var stdin = false

    func run() throws {
        try exitingTwoOnError {
            var rows: [(file: String, place: String, text: String, error: PromQLError?)] = []
            if stdin {
                while let line = readLine() {
                    guard let data = line.data(using: .utf8), let text = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? String else { continue }
                    var failure: PromQLError?
                    do { _ = try PromQLParser.parse(text) } catch let error as PromQLError { failure = error }
                    rows.append(("-", "stdin", text, failure))
                }
            } else {
                var policy = DashboardsPolicy()
                policy.dashboards = paths
                rows = try DashboardsGate(policy: policy, context: .current).expressions()
            }
            var out = ""
            for row in rows {
                var members: [String: JSONValue] = ["file": .string(row.file), "where": .string(row.place), "expr": .string(row.text), "ok": .bool(row.error == nil)]
                if let error = row.error { (members["offset"], members["message"]) = (.integer(error.offset), .string(error.message)) }
                out += JSONValue.object(members).rendered().replacingOccurrences(of: "\n", with: " ") + "\n"
            }
            FileSink.standardOutput(out)
        }
    }
}
