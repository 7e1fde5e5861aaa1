import Foundation
import Yams

/// A flag file: `flags` (name → definition) and `overrides` (a list), in YAML or JSON (JSON is
/// read as the YAML it also is).
///
/// ```yaml
/// flags:
///   phoenix_pipeline_enabled:
///     description: New program-generation pipeline
///     owner: ai-team
///     enabled: true
///     rollout_percentage: 25                  # 0–100, in steps down to 0.01 (0.1 is 1 user in 1,000)
///     salt: phoenix_pipeline_salt
///     variants: {control: 50, treatment: 50}   # or a list of {name, weight}
///     created: 2026-11-01
///     expiry: 2027-03-01
/// overrides:
///   - {user: user-123, flag: phoenix_pipeline_enabled, enabled: false,
///      reason: support ticket 4411, expires_at: 2026-12-01T00:00:00Z}
/// ```
///
/// Strict: an unknown key, a duplicate flag, a percentage outside 0–100, a malformed date or
/// boolean, an override of an undefined flag — each an error naming the line and the flag.
public struct FlagFile: Sendable, Equatable {
    public var path: String
    /// In file order.
    public var flags: [Flag]
    public var overrides: [UserOverride]

    public init(path: String, flags: [Flag], overrides: [UserOverride] = []) {
        (self.path, self.flags, self.overrides) = (path, flags, overrides)
    }

    public func flag(named name: String) -> Flag? { flags.first { $0.name == name } }

    static let flagKeys: Set<String> = [
        "description", "owner", "enabled", "rollout_percentage", "salt", "admin_override_enabled", "admin_override_disabled",
        "variants", "created", "expiry",
    ]
    static let overrideKeys: Set<String> = ["user", "flag", "enabled", "reason", "expires_at"]

