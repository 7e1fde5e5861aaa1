import Dispatch
import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// The drift gate's policy: `gates/drift.yml`.
///
/// ```yaml
/// reference: data/train.csv          # what the model was trained on
/// current: data/serving.csv          # what the service sees now
/// drift-share: 0.5                   # dataset drift (fail) when this share of columns drifted
/// max-missing: 0.05                  # optional: largest share of missing values per column
/// new-categories: warn               # warn | fail | ignore
/// html: .build/drift/report.html     # optional: HTML with a histogram per column
/// freshness: {column: event_time, max-age: 36h}
/// ignore: [request_id]
/// expect: {min-rows: 1000, rows-within: 0.2, no-duplicate-rows: true, unique: [user, event_id]}
/// columns:
///   price: {type: numerical, test: wasserstein, threshold: 0.1, critical: true, not-null: true, min: 0}
///   country: {type: categorical, allowed: [DE, FR, US]}
/// ```
///
/// Expectations (`expect:` and the expectation keys of `columns:`, see `Expectations`) are
/// checked on the current file alone; with them, the reference is optional.
public struct DriftPolicy: Sendable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("reference", .path, "The reference sample (CSV or JSON Lines): what the model was trained or validated on."),
        PolicyKey("current", .path, "The current sample: what the service sees now."),
        PolicyKey("drift-share", .number, "Dataset drift (fail) when this share of the compared columns drifted (default 0.5)."),
        PolicyKey("max-missing", .number, "Largest share of missing values allowed in any current column."),
        PolicyKey("new-categories", .choice(["warn", "fail", "ignore"]), "Categories the reference never had: warn, fail or ignore."),
        PolicyKey("html", .path, "Also write an HTML page with a histogram per column."),
        PolicyKey("freshness", .mapping, "{column: NAME, max-age: DURATION}: the newest timestamp may not be older."),
        PolicyKey("ignore", .list, "Columns left out."),
        PolicyKey("expect", .mapping, "Table expectations: min-rows, max-rows, rows-within (share of the reference's rows), no-duplicate-rows, unique (key columns)."),
        PolicyKey("columns", .mapping, "Per column: type, test, threshold, critical, max-missing; expectations not-null, min, max, above, below, allowed, pattern, min-length, max-length, unique."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    /// `report:` was this gate's HTML page; it is `html:` now (`--report` reads an input elsewhere).
    public static let renamedKeys = ["report": "html"]
    public static let columnKeys = ["type", "test", "threshold", "critical", "max-missing"] + Expectations.columnKeys

    public struct ColumnRule: Sendable, Equatable {
        public var kind: ColumnKind?
        public var test: DriftTest?
        public var threshold: Double?
        public var critical = false
        public var maxMissing: Double?
        public init() {}
    }

    public enum NewCategories: String, Sendable { case warn, fail, ignore }

    public var reference: String?
    public var current: String?
    public var driftShare = 0.5
    public var maxMissing: Double?
    public var newCategories = NewCategories.warn
    public var html: String?
    public var freshnessColumn: String?
    public var maxAge: Double?
    public var ignore: Set<String> = []
    public var columns: [String: ColumnRule] = [:]
    public var expectations = Expectations()
    /// Where the policy came from, for errors about its columns.
    public var origin = "the command line"

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        origin = policy.path
        reference = try policy.string("reference")
        current = try policy.string("current")
        driftShare = try policy.number("drift-share", in: 0...1) ?? driftShare
        maxMissing = try policy.number("max-missing", in: 0...1)
        html = try policy.string("html")
        ignore = Set(try policy.strings("ignore") ?? [])
        if let text = try policy.choice("new-categories", ["warn", "fail", "ignore"]) { newCategories = NewCategories(rawValue: text)! }
        if let entries = try policy.mapping("freshness") {
            let sub = Policy(path: policy.path, entries: entries)
            try sub.requireKnownKeys(["column", "max-age"])
            freshnessColumn = try sub.string("column")
            guard let ageText = try sub.string("max-age"), let age = Timestamp.duration(ageText), freshnessColumn != nil else {
                throw policy.invalid(line: policy.entry("freshness")?.line, key: "freshness",
                                                   expected: "{column: NAME, max-age: DURATION} with a duration such as 36h, 90m or 7d")
            }
            maxAge = age
        }
        for entry in try policy.mapping("columns") ?? [] {
            guard case .map(let fields, _) = entry.value else {
                throw policy.invalid(line: entry.line, key: "columns.\(entry.key)", expected: "a mapping such as {type: numerical, threshold: 0.1}")
            }
            let sub = Policy(path: policy.path, entries: fields)
            try sub.requireKnownKeys(Self.columnKeys)
            var rule = ColumnRule()
            var wholeNumbers = false
            if let text = try sub.string("type") {
                // integer: numerical, and every value a whole number (an expectation).
                guard let kind = text == "integer" ? .numerical : ColumnKind(rawValue: text) else {
                    throw policy.invalid(line: sub.entry("type")?.line, key: "columns.\(entry.key).type", expected: "numerical, integer or categorical")
                }
                rule.kind = kind
                wholeNumbers = text == "integer"
            }
            if let text = try sub.string("test") {
                guard let test = DriftTest(rawValue: text) else {
                    throw policy.invalid(line: sub.entry("test")?.line, key: "columns.\(entry.key).test",
                                                       expected: DriftTest.allCases.map(\.rawValue).joined(separator: ", "))
                }
                rule.test = test
            }
            rule.threshold = try sub.number("threshold", in: 0...1_000_000)
            rule.maxMissing = try sub.number("max-missing", in: 0...1)
            rule.critical = try sub.flag("critical") ?? false
            columns[entry.key] = rule
            var expected = try Expectations.column(sub, name: entry.key)
            expected.integer = wholeNumbers
            if !expected.isEmpty { expectations.columns[entry.key] = expected }
        }
        if let entries = try policy.mapping("expect") {
            try expectations.table(Policy(path: policy.path, entries: entries))
        }
    }
}

