/// The part of TOML that lockfiles use (Cargo.lock, poetry.lock, uv.lock): tables, arrays of
/// tables, `key = value` with strings (basic, literal, multi-line), numbers, booleans, arrays
/// spanning lines and inline tables. Enough for lockfiles, not a general TOML library: dates
/// and dotted keys are read as plain strings and keys.
indirect enum TOMLValue: Equatable {
    case string(String)
    case scalar(String)
    case array([TOMLValue])
    case table(TOMLTable)

    var string: String? { if case .string(let text) = self { return text }; return nil }
    var strings: [String]? { if case .array(let items) = self { return items.compactMap(\.string) }; return nil }
    var table: TOMLTable? { if case .table(let table) = self { return table }; return nil }
    var tables: [TOMLTable] { if case .array(let items) = self { return items.compactMap(\.table) }; return [] }
}

typealias TOMLTable = [String: TOMLValue]

enum TOML {
    static func parse(_ text: String, path: String) throws -> TOMLTable {
        try parseWithLines(text, path: path).0
    }

    /// The document, and the line of each element's header for every array of tables
    /// (`"package"`: the line of each `[[package]]`, in order).
    static func parseWithLines(_ text: String, path: String) throws -> (TOMLTable, [String: [Int]]) {
        var parser = Parser(bytes: Array(text.utf8), path: path)
        let document = try parser.document()
        return (document, parser.arrayTableLines)
    }

    struct Parser {
        let bytes: [UInt8]
        let path: String
        var index = 0
        /// Arrays and inline tables open around the current value: each is a level of
        /// recursion, so they are bounded.
        var depth = 0
        var line = 1
        var arrayTableLines: [String: [Int]] = [:]

        func error(_ problem: String) -> LockfileError {
            LockfileError(path: path, position: "\(line)", problem: problem)
        }

        mutating func document() throws -> TOMLTable {
            var root: TOMLTable = [:]
            var current: [String] = []      // path of the table being filled
            var currentIsArrayElement = false
            while true {
                skipBlankAndComments()
                guard index < bytes.count else { break }
                if bytes[index] == UInt8(ascii: "[") {
                    let isArray = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "[")
                    index += isArray ? 2 : 1
                    let name = try headerName()
                    guard consume(isArray ? "]]" : "]") else { throw error("a table header is not closed") }
                    current = name
                    currentIsArrayElement = isArray
                    if isArray {
                        arrayTableLines[name.joined(separator: "."), default: []].append(line)
                        try appendTable(&root, at: name)
                    } else {
                        try ensureTable(&root, at: name)
                    }
                    try endOfLine()
                    continue
                }
                let key = try self.key()
                skipSpaces()
                guard consume("=") else { throw error("expected '=' after '\(key)'") }
                skipSpaces()
                let value = try self.value()
                try set(&root, at: current, key: key, value: value)
                _ = currentIsArrayElement
                try endOfLine()
            }
            return root
        }

        // MARK: Structure

        private func tableInsert(_ table: inout TOMLTable, path: ArraySlice<String>, _ body: (inout TOMLTable) throws -> Void) throws {
            guard let head = path.first else { return try body(&table) }
            var child: TOMLValue = table[head] ?? .table([:])
            switch child {
            case .table(var inner):
                try tableInsert(&inner, path: path.dropFirst(), body)
                child = .table(inner)
            case .array(var items):
                // [a.b] after [[a]] refers to the last element of a.
                guard case .table(var last)? = items.last else { throw error("'\(head)' is not a table") }
                try tableInsert(&last, path: path.dropFirst(), body)
                items[items.count - 1] = .table(last)
                child = .array(items)
            default:
                throw error("'\(head)' is a value, not a table")
            }
            table[head] = child
        }

        private func ensureTable(_ root: inout TOMLTable, at path: [String]) throws {
            try tableInsert(&root, path: path[...]) { _ in }
        }

        private func appendTable(_ root: inout TOMLTable, at path: [String]) throws {
            try tableInsert(&root, path: path.dropLast()) { table in
                let last = path.last!
                switch table[last] {
                case nil: table[last] = .array([.table([:])])
                case .array(var items)?:
                    items.append(.table([:]))
                    table[last] = .array(items)
                default: throw error("'\(last)' is not an array of tables")
                }
            }
        }

        private func set(_ root: inout TOMLTable, at path: [String], key: String, value: TOMLValue) throws {
            try tableInsert(&root, path: path[...]) { table in
                guard table[key] == nil else { throw error("'\(key)' is defined twice") }
                table[key] = value
            }
        }

        // MARK: Lexing

