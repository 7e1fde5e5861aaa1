/// A PromQL token with its byte range in the expression.
struct PromQLToken: Equatable {
    enum Kind: Equatable {
        case identifier(String)         // label or metric name, keyword, function
        case metricIdentifier(String)   // a name with a colon (recording rules)
        case number(Double)
        case duration(Double)           // seconds
        case string(String)
        case op(String)                 // + - * / % ^ == != <= < >= > = =~ !~ @ and or unless atan2 (the last four as identifiers)
        case punct(Character)           // ( ) { } [ ] , :
        case end
    }

    var kind: Kind
    var start: Int
    var end: Int
}

/// A syntax or type error at a byte offset of the expression.
public struct PromQLError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(_ offset: Int, _ message: String) { (self.offset, self.message) = (offset, message) }

    public var description: String { "\(offset): \(message)" }
}

/// PromQL's lexer, as Prometheus 2.42's `lex.go` tokenises: identifiers (a colon makes a
/// metric identifier), numbers (decimal, hex, Inf, NaN), strings in three quotes with Go's
/// escapes, operators, and — when the parser asks — durations (`1h30m`, units y w d h m s ms in
/// that order, each at most once).
struct PromQLLexer {
    let bytes: [UInt8]
    var position = 0
    /// Open parentheses: input ending inside one is the lexer's error, as in Prometheus.
    var parens = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    static func isIdentifierStart(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F }
    static func isIdentifierPart(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func skipSpace() {
        while position < bytes.count {
            let b = bytes[position]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                position += 1
            } else if b == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != 0x0A { position += 1 }
            } else {
                return
            }
        }
    }

    /// The next token; `durations` when the parser expects a duration (inside `[ ]`, after
    /// `offset`).
    mutating func next(duration expectDuration: Bool = false) throws -> PromQLToken {
        skipSpace()
        let start = position
        guard position < bytes.count else {
            if parens > 0 { throw PromQLError(start, "unclosed left parenthesis") }
            return PromQLToken(kind: .end, start: start, end: start)
        }
        let b = bytes[position]
        if expectDuration, Self.isDigit(b) {
            return PromQLToken(kind: .duration(try duration()), start: start, end: position)
        }
        // ':' before a digit or ']' separates a subquery's range and step.
        if b == UInt8(ascii: ":"), position + 1 >= bytes.count || !(Self.isIdentifierStart(bytes[position + 1]) || bytes[position + 1] == UInt8(ascii: ":")) {
            position += 1
            return PromQLToken(kind: .punct(":"), start: start, end: position)
        }
        if Self.isIdentifierStart(b) || b == UInt8(ascii: ":") {
            var colon = false
            while position < bytes.count, Self.isIdentifierPart(bytes[position]) || bytes[position] == UInt8(ascii: ":") {
                if bytes[position] == UInt8(ascii: ":") { colon = true }
                position += 1
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if colon {
                // A lone ':' (subquery separator) is punctuation.
                if text == ":" { return PromQLToken(kind: .punct(":"), start: start, end: position) }
                return PromQLToken(kind: .metricIdentifier(text), start: start, end: position)
            }
            switch text.lowercased() {
            case "inf": return PromQLToken(kind: .number(.infinity), start: start, end: position)
            case "nan": return PromQLToken(kind: .number(.nan), start: start, end: position)
            default: return PromQLToken(kind: .identifier(text), start: start, end: position)
            }
        }
        if Self.isDigit(b) || (b == UInt8(ascii: ".") && position + 1 < bytes.count && Self.isDigit(bytes[position + 1])) {
            return PromQLToken(kind: .number(try number()), start: start, end: position)
        }
        if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "`") {
            return PromQLToken(kind: .string(try string()), start: start, end: position)
        }
        position += 1
        let next = position < bytes.count ? bytes[position] : 0
        switch b {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","):
            if b == UInt8(ascii: "(") { parens += 1 } else if b == UInt8(ascii: ")") { parens -= 1 }
            return PromQLToken(kind: .punct(Character(Unicode.Scalar(b))), start: start, end: position)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "^"), UInt8(ascii: "@"):
            return PromQLToken(kind: .op(String(Character(Unicode.Scalar(b)))), start: start, end: position)
        case UInt8(ascii: "="):
            if next == UInt8(ascii: "=") { position += 1; return PromQLToken(kind: .op("=="), start: start, end: position) }
            if next == UInt8(ascii: "~") { position += 1; return PromQLToken(kind: .op("=~"), start: start, end: position) }
            return PromQLToken(kind: .op("="), start: start, end: position)
        case UInt8(ascii: "!"):
            if next == UInt8(ascii: "=") { position += 1; return PromQLToken(kind: .op("!="), start: start, end: position) }
            if next == UInt8(ascii: "~") { position += 1; return PromQLToken(kind: .op("!~"), start: start, end: position) }
            throw PromQLError(start, "unexpected character after '!': \(next == 0 ? "end of input" : "'\(Character(Unicode.Scalar(next)))'")")
        case UInt8(ascii: "<"), UInt8(ascii: ">"):
            if next == UInt8(ascii: "=") { position += 1; return PromQLToken(kind: .op(b == UInt8(ascii: "<") ? "<=" : ">="), start: start, end: position) }
            return PromQLToken(kind: .op(b == UInt8(ascii: "<") ? "<" : ">"), start: start, end: position)
        default:
            throw PromQLError(start, "unexpected character: '\(String(decoding: bytes[start..<min(start + 4, bytes.count)], as: UTF8.self).prefix(1))'")
        }
    }

    /// Go's ParseInt(s, 0, 64) first (so 0x1F is hex and 010 octal), then ParseFloat.
    private mutating func number() throws -> Double {
        let start = position
        if bytes[position] == 0x30, position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "x") || bytes[position + 1] == UInt8(ascii: "X") {
            position += 2
            let digits = position
            while position < bytes.count, Self.isHex(bytes[position]) { position += 1 }
            guard position > digits, let value = UInt64(String(decoding: bytes[digits..<position], as: UTF8.self), radix: 16) else {
                throw PromQLError(start, "error parsing number: \(text(start))")
            }
            try noTrailingIdentifier(start)
            return Double(value)
        }
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        var isFloat = false
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isFloat = true
            position += 1
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isFloat = true
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            let digits = position
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            guard position > digits else { throw PromQLError(start, "error parsing number: \(text(start))") }
        }
        let literal = text(start)
        try noTrailingIdentifier(start)
        if !isFloat, literal.count > 1, literal.hasPrefix("0") {
            guard let value = UInt64(literal.dropFirst(), radix: 8) else { throw PromQLError(start, "error parsing number: \(literal)") }
            return Double(value)
        }
        guard let value = Double(literal) else { throw PromQLError(start, "error parsing number: \(literal)") }
        return value
    }

    /// `5m` where a number was expected, or `1_000`: Prometheus 2.42 reads neither as a number.
    private mutating func noTrailingIdentifier(_ start: Int) throws {
        if position < bytes.count, Self.isIdentifierPart(bytes[position]) {
            while position < bytes.count, Self.isIdentifierPart(bytes[position]) { position += 1 }
            throw PromQLError(start, "bad number or duration syntax: \"\(text(start))\"")
        }
    }

    private static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46) }

    private func text(_ start: Int) -> String { String(decoding: bytes[start..<position], as: UTF8.self) }

    /// y w d h m s ms, in that order, each at most once; seconds.
    mutating func duration() throws -> Double {
        let start = position
        let units: [(String, Double)] = [("y", 365 * 86_400), ("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 0.001)]
        var total = 0.0
        var lastUnit = -1
        while position < bytes.count, Self.isDigit(bytes[position]) {
            let digits = position
            while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            let number = Double(String(decoding: bytes[digits..<position], as: UTF8.self)) ?? 0
            var unitEnd = position
            while unitEnd < bytes.count, (bytes[unitEnd] >= 0x61 && bytes[unitEnd] <= 0x7A) { unitEnd += 1 }
            let unit = String(decoding: bytes[position..<unitEnd], as: UTF8.self)
            // "ms" can start a longer word only if the word is exactly a unit.
            guard let index = units.firstIndex(where: { $0.0 == unit }) else {
                position = unitEnd
                while position < bytes.count, Self.isIdentifierPart(bytes[position]) { position += 1 }
                throw PromQLError(start, unit.isEmpty ? "missing unit character in duration \"\(text(start))\"" : "bad duration syntax: \"\(text(start))\"")
            }
            guard index > lastUnit else {
                position = unitEnd
                throw PromQLError(start, "not a valid duration string: \"\(text(start))\"")
            }
            lastUnit = index
            total += number * units[index].1
            position = unitEnd
        }
        if position < bytes.count, Self.isIdentifierPart(bytes[position]) {
            while position < bytes.count, Self.isIdentifierPart(bytes[position]) { position += 1 }
            throw PromQLError(start, "bad duration syntax: \"\(text(start))\"")
        }
        return total
    }

    /// A string in " ' or ` with Go's escapes (none in backquotes).
    private mutating func string() throws -> String {
        let start = position
        let quote = bytes[position]
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw PromQLError(start, "unterminated quoted string") }
            let b = bytes[position]
            if b == quote { position += 1; break }
            if quote != UInt8(ascii: "`"), b == 0x0A { throw PromQLError(start, "unterminated quoted string") }
            if quote == UInt8(ascii: "`") || b != UInt8(ascii: "\\") {
                out.append(b)
                position += 1
                continue
            }
            position += 1
            guard position < bytes.count else { throw PromQLError(start, "unterminated quoted string") }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case quote: out.append(quote)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard position + 2 <= bytes.count, let value = Int(String(decoding: bytes[(position - 1)..<(position + 2)], as: UTF8.self), radix: 8), value <= 255 else {
                    throw PromQLError(position - 2, "invalid octal escape in string")
                }
                out.append(UInt8(value))
                position += 2
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
                guard position + count <= bytes.count, let value = UInt32(String(decoding: bytes[position..<(position + count)], as: UTF8.self), radix: 16) else {
                    throw PromQLError(position - 2, "invalid escape in string")
                }
                position += count
                if e == UInt8(ascii: "x") {
                    out.append(UInt8(value))
                } else {
                    guard let scalar = Unicode.Scalar(value) else { throw PromQLError(position - count - 2, "escape sequence is an invalid Unicode code point") }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            default:
                throw PromQLError(position - 2, "unknown escape sequence U+\(String(e, radix: 16, uppercase: true))")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