/// Carries a reference into a `@Sendable` closure that uses it from one task only.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// `gate drift`: per column, the test Evidently's data-drift preset would choose, PSI beside
/// it, dataset drift when enough columns drifted; and the data-quality checks that catch a
/// broken pipeline before drift statistics would: schema (columns, types), missing values,
/// new categories, freshness.
public struct DriftGate: Sendable {
    public static let id = "drift"
    public static let rules = [
        RuleDescriptor(id: "drift/dataset", severity: .error, summary: "The share of drifted columns reached the policy's drift-share.",
                       help: "Retrain on recent data, or find the upstream change that moved these features."),
        RuleDescriptor(id: "drift/column", severity: .warning, summary: "A column's distribution moved past its test's threshold.",
                       help: "Compare the histograms in the HTML report; mark the column critical to fail on it alone."),
        RuleDescriptor(id: "drift/missing-column", severity: .error, summary: "A reference column is absent from the current data.",
                       help: "A renamed or dropped feature breaks the model's input; restore it or retrain."),
        RuleDescriptor(id: "drift/new-column", severity: .warning, summary: "The current data has a column the reference does not.", help: "It is not compared."),
        RuleDescriptor(id: "drift/non-numeric", severity: .error, summary: "A numerical column holds values that are not numbers.",
                       help: "A type change upstream (a unit suffix, a placeholder such as '-'): fix the producer or declare the column categorical."),
        RuleDescriptor(id: "drift/missing-values", severity: .error, summary: "A column's share of missing values passed max-missing.", help: "Find where the values are lost."),
        RuleDescriptor(id: "drift/no-values", severity: .error, summary: "A column has no values at all in one of the samples.", help: "Nothing to compare: never a pass."),
        RuleDescriptor(id: "drift/new-categories", severity: .warning, summary: "The current data has categories the reference never had.",
                       help: "A new value the model never saw; set new-categories: fail to block on it."),
        RuleDescriptor(id: "drift/stale", severity: .error, summary: "The newest timestamp is older than max-age.", help: "The pipeline stopped delivering fresh data."),
        RuleDescriptor(id: "drift/expectation", severity: .error, summary: "Rows of the current data break a declared expectation.",
                       help: "The first offending rows are listed with their lines; fix the producer, or the expectation if the data is right."),
    ]

