import Foundation
import GateKit
import PromQL

private typealias Measurement = GateKit.Measurement

/// Every rule the alert-rules gate applies.
public enum AlertsRule: String, CaseIterable, Sendable {
    case invalid = "invalid-rule-file"
    case duplicate = "duplicate-rule"
    case ignoredDocument = "ignored-document"
    case noFor = "no-for"
    case severityLabel = "severity-label"
    case missingAnnotation = "missing-annotation"
    case droppedLabel = "template-dropped-label"
    case rateOverGauge = "rate-over-gauge"
    case metricNotInCatalog = "metric-not-in-catalog"
    case noComparison = "no-comparison"
    case recordingName = "recording-rule-name"
    case testFailed = "test-failed"

    public var severity: Severity {
        switch self {
        case .invalid, .droppedLabel, .metricNotInCatalog, .testFailed, .severityLabel: .error
        default: .warning
        }
    }

    public var summary: String {
        switch self {
        case .invalid: "A rule file promtool check rules refuses (YAML, keys, expressions, names, durations, templates)."
        case .duplicate: "Two rules of a file have the same name and labels (promtool's lint)."
        case .ignoredDocument: "A plain rule file has YAML documents after the first; Prometheus never loads their rules."
        case .noFor: "An alert has no 'for' (or 0s): it fires on a single evaluation."
        case .severityLabel: "An alert has no severity label, or one outside the allowed set."
        case .missingAnnotation: "An alert lacks a required annotation (runbook_url by default)."
        case .droppedLabel: "A template uses a label the alert's expression aggregates away or a function drops."
        case .rateOverGauge: "rate, irate or increase over a metric the catalog types as a gauge."
        case .metricNotInCatalog: "A rule reads a metric the catalog does not have and no rule records."
        case .noComparison: "An alert expression without a comparison fires whenever its series exist."
        case .recordingName: "A recording rule is not named level:metric:operations."
        case .testFailed: "A rule unit-test group fails (as promtool test rules would)."
        }
    }

    public var descriptor: RuleDescriptor {
        RuleDescriptor(id: "alerts/" + rawValue, severity: severity, summary: summary,
                       help: self == .testFailed ? "Fix the rule or the test; `gate alerts test FILE` prints promtool's report."
                           : "Fix the rule, or change this rule's severity under rules: in gates/alerts.yml.")
    }
}

/// The alert-rules gate's policy: `gates/alerts.yml`.
///
/// ```yaml
/// rule-files: [fixtures/alerts/rules]      # files or folders of *.yml/*.yaml rule files
/// tests: [fixtures/alerts/tests]           # promtool test files (files or folders)
/// catalog: fixtures/dashboards/metrics.prom  # the metrics the service exports
/// severities: [critical, warning, info]     # the allowed severity label values
/// required-annotations: [summary, runbook_url]
/// ```
public struct AlertsPolicy: Sendable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("rule-files", .list, "Prometheus rule files (plain or PrometheusRule manifests), or folders of *.yml/*.yaml."),
        PolicyKey("tests", .list, "promtool unit-test files, or folders of them, run by gate's own evaluator."),
        PolicyKey("catalog", .path, "The metrics the service exports: names, `name type` lines, an exposition or /api/v1/metadata JSON."),
        PolicyKey("catalog-prometheus", .string, "Take the metric names a live Prometheus has."),
        PolicyKey("severities", .list, "Allowed values of an alert's severity label (default critical, warning, info)."),
        PolicyKey("required-annotations", .list, "Annotations every alert must have (default runbook_url)."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }

    public var ruleFiles: [String] = []
    public var tests: [String] = []
    public var catalog: String?
    public var catalogPrometheus: String?
    public var severities: [String] = ["critical", "warning", "info"]
    public var requiredAnnotations: [String] = ["runbook_url"]

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        ruleFiles = try policy.strings("rule-files") ?? []
        tests = try policy.strings("tests") ?? []
        catalog = try policy.string("catalog")
        catalogPrometheus = try policy.string("catalog-prometheus")
        severities = try policy.strings("severities") ?? severities
        requiredAnnotations = try policy.strings("required-annotations") ?? requiredAnnotations
        guard !ruleFiles.isEmpty || !tests.isEmpty else {
            throw GateError.usage("alerts: name the rule files (gate alerts FILE|DIR…, or rule-files: in gates/alerts.yml).")
        }
    }
}

