/// Errors the shared core raises while reading inputs and policies. Each message names the
/// file (and line where known), says what was expected, and what to do about it.
public enum GateError: Error, Equatable, CustomStringConvertible {
    /// An input file named on the command line or in a policy does not exist.
    case missingInput(path: String)
    /// The path exists but is a directory or other non-regular file.
    case notAFile(path: String)
    /// A FIFO, device or socket where a file was expected: reading it could block forever.
    case specialFile(path: String)
    /// A file larger than the limit for what it should be (`InputLimits`).
    case inputTooLarge(path: String, limit: Int, variable: String, expected: String)
    /// A line longer than `GATE_MAX_LINE_BYTES`.
    case lineTooLong(path: String, line: Int, limit: Int)
    /// Text in an encoding other than UTF-8 (named by its byte-order mark).
    case notUTF8(path: String, encoding: String)
    /// YAML that uses what gate refuses in its inputs (anchors and aliases, deep nesting).
    case yamlRefused(path: String, line: Int, message: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The file is empty: a gate never passes on no data.
    case emptyInput(path: String, expected: String)
    /// A policy file is not valid YAML or not a mapping.
    case policySyntax(path: String, line: Int?, message: String)
    /// A policy key the gate does not know; typos must not silently weaken a gate.
    case unknownPolicyKey(path: String, line: Int, key: String, known: [String])
    /// A policy value of the wrong kind or out of range.
    case invalidPolicyValue(path: String, line: Int?, key: String, expected: String)
    /// XML that is not well-formed: truncated, mismatched tags, bad characters.
    case malformedXML(path: String, line: Int, message: String)
    /// JSON that does not parse, with where.
    case malformedJSON(path: String, line: Int, column: Int, message: String)
    /// CSV that breaks RFC 4180's quoting, with where.
    case malformedCSV(path: String, line: Int, column: Int, message: String)
    /// XML whose DOCTYPE declares entities; refused so nothing is expanded or fetched.
    case xmlEntityDeclared(path: String, line: Int, name: String)
    /// An output file (report, step summary, step outputs) could not be written.
    case cannotWrite(path: String, reason: String)
    /// A helper program (git, llvm-cov) failed; `message` is what it said.
    case toolFailed(command: String, message: String)
    /// An earlier result given as a baseline is not one this gate can compare with.
    case invalidBaseline(path: String, problem: String)
    /// The command line is incomplete or contradictory.
    case usage(String)

    public var description: String {
        switch self {
        case .missingInput(let path):
            "\(path): no such file. Check the path (it is resolved against the current directory)."
        case .notAFile(let path):
            "\(path): not a file (a directory?). Pass the file itself."
        case .specialFile(let path):
            "\(path): a FIFO, device or socket, not a regular file; gate reads files it can finish reading. Pass the file itself."
        case .inputTooLarge(let path, let limit, let variable, let expected):
            "\(path): larger than \(InputLimits.describe(limit)), the limit for \(expected). "
                + "If the file is right, raise it with \(variable) (bytes, or a number with K, M or G)."
        case .lineTooLong(let path, let line, let limit):
            "\(path):\(line): a line longer than \(InputLimits.describe(limit)); is this the right file? "
                + "If it is, raise the limit with \(InputLimits.lineVariable) (bytes, or a number with K, M or G)."
        case .notUTF8(let path, let encoding):
            "\(path): \(encoding) text; gate reads UTF-8. Convert it (iconv -f \(encoding) -t UTF-8) or write it as UTF-8."
        case .yamlRefused(let path, let line, let message):
            "\(path):\(line): \(message)"
        case .unreadable(let path, let reason):
            "\(path): cannot be read (\(reason))."
        case .emptyInput(let path, let expected):
            "\(path): the file is empty (or only white space); expected \(expected). Was the step that writes it skipped or did it fail?"
        case .policySyntax(let path, let line, let message):
            "\(path)\(line.map { ":\($0)" } ?? ""): \(message)"
        case .unknownPolicyKey(let path, let line, let key, let known):
            "\(path):\(line): unknown key '\(key)'\(Self.suggestion(for: key, among: known)). "
                + "Known keys: \(known.joined(separator: ", "))."
        case .invalidPolicyValue(let path, let line, let key, let expected):
            "\(path)\(line.map { ":\($0)" } ?? ""): '\(key)' must be \(expected)."
        case .malformedXML(let path, let line, let message):
            "\(path):\(line): malformed XML: \(message). Is the file complete? Regenerate it and check the step that wrote it."
        case .malformedJSON(let path, let line, let column, let message):
            "\(path):\(line):\(column): invalid JSON: \(message)."
        case .malformedCSV(let path, let line, let column, let message):
            "\(path):\(line):\(column): \(message)."
        case .xmlEntityDeclared(let path, let line, let name):
            "\(path):\(line): the DOCTYPE declares the entity '\(name)'; gate refuses XML entity declarations "
                + "(nothing was expanded or fetched). Coverage and test reports never need them: regenerate the file."
        case .cannotWrite(let path, let reason):
            "\(path): cannot be written (\(reason)). Check that the directory exists and is writable."
        case .toolFailed(let command, let message):
            "`\(command)` failed: \(message)"
        case .invalidBaseline(let path, let problem):
            "\(path): not a baseline this gate can use: \(problem). Pass a result that an earlier run wrote with --format json (or gate check --results-dir)."
        case .usage(let message):
            message
        }
    }

    /// ", did you mean 'min-line'?" when a known key is within two edits of the typo.
    public static func suggestion(for key: String, among known: [String]) -> String {
        let scored = known.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 2 }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return "" }
        return " (did you mean '\(best.0)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// Input quoted in a message, and messages themselves, kept short and on one line: an error
/// about a 16 MB line quotes a few dozen characters of it, never the line.
public enum Excerpt {
    /// `text` with control characters shown as spaces, cut to `limit` characters with "…".
    public static func quote<S: StringProtocol>(_ text: S, limit: Int = 60) -> String {
        var out = ""
        var count = 0
        for character in text {
            if count == limit { return out + "…" }
            out.append(character.isNewline || character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) ? " " : character)
            count += 1
        }
        return out
    }

    /// A whole message on one line and at most `limit` characters, whatever it quotes.
    public static func message(_ text: String, limit: Int = 2000) -> String {
        guard text.utf8.count > limit || text.contains(where: \.isNewline) else { return text }
        return quote(text, limit: limit)
    }
}