    public var policy: DriftPolicy
    public var context: GateContext
    /// The time freshness is measured against: the context's clock unless given.
    public var now: Double

    public init(policy: DriftPolicy, context: GateContext, now: Double? = nil) {
        self.policy = policy
        self.context = context
        self.now = now ?? context.now
    }


    /// `stage` hears what long work is under way ("reading …", "sorting …"), then nil.
    public func evaluate(stage: (@Sendable (String?) -> Void)? = nil) throws -> GateResult {
        defer { stage?(nil) }
        let expecting = !policy.expectations.isEmpty
        guard let currentPath = policy.current, policy.reference != nil || expecting else {
            throw GateError.usage("drift: pass both samples (--reference FILE --current FILE, or reference: and current: in gates/drift.yml), or the current one and expectations.")
        }
        let referencePath = policy.reference
        if policy.expectations.rowsWithin != nil, referencePath == nil {
            throw GateError.usage("drift: expect.rows-within compares with the reference's row count; give the reference too.")
        }
        var modes: [String: ColumnMode] = [:]
        for (name, rule) in policy.columns where rule.kind == .categorical { modes[name] = .categorical }
        if let column = policy.freshnessColumn { modes[column] = .timestamp }
        let readModes = modes
        let checker = expecting ? ExpectationChecker(policy.expectations) : nil
        checker?.collectSamples = referencePath != nil || policy.freshnessColumn != nil
        // The two files are read at once, each on its own thread; the expectations see the current one's rows.
        stage?("reading " + [referencePath, currentPath].compactMap { $0 }.joined(separator: " and "))
        let paths = [currentPath] + [referencePath].compactMap { $0 }
        let box = UncheckedBox(checker)
        let tables = parallelMap(paths.count, width: 2) { index -> DataTable in
            var table = try DataTable.read(context.resolve(paths[index]), modes: readModes, checker: index == 0 ? box.value : nil)
            table.path = paths[index]
            table.input.path = paths[index]
            return table
        }
        let current = try tables[0].get()
        let reference = paths.count > 1 ? try tables[1].get() : nil
        let expectations = checker.map { $0.outcomes(referenceRows: reference?.rows) }
        guard let reference else { return judgeExpectations(expectations!, current: current) }
        stage?("comparing \(reference.columns.count) columns of \(reference.rows) and \(current.rows) rows")
        return try judge(reference: reference, current: current, expectations: expectations)
    }

    /// Measurements and findings, as the checks below add them.
    struct Evidence {
        var measurements: [GateKit.Measurement] = []
        var findings: [Finding] = []
    }

    /// The verdict on two tables already read; pure (the HTML page is an artifact of the
    /// result). Each check is a function of its own: schema, per column numbers, missing values
    /// and drift, the dataset's drifted share, freshness.
    public func judge(reference: DataTable, current: DataTable) throws -> GateResult {
        try judge(reference: reference, current: current, expectations: nil)
    }

