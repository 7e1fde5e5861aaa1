import Foundation
import GateKit
import PromQL

/// The rules of one dashboard. Findings name the file; their messages start with the panel
/// ("panel 4 'Latency'") and the target (refId or index), which exclusions match on.
final class DashboardChecker {
    let path: String
    let dashboard: Dashboard
    let catalog: MetricCatalog?
    let datasources: Set<String>
    private(set) var queryCount = 0
    /// Every expression parsed, as substituted, with its error if any (for the promtool comparison).
    private(set) var expressions: [(place: String, text: String, error: PromQLError?)] = []
    private var findings: [Finding] = []
    private let variableNames: Set<String>
    private let datasourceVariables: Set<String>

    static let dataPanels: Set<String> = ["graph", "timeseries", "stat", "singlestat", "gauge", "bargauge", "table", "heatmap", "piechart", "barchart", "histogram", "state-timeline", "status-history"]
    static let builtinDatasources: Set<String> = ["-- Grafana --", "-- Mixed --", "-- Dashboard --", "grafana", "default"]

    init(path: String, dashboard: Dashboard, catalog: MetricCatalog?, datasources: Set<String>) {
        (self.path, self.dashboard, self.catalog, self.datasources) = (path, dashboard, catalog, datasources)
        variableNames = Set(dashboard.variables.map(\.name))
        datasourceVariables = Set(dashboard.variables.filter { $0.type == "datasource" }.map(\.name))
    }

    private func report(_ rule: DashboardRule, _ message: String) {
        findings.append(Finding(severity: rule.severity, rule: "dashboards/" + rule.rawValue, message: message, location: Location(file: path)))
    }

    func check() -> [Finding] {
        // The v2 schema (spec.elements + spec.layout) is a different model: say so rather
        // than report its classic fields as missing.
        if let version = dashboard.tree["apiVersion"]?.string, version.hasPrefix("dashboard.grafana.app/v2") {
            report(.dashboardMissingField, "a Grafana v2 dashboard (\(version)) is not supported yet: export it in the classic JSON model")
            return findings
        }
        if dashboard.title == nil { report(.dashboardMissingField, "the dashboard has no title") }
        if dashboard.tree["panels"] == nil && dashboard.tree["rows"] == nil { report(.dashboardMissingField, "the dashboard has neither panels nor rows") }
        if dashboard.uid == nil || dashboard.uid!.isEmpty { report(.uidMissing, "the dashboard has no uid") }
        checkIdentity()
        checkLayout()
        for panel in dashboard.panels { checkPanel(panel) }
        for variable in dashboard.variables { checkVariable(variable) }
        return findings
    }

    private func checkIdentity() {
        var seen: [Double: String] = [:]
        for panel in dashboard.panels {
            guard let id = panel.id else { continue }
            if let other = seen[id] {
                report(.panelIdDuplicate, "\(panel.label): id \(Measurement.format(id)) is also the id of \(other)")
            } else {
                seen[id] = panel.label
            }
        }
    }

    private func checkLayout() {
        var layers: [Int: [(Dashboard.Panel, Dashboard.GridPos)]] = [:]
        for panel in dashboard.panels where !panel.legacy {
            guard let g = panel.gridPos else { continue }
            if !(g.h > 0 && g.w >= 1 && g.w <= 24 && g.x >= 0 && g.x < 24 && g.x + g.w <= 24 && g.y >= 0) {
                report(.gridOutOfBounds, "\(panel.label): gridPos x \(Measurement.format(g.x)), y \(Measurement.format(g.y)), w \(Measurement.format(g.w)), h \(Measurement.format(g.h)) is outside the 24-column grid")
                continue
            }
            layers[panel.layer, default: []].append((panel, g))
        }
        for (_, placed) in layers.sorted(by: { $0.key < $1.key }) {
            let sorted = placed.sorted { $0.1.y < $1.1.y }
            for i in sorted.indices {
                for j in (i + 1)..<sorted.count {
                    let (a, b) = (sorted[i].1, sorted[j].1)
                    if b.y >= a.y + a.h { break }
                    if a.x < b.x + b.w && b.x < a.x + a.w {
                        report(.gridOverlap, "\(sorted[j].0.label) overlaps \(sorted[i].0.label)")
                    }
                }
            }
        }
    }

