import GateKit

/// SPDX license expressions (SPDX 2.3, annex D): identifiers (`MIT`, `Apache-2.0`, `GPL-2.0+`,
/// `LicenseRef-…`), `WITH` exceptions, `AND`, `OR` and parentheses, `AND` binding tighter
/// than `OR`. Operators are matched in any case, as most tools accept.
public indirect enum SPDXExpression: Equatable, Sendable, CustomStringConvertible {
    case license(String)
    case with(String, exception: String)
    case and([SPDXExpression])
    case or([SPDXExpression])

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var expression: String
        public var problem: String
        public var description: String { "'\(Excerpt.quote(expression))' is not an SPDX license expression: \(problem)" }
    }

    public static func parse(_ text: String) throws -> SPDXExpression {
        var parser = Parser(tokens: try tokens(text), text: text)
        let expression = try parser.or()
        guard parser.position == parser.tokens.count else { throw ParseError(expression: text, problem: "unexpected '\(parser.tokens[parser.position])'") }
        return expression
    }

    public static func isValid(_ text: String) -> Bool { (try? parse(text)) != nil }

    public static func isSingleIdentifier(_ text: String) -> Bool {
        if case .license? = try? parse(text) { return true }
        return false
    }

    /// The ways to satisfy the expression: each a set of licenses (or `id WITH exception`)
    /// that must all be accepted — the expression in disjunctive normal form.
    public var choices: [[String]] {
        switch self {
        case .license(let id): [[id]]
        case .with(let id, let exception): [["\(id) WITH \(exception)"]]
        case .or(let items): items.flatMap(\.choices)
        case .and(let items):
            items.reduce([[]]) { partial, item in partial.flatMap { left in item.choices.map { left + $0 } } }
        }
    }

    public var description: String {
        switch self {
        case .license(let id): id
        case .with(let id, let exception): "\(id) WITH \(exception)"
        case .and(let items): items.map { if case .or = $0 { "(\($0))" } else { "\($0)" } }.joined(separator: " AND ")
        case .or(let items): items.map(\.description).joined(separator: " OR ")
        }
    }

    static func tokens(_ text: String) throws -> [String] {
        var tokens: [String] = []
        var current = ""
        for character in text {
            if character == "(" || character == ")" || character.isWhitespace {
                if !current.isEmpty { tokens.append(current); current = "" }
                if !character.isWhitespace { tokens.append(String(character)) }
            } else if character.isLetter || character.isNumber || ".-+:".contains(character) {
                current.append(character)
            } else {
                throw ParseError(expression: text, problem: "the character '\(character)'")
            }
        }
        if !current.isEmpty { tokens.append(current) }
        guard !tokens.isEmpty else { throw ParseError(expression: text, problem: "it is empty") }
        return tokens
    }

    struct Parser {
        let tokens: [String]
        let text: String
        var position = 0
        /// Parentheses open around the current token: bounded, as each is a level of recursion
        /// (2 KB of "(" overflowed the stack under AddressSanitizer).
        var depth = 0
        static let maximumDepth = 32

        func isOperator(_ token: String, _ name: String) -> Bool { token.uppercased() == name }

        mutating func or() throws -> SPDXExpression {
            var items = [try and()]
            while position < tokens.count, isOperator(tokens[position], "OR") {
                position += 1
                items.append(try and())
            }
            return items.count == 1 ? items[0] : .or(items)
        }

        mutating func and() throws -> SPDXExpression {
            var items = [try with()]
            while position < tokens.count, isOperator(tokens[position], "AND") {
                position += 1
                items.append(try with())
            }
            return items.count == 1 ? items[0] : .and(items)
        }

        mutating func with() throws -> SPDXExpression {
            let base = try atom()
            guard position < tokens.count, isOperator(tokens[position], "WITH") else { return base }
            position += 1
            guard case .license(let id) = base else { throw ParseError(expression: text, problem: "WITH must follow a single license") }
            guard position < tokens.count, identifier(tokens[position]) else { throw ParseError(expression: text, problem: "WITH needs an exception") }
            position += 1
            return .with(id, exception: tokens[position - 1])
        }

        mutating func atom() throws -> SPDXExpression {
            guard position < tokens.count else { throw ParseError(expression: text, problem: "it ends where a license was expected") }
            let token = tokens[position]
            position += 1
            if token == "(" {
                depth += 1
                defer { depth -= 1 }
                guard depth <= Self.maximumDepth else {
                    throw ParseError(expression: text, problem: "parentheses nested more than \(Self.maximumDepth) deep")
                }
                let inner = try or()
                guard position < tokens.count, tokens[position] == ")" else { throw ParseError(expression: text, problem: "a '(' is not closed") }
                position += 1
                return inner
            }
            guard identifier(token) else { throw ParseError(expression: text, problem: "'\(token)' where a license was expected") }
            return .license(token)
        }

        func identifier(_ token: String) -> Bool {
            token != "(" && token != ")" && !["AND", "OR", "WITH"].contains(token.uppercased()) && token.first?.isLetter == true || token.hasPrefix("0")
        }
    }
}
