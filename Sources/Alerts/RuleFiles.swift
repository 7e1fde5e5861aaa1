import Foundation
import GateKit
import PromQL
import Yams

/// One rule of a rule group, with the lines it was written on.
public struct PrometheusRule: Sendable, Equatable {
    public var record: String?
    public var alert: String?
    public var expr: String?
    public var forDuration: String?
    public var keepFiringFor: String?
    public var labels: [(key: String, value: String)]
    public var annotations: [(key: String, value: String)]
    /// The line of the rule's first key; of the `record` and `alert` values, and of `expr`'s.
    public var line: Int
    public var recordPosition: (line: Int, column: Int)?
    public var alertPosition: (line: Int, column: Int)?
    public var exprPosition: (line: Int, column: Int)?

    /// The alert name when both are set, as Prometheus names a rule.
    public var name: String { alert ?? record ?? "" }

    public static func == (a: PrometheusRule, b: PrometheusRule) -> Bool {
        (a.record, a.alert, a.expr, a.forDuration, a.keepFiringFor, a.line) == (b.record, b.alert, b.expr, b.forDuration, b.keepFiringFor, b.line)
            && a.labels.map { "\($0.key)=\($0.value)" } == b.labels.map { "\($0.key)=\($0.value)" }
            && a.annotations.map { "\($0.key)=\($0.value)" } == b.annotations.map { "\($0.key)=\($0.value)" }
    }
}

public struct PrometheusRuleGroup: Sendable, Equatable {
    public var name: String
    public var interval: String?
    public var limit: Int?
    public var rules: [PrometheusRule]
    public var line: Int
    public var column: Int
}

/// A problem promtool's `check rules` reports, at the YAML nodes it names (line:column,
/// 1-based; 0:0 for a field that is missing; none for labels and templates).
public struct RuleProblem: Sendable, Equatable, CustomStringConvertible {
    public var positions: [Position]
    public var message: String

    public struct Position: Sendable, Equatable {
        public var line: Int
        public var column: Int
    }

    public init(_ positions: [Position], _ message: String) { (self.positions, self.message) = (positions, message) }

    /// The line a finding points at: the first position's, unless it is 0:0.
    public var line: Int? { positions.first.flatMap { $0.line > 0 ? $0.line : nil } }
    public var description: String { positions.map { "\($0.line):\($0.column): " }.joined() + message }
}

