import Foundation
import GateKit
import PromQL
import Yams

/// Unit tests for rules in promtool's test-file format, run as `promtool test rules` (2.42)
/// runs them: input series loaded in expanding notation, the rule groups evaluated at every
/// `evaluation_interval` up to the last `eval_time`, firing alerts compared with
/// `exp_alerts` and instant queries with `exp_samples` — exactly, floats included.
public enum RuleUnitTests {
    /// One test file's outcome: what promtool prints for it and whether it passed.
    public struct FileResult: Sendable {
        public var path: String
        public var failures: [String]
        public var warnings: [String] = []
        /// Test groups run, and the names (or 1-based numbers) of those that failed.
        public var groups = 0
        public var failedGroups: [String] = []
        public var passed: Bool { failures.isEmpty }

        /// promtool's report: `Unit Testing:  FILE`, then `  SUCCESS` or `  FAILED:` and each
        /// failure followed by a blank line, then a blank line.
        public var report: String {
            var out = "Unit Testing:  \(path)\n" + warnings.map { "  WARNING: \($0)\n" }.joined()
            if passed {
                out += "  SUCCESS\n"
            } else {
                out += "  FAILED:\n" + failures.map { $0 + "\n\n" }.joined()
            }
            return out + "\n"
        }
    }

    struct Series {
        var labels: PromLabels
        var values: String
    }

    struct AlertCase {
        var evalTime: Int64
        var name: String
        var expected: [(labels: PromLabels, annotations: PromLabels)]
    }

    struct ExprCase {
        var expr: String
        var evalTime: Int64
        var samples: [(labels: String, value: Double)]
    }

    struct Group {
        var interval: Int64?
        var series: [Series] = []
        var externalLabels: [String: String] = [:]
        var externalURL = ""
        var name = ""
        var alerts: [AlertCase] = []
        var exprs: [ExprCase] = []
    }

    /// Runs one test file (rule files resolved against its folder).
    public static func run(_ path: String, displayPath: String? = nil) throws -> FileResult {
        let (bytes, _) = try InputFile.readAll(path, expected: "a rule test file (promtool's format)", limits: .yaml)
        let text = String(decoding: bytes, as: UTF8.self)
        var result = FileResult(path: displayPath ?? path, failures: [])
        let file: (ruleFiles: [String], interval: Int64, order: [String], groups: [Group])
        do {
            file = try parse(text, path: path)
        } catch let error as TestFileError {
            result.failures = [error.message]
            return result
        }
        var seenOrder = Set<String>()
        for name in file.order where !seenOrder.insert(name).inserted {
            result.failures = ["group name repeated in evaluation order: \(name)"]
            return result
        }
        // Rule files are relative to the test file's folder; warnings name them as given.
        let folder = (path as NSString).deletingLastPathComponent
        let shownFolder = ((displayPath ?? path) as NSString).deletingLastPathComponent
        var ruleFiles: [(path: String, shown: String)] = []
        for pattern in file.ruleFiles {
            let full = pattern.hasPrefix("/") ? pattern : (folder.isEmpty ? pattern : folder + "/" + pattern)
            let shown = pattern.hasPrefix("/") || shownFolder.isEmpty ? pattern : shownFolder + "/" + pattern
            let matches = expand(full)
            if matches.isEmpty { result.warnings.append("no file match pattern \(shown)") }
            ruleFiles += matches.map { ($0, (shown as NSString).deletingLastPathComponent.isEmpty ? ($0 as NSString).lastPathComponent
                                        : (shown as NSString).deletingLastPathComponent + "/" + ($0 as NSString).lastPathComponent) }
        }
        let ruleSet = load(ruleFiles)
        for (index, group) in file.groups.enumerated() {
            result.groups += 1
            let failures = runGroup(group, ruleSet: ruleSet, evaluationInterval: file.interval, order: file.order)
            if !failures.isEmpty {
                result.failedGroups.append(group.name.isEmpty ? "#\(index + 1)" : group.name)
                result.failures += failures
            }
        }
        return result
    }

    struct TestFileError: Error { var message: String }

    /// The most rule evaluations one test group may ask for (a year at one a minute).
    static let maxSteps: Int64 = 525_600

