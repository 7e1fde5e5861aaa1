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
