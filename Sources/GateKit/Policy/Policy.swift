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
        var bytes: [UInt8] = []
        do {
            _ = try InputFile.stream(path, expected: "a YAML mapping") { bytes.append(contentsOf: $0) }
        } catch GateError.emptyInput {
            return Policy(path: path, entries: [])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses policy text; `path` is only used in messages.
    public static func parse(_ text: String, path: String) throws -> Policy {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            throw GateError.policySyntax(path: path, line: context.mark.line,
                                         message: "the key '\(duplicates.sorted().joined(separator: "', '"))' appears twice")
        } catch let error as YamlError {
            throw GateError.policySyntax(path: path, line: Self.line(of: error), message: "not valid YAML: \(error)")
        } catch {
            throw GateError.policySyntax(path: path, line: nil, message: "not valid YAML: \(error)")
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
    /// in the previous result (`--baseline-dir`).
    public static let commonKeys = ["new-only"]

    /// Throws for the first key not in `known` (or `commonKeys`), naming its line and the
    /// nearest known key.
    public func requireKnownKeys(_ known: [String]) throws {
        let accepted = known + Self.commonKeys
        for entry in entries where !accepted.contains(entry.key) {
            throw GateError.unknownPolicyKey(path: path, line: entry.line, key: entry.key, known: accepted)
        }
    }

    /// `true` or `false`; nil when the key is absent.
    public func flag(_ key: String) throws -> Bool? {
        guard let entry = entry(key) else { return nil }
        guard case .scalar(let text, _) = entry.value, text == "true" || text == "false" else {
            throw GateError.invalidPolicyValue(path: path, line: entry.line, key: key, expected: "true or false")
        }
        return text == "true"
    }

    /// A number, optionally bounded; nil when the key is absent.
    public func number(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let entry = entry(key) else { return nil }
        let expected = range.map { "a number from \(Measurement.format($0.lowerBound)) to \(Measurement.format($0.upperBound))" }
            ?? "a number"
        guard case .scalar(let text, _) = entry.value, let value = Double(text), value.isFinite,
              range?.contains(value) ?? true else {
            throw GateError.invalidPolicyValue(path: path, line: entry.line, key: key, expected: expected)
        }
        return value
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
                    throw GateError.invalidPolicyValue(path: path, line: item.line, key: key, expected: "a list of strings")
                }
                return text
            }
        case .map:
            throw GateError.invalidPolicyValue(path: path, line: entry.line, key: key, expected: "a string or a list of strings")
        }
    }

    /// A mapping, in file order; nil when the key is absent.
    public func mapping(_ key: String) throws -> [PolicyEntry]? {
        guard let entry = entry(key) else { return nil }
        guard case .map(let entries, _) = entry.value else {
            throw GateError.invalidPolicyValue(path: path, line: entry.line, key: key, expected: "a mapping")
        }
        return entries
    }
}
