/// A JSON document as a tree, read tolerantly the way Grafana reads dashboards (any value
/// anywhere), with errors that give the line and column, and a nesting limit so a hostile
/// file (100,000 open brackets) is an error rather than a stack overflow.
public indirect enum JSONTree: Sendable, Equatable {
    case object([(key: String, value: JSONTree)])
    case array([JSONTree])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    public static func == (a: JSONTree, b: JSONTree) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    public subscript(_ key: String) -> JSONTree? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    public var array: [JSONTree]? { if case .array(let a) = self { return a }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var isObject: Bool { if case .object = self { return true }; return false }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "\(line):\(column): \(message)" }
    }

    public static let maximumDepth = 512

    /// - Parameter keepingDepth: values nested deeper than this are checked and dropped
    ///   (an object or array keeps its members only above it), so a large document can be
    ///   validated, and its outline read, in memory that does not grow with it.
    public static func parse(_ bytes: UnsafeRawBufferPointer, keepingDepth: Int = .max) throws -> JSONTree {
        var reader = Reader(bytes: bytes, keep: keepingDepth)
        reader.skipSpace()
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { reader.i = 3; reader.skipSpace() }
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.i == bytes.count else { throw reader.error("text after the JSON value") }
        return value
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        let keep: Int
        var i = 0

        init(bytes: UnsafeRawBufferPointer, keep: Int) {
            (self.bytes, self.keep) = (bytes, keep)
        }

        func error(_ message: String, at offset: Int? = nil) -> ParseError {
            let end = min(offset ?? i, bytes.count)
            var line = 1, column = 1
            for index in 0..<end {
                if bytes[index] == 0x0A { line += 1; column = 1 } else if bytes[index] & 0xC0 != 0x80 { column += 1 }
            }
            return ParseError(line: line, column: column, message: message)
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws -> JSONTree {
            guard depth < JSONTree.maximumDepth else { throw error("nested deeper than \(JSONTree.maximumDepth) levels") }
            guard i < bytes.count else { throw error("unexpected end of input") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(key: String, value: JSONTree)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
                    i += 1
                    skipSpace()
                    let member = try value(depth: depth + 1)
                    if depth < keep { members.append((key, member)) }
                    skipSpace()
                    guard i < bytes.count else { throw error("unexpected end of input inside an object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "}") else { throw error("expected ',' or '}' in an object") }
                    i += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONTree] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    let item = try value(depth: depth + 1)
                    if depth < keep { items.append(item) }
                    skipSpace()
                    guard i < bytes.count else { throw error("unexpected end of input inside an array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard bytes[i] == UInt8(ascii: "]") else { throw error("expected ',' or ']' in an array") }
                    i += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default:
                // A number that is dropped is checked against JSON's grammar, not converted.
                if depth > keep { try skipNumber(); return .null }
                return .number(try number())
            }
        }

        mutating func literal(_ word: String) throws {
            let expected = Array(word.utf8)
            guard i + expected.count <= bytes.count, (0..<expected.count).allSatisfy({ bytes[i + $0] == expected[$0] }) else {
                throw error("invalid literal (expected \(word))")
            }
            i += expected.count
        }

        /// A number by JSON's grammar (no leading zeros, no bare "." or "1."), then converted.
        mutating func number() throws -> Double {
            let start = i
            try skipNumber()
            guard let value = Double(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) else {
                throw error("unexpected character '\(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + 1, bytes.count)]), as: UTF8.self))'", at: start)
            }
            return value
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, without making a Double.
        mutating func skipNumber() throws {
            let start = i
            func digits() -> Int {
                let from = i
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
                return i - from
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            let leadingZero = i < bytes.count && bytes[i] == 0x30
            let integer = digits()
            var valid = integer > 0 && !(leadingZero && integer > 1)
            if valid, i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                valid = digits() > 0
            }
            if valid, i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                valid = digits() > 0
            }
            guard valid else {
                throw error("unexpected character '\(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(start + 1, bytes.count)]), as: UTF8.self))'", at: start)
            }
        }

        mutating func string() throws -> String {
            let start = i
            do {
                return try JSONTree.string(bytes, at: &i)
            } catch let problem as JSONTree.StringProblem {
                throw error(problem.message, at: problem == .unterminated ? start : i)
            }
        }
    }

    /// What can be wrong inside a JSON string.
    public enum StringProblem: Error, Equatable {
        case unterminated, controlCharacter, badUnicodeEscape, badEscape, invalidUTF8

        public var message: String {
            switch self {
            case .unterminated: "unterminated string"
            case .controlCharacter: "a control character inside a string"
            case .badUnicodeEscape: "a bad \\u escape in a string"
            case .badEscape: "a bad escape in a string"
            case .invalidUTF8: "a string that is not valid UTF-8"
            }
        }
    }

    /// The JSON string starting at `index` (its opening quote), decoded; `index` ends after the
    /// closing quote. Shared by the tree reader and the JSON Lines reader of the drift gate.
    public static func string(_ bytes: UnsafeRawBufferPointer, at index: inout Int) throws -> String {
        var i = index + 1
        // Most strings hold no escape: made from the bytes in one step.
        var j = i
        while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\"), bytes[j] >= 0x20 { j += 1 }
        if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
            guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[i..<j]), as: UTF8.self) else {
                index = i
                throw StringProblem.invalidUTF8
            }
            index = j + 1
            return text
        }
        var out: [UInt8] = []
        defer { index = i }
        while true {
            guard i < bytes.count else { throw StringProblem.unterminated }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw StringProblem.controlCharacter }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { throw StringProblem.unterminated }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count, var code = UInt32(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 4)]), as: UTF8.self), radix: 16) else {
                    throw StringProblem.badUnicodeEscape
                }
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                   let low = UInt32(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(i + 2)..<(i + 6)]), as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
            default:
                throw StringProblem.badEscape
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw StringProblem.invalidUTF8 }
        return text
    }
}