    /// filepath.Glob for a rule-file pattern: wildcards in the last component only.
    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        let folder = (pattern as NSString).deletingLastPathComponent
        let glob = PathGlob((pattern as NSString).lastPathComponent)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        return names.filter { glob.matches($0) }.sorted().map { folder.isEmpty ? $0 : folder + "/" + $0 }
    }

    // MARK: Reading the test file

    static let fileKeys: Set<String> = ["rule_files", "evaluation_interval", "group_eval_order", "tests"]
    static let groupKeys: Set<String> = ["interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name"]

    static func parse(_ text: String, path: String) throws -> (ruleFiles: [String], interval: Int64, order: [String], groups: [Group]) {
        try YAMLGuard.check(text, path: path)
        let node: Node?
        do { node = try Yams.compose(yaml: text, .basic) } catch { throw TestFileError(message: "yaml: \(String(describing: error).split(separator: "\n").first ?? "")") }
        guard case .mapping(let root)? = node else { throw TestFileError(message: "yaml: a test file is a mapping of rule_files and tests") }
        try strict(root, fileKeys, type: "main.unitTestFile")
        let ruleFiles = try strings(root["rule_files"])
        let given = try duration(root["evaluation_interval"]) ?? 0
        let interval = given == 0 ? 60_000 : given
        let order = try strings(root["group_eval_order"])
        var groups: [Group] = []
        do {
            for item in try list(root["tests"]) {
                guard case .mapping(let fields) = item else { throw TestFileError(message: "yaml: a test group is a mapping") }
                try strict(fields, groupKeys, type: "main.testGroup")
                var group = Group()
                group.interval = try duration(fields["interval"])
                group.name = fields["name"]?.string ?? ""
                group.externalURL = fields["external_url"]?.string ?? ""
                if case .mapping(let labels)? = fields["external_labels"] {
                    for (key, value) in labels { group.externalLabels[key.string ?? ""] = value.string ?? "" }
                }
                for series in try list(fields["input_series"]) {
                    guard case .mapping(let s) = series else { throw TestFileError(message: "yaml: an input series is a mapping") }
                    try strict(s, ["series", "values"], type: "main.series")
                    let description = s["series"]?.string ?? ""
                    let labels: PromLabels
                    do {
                        labels = try SeriesNotation.labels(description, followedBy: s["values"]?.string ?? "")
                    } catch {
                        throw TestFileError(message: "\(error)")
                    }
                    group.series.append(Series(labels: labels, values: s["values"]?.string ?? ""))
                }
                for test in try list(fields["alert_rule_test"]) {
                    guard case .mapping(let a) = test else { throw TestFileError(message: "yaml: an alert test is a mapping") }
                    try strict(a, ["eval_time", "alertname", "exp_alerts"], type: "main.alertTestCase")
                    var expected: [(PromLabels, PromLabels)] = []
                    for alert in try list(a["exp_alerts"]) {
                        guard case .mapping(let e) = alert else { throw TestFileError(message: "yaml: an expected alert is a mapping") }
                        try strict(e, ["exp_labels", "exp_annotations"], type: "main.alert")
                        expected.append((PromLabels(try pairs(e["exp_labels"])), PromLabels(keepingEmpty: try pairs(e["exp_annotations"]))))
                    }
                    let name = a["alertname"]?.string ?? ""
                    group.alerts.append(AlertCase(evalTime: try duration(a["eval_time"]) ?? 0, name: name,
                                                  expected: expected.map { var l = $0.0; l.set("alertname", name); return (l, $0.1) }))
                }
                for test in try list(fields["promql_expr_test"]) {
                    guard case .mapping(let p) = test else { throw TestFileError(message: "yaml: a promql test is a mapping") }
                    try strict(p, ["expr", "eval_time", "exp_samples"], type: "main.promqlTestCase")
                    var samples: [(String, Double)] = []
                    for sample in try list(p["exp_samples"]) {
                        guard case .mapping(let s) = sample else { throw TestFileError(message: "yaml: an expected sample is a mapping") }
                        try strict(s, ["labels", "value", "histogram"], type: "main.sample")
                        let valueText = s["value"]?.string ?? "0"
                        guard let value = yamlFloat(valueText) else {
                            throw TestFileError(message: "yaml: unmarshal errors:\n  line \((s["value"]?.mark?.line ?? 0)): cannot unmarshal !!str `\(valueText)` into float64")
                        }
                        samples.append((s["labels"]?.string ?? "", value))
                    }
                    group.exprs.append(ExprCase(expr: p["expr"]?.string ?? "", evalTime: try duration(p["eval_time"]) ?? 0, samples: samples))
                }
                groups.append(group)
            }
        }
        return (ruleFiles, interval, order, groups)
    }

    /// A YAML float as go-yaml reads one into a float64: decimal and exponent forms, `.inf`,
    /// `-.inf`, `.nan` — not Go's `NaN` or `Inf`.
    static func yamlFloat(_ text: String) -> Double? {
        // [-+]? (digits [. digits?] | . digits) ([eE] [-+]? digits)?, underscores allowed in the digits.
        var bytes = Array(text.utf8)[...]
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        let integer = bytes.prefix { isDigit($0) || $0 == UInt8(ascii: "_") }
        var rest = bytes.dropFirst(integer.count)
        var fraction = 0
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            fraction = rest.prefix { isDigit($0) || $0 == UInt8(ascii: "_") }.count
            rest = rest.dropFirst(fraction)
        }
        let mantissaOK = integer.first.map(isDigit) ?? (fraction > 0)
        if mantissaOK, let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
            let exponent = rest.prefix(while: isDigit)
            rest = exponent.isEmpty ? bytes.prefix(0) + [0] : rest.dropFirst(exponent.count)
        }
        if mantissaOK, rest.isEmpty { return Double(text.replacingOccurrences(of: "_", with: "")) }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: return nil
        }
    }

    static func strict(_ mapping: Node.Mapping, _ keys: Set<String>, type: String) throws {
        for key in mapping.keys where !keys.contains(key.string ?? "") {
            throw TestFileError(message: "yaml: unmarshal errors:\n  line \(key.mark?.line ?? 0): field \(key.string ?? "") not found in type \(type)")
        }
    }

    static func list(_ node: Node?) throws -> [Node] {
        switch node {
        case nil: return []
        case .sequence(let items)?: return Array(items)
        case .scalar(let s)? where ["", "~", "null"].contains(s.string): return []
        default: throw TestFileError(message: "yaml: expected a list at line \(node?.mark?.line ?? 0)")
        }
    }

    static func strings(_ node: Node?) throws -> [String] {
        try list(node).map { item in
            guard let s = item.string else { throw TestFileError(message: "yaml: expected a string at line \(item.mark?.line ?? 0)") }
            return s
        }
    }

    static func pairs(_ node: Node?) throws -> [(String, String)] {
        guard let node else { return [] }
        guard case .mapping(let m) = node else { throw TestFileError(message: "yaml: expected a mapping at line \(node.mark?.line ?? 0)") }
        return m.map { ($0.key.string ?? "", $0.value.string ?? "") }
    }

    static func duration(_ node: Node?) throws -> Int64? {
        guard let text = node?.string else { return nil }
        guard let seconds = AlertTemplate.parseDuration(text) else { throw TestFileError(message: "not a valid duration string: \(GoFormat.quote(text))") }
        return Int64((seconds * 1000).rounded())
    }

    // MARK: Running a test group

    struct LoadFailure: Error { var messages: [String] }

    /// The rule files, read, checked and parsed once for all test groups — or the errors
    /// promtool would print for each group.
    static func load(_ ruleFiles: [(path: String, shown: String)]) -> Result<[(name: String, rules: [LoadedRule])], LoadFailure> {
        var loaded: [(name: String, rules: [LoadedRule])] = []
        for (path, shown) in ruleFiles {
            do {
                let (bytes, _) = try InputFile.readAll(path, expected: "a rule file", limits: .yaml)
                let (groups, _) = try RuleFiles.parse(String(decoding: bytes, as: UTF8.self), path: shown)
                let problems = RuleFiles.check(groups)
                if !problems.isEmpty { return .failure(LoadFailure(messages: problems.map { "\(shown): \($0)" })) }
                for g in groups {
                    loaded.append((g.name, try g.rules.map { LoadedRule(rule: $0, expression: try PromQLParser.parse($0.expr ?? "")) }))
                }
            } catch {
                return .failure(LoadFailure(messages: ["\(error)"]))
            }
        }
        return .success(loaded)
    }

    static func runGroup(_ group: Group, ruleSet: Result<[(name: String, rules: [LoadedRule])], LoadFailure>, evaluationInterval: Int64, order: [String]) -> [String] {
        let interval = group.interval.flatMap { $0 == 0 ? nil : $0 } ?? evaluationInterval
        let store = PromSeriesStore()
        for series in group.series {
            let values: [Double?]
            do { values = try SeriesNotation.values(series.values) } catch { return ["\(error)"] }
            for (index, value) in values.enumerated() {
                if let value { store.append(series.labels, Int64(index) * interval, value) }
            }
        }
        // The rule groups (fresh alert state per test group), in group_eval_order first, then as the files list them.
        var loaded: [(name: String, rules: [LoadedRule])] = []
        switch ruleSet {
        case .failure(let failure): return failure.messages
        case .success(let groups): loaded = groups.map { ($0.name, $0.rules.map(LoadedRule.init(copying:))) }
        }
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        loaded = loaded.enumerated().sorted { (rank[$0.element.name] ?? 0, $0.offset) < (rank[$1.element.name] ?? 0, $1.offset) }.map(\.element)
        let engine = RuleEngine(store: store, groups: loaded, externalLabels: group.externalLabels, externalURL: group.externalURL, step: evaluationInterval)
        let maxTime = (group.alerts.map(\.evalTime) + group.exprs.map(\.evalTime)).max() ?? 0
        // Every step evaluates every rule: a bound keeps a mistyped eval_time from running for hours.
        guard evaluationInterval > 0, maxTime / evaluationInterval <= maxSteps else {
            return ["    eval_time \(GoDuration.model(maxTime)) is more than \(maxSteps) evaluations of \(GoDuration.model(evaluationInterval)): gate stops here"]
        }
        let alertTimes = Array(Set(group.alerts.map(\.evalTime))).sorted()
        var current = 0
        var failures: [String] = []
        let testName = group.name.isEmpty ? "" : "    name: \(group.name),\n"
        var t: Int64 = 0
        while t <= maxTime {
            let errors = engine.evaluate(at: t)
            if !errors.isEmpty { return failures + errors }
            while current < alertTimes.count, t <= alertTimes[current], alertTimes[current] < t + evaluationInterval {
                let time = alertTimes[current]
                for test in group.alerts where test.evalTime == time {
                    let got = engine.firing(test.name).map { alert in
                        (labels: alert.labels, annotations: PromLabels(keepingEmpty: alert.annotations.map { ($0.name, $0.value) }))
                    }.sorted(by: alertOrder)
                    let expected = test.expected.sorted(by: alertOrder)
                    let same = got.count == expected.count && zip(got, expected).allSatisfy { $0.labels == $1.labels && $0.annotations == $1.annotations }
                    if !same {
                        failures.append("\(testName)    alertname: \(test.name), time: \(GoDuration.model(test.evalTime)), \n        exp:\(indent(describe(expected), "            ")), \n        got:\(indent(describe(got), "            "))")
                    }
                }
                current += 1
            }
            t += evaluationInterval
        }
        nextExpr: for test in group.exprs {
            let time = GoDuration.model(test.evalTime)
            let got: [PromSample]
            do {
                got = try engine.query(try PromQLParser.parse(test.expr), at: test.evalTime)
            } catch let error as PromQLError {
                failures.append("    expr: \(GoFormat.quote(test.expr)), time: \(time), err: \(RuleFiles.positioned(error, in: test.expr)): parse error: \(error.message)")
                continue
            } catch {
                failures.append("    expr: \(GoFormat.quote(test.expr)), time: \(time), err: \(error)")
                continue
            }
            var expected: [(PromLabels, Double)] = []
            for sample in test.samples {
                do {
                    expected.append((try SeriesNotation.labels(sample.labels), sample.value))
                } catch {
                    failures.append("    expr: \(GoFormat.quote(test.expr)), time: \(time), err: labels \(GoFormat.quote(sample.labels)): \(error)")
                    continue nextExpr
                }
            }
            let gotSorted = got.map { ($0.labels, $0.value) }.sorted { !($1.0 < $0.0) }
            expected.sort { !($1.0 < $0.0) }
            // reflect.DeepEqual: labels equal and floats ==, so NaN never matches.
            let same = gotSorted.count == expected.count && zip(gotSorted, expected).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            if !same {
                failures.append("    expr: \(GoFormat.quote(test.expr)), time: \(time),\n        exp: \(samplesText(expected))\n        got: \(samplesText(gotSorted))")
            }
        }
        return failures
    }

    static func alertOrder(_ a: (labels: PromLabels, annotations: PromLabels), _ b: (labels: PromLabels, annotations: PromLabels)) -> Bool {
        if a.labels != b.labels { return a.labels < b.labels }
        return a.annotations < b.annotations
    }

    static func describe(_ alerts: [(labels: PromLabels, annotations: PromLabels)]) -> String {
        guard !alerts.isEmpty else { return "[]" }
        let items = alerts.enumerated().map { index, alert in
            "\(index):" + indent("\nLabels:\(alert.labels)\nAnnotations:\(alert.annotations)", "  ")
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]"
    }

    static func indent(_ text: String, _ prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + prefix)
    }

    static func samplesText(_ samples: [(PromLabels, Double)]) -> String {
        samples.isEmpty ? "nil" : samples.map { "\($0.0) \(GoFormat.upperE($0.1))" }.joined(separator: ", ")
    }
}