/// Prometheus rule files as Prometheus 2.42 reads them (`groups:` of `name`, `interval`,
/// `limit`, `rules:` of `record`/`alert`, `expr`, `for`, `keep_firing_for`, `labels`,
/// `annotations`), and Kubernetes PrometheusRule manifests (`spec.groups`), several YAML
/// documents to a file. The first step of the alert-rules gate: structure, keys, names and
/// expressions checked as `promtool check rules` checks them (templates are not parsed yet).
public enum RuleFiles {
    static let groupKeys: Set<String> = ["name", "interval", "limit", "rules"]
    static let ruleKeys: Set<String> = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]

    /// The groups in `text`, or a problem that stops the reading as it stops promtool's (YAML
    /// errors, unknown keys, values of the wrong kind, bad durations). A plain rule file is
    /// read as Prometheus loads it — its first YAML document only; `ignoredDocuments` counts
    /// the others (rules there never run), for the gate to report. PrometheusRule manifests
    /// are read from every document.
    public static func parse(_ text: String, path: String) throws -> (groups: [PrometheusRuleGroup], ignoredDocuments: Int) {
        // compose_all stops quietly at a syntax error, so every document is checked first. A
        // plain file's later documents are never decoded by Prometheus, so their syntax
        // errors pass there too: they count as ignored documents.
        var syntaxError: (any Error)?
        do {
            try YAMLGuard.check(text, path: path, syntaxErrors: true)
        } catch GateError.yamlRefused(let at, let line, let message) where message.hasPrefix("not YAML") {
            syntaxError = GateError.yamlRefused(path: at, line: line, message: message)
        }
        var documents: [Node]
        do {
            // Every scalar is read as text here: the basic resolver skips the default one's
            // regular expressions per scalar (a fifth of checking a large file).
            documents = Array(try Yams.compose_all(yaml: text, .basic))
        } catch {
            throw GateError.usage("\(path): not YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        var ignored = 0
        if let syntaxError {
            guard let first = documents.first, case .mapping(let root) = first, root["apiVersion"] == nil, root["kind"] == nil else { throw syntaxError }
            documents = [first]
            ignored = 1
        }
        var groups: [PrometheusRuleGroup] = []
        for (index, document) in documents.enumerated() {
            guard case .mapping(let root) = document else {
                throw RuleFileError(path: path, line: document.mark?.line, message: "a rule file is a mapping with groups")
            }
            var groupList: Node?
            if root["apiVersion"] != nil || root["kind"] != nil {
                // A PrometheusRule manifest: its groups are under spec.
                guard root["kind"]?.string == "PrometheusRule" else {
                    throw RuleFileError(path: path, line: document.mark?.line, message: "a Kubernetes document of kind '\(root["kind"]?.string ?? "")', not PrometheusRule")
                }
                groupList = root["spec"]?.mapping?["groups"]
            } else if index > 0 {
                ignored += 1
                continue
            } else {
                for key in root.keys where key.string != "groups" {
                    throw RuleFileError(path: path, line: key.mark?.line, message: "field \(key.string ?? "?") not found in type rulefmt.RuleGroups")
                }
                groupList = root["groups"]
            }
            guard let groupList else { continue }
            guard case .sequence(let items) = groupList else {
                throw RuleFileError(path: path, line: groupList.mark?.line, message: "groups is not a list")
            }
            for item in items { groups.append(try group(item, path: path)) }
        }
        return (groups, ignored)
    }

    static func group(_ node: Node, path: String) throws -> PrometheusRuleGroup {
        guard case .mapping(let fields) = node else { throw RuleFileError(path: path, line: node.mark?.line, message: "a group is a mapping") }
        for key in fields.keys where !groupKeys.contains(key.string ?? "") {
            throw RuleFileError(path: path, line: key.mark?.line, message: "field \(key.string ?? "?") not found in type rulefmt.RuleGroup")
        }
        let interval = try scalar(fields["interval"], path: path, field: "interval")
        if let interval, !isDuration(interval) { throw RuleFileError(path: path, line: nil, message: "not a valid duration string: \"\(interval)\"") }
        var limit: Int?
        if let text = try scalar(fields["limit"], path: path, field: "limit") {
            guard let value = Int(text) else { throw RuleFileError(path: path, line: fields["limit"]?.mark?.line, message: "cannot unmarshal !!str `\(text)` into int") }
            limit = value
        }
        var rules: [PrometheusRule] = []
        switch fields["rules"] {
        case .sequence(let items)?:
            for item in items { rules.append(try rule(item, path: path)) }
        case .scalar(let value)? where ["", "~", "null"].contains(value.string):
            break   // rules: (empty)
        case nil:
            break
        case let other?:
            throw RuleFileError(path: path, line: other.mark?.line, message: "rules is not a list")
        }
        let nameKey = fields.keys.first { $0.string == "name" }
        return PrometheusRuleGroup(name: try scalar(fields["name"], path: path, field: "name") ?? "", interval: interval, limit: limit, rules: rules,
                                   line: nameKey?.mark?.line ?? node.mark?.line ?? 0, column: nameKey?.mark?.column ?? 0)
    }

    static func rule(_ node: Node, path: String) throws -> PrometheusRule {
        guard case .mapping(let fields) = node else { throw RuleFileError(path: path, line: node.mark?.line, message: "a rule is a mapping") }
        for key in fields.keys where !ruleKeys.contains(key.string ?? "") {
            throw RuleFileError(path: path, line: key.mark?.line, message: "field \(key.string ?? "?") not found in type rulefmt.RuleNode")
        }
        func position(_ key: String) -> (Int, Int)? { fields[key]?.mark.map { ($0.line, $0.column) } }
        let forDuration = try scalar(fields["for"], path: path, field: "for")
        let keepFiringFor = try scalar(fields["keep_firing_for"], path: path, field: "keep_firing_for")
        for duration in [forDuration, keepFiringFor].compactMap({ $0 }) where !isDuration(duration) {
            throw RuleFileError(path: path, line: nil, message: "not a valid duration string: \"\(duration)\"")
        }
        return PrometheusRule(
            record: try scalar(fields["record"], path: path, field: "record"), alert: try scalar(fields["alert"], path: path, field: "alert"),
            expr: try scalar(fields["expr"], path: path, field: "expr"), forDuration: forDuration, keepFiringFor: keepFiringFor,
            labels: try pairs(fields["labels"], path: path), annotations: try pairs(fields["annotations"], path: path),
            line: fields.keys.first?.mark?.line ?? node.mark?.line ?? 0,
            recordPosition: position("record"), alertPosition: position("alert"), exprPosition: position("expr"))
    }

    static func scalar(_ node: Node?, path: String, field: String) throws -> String? {
        guard let node else { return nil }
        guard case .scalar(let value) = node else {
            throw RuleFileError(path: path, line: node.mark?.line, message: "\(field) must be a single value")
        }
        return value.string
    }

    static func pairs(_ node: Node?, path: String) throws -> [(key: String, value: String)] {
        guard let node else { return [] }
        guard case .mapping(let mapping) = node else { throw RuleFileError(path: path, line: node.mark?.line, message: "labels and annotations are mappings") }
        return try mapping.map { key, value in
            guard case .scalar(let text) = value else { throw RuleFileError(path: path, line: value.mark?.line, message: "a label or annotation value must be text") }
            return (key.string ?? "", text.string)
        }
    }

    /// Prometheus' duration syntax (model.ParseDuration): units y w d h m s ms in that order,
    /// each at most once, or "0".
    static func isDuration(_ text: String) -> Bool {
        if text == "0" { return true }
        let units = ["y", "w", "d", "h", "m", "s", "ms"]
        var rest = Substring(text)
        var lastUnit = -1
        guard !rest.isEmpty else { return false }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return false }
            rest = rest.dropFirst(digits.count)
            let unit = rest.hasPrefix("ms") ? "ms" : String(rest.prefix(1))
            guard let index = units.firstIndex(of: unit), index > lastUnit else { return false }
            lastUnit = index
            rest = rest.dropFirst(unit.count)
        }
        return true
    }

    /// What `promtool check rules` lists for parsed groups: every rule's problems, then
    /// repeated group names. Template syntax is not checked yet.
    public static func check(_ groups: [PrometheusRuleGroup]) -> [RuleProblem] {
        var problems: [RuleProblem] = []
        var seen = Set<String>()
        for group in groups {
            let groupAt = [RuleProblem.Position(line: group.line, column: group.column)]
            if group.name.isEmpty { problems.append(RuleProblem(groupAt, "Groupname must not be empty")) }
            if !seen.insert(group.name).inserted {
                problems.append(RuleProblem(groupAt, "groupname: \"\(group.name)\" is repeated in the same file"))
            }
            for (index, rule) in group.rules.enumerated() {
                let prefix = "group \"\(group.name)\", rule \(index + 1), \"\(rule.name)\": "
                func at(_ position: (line: Int, column: Int)?) -> RuleProblem.Position {
                    RuleProblem.Position(line: position?.line ?? 0, column: position?.column ?? 0)
                }
                func add(_ message: String, _ positions: [RuleProblem.Position]) { problems.append(RuleProblem(positions, prefix + message)) }
                let record = at(rule.recordPosition)
                if rule.record != nil && rule.alert != nil { add("only one of 'record' and 'alert' must be set", [record, at(rule.alertPosition)]) }
                if rule.record == nil && rule.alert == nil { add("one of 'record' or 'alert' must be set", [record]) }
                if let expr = rule.expr, !expr.isEmpty {
                    do {
                        _ = try PromQLParser.parse(expr)
                    } catch let error as PromQLError {
                        add("could not parse expression: \(positioned(error, in: expr)): parse error: \(error.message)", [at(rule.exprPosition)])
                    } catch {
                        add("could not parse expression: \(error)", [at(rule.exprPosition)])
                    }
                } else {
                    add("field 'expr' must be set in rule", [at(rule.exprPosition)])
                }
                if let name = rule.record {
                    if !rule.annotations.isEmpty { add("invalid field 'annotations' in recording rule", [record]) }
                    if rule.forDuration != nil { add("invalid field 'for' in recording rule", [record]) }
                    if rule.keepFiringFor != nil { add("invalid field 'keep_firing_for' in recording rule", [record]) }
                    if !RuleNames.isMetricName(name) { add("invalid recording rule name: \(name)", [record]) }
                }
                for label in rule.labels where !RuleNames.isLabelName(label.key) || label.key == "__name__" { add("invalid label name: \(label.key)", []) }
                for annotation in rule.annotations where !RuleNames.isLabelName(annotation.key) { add("invalid annotation name: \(annotation.key)", []) }
                // Templates of alerting rules, parsed after Prometheus' own definitions.
                if let alert = rule.alert, !alert.isEmpty {
                    for (kind, pairs) in [("label", rule.labels), ("annotation", rule.annotations)] {
                        for pair in pairs {
                            if let error = AlertTemplate.check(templatePrefix + pair.value, alert: alert) { add("\(kind) \(GoFormat.quote(pair.key)): \(error)", []) }
                        }
                    }
                }
            }
        }
        return problems
    }

    /// What the rule manager puts before every label and annotation template.
    static let templatePrefix = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// Repeated rules as promtool's lint finds them: the same name and labels anywhere in
    /// the file, each repeated pair once, at its second rule's line.
    public static func duplicates(_ groups: [PrometheusRuleGroup]) -> [(name: String, labels: PromLabels, line: Int)] {
        var out: [(String, PromLabels, Int)] = []
        var seen = Set<PromLabels>(), reported = Set<PromLabels>()
        for group in groups {
            for rule in group.rules {
                let labels = PromLabels(rule.labels.map { ($0.key, $0.value) })
                var key = labels
                key.set("__name__", rule.name)
                if !seen.insert(key).inserted, reported.insert(key).inserted { out.append((rule.name, labels, rule.line)) }
            }
        }
        return out
    }

    /// Prometheus' `line:column` (1-based) of a byte offset in an expression.
    static func positioned(_ error: PromQLError, in expr: String) -> String {
        let bytes = Array(expr.utf8.prefix(max(0, error.offset)))
        let line = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = bytes.count - (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "\(line):\(column)"
    }

}

/// A rule file promtool would not load at all: the file, the line if known, the problem.
public struct RuleFileError: Error, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