    func judge(reference: DataTable, current: DataTable, expectations: (failed: [ExpectationOutcome], checked: Int)?) throws -> GateResult {
        var evidence = Evidence()
        if let expectations { checkExpectations(expectations, current: current, into: &evidence) }
        for name in policy.columns.keys.sorted() where !reference.columns.contains(name) && !current.columns.contains(name) {
            throw DriftError.unknownColumn(name: name, policy: policy.origin)
        }
        let timeColumn = policy.freshnessColumn
        let compared = reference.columns.filter { $0 != timeColumn && !policy.ignore.contains($0) }
        let shared = compared.filter { current.columns.contains($0) }
        guard !shared.isEmpty || timeColumn != nil else { throw DriftError.noCommonColumns(reference: reference.path, current: current.path) }
        checkSchema(compared: compared, reference: reference, current: current, into: &evidence)

        let kinds = kinds(shared, reference: reference)
        // Both samples of each column (numbers ascending, as the readers leave them).
        let samples = shared.map { (reference.sample($0)!, current.sample($0)!) }
        // The tests, columns in parallel; their findings in column order.
        let tested = parallelMap(shared.count) { index -> ColumnDrift? in
            let rule = policy.columns[shared[index]] ?? DriftPolicy.ColumnRule()
            let (ref, cur) = samples[index]
            guard Self.usable(kinds[index], ref, cur) else { return nil }
            return ColumnComparison.compare(shared[index], kind: kinds[index], reference: ref, current: cur, test: rule.test, threshold: rule.threshold)
        }
        var drifts: [ColumnDrift] = []
        for (index, name) in shared.enumerated() {
            let rule = policy.columns[name] ?? DriftPolicy.ColumnRule()
            let (ref, cur) = samples[index]
            if kinds[index] == .numerical { checkNumbers(name, [(ref, reference), (cur, current)], into: &evidence) }
            checkMissing(name, rule: rule, cur, current: current, into: &evidence)
            if let drift = compareColumn(name, kind: kinds[index], rule: rule, ref, cur, drift: try tested[index].get(),
                                         reference: reference, current: current, into: &evidence) {
                drifts.append(drift)
            }
        }
        let share = checkDatasetDrift(drifts, into: &evidence)
        try checkFreshness(current, into: &evidence)

        let verdict = GateResult.verdict(measurements: evidence.measurements, findings: evidence.findings)
        var result = GateResult(
            gate: Self.id, verdict: verdict,
            summary: Self.expectationsHeadline(expectations) + summary(drifts, share: share, findings: evidence.findings, reference: reference, current: current),
            measurements: evidence.measurements, findings: evidence.findings,
            inputs: [reference.input, current.input], rules: Self.rules,
            tables: [Self.table(drifts)])
        if let html = policy.html {
            result.artifacts.append(Artifact(path: context.resolve(html), name: html,
                                             content: .page(sections: DriftHTMLReport.sections(drifts: drifts, reference: reference.path, current: current.path))))
        }
        return result
    }

    /// Columns the reference has and the current data lacks (an error), and the reverse (a warning).
    func checkSchema(compared: [String], reference: DataTable, current: DataTable, into evidence: inout Evidence) {
        let timeColumn = policy.freshnessColumn
        for name in compared where !current.columns.contains(name) {
            evidence.findings.append(Finding(severity: .error, rule: "drift/missing-column",
                                             message: "column '\(name)' is in the reference but not in \(current.path)", location: Location(file: current.path)))
        }
        for name in current.columns where !reference.columns.contains(name) && name != timeColumn && !policy.ignore.contains(name) {
            evidence.findings.append(Finding(severity: .warning, rule: "drift/new-column",
                                             message: "column '\(name)' is in \(current.path) but not in the reference; it is not compared", location: Location(file: current.path)))
        }
    }

    /// Each shared column's kind: the policy's, else numerical when the reference holds numbers only.
    func kinds(_ shared: [String], reference: DataTable) -> [ColumnKind] {
        shared.map { name -> ColumnKind in
            if let kind = policy.columns[name]?.kind { return kind }
            let sample = reference.sample(name)!
            return sample.textCount == 0 && !sample.numbers.isEmpty ? .numerical : .categorical
        }
    }

    /// A numerical column with values that are not numbers: they are left out, and it is an error.
    func checkNumbers(_ name: String, _ samples: [(ColumnSample, DataTable)], into evidence: inout Evidence) {
        for (sample, table) in samples where sample.textCount > 0 {
            let count = sample.textCount
            let example = sample.firstText!
            evidence.findings.append(Finding(severity: .error, rule: "drift/non-numeric",
                                             message: "column '\(name)': \(count) value\(count == 1 ? " is" : "s are") not numbers (first: '\(example.value.prefix(40))' on line \(example.line)); they are left out of the test",
                                             location: Location(file: table.path, line: example.line)))
        }
    }