    /// A datasource reference resolves when it is absent or null, a built-in, a variable of
    /// type datasource, an `__inputs` placeholder, or a configured datasource; a concrete uid or
    /// name is accepted when no datasources are configured (the gate cannot know them).
    private func resolves(_ reference: JSONTree?) -> Bool {
        guard let reference else { return true }
        let text: String?
        switch reference {
        case .null: return true
        case .string(let s): text = s
        case .object: text = reference["uid"]?.string
        default: return false
        }
        guard let text, !text.isEmpty else { return true }
        if Self.builtinDatasources.contains(text) { return true }
        if text.hasPrefix("$") {
            var name = String(text.dropFirst())
            if name.hasPrefix("{"), name.hasSuffix("}") { name = String(name.dropFirst().dropLast()) }
            name = String(name.split(separator: ":").first ?? "")
            return datasourceVariables.contains(name) || dashboard.inputs.contains(name) || (variableNames.contains(name) && datasourceVariables.isEmpty)
        }
        return datasources.isEmpty || datasources.contains(text)
    }

    private func describe(_ reference: JSONTree?) -> String {
        switch reference {
        case .string(let s)?: "'\(s)'"
        case .object?: "uid '\(reference?["uid"]?.string ?? "")'"
        default: "it"
        }
    }

    /// Whether a datasource reference is a non-Prometheus one (Loki, Elasticsearch …).
    private func isOtherThanPrometheus(_ reference: JSONTree?) -> Bool {
        if let type = reference?["type"]?.string { return type != "prometheus" }
        if case .string(let s)? = reference, s.hasPrefix("$") {
            let name = s.trimmingCharacters(in: CharacterSet(charactersIn: "${}"))
            if let variable = dashboard.variables.first(where: { $0.name == name }), variable.type == "datasource", let plugin = variable.query {
                return plugin != "prometheus"
            }
        }
        return false
    }

    private func checkPanel(_ panel: Dashboard.Panel) {
        guard panel.type != "row" else { return }  // rows may keep stray targets
        if !resolves(panel.datasource) {
            report(.datasourceUnresolved, "\(panel.label): datasource \(describe(panel.datasource)) is no datasource variable, __inputs entry, built-in or configured datasource")
        }
        if panel.targets.isEmpty, Self.dataPanels.contains(panel.type), !panel.isLibraryPanel {
            report(.panelNoTargets, "\(panel.label): a \(panel.type) panel with no targets")
        }
        var refIds: Set<String> = []
        for target in panel.targets {
            let where_ = "\(panel.label), target \(target.refId ?? "#\(target.index + 1)")"
            if let refId = target.refId, !refId.isEmpty, !refIds.insert(refId).inserted {
                report(.refIdDuplicate, "\(where_): refId '\(refId)' is used twice in the panel")
            }
            if !resolves(target.datasource) {
                report(.datasourceUnresolved, "\(where_): datasource \(describe(target.datasource)) is no datasource variable, __inputs entry, built-in or configured datasource")
            }
            guard let expr = target.expr, !isOtherThanPrometheus(target.datasource ?? panel.datasource) else { continue }
            checkQuery(expr, where: where_, emptyIsError: !target.hidden, rangeQuery: !target.instant)
        }
    }

