import Foundation
import Yams

/// Edits one flag's value in a flag file's text, in place: only the value's characters change
/// (or, for a key the flag does not have yet, one key is added next to its siblings), so
/// comments, order, quoting and layout are kept. The result is parsed again and compared with
/// the original: every other flag and override must read the same, or the edit is refused.
public enum FlagFileEdit {
    public enum Change: Sendable, Equatable {
        /// rollout_percentage: P
        case rollout(Double)
        /// admin_override_disabled: true (the kill switch)
        case kill
        /// admin_override_disabled: false
        case restore
    }

    public struct Outcome: Sendable {
        /// The whole new text (the old text when nothing changed).
        public var text: String
        public var before: Flag
        public var after: Flag
        /// 1-based line edited or added; nil when the flag already had the value.
        public var line: Int?
        public var changed: Bool { line != nil }
    }

    public static func apply(_ change: Change, flag name: String, to text: String, path: String) throws -> Outcome {
        let original = try FlagFile.parse(text, path: path)
        guard let before = original.flag(named: name) else {
            throw FlagFileError.invalid(path: path, line: 1, subject: "flag \(name)",
                                        message: "is not defined (flags: \(original.flags.map(\.name).joined(separator: ", ")))")
        }
        var after = before
        let key: String, value: String
        switch change {
        case .rollout(let percentage):
            guard Percentage.hundredths(percentage) != nil else {
                throw FlagFileError.invalid(path: path, line: before.line, subject: "flag \(name)", message: "a rollout is 0–100 in steps of 0.01, not \(percentage)")
            }
            (key, value, after.rolloutPercentage) = ("rollout_percentage", Percentage.text(percentage), percentage)
        case .kill:
            (key, value, after.adminOverrideDisabled) = ("admin_override_disabled", "true", true)
        case .restore:
            (key, value, after.adminOverrideDisabled) = ("admin_override_disabled", "false", false)
        }
        if after == before { return Outcome(text: text, before: before, after: after, line: nil) }

        guard let root = try Yams.compose(yaml: text), case .mapping(let top) = root, case .mapping(let flags)? = top["flags"],
              let definition = flags.first(where: { $0.key.string == name })?.value, case .mapping(let fields) = definition,
              let mappingMark = definition.mark else {
            throw FlagFileError.syntax(path: path, line: before.line, message: "the flag \(name) cannot be edited in place")
        }
        var lines = Lines(text)
        let flow = lines.character(at: mappingMark) == "{"
        let line: Int
        if let existing = fields.first(where: { $0.key.string == key })?.value {
            guard case .scalar = existing, let mark = existing.mark else {
                throw FlagFileError.invalid(path: path, line: existing.mark?.line ?? before.line, subject: "flag \(name)", message: "\(key) is not a single value")
            }
            try lines.replaceScalar(at: mark, with: value, flow: flow, path: path)
            line = mark.line
        } else if flow {
            let quoted = fields.first.map { lines.character(at: $0.key.mark!) == "\"" } ?? false
            let entry = quoted ? "\"\(key)\": \(value)" : "\(key): \(value)"
            line = try lines.insertInFlowMapping(at: mappingMark, entry: entry, empty: fields.isEmpty, path: path)
        } else {
            // After the flag's `enabled` or `rollout_percentage` line when it has one on a
            // line of its own, else before its first key, at the keys' indentation.
            let firstKey = fields.first!.key.mark!
            let anchor = ["rollout_percentage", "enabled"].lazy.compactMap { sibling in fields.first { $0.key.string == sibling } }
                .first { $0.key.mark!.line == $0.value.mark?.line }
            let indent = String(repeating: " ", count: firstKey.column - 1)
            line = anchor.map { $0.key.mark!.line + 1 } ?? firstKey.line
            lines.insert("\(indent)\(key): \(value)", before: line)
        }
        let edited = lines.text
        // The rest must read exactly as before.
        let reread = try FlagFile.parse(edited, path: path)
        var expected = original
        expected.flags = expected.flags.map { $0.name == name ? after : $0 }
        guard reread.withoutLines == expected.withoutLines else {
            throw FlagFileError.syntax(path: path, line: line, message: "editing \(key) of \(name) in place would change more than that value; edit the file by hand")
        }
        return Outcome(text: edited, before: before, after: reread.flag(named: name)!, line: line)
    }
}

