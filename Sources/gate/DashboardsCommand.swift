import ArgumentParser
import Dashboards
import GateKit

/// `gate dashboards`: Grafana dashboards and their PromQL, validated offline.
struct DashboardsCommand: GateCommand {
    static let gateID = DashboardsGate.id
    static let configuration = CommandConfiguration(
        commandName: "dashboards",
        abstract: "Grafana dashboards: JSON, uids, panel ids, layout, datasources, variables, and every PromQL query parsed and checked against a metric catalog.",
        discussion: "Policy: gates/dashboards.yml with the keys \(DashboardsPolicy.keys.joined(separator: ", ")). Rules: \(DashboardRule.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("Dashboard files or directories (default: dashboards: in the policy).", valueName: "path")) var paths: [String] = []
    @Option(help: ArgumentHelp("Metric names the service exports: one per line, or a Prometheus exposition.", valueName: "file")) var catalog: String?
    @OptionGroup var common: CommonOptions

    static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try DashboardsGate(policy: DashboardsPolicy(policy: policy), context: context).evaluate()
    }

    func run() throws {
        let result = GateRunner.run(gate: Self.gateID) {
            var policy = try common.loadPolicy(gate: Self.gateID).map(DashboardsPolicy.init(policy:)) ?? DashboardsPolicy()
            if !paths.isEmpty { policy.dashboards = paths }
            if let catalog { policy.catalog = catalog }
            return try DashboardsGate(policy: policy, context: .current).evaluate()
        }
        try common.output.finish(Report(results: [result], isCheck: false))
    }
}