    public static func load(_ path: String) throws -> FlagFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FlagFileError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw FlagFileError.syntax(path: path, line: nil, message: "not UTF-8 text") }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> FlagFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            throw FlagFileError.syntax(path: path, line: context.mark.line,
                                       message: "'\(duplicates.sorted().joined(separator: "', '"))' is defined twice")
        } catch {
            throw FlagFileError.syntax(path: path, line: nil, message: "neither YAML nor JSON: \(error)")
        }
        guard let root, case .mapping(let top) = root else {
            throw FlagFileError.syntax(path: path, line: root?.mark?.line, message: "a flag file is a mapping with 'flags' (and 'overrides')")
        }
        var file = FlagFile(path: path, flags: [])
        for (key, value) in top {
            switch key.string {
            case "flags":
                guard case .mapping(let definitions) = value else {
                    throw FlagFileError.syntax(path: path, line: value.mark?.line, message: "'flags' must map flag names to definitions")
                }
                for (name, definition) in definitions {
                    file.flags.append(try flag(name.string ?? "", definition, line: name.mark?.line ?? 0, path: path))
                }
            case "overrides":
                guard case .sequence(let list) = value else {
                    throw FlagFileError.syntax(path: path, line: value.mark?.line, message: "'overrides' must be a list")
                }
                for item in list { file.overrides.append(try override(item, path: path)) }
            default:
                throw FlagFileError.syntax(path: path, line: key.mark?.line,
                                           message: "unknown top-level key '\(key.string ?? "?")' (keys: flags, overrides)")
            }
        }
        for entry in file.overrides where file.flag(named: entry.flag) == nil {
            throw FlagFileError.invalid(path: path, line: entry.line, subject: "override for \(entry.user)",
                                        message: "names the flag '\(entry.flag)', which is not defined")
        }
        return file
    }

    private static func flag(_ name: String, _ node: Node, line: Int, path: String) throws -> Flag {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
            throw FlagFileError.invalid(path: path, line: line, subject: "flag '\(name)'", message: "names use letters, digits, '_', '-' and '.'")
        }
        func invalid(_ message: String, _ at: Node?) -> FlagFileError {
            .invalid(path: path, line: at?.mark?.line ?? line, subject: "flag \(name)", message: message)
        }
        guard case .mapping(let fields) = node else { throw invalid("the definition must be a mapping", node) }
        var flag = Flag(name: name)
        flag.line = line
        for (key, value) in fields {
            let field = key.string ?? ""
            switch field {
            case "description": flag.description = try text(value) ?? { throw invalid("description must be text", value) }()
            case "owner": flag.owner = try text(value) ?? { throw invalid("owner must be text", value) }()
            case "salt": flag.salt = try text(value) ?? { throw invalid("salt must be text", value) }()
            case "enabled", "admin_override_enabled", "admin_override_disabled":
                guard let bool = boolean(value) else { throw invalid("\(field) must be true or false", value) }
                if field == "enabled" { flag.enabled = bool } else if field == "admin_override_enabled" { flag.adminOverrideEnabled = bool } else { flag.adminOverrideDisabled = bool }
            case "rollout_percentage":
                guard let scalar = value.string, let number = Double(scalar), Percentage.hundredths(number) != nil else {
                    throw invalid("rollout_percentage must be a number from 0 to 100 in steps of 0.01 (such as 0.1 or 25), not '\(value.string ?? "a list")'", value)
                }
                flag.rolloutPercentage = number
            case "created", "expiry":
                guard let scalar = value.string, let time = date(scalar) else {
                    throw invalid("\(field) '\(value.string ?? "")' is not a date (2026-11-01 or 2026-11-01T12:00:00Z)", value)
                }
                if field == "created" { flag.created = time } else { flag.expiry = time }
            case "variants":
                flag.variants = try variants(value) { invalid($0, value) }
            default:
                throw invalid("unknown key '\(field)' (keys: \(flagKeys.sorted().joined(separator: ", ")))", key)
            }
        }
        return flag
    }

    private static func variants(_ node: Node, _ invalid: (String) -> FlagFileError) throws -> [Flag.Variant] {
        var result: [Flag.Variant] = []
        switch node {
        case .mapping(let mapping):
            for (name, weight) in mapping {
                guard let weight = weight.string.flatMap(Double.init), weight >= 0, weight.isFinite else {
                    throw invalid("variant '\(name.string ?? "")' needs a weight ≥ 0")
                }
                result.append(.init(name: name.string ?? "", weight: weight))
            }
        case .sequence(let list):
            for item in list {
                guard case .mapping(let fields) = item, let name = fields["name"]?.string,
                      let weight = fields["weight"]?.string.flatMap(Double.init), weight >= 0, weight.isFinite else {
                    throw invalid("each variant needs a name and a weight ≥ 0")
                }
                result.append(.init(name: name, weight: weight))
            }
        default:
            throw invalid("variants must map names to weights")
        }
        guard Set(result.map(\.name)).count == result.count, !result.contains(where: { $0.name.isEmpty }) else {
            throw invalid("variant names must be present and distinct")
        }
        guard result.isEmpty || result.reduce(0, { $0 + $1.weight }) > 0 else { throw invalid("variant weights must not all be 0") }
        return result
    }

    private static func override(_ node: Node, path: String) throws -> UserOverride {
        let line = node.mark?.line ?? 0
        func invalid(_ message: String) -> FlagFileError { .invalid(path: path, line: line, subject: "override", message: message) }
        guard case .mapping(let fields) = node else { throw invalid("each override is a mapping") }
        for (key, _) in fields where !overrideKeys.contains(key.string ?? "") {
            throw invalid("unknown key '\(key.string ?? "")' (keys: \(overrideKeys.sorted().joined(separator: ", ")))")
        }
        guard let user = fields["user"]?.string, !user.isEmpty, let flag = fields["flag"]?.string, !flag.isEmpty else {
            throw invalid("user and flag are required")
        }
        guard let value = fields["enabled"], let enabled = boolean(value) else { throw invalid("enabled must be true or false (for \(user))") }
        var entry = UserOverride(user: user, flag: flag, enabled: enabled, reason: fields["reason"]?.string)
        if let expires = fields["expires_at"] {
            guard let scalar = expires.string, let time = date(scalar) else {
                throw invalid("expires_at '\(expires.string ?? "")' is not a date (for \(user) on \(flag))")
            }
            entry.expiresAt = time
        }
        entry.line = line
        return entry
    }

    private static func text(_ node: Node) throws -> String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    private static func boolean(_ node: Node) -> Bool? {
        switch node.string {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// An ISO 8601 date or date-time, as seconds since 1970.
    public static func date(_ text: String) -> Double? {
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime]
        if let date = full.date(from: text) { return date.timeIntervalSince1970 }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date.timeIntervalSince1970 }
        full.formatOptions = [.withFullDate]
        return full.date(from: text)?.timeIntervalSince1970
    }
}
