import GateKit
import PromQL

/// Every rule the dashboard gate applies: an id, a default severity, one line of doc.
public enum DashboardRule: String, CaseIterable, Sendable {
    case dashboardMissingField = "dashboard-missing-field"
    case uidMissing = "dashboard-uid-missing"
    case uidDuplicate = "dashboard-uid-duplicate"
    case panelIdDuplicate = "panel-id-duplicate"
    case gridOutOfBounds = "gridpos-out-of-bounds"
    case gridOverlap = "gridpos-overlap"
    case refIdDuplicate = "target-refid-duplicate"
    case datasourceUnresolved = "datasource-unresolved"
    case variableUndefined = "variable-undefined"
    case promqlSyntax = "promql-syntax"
    case promqlUnknownFunction = "promql-unknown-function"
    case panelNoTargets = "panel-no-targets"
    case rateOnNonCounter = "rate-on-non-counter"
    case rateInterval = "rate-interval"
    case metricNotInCatalog = "metric-not-in-catalog"
    case metricNaming = "metric-naming"

    public var severity: Severity {
        switch self {
        case .uidMissing, .gridOverlap, .panelNoTargets, .rateOnNonCounter, .rateInterval, .metricNaming: .warning
        default: .error
        }
    }

    public var summary: String {
        switch self {
        case .dashboardMissingField: "The dashboard lacks a title, or has neither panels nor rows."
        case .uidMissing: "The dashboard has no uid: links and provisioning cannot find it reliably."
        case .uidDuplicate: "Two dashboards share a uid: one overwrites the other on import."
        case .panelIdDuplicate: "Two panels of a dashboard share an id (children of collapsed rows included)."
        case .gridOutOfBounds: "A panel lies outside the 24-column grid (h > 0, 1 ≤ w ≤ 24, 0 ≤ x, x + w ≤ 24, y ≥ 0)."
        case .gridOverlap: "Two panels of one layer overlap; Grafana moves one at load."
        case .refIdDuplicate: "Two targets of a panel share a refId."
        case .datasourceUnresolved: "A datasource reference names no variable, __inputs entry, built-in or configured datasource."
        case .variableUndefined: "A query uses a variable the dashboard does not define."
        case .promqlSyntax: "A PromQL expression does not parse (as Prometheus 2.42 parses it)."
        case .promqlUnknownFunction: "A PromQL expression calls a function Prometheus does not have."
        case .panelNoTargets: "A data panel has no queries."
        case .rateOnNonCounter: "rate, irate or increase over a metric whose name is not a counter's."
        case .rateInterval: "rate or irate over a fixed range instead of $__rate_interval."
        case .metricNotInCatalog: "A query names a metric the service does not export."
        case .metricNaming: "A catalog metric breaks Prometheus naming conventions."
        }
    }

    public var descriptor: RuleDescriptor {
        RuleDescriptor(id: "dashboards/" + rawValue, severity: severity, summary: summary, help: "Fix the dashboard, or exclude this rule for it in gates/dashboards.yml with a reason.")
    }
}

/// A metric catalog: names the service exports, with types when the source says (an
/// exposition file's `# TYPE` lines).
public struct MetricCatalog: Sendable {
    public var names: Set<String> = []
    public var types: [String: String] = [:]
    public var source: String

    /// One name per line, or a Prometheus text exposition (`# TYPE` and sample lines).
    public static func parse(_ text: String, source: String) -> MetricCatalog {
        var catalog = MetricCatalog(source: source)
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count >= 4, parts[1] == "TYPE" {
                    catalog.names.insert(String(parts[2]))
                    catalog.types[String(parts[2])] = String(parts[3])
                }
                continue
            }
            let name = line.prefix { $0 != "{" && $0 != " " && $0 != "\t" }
            if !name.isEmpty { catalog.names.insert(String(name)) }
        }
        // A histogram's and a summary's series.
        for (name, type) in catalog.types where type == "histogram" || type == "summary" {
            catalog.names.formUnion([name + "_count", name + "_sum"] + (type == "histogram" ? [name + "_bucket"] : []))
        }
        return catalog
    }

    public func contains(_ name: String) -> Bool { names.contains(name) }

    /// promlint's conventions, as promtool check metrics applies them.
    public func namingProblems() -> [(name: String, problem: String)] {
        var problems: [(String, String)] = []
        let abbreviations = ["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"]
        let nonBase = ["milliseconds": "seconds", "microseconds": "seconds", "nanoseconds": "seconds", "minutes": "seconds", "hours": "seconds",
                       "days": "seconds", "kilobytes": "bytes", "megabytes": "bytes", "gigabytes": "bytes", "bits": "bytes"]
        for name in names.sorted() {
            let words = name.split(separator: "_").map(String.init)
            if name.contains(where: { $0.isUppercase }) { problems.append((name, "metric names should be written in 'snake_case' not 'camelCase'")) }
            if name.contains(":") { problems.append((name, "metric names should not contain ':'")) }
            if let word = words.first(where: { abbreviations.contains($0) }) { problems.append((name, "metric names should not contain abbreviated units: _\(word)")) }
            if let word = words.first(where: { nonBase[$0] != nil }) { problems.append((name, "use base unit \"\(nonBase[word]!)\" instead of \"\(word)\"")) }
            for kind in ["counter", "gauge", "histogram", "summary"] where words.contains(kind) {
                problems.append((name, "metric names should not include type '\(kind)'"))
            }
            if let type = types[name] {
                if type == "counter", !name.hasSuffix("_total") { problems.append((name, "counter metrics should have \"_total\" suffix")) }
                if type != "counter", type != "untyped", name.hasSuffix("_total") { problems.append((name, "non-counter metrics should not have \"_total\" suffix")) }
            }
        }
        return problems
    }
}