/// `gate alerts`: Prometheus rule files checked as promtool check rules checks them, linted
/// against the metric catalog the dashboards gate uses, and their unit tests run as promtool
/// test rules runs them — offline, in one pass.
///
/// Verdict: error when an input cannot be read; fail on any error finding (a file promtool
/// refuses, a metric not in the catalog, a template reading a dropped label, a missing or
/// unknown severity, a failing test group); warn on warnings; else pass.
public struct AlertsGate: Sendable {
    public static let id = "alerts"

    public var policy: AlertsPolicy
    public var context: GateContext

    public init(policy: AlertsPolicy, context: GateContext) { (self.policy, self.context) = (policy, context) }

    /// Files named, and the *.yml/*.yaml files under folders named, in order.
    func files(_ entries: [String]) throws -> [String] {
        var files: [String] = []
        for entry in entries {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: context.resolve(entry), isDirectory: &isDirectory) else { throw GateError.missingInput(path: entry) }
            if isDirectory.boolValue {
                let names = (FileManager.default.enumerator(atPath: context.resolve(entry))?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
                files += names.map { (entry.hasSuffix("/") ? entry : entry + "/") + $0 }
            } else {
                files.append(entry)
            }
        }
        return files
    }

    func finding(_ rule: AlertsRule, _ message: String, file: String, line: Int?) -> Finding {
        Finding(severity: rule.severity, rule: "alerts/" + rule.rawValue, message: message,
                location: Location(file: file, line: line.flatMap { $0 > 0 ? $0 : nil }))
    }

