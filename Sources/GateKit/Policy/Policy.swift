import Yams

/// A value from a policy file, with the line it came from so errors can point at it.
public indirect enum PolicyValue: Sendable, Equatable {
    case scalar(String, line: Int)
    case list([PolicyValue], line: Int)
    case map([PolicyEntry], line: Int)

    public var line: Int {
        switch self {
        case .scalar(_, let line), .list(_, let line), .map(_, let line): line
        }
    }
}

/// One `key: value` pair of a policy mapping, in file order.
public struct PolicyEntry: Sendable, Equatable {
    public var key: String
    public var value: PolicyValue
    public var line: Int
    /// The command-line flag this entry came from (`--min-line`); nil for the policy file.
    public var flag: String?

    public init(key: String, value: PolicyValue, line: Int, flag: String? = nil) {
        self.key = key
        self.value = value
        self.line = line
        self.flag = flag
    }
}

/// One gate's policy: the top-level mapping of `gates/<gate>.yml`.
///
/// Gates read typed values through the accessors, which throw errors naming the file and line.
/// `requireKnownKeys` rejects any key the gate does not define, so a typo such as `min-lines`
/// is an error instead of a silently weaker gate.
public struct Policy: Sendable, Equatable {
    public let path: String
    public let entries: [PolicyEntry]

    public init(path: String, entries: [PolicyEntry]) {
        self.path = path
        self.entries = entries
    }