    /// The current column's share of missing values against max-missing (the column's, else
    /// the policy's); the reference's missing values are its own business.
    func checkMissing(_ name: String, rule: DriftPolicy.ColumnRule, _ sample: ColumnSample, current: DataTable, into evidence: inout Evidence) {
        guard let limit = rule.maxMissing ?? policy.maxMissing else { return }
        let total = sample.present + sample.missing
        let share = total == 0 ? 0 : Double(sample.missing) / Double(total)
        evidence.measurements.append(Measurement(name: "missing[\(name)]", value: (share * 10_000).rounded() / 100, unit: "%",
                                                 threshold: limit * 100, comparison: .atMost, verdict: share <= limit ? .pass : .fail))
        if share > limit {
            evidence.findings.append(Finding(severity: .error, rule: "drift/missing-values",
                                             message: "column '\(name)': \(sample.missing) of \(total) values missing (\(Measurement.format(share * 100))% > \(Measurement.format(limit * 100))%)",
                                             location: Location(file: current.path)))
        }
    }

    /// The column's drift by its test, and its new categories; nil (and an error) when one side
    /// has no usable value.
    /// Whether both samples hold values the column's test can use.
    static func usable(_ kind: ColumnKind, _ ref: ColumnSample, _ cur: ColumnSample) -> Bool {
        kind == .numerical ? ref.numbers.count > 0 && cur.numbers.count > 0 : ref.present > 0 && cur.present > 0
    }

    /// The findings of one column's test (`drift`, nil when a sample has no usable values).
    func compareColumn(_ name: String, kind: ColumnKind, rule: DriftPolicy.ColumnRule, _ ref: ColumnSample, _ cur: ColumnSample, drift: ColumnDrift?,
                       reference: DataTable, current: DataTable, into evidence: inout Evidence) -> ColumnDrift? {
        guard let drift else {
            let empty = (kind == .numerical ? ref.numbers.count : ref.present) == 0 ? reference.path : current.path
            evidence.findings.append(Finding(severity: .error, rule: "drift/no-values",
                                             message: "column '\(name)' has no \(kind == .numerical ? "numeric " : "")values in \(empty): nothing to compare",
                                             location: Location(file: empty)))
            return nil
        }
        let comparison = drift.test.isPValue ? "\(Measurement.format(Measurement.significant(drift.score))) < \(Measurement.format(drift.threshold))"
            : "\(Measurement.format(Measurement.significant(drift.score))) >= \(Measurement.format(drift.threshold))"
        if drift.drifted {
            evidence.findings.append(Finding(severity: rule.critical ? .error : .warning, rule: "drift/column",
                                             message: "column '\(name)' drifted: \(drift.test.title) \(comparison) (PSI \(Measurement.format(Measurement.significant(drift.psi))))",
                                             location: Location(file: current.path)))
        }
        if !drift.newCategories.isEmpty, policy.newCategories != .ignore {
            let total = drift.newCategories.reduce(0) { $0 + $1.count }
            let examples = drift.newCategories.prefix(5).map { "'\($0.value)' (\($0.count))" }.joined(separator: ", ")
            evidence.findings.append(Finding(severity: policy.newCategories == .fail ? .error : .warning, rule: "drift/new-categories",
                                             message: "column '\(name)': \(drift.newCategories.count) value\(drift.newCategories.count == 1 ? "" : "s") the reference never had, in \(total) rows: \(examples)",
                                             location: Location(file: current.path)))
        }
        return drift
    }