        private mutating func headerName() throws -> [String] {
            var parts: [String] = []
            while true {
                skipSpaces()
                parts.append(try key())
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return parts }
                index += 1
            }
        }

        private mutating func key() throws -> String {
            guard index < bytes.count else { throw error("expected a key") }
            if bytes[index] == UInt8(ascii: "\"") { return try basicString() }
            if bytes[index] == UInt8(ascii: "'") { return try literalString() }
            let start = index
            while index < bytes.count, isBare(bytes[index]) { index += 1 }
            guard index > start else { throw error("expected a key") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private func isBare(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x5F
        }

        private mutating func value() throws -> TOMLValue {
            guard index < bytes.count else { throw error("expected a value") }
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { throw error("arrays and inline tables nested more than 32 deep") }
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(try basicString())
            case UInt8(ascii: "'"): return .string(try literalString())
            case UInt8(ascii: "["):
                index += 1
                var items: [TOMLValue] = []
                while true {
                    skipBlankAndComments()
                    guard index < bytes.count else { throw error("an array is not closed") }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                    items.append(try value())
                    skipBlankAndComments()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
                }
            case UInt8(ascii: "{"):
                index += 1
                var table: TOMLTable = [:]
                while true {
                    skipSpaces()
                    guard index < bytes.count, bytes[index] != 0x0A else { throw error("an inline table is not closed") }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .table(table) }
                    var keyPath = [try key()]
                    skipSpaces()
                    while index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                        index += 1
                        skipSpaces()
                        keyPath.append(try key())
                        skipSpaces()
                    }
                    guard consume("=") else { throw error("expected '=' in an inline table") }
                    skipSpaces()
                    let item = try value()
                    try set(&table, at: Array(keyPath.dropLast()), key: keyPath.last!, value: item)
                    skipSpaces()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
                }
            default:
                let start = index
                scan: while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x0A, 0x0D, UInt8(ascii: "#"): break scan
                    default: index += 1
                    }
                }
                var text = String(decoding: bytes[start..<index], as: UTF8.self)
                while text.last == " " || text.last == "\t" { text.removeLast() }
                guard !text.isEmpty else { throw error("expected a value") }
                return .scalar(text)
            }
        }

        private mutating func basicString() throws -> String {
            if consume("\"\"\"") { return try multiline(closing: "\"\"\"", escapes: true) }
            index += 1
            var out: [UInt8] = []
            while true {
                guard index < bytes.count, bytes[index] != 0x0A else { throw error("a string is not closed") }
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if byte == UInt8(ascii: "\\") { try escape(into: &out) } else { out.append(byte) }
            }
        }

        private mutating func escape(into out: inout [UInt8]) throws {
            guard index < bytes.count else { throw error("a string ends in an escape") }
            let code = bytes[index]
            index += 1
            switch code {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(code)
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = code == UInt8(ascii: "u") ? 4 : 8
                guard index + count <= bytes.count, let value = UInt32(String(decoding: bytes[index..<(index + count)], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(value) else { throw error("a bad \\u escape") }
                index += count
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: throw error("an unknown escape \\\(Character(Unicode.Scalar(code)))")
            }
        }

        private mutating func literalString() throws -> String {
            if consume("'''") { return try multiline(closing: "'''", escapes: false) }
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "'") {
                guard bytes[index] != 0x0A else { throw error("a string is not closed") }
                index += 1
            }
            guard index < bytes.count else { throw error("a string is not closed") }
            defer { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func multiline(closing: String, escapes: Bool) throws -> String {
            if index < bytes.count, bytes[index] == 0x0A { index += 1; line += 1 }
            var out: [UInt8] = []
            while true {
                guard index < bytes.count else { throw error("a multi-line string is not closed") }
                if consume(closing) { return String(decoding: out, as: UTF8.self) }
                let byte = bytes[index]
                index += 1
                if byte == 0x0A { line += 1 }
                if escapes && byte == UInt8(ascii: "\\") { try escape(into: &out) } else { out.append(byte) }
            }
        }

        private mutating func consume(_ literal: String) -> Bool {
            let expected = Array(literal.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else { return false }
            index += expected.count
            return true
        }

        private mutating func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }

        private mutating func skipBlankAndComments() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0D: index += 1
                case 0x0A: index += 1; line += 1
                case UInt8(ascii: "#"): while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                default: return
                }
            }
        }

        private mutating func endOfLine() throws {
            skipSpaces()
            if index < bytes.count, bytes[index] == UInt8(ascii: "#") { while index < bytes.count, bytes[index] != 0x0A { index += 1 } }
            if index < bytes.count, bytes[index] == 0x0D { index += 1 }
            guard index >= bytes.count || bytes[index] == 0x0A else { throw error("unexpected text after a value") }
        }
    }
}