    /// Reads and parses a policy file. An empty file is an empty policy.
    public static func load(path: String) throws -> Policy {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.readAll(path, expected: "a YAML mapping", limits: .yaml).bytes
        } catch GateError.emptyInput {
            return Policy(path: path, entries: [])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses policy text; `path` is only used in messages.
    public static func parse(_ text: String, path: String) throws -> Policy {
        try YAMLGuard.check(text, path: path)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            throw GateError.policySyntax(path: path, line: context.mark.line,
                                         message: "the key '\(duplicates.sorted().joined(separator: "', '"))' appears twice")
        } catch let error as YamlError {
            throw GateError.policySyntax(path: path, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw GateError.policySyntax(path: path, line: nil, message: "not valid YAML: \(Excerpt.message(String(describing: error), limit: 200))")
        }
        guard let node else { return Policy(path: path, entries: []) }
        guard case .map(let entries, _) = try convert(node, path: path) else {
            throw GateError.policySyntax(path: path, line: node.mark.map { $0.line },
                                         message: "a policy must be a mapping of keys to values")
        }
        return Policy(path: path, entries: entries)
    }

    private static func convert(_ node: Node, path: String) throws -> PolicyValue {
        let line = node.mark?.line ?? 1
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, line: line)
        case .sequence(let sequence):
            return .list(try sequence.map { try convert($0, path: path) }, line: line)
        case .mapping(let mapping):
            var seen = Set<String>()
            var entries: [PolicyEntry] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw GateError.policySyntax(path: path, line: key.mark?.line, message: "keys must be plain strings")
                }
                let keyLine = key.mark?.line ?? line
                guard seen.insert(keyScalar.string).inserted else {
                    throw GateError.policySyntax(path: path, line: keyLine,
                                                 message: "the key '\(keyScalar.string)' appears twice")
                }
                entries.append(PolicyEntry(key: keyScalar.string, value: try convert(value, path: path), line: keyLine))
            }
            return .map(entries, line: line)
        case .alias:
            throw GateError.policySyntax(path: path, line: line, message: "YAML aliases are not allowed in policies")
        }
    }

    /// libyaml's problem without the excerpt of the input Yams adds (which can be a whole line).
    public static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return "\(context.map { "\($0.text) " } ?? "")\(problem) (column \(mark.column))"
        case .composer(let context, let problem, let mark, _):
            return "\(context.map { "\($0.text) " } ?? "")\(problem) (column \(mark.column))"
        default:
            return Excerpt.message(String(describing: error), limit: 200)
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    public func entry(_ key: String) -> PolicyEntry? { entries.first { $0.key == key } }

    /// Keys every gate's policy accepts: `new-only: true` fails only on findings that are not
    /// in the previous result (`--baseline-dir`); `rules:` turns rules off or changes their
    /// severity (`RuleSettings`).
    public static let commonKeys = ["new-only", "rules"]

    /// Throws for the first key not in `known` (or `commonKeys`), naming its line and the
    /// nearest known key.
    public func requireKnownKeys(_ known: [String]) throws {
        let accepted = known + Self.commonKeys
        for entry in entries where !accepted.contains(entry.key) {
            throw GateError.unknownPolicyKey(path: entry.flag ?? path, line: entry.line, key: entry.key, known: accepted)
        }
    }

    /// Where `key` was set in the policy file, for findings that cite a threshold; nil when it
    /// is absent or came from a flag.
    public func location(_ key: String) -> Location? {
        guard let entry = entry(key), entry.flag == nil else { return nil }
        return Location(file: path, line: entry.line)
    }

    /// The error for a value of `key` that is not what the gate expects, citing where it was
    /// written: `gates/x.yml:LINE` for the file, `--flag` for the command line. `key` may be a
    /// path into the value (`metrics[latency].bad`); its first part names the entry.
    public func invalid(line: Int?, key: String, expected: String) -> GateError {
        let top = String(key.prefix { $0 != "." && $0 != "[" })
        // The entry's own origin; a key in neither is blamed on the command line if any flag
        // was given (the overlay is what the gate read), else on the file.
        if let flag = entry(top).map(\.flag) ?? entries.lazy.compactMap(\.flag).first {
            return .invalidPolicyValue(path: flag, line: nil, key: key, expected: expected)
        }
        return .invalidPolicyValue(path: path, line: line, key: key, expected: expected)
    }

    private func invalid(_ entry: PolicyEntry, line: Int? = nil, _ expected: String) -> GateError {
        invalid(line: line ?? entry.line, key: entry.key, expected: expected)
    }

    /// `true` or `false`; nil when the key is absent.
    public func flag(_ key: String) throws -> Bool? {
        guard let entry = entry(key) else { return nil }
        guard case .scalar(let text, _) = entry.value, text == "true" || text == "false" else {
            throw invalid(entry, "true or false")
        }
        return text == "true"
    }

    /// A number, optionally bounded; nil when the key is absent. Written as YAML writes numbers
    /// (`0.05`, `1e-9`, `80`), the same from a file and from a flag.
    public func number(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let entry = entry(key) else { return nil }
        let expected = range.map { "a number from \(Measurement.format($0.lowerBound)) to \(Measurement.format($0.upperBound))" }
            ?? "a number"
        guard case .scalar(let text, _) = entry.value, let value = Double(text), value.isFinite,
              range?.contains(value) ?? true else {
            throw invalid(entry, expected)
        }
        return value
    }

    /// A whole number, optionally bounded; nil when the key is absent.
    public func integer(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let entry = entry(key) else { return nil }
        let expected = range.map { "a whole number from \($0.lowerBound) to \($0.upperBound)" } ?? "a whole number"
        guard case .scalar(let text, _) = entry.value, let value = Double(text), value.isFinite, value == value.rounded(),
              abs(value) < 1e15, range?.contains(Int(value)) ?? true else {
            throw invalid(entry, expected)
        }
        return Int(value)
    }

    /// One string; nil when the key is absent. A list or a mapping is an error, never its
    /// first item.
    public func string(_ key: String) throws -> String? {
        guard let entry = entry(key) else { return nil }
        guard case .scalar(let text, _) = entry.value else {
            throw invalid(entry, "a single value, not a \(entry.value.isList ? "list" : "mapping")")
        }
        return text
    }

    /// One of `choices`; nil when the key is absent.
    public func choice(_ key: String, _ choices: [String]) throws -> String? {
        guard let text = try string(key) else { return nil }
        guard choices.contains(text) else {
            throw invalid(entry(key)!, Self.oneOf(choices))
        }
        return text
    }

    /// A duration such as `90s`, `30m`, `1h30m` or `7d`, in seconds; nil when the key is absent.
    public func duration(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let text = try string(key) else { return nil }
        guard let seconds = Timestamp.duration(text), range?.contains(seconds) ?? true else {
            throw invalid(entry(key)!, "a duration such as 30m")
        }
        return seconds
    }

    /// "warn, fail or ignore".
    public static func oneOf(_ choices: [String]) -> String {
        choices.count < 2 ? choices.joined() : choices.dropLast().joined(separator: ", ") + " or " + choices.last!
    }

    /// A string or a list of strings; nil when the key is absent.
    public func strings(_ key: String) throws -> [String]? {
        guard let entry = entry(key) else { return nil }
        switch entry.value {
        case .scalar(let text, _):
            return [text]
        case .list(let items, _):
            return try items.map { item in
                guard case .scalar(let text, _) = item else {
                    throw invalid(entry, line: item.line, "a list of strings")
                }
                return text
            }
        case .map:
            throw invalid(entry, "a string or a list of strings")
        }
    }

    /// A mapping, in file order; nil when the key is absent.
    public func mapping(_ key: String) throws -> [PolicyEntry]? {
        guard let entry = entry(key) else { return nil }
        guard case .map(let entries, _) = entry.value else {
            throw invalid(entry, "a mapping")
        }
        return entries
    }

    /// A key's old name, still read: the rule its note cites.
    public static let renamedKeyRule = RuleDescriptor(
        id: "policy/renamed-key", severity: .note, summary: "The policy or command line uses a key's old name.",
        help: "Rename it as the note says; the old name will stop working in a later release.")

    /// This policy with old key names (`renames`: old → new) read as the new ones, and a note
    /// for each use ("gates/bench.yml:7: 'report' is now 'html'"). Both names at once is an
    /// error: which one was meant?
    public func renamingKeys(_ renames: [String: String]) throws -> (policy: Policy, notes: [String]) {
        guard !renames.isEmpty else { return (self, []) }
        var notes: [String] = []
        var renamed = entries
        var dropped = Set<Int>()
        for index in renamed.indices {
            let entry = renamed[index]
            guard let new = renames[entry.key] else { continue }
            if let other = self.entry(new) {
                // Both in the file, or both flags: which one was meant? A flag wins over the file.
                guard (other.flag == nil) != (entry.flag == nil) else {
                    throw invalid(line: entry.line, key: entry.key, expected: "left out: '\(new)' is given too, and '\(entry.key)' is its old name")
                }
                if other.flag != nil { dropped.insert(index); continue }
            }
            let what = entry.flag == nil ? "\(path):\(entry.line): '\(entry.key)' is now '\(new)'" : "--\(entry.key) is now --\(new)"
            notes.append(what + "; the old name still works but will be removed")
            renamed[index].key = new
            if entry.flag != nil { renamed[index].flag = "--" + new }
        }
        // A flag with the old name overrides the file's entry under the new one.
        var seen = Set<String>()
        let present = renamed.indices.filter { !dropped.contains($0) }.map { renamed[$0] }
        let kept = present.reversed().filter { seen.insert($0.key).inserted }.reversed()
        return (Policy(path: path, entries: Array(kept)), notes)
    }

    /// This policy with the command line laid over it: each flag that was given replaces the
    /// file's entry of the same key. The gate's policy type then reads file and flags in one
    /// pass, so a value is judged the same wherever it was written.
    public func overlaid(with flags: [PolicyFlag]) throws -> Policy {
        var merged = entries
        for flag in flags {
            guard let value = try flag.value() else { continue }
            let entry = PolicyEntry(key: flag.key, value: value, line: 0, flag: "--" + flag.key)
            merged.removeAll { flag.replaces.contains($0.key) && $0.flag == nil }
            if let index = merged.firstIndex(where: { $0.key == flag.key }) { merged[index] = entry } else { merged.append(entry) }
        }
        return Policy(path: path, entries: merged)
    }

    /// A policy value written as YAML on the command line (`--groups '{baseline: {…}}'`); its
    /// mapping entries remember the flag so errors cite it.
    static func parseFlagValue(_ text: String, flag: String) throws -> PolicyValue {
        let indented = text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        let policy = try parse("value:\n" + indented, path: flag)
        guard let value = policy.entries.first?.value else { return .scalar("", line: 0) }
        return value.marked(flag: flag)
    }
}

