import Foundation
import GateKit
import PromQL

private typealias Measurement = GateKit.Measurement

/// The dashboard gate's policy: `gates/dashboards.yml`.
///
/// ```yaml
/// dashboards: [fixtures/dashboards]        # files or directories of *.json
/// catalog: fixtures/dashboards/metrics.prom  # names the service exports (list or exposition)
/// catalog-prometheus: http://127.0.0.1:9090   # or: the names a live Prometheus has
/// datasources: [prometheus-main]          # uids/names concrete references may use
/// rules:                                  # per rule: off, note, warning or error (every gate's rules: mapping)
///   gridpos-overlap: error
/// exclude:                                # per dashboard (uid or file name), optional panel id
///   - {rule: rate-interval, dashboard: node-exporter, panel: 12, reason: "fixed 1h window on purpose"}
/// ```
public struct DashboardsPolicy: Sendable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("dashboards", .list, "Dashboard files or directories of *.json."),
        PolicyKey("catalog", .path, "Metric names the service exports: one per line, or a Prometheus exposition."),
        PolicyKey("catalog-prometheus", .string, "Take the metric names a live Prometheus has."),
        PolicyKey("datasources", .list, "Datasource uids or names concrete references may use."),
        PolicyKey("exclude", .mapping, "Findings left out: [{rule, dashboard, panel, reason}]."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }

    public struct Exclusion: Sendable {
        public var rule: String
        public var dashboard: String
        public var panel: Double?
    }

    public var dashboards: [String] = []
    public var catalog: String?
    /// A Prometheus whose metric names (`/api/v1/label/__name__/values`) make the catalog.
    public var catalogPrometheus: String?
    public var datasources: Set<String> = []
    public var exclusions: [Exclusion] = []

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        dashboards = try policy.strings("dashboards") ?? []
        catalog = try policy.string("catalog")
        catalogPrometheus = try policy.string("catalog-prometheus")
        datasources = Set(try policy.strings("datasources") ?? [])
        if let entry = policy.entry("exclude") {
            guard case .list(let items, _) = entry.value else {
                throw policy.invalid(line: entry.line, key: "exclude", expected: "a list of {rule, dashboard, panel, reason}")
            }
            for item in items {
                guard case .map(let fields, let line) = item else {
                    throw policy.invalid(line: item.line, key: "exclude", expected: "{rule, dashboard, panel, reason}")
                }
                let sub = Policy(path: policy.path, entries: fields)
                try sub.requireKnownKeys(["rule", "dashboard", "panel", "reason"])
                guard let rule = try sub.string("rule"), DashboardRule(rawValue: rule) != nil,
                      let dashboard = try sub.string("dashboard"), try sub.string("reason") != nil else {
                    throw policy.invalid(line: line, key: "exclude", expected: "a known rule, a dashboard and a reason")
                }
                exclusions.append(Exclusion(rule: rule, dashboard: dashboard, panel: try sub.number("panel")))
            }
        }
    }
}

/// `gate dashboards`: Grafana dashboards validated offline — JSON, identity, layout,
/// datasources, variables, and every PromQL query parsed and checked against a metrics
/// catalog.
public struct DashboardsGate: Sendable {
    public static let id = "dashboards"

    public var policy: DashboardsPolicy
    public var context: GateContext

    public init(policy: DashboardsPolicy, context: GateContext) { (self.policy, self.context) = (policy, context) }