    public func evaluate() throws -> GateResult {
        var inputs: [InputDigest] = []
        let catalog = try MetricCatalog.load(file: policy.catalog, prometheus: policy.catalogPrometheus, context: context, inputs: &inputs)
        let paths = try files(policy.ruleFiles)
        var findings: [Finding] = []
        var parsed: [(path: String, groups: [PrometheusRuleGroup])] = []
        var ruleCount = 0, alertCount = 0
        // Files are read, checked and linted on all cores, in two passes: the lint needs every
        // file's recording rules first.
        struct Read: Sendable {
            var digest: InputDigest
            var findings: [Finding]
            var groups: [PrometheusRuleGroup]?
        }
        let reads = parallelMap(paths.count) { index -> Read in
            let path = paths[index]
            let (bytes, read) = try InputFile.readAll(context.resolve(path), expected: "a Prometheus rule file (YAML)", limits: .yaml)
            var found: [Finding] = []
            let groups: [PrometheusRuleGroup]
            do {
                let (g, ignored) = try RuleFiles.parse(String(decoding: bytes, as: UTF8.self), path: path)
                groups = g
                if ignored > 0 {
                    found.append(finding(.ignoredDocument, "\(ignored) YAML document\(ignored == 1 ? "" : "s") after the first: Prometheus loads only the first document of a rule file", file: path, line: nil))
                }
            } catch let error as RuleFileError {
                return Read(digest: InputDigest(path: path, sha256: read.sha256), findings: [finding(.invalid, error.message, file: path, line: error.line)], groups: nil)
            }
            for problem in RuleFiles.check(groups) { found.append(finding(.invalid, problem.message, file: path, line: problem.line)) }
            for duplicate in RuleFiles.duplicates(groups) {
                found.append(finding(.duplicate, "rule \(duplicate.name)\(duplicate.labels.isEmpty ? "" : " \(duplicate.labels)") is defined twice", file: path, line: duplicate.line))
            }
            return Read(digest: InputDigest(path: path, sha256: read.sha256), findings: found, groups: groups)
        }
        for (path, result) in zip(paths, reads) {
            let read = try result.get()
            inputs.append(read.digest)
            findings += read.findings
            if let groups = read.groups { parsed.append((path, groups)) }
        }
        let recorded = Set(parsed.flatMap { $0.groups.flatMap { $0.rules.compactMap(\.record) } })
        let lint = AlertsLint(catalog: catalog, severities: Set(policy.severities), requiredAnnotations: policy.requiredAnnotations, recorded: recorded)
        let sharedParsed = parsed
        let linted = parallelMap(parsed.count) { index -> [Finding] in
            let (path, groups) = sharedParsed[index]
            var found: [Finding] = []
            for rule in groups.flatMap(\.rules) {
                guard let expr = rule.expr, let node = try? PromQLParser.parse(expr) else { continue }
                for problem in lint.check(rule, expression: node) {
                    found.append(finding(problem.rule, problem.message, file: path, line: problem.line))
                }
            }
            return found
        }
        for result in linted { findings += try result.get() }
        for (_, groups) in parsed {
            let rules = groups.flatMap(\.rules)
            ruleCount += rules.count
            alertCount += rules.filter { $0.alert != nil }.count
        }
        // Unit tests.
        var testGroups = 0, failedGroups = 0
        var testDetails: [JSONValue] = []
        for path in try files(policy.tests) {
            let (_, read) = try InputFile.readAll(context.resolve(path), expected: "a rule test file", limits: .yaml)
            inputs.append(InputDigest(path: path, sha256: read.sha256))
            let result = try RuleUnitTests.run(context.resolve(path), displayPath: path)
            testGroups += result.groups
            failedGroups += result.failedGroups.count
            for failure in result.failures {
                let oneLine = failure.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                findings.append(finding(.testFailed, Excerpt.message(oneLine, limit: 600), file: path, line: nil))
            }
            testDetails.append(.object(["file": .string(path), "groups": .integer(result.groups), "failed": .array(result.failedGroups.map { .string($0) }),
                                        "report": .string(result.report)]))
        }
        let errors = findings.filter { $0.severity == .error }.count
        let measurements = [
            Measurement(name: "rules", value: Double(ruleCount)),
            Measurement(name: "alerts", value: Double(alertCount)),
            Measurement(name: "test-groups", value: Double(testGroups)),
            Measurement(name: "failed-test-groups", value: Double(failedGroups), threshold: 0, comparison: .atMost, verdict: failedGroups == 0 ? .pass : .fail),
            Measurement(name: "errors", value: Double(errors), threshold: 0, comparison: .atMost, verdict: errors == 0 ? .pass : .fail,
                        tally: FindingTally(severity: .error)),
        ]
        let warnings = findings.count - errors
        let summary = "\(ruleCount) rule\(ruleCount == 1 ? "" : "s") (\(alertCount) alert\(alertCount == 1 ? "" : "s")) in \(paths.count) file\(paths.count == 1 ? "" : "s"), "
            + (testGroups == 0 ? "no unit tests" : "\(testGroups - failedGroups) of \(testGroups) test group\(testGroups == 1 ? "" : "s") passed")
            + ": \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        return GateResult(gate: Self.id, verdict: GateResult.verdict(measurements: measurements, findings: findings), summary: summary,
                          measurements: measurements, findings: findings, inputs: inputs, rules: Self.rules,
                          details: .object(["tests": .array(testDetails), "catalog": catalog.map { .string($0.source) } ?? .null]))
    }
}

extension AlertsGate: Gate {
    public static var rules: [RuleDescriptor] { AlertsRule.allCases.map(\.descriptor) }
    public static var policyKeys: [PolicyKey] { AlertsPolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try AlertsGate(policy: AlertsPolicy(policy: policy), context: context).evaluate()
    }
}