/// One command-line option as a policy entry: `PolicyFlag("min-line", minLine)`. Absent flags
/// (nil, an empty repeated option) leave the file's value alone.
public struct PolicyFlag: Sendable {
    enum Given: Sendable {
        case text(String?)
        case list([String])
        case bool(Bool?)
        case yaml(String?)
    }

    public let key: String
    let given: Given
    /// Keys the flag displaces when given: `--diff` replaces the file's `diff-base`.
    var replaces: [String] = []

    /// A scalar key's flag: the text is judged as the same text in the file would be.
    public init(_ key: String, _ text: String?) { (self.key, given) = (key, .text(text)) }
    /// A list key's repeated flag.
    public init(_ key: String, _ items: [String]) { (self.key, given) = (key, .list(items)) }
    /// A boolean key's `--key/--no-key`.
    public init(_ key: String, _ flag: Bool?) { (self.key, given) = (key, .bool(flag)) }
    /// A key whose value is a mapping or a list of mappings: the flag is YAML (flow style).
    public static func yaml(_ key: String, _ text: String?) -> PolicyFlag { PolicyFlag(key: key, given: .yaml(text)) }

    init(key: String, given: Given) { (self.key, self.given) = (key, given) }

    /// The flag, which when given also removes these keys of the file (the other way to say
    /// the same thing: `--run` replaces `engine`).
    public func replacing(_ keys: String...) -> PolicyFlag {
        var flag = self
        flag.replaces = keys
        return flag
    }

    func value() throws -> PolicyValue? {
        switch given {
        case .text(let text): text.map { .scalar($0, line: 0) }
        case .list(let items): items.isEmpty ? nil : .list(items.map { .scalar($0, line: 0) }, line: 0)
        case .bool(let flag): flag.map { .scalar($0 ? "true" : "false", line: 0) }
        case .yaml(let text): try text.map { try Policy.parseFlagValue($0, flag: "--" + key) }
        }
    }
}

extension PolicyValue {
    public var isList: Bool { if case .list = self { true } else { false } }

    func marked(flag: String) -> PolicyValue {
        switch self {
        case .scalar: self
        case .list(let items, let line): .list(items.map { $0.marked(flag: flag) }, line: line)
        case .map(let entries, let line):
            .map(entries.map { PolicyEntry(key: $0.key, value: $0.value.marked(flag: flag), line: $0.line, flag: flag) }, line: line)
        }
    }
}