    private func checkVariable(_ variable: Dashboard.Variable) {
        guard variable.type == "query", let query = variable.query?.trimmingCharacters(in: .whitespaces), !query.isEmpty else { return }
        // label_values(selector, label), query_result(expr): the inner PromQL.
        var inner: String?
        for function in ["label_values", "query_result"] where query.hasPrefix(function + "(") && query.hasSuffix(")") {
            let body = String(query.dropFirst(function.count + 1).dropLast())
            if function == "query_result" {
                inner = body
            } else if let comma = body.lastIndex(of: ",") {
                inner = String(body[..<comma])
            }
        }
        if let inner { checkQuery(inner, where: "variable '\(variable.name)'", emptyIsError: true) }
    }

    /// - Parameter rangeQuery: the expression is run as a range query, whose result must be
    ///   a scalar or an instant vector (Prometheus refuses anything else when it runs it).
    private func checkQuery(_ expression: String, where place: String, emptyIsError: Bool, rangeQuery: Bool = false) {
        let values = Dictionary(dashboard.variables.compactMap { v -> (String, String)? in
            guard v.type == "interval", let current = v.current, !current.isEmpty, current != "$__auto_interval_\(v.name)" else { return nil }
            return (v.name, current)
        }, uniquingKeysWith: { a, _ in a })
        let substitution = GrafanaSubstitution.substitute(expression, values: values)
        for use in substitution.used where !variableNames.contains(use.name) && !GrafanaSubstitution.isBuiltin(use.name) && !dashboard.inputs.contains(use.name) {
            report(.variableUndefined, "\(place): uses $\(use.name), which the dashboard does not define (at character \(use.offset + 1))")
        }
        if substitution.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            if emptyIsError { report(.promqlSyntax, "\(place): an empty expression") }
            return
        }
        queryCount += 1
        let node: PromQLNode
        do {
            node = try PromQLParser.parse(substitution.text)
            if rangeQuery, node.type != .scalar, node.type != .vector {
                throw PromQLError(0, "invalid expression type \"\(node.type.name)\" for range query, must be Scalar or instant Vector (mark the target instant to run it once)")
            }
            expressions.append((place, substitution.text, nil))
        } catch let error as PromQLError {
            expressions.append((place, substitution.text, error))
            let rule: DashboardRule = error.message.hasPrefix("unknown function") ? .promqlUnknownFunction : .promqlSyntax
            report(rule, "\(place): \(error.message) (at character \(substitution.originalOffset(error.offset) + 1) of: \(expression.prefix(200)))")
            return
        } catch {
            report(.promqlSyntax, "\(place): \(error)")
            return
        }
        for use in node.selectors() {
            guard let name = use.selector.name else { continue }
            if let function = use.function, ["rate", "irate", "increase"].contains(function) {
                let counterByName = ["_total", "_count", "_sum", "_bucket"].contains { name.hasSuffix($0) }
                let counterByType = catalog?.types[name] == "counter" || catalog?.types[name] == "histogram" || catalog?.types[name] == "summary"
                if !counterByName && !counterByType && catalog?.types[name] == nil {
                    report(.rateOnNonCounter, "\(place): \(function)(\(name)[…]) over a metric whose name is not a counter's (_total, _count, _sum, _bucket)")
                } else if let type = catalog?.types[name], !counterByType, type != "untyped" {
                    report(.rateOnNonCounter, "\(place): \(function)(\(name)[…]) over a \(type)")
                }
                if function != "increase", let range = use.range, abs(range - GrafanaSubstitution.rateIntervalSeconds) > 1e-9 {
                    report(.rateInterval, "\(place): \(function)(\(name)[\(Self.duration(range))]) over a fixed range; $__rate_interval follows the scrape interval")
                }
            }
            if let catalog, !catalog.contains(name) {
                var finding = Finding(severity: .error, rule: "dashboards/" + DashboardRule.metricNotInCatalog.rawValue,
                                      message: "\(place): metric '\(name)' is not in \(catalog.source)", location: Location(file: path))
                // Recording-rule names (with colons) may come from rules, not the service.
                if name.contains(":") { finding.severity = .warning }
                findings.append(finding)
            }
        }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        return "\(Measurement.format(seconds))s"
    }
}