    /// The share of compared columns that drifted against drift-share (first among the
    /// measurements), then each column's score and PSI. Returns the share.
    func checkDatasetDrift(_ drifts: [ColumnDrift], into evidence: inout Evidence) -> Double {
        let drifted = drifts.filter(\.drifted).count
        let share = drifts.isEmpty ? 0 : Double(drifted) / Double(drifts.count)
        if !drifts.isEmpty {
            // After the expectations (which say first what failed), before every column's figures.
            let position = evidence.measurements.prefix { $0.name == "expectations_failed" || $0.name.hasPrefix("violations[") }.count
            evidence.measurements.insert(Measurement(name: "drifted_columns_share", value: (share * 10_000).rounded() / 10_000,
                                                     threshold: policy.driftShare, comparison: .below, verdict: share < policy.driftShare ? .pass : .fail),
                                         at: position)
            if share >= policy.driftShare {
                evidence.findings.append(Finding(severity: .error, rule: "drift/dataset",
                                                 message: "dataset drift: \(drifted) of \(drifts.count) columns drifted (share \(Measurement.format(share)) >= \(Measurement.format(policy.driftShare)))"))
            }
        }
        for drift in drifts {
            evidence.measurements.append(Measurement(name: "\(drift.test.rawValue)[\(drift.column)]", value: Measurement.significant(drift.score),
                                                     threshold: drift.threshold, comparison: drift.test.isPValue ? .atLeast : .below,
                                                     verdict: drift.drifted ? (policy.columns[drift.column]?.critical == true ? .fail : .warn) : .pass))
            evidence.measurements.append(Measurement(name: "psi[\(drift.column)]", value: Measurement.significant(drift.psi)))
        }
        return share
    }

    /// The newest timestamp of the freshness column against max-age, from the context's clock.
    func checkFreshness(_ current: DataTable, into evidence: inout Evidence) throws {
        guard let column = policy.freshnessColumn, let maxAge = policy.maxAge else { return }
        guard let sample = current.sample(column) else { throw DriftError.unknownColumn(name: column, policy: policy.origin) }
        if sample.unreadableTimes > 0, let example = sample.firstText {
            evidence.findings.append(Finding(severity: .error, rule: "drift/stale",
                                             message: "column '\(column)': \(sample.unreadableTimes) values are not timestamps (first: '\(example.value.prefix(40))' on line \(example.line))",
                                             location: Location(file: current.path, line: example.line)))
        }
        guard let newest = sample.newest else {
            throw DriftError.malformed(path: current.path, line: 1, problem: "the freshness column '\(column)' holds no timestamp")
        }
        let age = now - newest
        evidence.measurements.append(Measurement(name: "age_hours[\(column)]", value: (age / 36).rounded() / 100, unit: "h",
                                                 threshold: maxAge / 3600, comparison: .atMost, verdict: age <= maxAge ? .pass : .fail))
        if age > maxAge {
            evidence.findings.append(Finding(severity: .error, rule: "drift/stale",
                                             message: "the newest '\(column)' in \(current.path) is \(Measurement.format(age / 3600)) h old, more than \(Measurement.format(maxAge / 3600)) h",
                                             location: Location(file: current.path)))
        }
    }

    /// Each failed expectation as an error finding (what, how many rows, which share, the
    /// first offenders by line), and one measurement per failed expectation, ahead of the rest.
    func checkExpectations(_ expectations: (failed: [ExpectationOutcome], checked: Int), current: DataTable, into evidence: inout Evidence) {
        evidence.measurements.append(Measurement(name: "expectations_failed", value: Double(expectations.failed.count), threshold: 0,
                                                 comparison: .atMost, verdict: expectations.failed.isEmpty ? .pass : .fail))
        for outcome in expectations.failed {
            let share = current.rows == 0 ? 0 : Double(outcome.violations) / Double(current.rows)
            let rows = outcome.examples.isEmpty ? "" : ": " + outcome.examples.map { "line \($0.line) '\($0.value)'" }.joined(separator: ", ")
                + (outcome.violations > outcome.examples.count ? ", …" : "")
            let counted = outcome.name.hasPrefix("rows: at") || outcome.name.hasPrefix("rows: within")
                ? "\(current.rows) rows" : "\(outcome.violations) of \(current.rows) rows (\(Measurement.format((share * 10_000).rounded() / 100))%)"
            evidence.findings.append(Finding(severity: .error, rule: "drift/expectation",
                                             message: "expected \(outcome.name): \(counted)\(rows)",
                                             location: Location(file: current.path, line: outcome.examples.first?.line)))
            evidence.measurements.append(Measurement(name: "violations[\(outcome.name)]", value: Double(outcome.violations), threshold: 0,
                                                     comparison: .atMost, verdict: .fail))
        }
    }