/// The series notation of promtool's test files: `name{label="value"}` and values in
/// expanding notation (`1+2x3`, `5-1x4`, `_`, `_x3`, `stale`, `Inf`, `NaN`).
public enum SeriesNotation {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// `name{a="b"}`, `{__name__="x", a="b"}` or `name`. promtool reads a series and its
    /// values as one line, so a brace left open meets the first value.
    public static func labels(_ text: String, followedBy values: String) throws -> PromLabels {
        do {
            return try labels(text)
        } catch let error as Error {
            guard error.description.hasSuffix("unexpected end of input inside braces"), let first = values.first(where: { !$0.isWhitespace }) else { throw error }
            throw Error(description: "1:\(text.utf8.count + 2): parse error: unexpected character inside braces: '\(first)'")
        }
    }

    /// `name{a="b"}`, `{__name__="x", a="b"}` or `name`.
    public static func labels(_ text: String) throws -> PromLabels {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return PromLabels() }
        do {
            let node = try PromQLParser.parse(trimmed)
            guard case .selector(let selector) = node else { throw Error(description: "1:1: parse error: unexpected expression, expected a series") }
            var labels = PromLabels()
            if let name = selector.name { labels.set("__name__", name) }
            for matcher in selector.matchers {
                guard matcher.op == "=" else { throw Error(description: "1:1: parse error: unexpected \"\(matcher.op)\" in label matching, expected \"=\"") }
                labels.set(matcher.label, matcher.value)
            }
            return labels
        } catch let error as PromQLError {
            throw Error(description: "\(RuleFiles.positioned(error, in: trimmed)): parse error: \(error.message)")
        }
    }

    /// The sample values, one per interval; nil where a value is omitted.
    public static func values(_ text: String) throws -> [Double?] {
        var out: [Double?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            guard out.count < 1_000_000 else { throw Error(description: "series too long: more than 1,000,000 samples") }
            let item = String(token)
            if item == "_" { out.append(nil); continue }
            if item == "stale" { out.append(PromSeriesStore.staleNaN); continue }
            if item.hasPrefix("_x"), let n = Int(item.dropFirst(2)) {
                guard n <= 1_000_000 else { throw Error(description: "series too long: \(item)") }
                out += Array(repeating: nil, count: n)
                continue
            }
            // a, axn, a+bxn, a-bxn
            var base = Substring(item), step = 0.0, times = -1
            if let x = item.lastIndex(of: "x"), let n = Int(item[item.index(after: x)...]) {
                times = n
                base = item[..<x]
            }
            // The step's sign is the last + or - that is not at the start or after an exponent.
            let chars = Array(base)
            var split: Int?
            for i in stride(from: chars.count - 1, to: 0, by: -1) where (chars[i] == "+" || chars[i] == "-") && chars[i - 1] != "e" && chars[i - 1] != "E" {
                split = i
                break
            }
            var first = base
            if let split {
                first = base.prefix(split)
                guard let s = Self.number(String(base.dropFirst(split))) else { throw Error(description: "invalid value \(GoFormat.quote(item))") }
                step = s
                guard times >= 0 else { throw Error(description: "invalid value \(GoFormat.quote(item)): a step needs xN") }
            }
            guard let value = Self.number(String(first)) else { throw Error(description: "invalid value \(GoFormat.quote(item))") }
            if times < 0 { out.append(value); continue }
            guard times <= 1_000_000 else { throw Error(description: "series too long: \(item)") }
            var current = value
            for _ in 0...times {
                out.append(current)
                current += step
            }
        }
        return out
    }

    static func number(_ text: String) -> Double? {
        switch text {
        case "Inf", "+Inf", "inf", "+inf": return .infinity
        case "-Inf", "-inf": return -.infinity
        case "NaN", "nan": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ $0.isNumber || "+-.eExX_abcdefABCDEF".contains($0) }) else { return nil }
            return Double(text)
        }
    }
}