    /// The dashboard files: the JSON files named, and those under the directories named.
    func files() throws -> [String] {
        var files: [String] = []
        for entry in policy.dashboards {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: context.resolve(entry), isDirectory: &isDirectory) else { throw GateError.missingInput(path: entry) }
            if isDirectory.boolValue {
                let names = (FileManager.default.enumerator(atPath: context.resolve(entry))?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".json") }.sorted()
                files += names.map { (entry.hasSuffix("/") ? entry : entry + "/") + $0 }
            } else {
                files.append(entry)
            }
        }
        return files
    }

    public func evaluate() throws -> GateResult {
        guard !policy.dashboards.isEmpty else { throw GateError.usage("dashboards: name the dashboards (gate dashboards FILE|DIR…, or dashboards: in gates/dashboards.yml).") }
        var inputs: [InputDigest] = []
        let catalog = try MetricCatalog.load(file: policy.catalog, prometheus: policy.catalogPrometheus, context: context, inputs: &inputs)
        let paths = try files()
        guard !paths.isEmpty else { throw GateError.usage("dashboards: no .json file in \(policy.dashboards.joined(separator: ", ")).") }
        var findings: [Finding] = []
        var uids: [String: String] = [:]
        var queries = 0
        // Files are read and checked on all cores; uids are compared after, in file order.
        let sharedCatalog = catalog
        let checks = parallelMap(paths.count) { index in try self.check(paths[index], catalog: sharedCatalog) }
        // A file that cannot be read does not stop the others being checked: every problem
        // is reported, and the verdict is still error.
        var unreadable: [String] = []
        for (index, path) in paths.enumerated() {
            let checked: Checked
            do {
                checked = try checks[index].get()
            } catch {
                unreadable.append(String(describing: error))
                continue
            }
            inputs.append(checked.digest)
            var found = checked.findings
            queries += checked.queries
            if let uid = checked.uid {
                if let other = uids[uid] {
                    found.append(Finding(severity: .error, rule: "dashboards/" + DashboardRule.uidDuplicate.rawValue,
                                         message: "uid '\(uid)' is also the uid of \(other)", location: Location(file: path)))
                } else {
                    uids[uid] = path
                }
            }
            findings += found.compactMap { adjust($0, uid: checked.uid, path: path) }
        }
        if let catalog {
            for problem in catalog.namingProblems() {
                if let finding = adjust(Finding(severity: .warning, rule: "dashboards/" + DashboardRule.metricNaming.rawValue,
                                                message: "\(problem.name): \(problem.problem)", location: Location(file: catalog.source)),
                                        uid: nil, path: catalog.source) {
                    findings.append(finding)
                }
            }
        }
        let errors = findings.filter { $0.severity == .error }.count
        let measurements = [
            Measurement(name: "dashboards", value: Double(paths.count)),
            Measurement(name: "queries", value: Double(queries)),
            Measurement(name: "errors", value: Double(errors), threshold: 0, comparison: .atMost, verdict: errors == 0 ? .pass : .fail,
                        tally: FindingTally(severity: .error)),
        ]
        var verdict = GateResult.verdict(measurements: measurements, findings: findings)
        var summary = "\(paths.count) dashboard\(paths.count == 1 ? "" : "s"), \(queries) quer\(queries == 1 ? "y" : "ies"): \(errors) error\(errors == 1 ? "" : "s"), \(findings.count - errors) warning\(findings.count - errors == 1 ? "" : "s")"
        if !unreadable.isEmpty {
            verdict = .error
            summary = Excerpt.message("\(unreadable.count) of \(paths.count) dashboard\(paths.count == 1 ? "" : "s") could not be read: "
                + unreadable.joined(separator: "; ") + ". The others: \(summary.drop { $0 != ":" }.dropFirst(2))", limit: 1500)
        }
        return GateResult(gate: Self.id, verdict: verdict, summary: summary, measurements: measurements, findings: findings, inputs: inputs,
                          rules: Self.rules)
    }

    /// What one file's check leaves: the tree is freed on the worker thread that read it.
    struct Checked: Sendable {
        var digest: InputDigest
        var uid: String?
        var queries: Int
        var findings: [Finding]
    }

    /// One file read, parsed and checked.
    func check(_ path: String, catalog: MetricCatalog?) throws -> Checked {
        let (bytes, read) = try InputFile.readAll(context.resolve(path), expected: "a Grafana dashboard (JSON)", limits: .document)
        var digest = read
        digest.path = path
        let tree = try JSONTree.parse(bytes, path: path)
        let checker = DashboardChecker(path: path, dashboard: Dashboard(tree), catalog: catalog, datasources: policy.datasources)
        let findings = checker.check()
        return Checked(digest: digest, uid: checker.dashboard.uid, queries: checker.queryCount, findings: findings)
    }

    /// Every PromQL expression of the dashboards as the gate parses it (variables substituted),
    /// with the parser's verdict: what `gate dashboards promql` prints for comparing with promtool.
    public func expressions() throws -> [(file: String, place: String, text: String, error: PromQLError?)] {
        var all: [(file: String, place: String, text: String, error: PromQLError?)] = []
        for path in try files() {
            let bytes = try InputFile.readAll(context.resolve(path), expected: "a Grafana dashboard (JSON)", limits: .document).bytes
            let tree = try JSONTree.parse(bytes, path: path)
            let checker = DashboardChecker(path: path, dashboard: Dashboard(tree), catalog: nil, datasources: [])
            _ = checker.check()
            all += checker.expressions.map { (path, $0.place, $0.text, $0.error) }
        }
        return all
    }

    /// Applies the policy's exclusions (`rules:` is applied to every gate's result alike).
    func adjust(_ finding: Finding, uid: String?, path: String) -> Finding? {
        let rule = String(finding.rule.dropFirst("dashboards/".count))
        for exclusion in policy.exclusions where exclusion.rule == rule {
            let file = (path as NSString).lastPathComponent
            let matchesDashboard = exclusion.dashboard == uid || exclusion.dashboard == file || exclusion.dashboard == path
            let matchesPanel = exclusion.panel.map { panel in finding.message.hasPrefix("panel \(Measurement.format(panel))") } ?? true
            if matchesDashboard && matchesPanel { return nil }
        }
        return finding
    }
}

extension DashboardsGate: Gate {
    public static var rules: [RuleDescriptor] { DashboardRule.allCases.map(\.descriptor) }
    public static var policyKeys: [PolicyKey] { DashboardsPolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try DashboardsGate(policy: DashboardsPolicy(policy: policy), context: context).evaluate()
    }
}