    /// The verdict on expectations alone (no reference given).
    func judgeExpectations(_ expectations: (failed: [ExpectationOutcome], checked: Int), current: DataTable) -> GateResult {
        var evidence = Evidence()
        checkExpectations(expectations, current: current, into: &evidence)
        let verdict = GateResult.verdict(measurements: evidence.measurements, findings: evidence.findings)
        return GateResult(gate: Self.id, verdict: verdict, summary: String(Self.expectationsHeadline(expectations).dropLast(2)) + " (\(current.rows) rows)",
                          measurements: evidence.measurements, findings: evidence.findings, inputs: [current.input], rules: Self.rules)
    }

    /// "2 of 9 expectations failed (price: min 0, user: unique); " — first, since it says why; empty when all held.
    static func expectationsHeadline(_ expectations: (failed: [ExpectationOutcome], checked: Int)?) -> String {
        guard let expectations else { return "" }
        guard !expectations.failed.isEmpty else { return "\(expectations.checked) expectations held; " }
        let names = expectations.failed.prefix(3).map(\.name).joined(separator: "; ") + (expectations.failed.count > 3 ? "; …" : "")
        return "\(expectations.failed.count) of \(max(expectations.checked, expectations.failed.count)) expectations failed (\(names)); "
    }

    /// "dataset drift: 3 of 6 columns drifted, …": the headline, and what else failed the gate.
    func summary(_ drifts: [ColumnDrift], share: Double, findings: [Finding], reference: DataTable, current: DataTable) -> String {
        let drifted = drifts.filter(\.drifted).count
        var summary = drifts.isEmpty ? "no column compared" : "\(drifted) of \(drifts.count) columns drifted"
        if share >= policy.driftShare, !drifts.isEmpty { summary = "dataset drift: " + summary }
        // A critical column fails the gate on its own: say so when the share alone would pass.
        let critical = drifts.filter { $0.drifted && policy.columns[$0.column]?.critical == true }.map(\.column)
        if !critical.isEmpty, share < policy.driftShare || drifts.isEmpty {
            summary += ", critical column\(critical.count == 1 ? "" : "s") \(critical.map { "'\($0)'" }.joined(separator: ", ")) drifted"
        }
        let problems = findings.filter { $0.severity == .error && !["drift/column", "drift/dataset", "drift/expectation"].contains($0.rule) }.count
        if problems > 0 { summary += ", \(problems) data-quality error\(problems == 1 ? "" : "s")" }
        return summary + " (\(reference.rows) reference rows, \(current.rows) current rows)"
    }

    static func table(_ drifts: [ColumnDrift]) -> ResultTable {
        ResultTable(
            title: "Columns",
            header: ["column", "type", "test", "score", "threshold", "drift", "PSI", "reference n", "current n"],
            rows: drifts.map {
                [$0.column, $0.kind.rawValue, $0.test.rawValue, Measurement.format(Measurement.significant($0.score)), Measurement.format($0.threshold),
                 $0.drifted ? "yes" : "no", Measurement.format(Measurement.significant($0.psi)), String($0.referenceCount), String($0.currentCount)]
            })
    }
}

extension DriftGate: Gate {
    public static var policyKeys: [PolicyKey] { DriftPolicy.policyKeys }
    public static var renamedKeys: [String: String] { DriftPolicy.renamedKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try DriftGate(policy: DriftPolicy(policy: policy), context: context).evaluate()
    }
}