extension FlagFile {
    /// The file with every line number cleared, to compare contents across an added line.
    var withoutLines: FlagFile {
        var copy = self
        copy.flags = flags.map { var flag = $0; flag.line = 0; return flag }
        copy.overrides = overrides.map { var entry = $0; entry.line = 0; return entry }
        return copy
    }
}

/// The text as lines of Unicode scalars (the parser's columns count scalars), with each
/// line's ending kept.
private struct Lines {
    var lines: [[Unicode.Scalar]]
    var endings: [String]

    init(_ text: String) {
        lines = []
        endings = []
        var current: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                let crlf = current.last == "\r"
                if crlf { current.removeLast() }
                lines.append(current)
                endings.append(crlf ? "\r\n" : "\n")
                current = []
            } else {
                current.append(scalar)
            }
        }
        lines.append(current)
        endings.append("")
    }

    var text: String {
        var out = String.UnicodeScalarView()
        for (line, ending) in zip(lines, endings) {
            out.append(contentsOf: line)
            out.append(contentsOf: ending.unicodeScalars)
        }
        return String(out)
    }

    func character(at mark: Mark) -> Unicode.Scalar? {
        let (row, column) = (mark.line - 1, mark.column - 1)
        guard lines.indices.contains(row), lines[row].indices.contains(column) else { return nil }
        return lines[row][column]
    }

    /// Replaces the scalar that starts at `mark` (plain, or quoted in the same quotes).
    mutating func replaceScalar(at mark: Mark, with value: String, flow: Bool, path: String) throws {
        let (row, start) = (mark.line - 1, mark.column - 1)
        guard lines.indices.contains(row), lines[row].indices.contains(start) else {
            throw FlagFileError.syntax(path: path, line: mark.line, message: "the value is not where the parser put it")
        }
        let line = lines[row]
        var end = start
        let first = line[start]
        if first == "\"" || first == "'" {
            end += 1
            while end < line.count {
                if first == "\"", line[end] == "\\" { end += 2; continue }
                if line[end] == first {
                    if first == "'", end + 1 < line.count, line[end + 1] == "'" { end += 2; continue }
                    break
                }
                end += 1
            }
            guard end < line.count else { throw FlagFileError.syntax(path: path, line: mark.line, message: "a quoted value over several lines cannot be edited in place") }
            end += 1
        } else {
            while end < line.count {
                let c = line[end]
                if flow, c == "," || c == "}" || c == "]" { break }
                if c == "#", end > start, line[end - 1] == " " || line[end - 1] == "\t" { break }
                end += 1
            }
            // A plain value continued on the next line is caught by the re-read.
            while end > start, line[end - 1] == " " || line[end - 1] == "\t" { end -= 1 }
        }
        let quoted = first == "\"" || first == "'" ? "\(first)\(value)\(first)" : value
        lines[row].replaceSubrange(start..<end, with: quoted.unicodeScalars)
    }

    /// Adds `entry` before the `}` that closes the flow mapping opening at `mark`; the line.
    mutating func insertInFlowMapping(at mark: Mark, entry: String, empty: Bool, path: String) throws -> Int {
        var (row, column) = (mark.line - 1, mark.column)
        var depth = 1
        var quote: Unicode.Scalar?
        while row < lines.count {
            let line = lines[row]
            while column < line.count {
                let c = line[column]
                if let open = quote {
                    if open == "\"", c == "\\" { column += 2; continue }
                    if c == open { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "{" || c == "[" {
                    depth += 1
                } else if c == "}" || c == "]" {
                    depth -= 1
                    if depth == 0 {
                        // Before the closing brace, after the last entry's text.
                        var at = column
                        while at > 0, line[at - 1] == " " { at -= 1 }
                        let text = (empty ? "" : ", ") + entry
                        lines[row].insert(contentsOf: text.unicodeScalars, at: at)
                        return row + 1
                    }
                }
                column += 1
            }
            (row, column) = (row + 1, 0)
        }
        throw FlagFileError.syntax(path: path, line: mark.line, message: "the flag's mapping is not closed")
    }

    mutating func insert(_ line: String, before number: Int) {
        let index = min(max(number - 1, 0), lines.count)
        let ending = endings.first { !$0.isEmpty } ?? "\n"
        lines.insert(Array(line.unicodeScalars), at: index)
        if index > 0, endings[index - 1].isEmpty {
            // After a last line without a line break: it gets one, the new line has none.
            endings[index - 1] = ending
            endings.insert("", at: index)
        } else {
            endings.insert(ending, at: index)
        }
    }
}
