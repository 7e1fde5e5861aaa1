import Foundation
import PromQL

/// A value inside a template: what Go's text/template passes between pipeline stages.
public indirect enum TemplateValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case map([String: TemplateValue])
    case list([TemplateValue])
    /// A query result sample (`query`, `first`, `label`, `value`).
    case sample(PromLabels, Double)

    var truth: Bool {
        switch self {
        case .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .float(let f): f != 0
        case .string(let s): !s.isEmpty
        case .map(let m): !m.isEmpty
        case .list(let l): !l.isEmpty
        case .sample: true
        }
    }

    /// How `{{ . }}` prints it (fmt's %v).
    var printed: String {
        switch self {
        case .none: "<no value>"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .float(let f): GoFormat.g(f)
        case .string(let s): s
        case .map(let m): "map[" + m.keys.sorted().map { "\($0):\(m[$0]!.printed)" }.joined(separator: " ") + "]"
        case .list(let l): "[" + l.map(\.printed).joined(separator: " ") + "]"
        case .sample(let labels, let value): "{\(labels.dictionary.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: ", "))} \(GoFormat.g(value))"
        }
    }

    var isString: Bool { if case .string = self { return true }; return false }

    var typeName: String {
        switch self {
        case .none: "nil"
        case .bool: "bool"
        case .int: "int"
        case .float: "float64"
        case .string: "string"
        case .map: "map[string]string"
        case .list: "[]interface {}"
        case .sample: "*template.sample"
        }
    }
}

/// A template error in Go's words: `template: NAME:LINE: message`.
public struct TemplateError: Error, CustomStringConvertible {
    public var description: String
    /// Raised while running the template, not while parsing it.
    public var executing = false
}

/// Prometheus' alert templates: Go's text/template syntax (actions, pipelines, variables,
/// if/else/range/with/define/template, trim markers, comments) with Prometheus' functions,
/// parsed as `promtool check rules` parses them and executed as the rule manager expands
/// labels and annotations (`missingkey=zero`).
public struct AlertTemplate {
    indirect enum Node {
        case text(String)
        case action(Pipe, line: Int)
        case branch(String, Pipe, [Node], [Node]?, line: Int)   // if, range, with
        case include(String, Pipe?, line: Int)
        case loopControl(String)
    }

    struct Pipe {
        var declarations: [String] = []
        var assigns = false
        var commands: [Command] = []
    }

    /// One command of a pipeline, with where it is (characters into the template) for Go's
    /// error context, which names it by byte offset and text.
    struct Command {
        var operands: [Operand]
        var start: Int
        var end: Int
    }

    indirect enum Operand {
        case dot
        case field(Operand?, [String])        // .A.B, or (x).A
        case variable(String, [String])
        case literal(TemplateValue)
        case function(String)
        case pipe(Pipe)
    }

    static let functions: Set<String> = [
        // Go's builtins
        "and", "or", "not", "len", "index", "slice", "print", "printf", "println", "html", "js", "urlquery", "call",
        "eq", "ne", "lt", "le", "gt", "ge",
        // Prometheus'
        "query", "first", "label", "value", "strvalue", "sortByLabel", "args", "safeHtml", "match", "title", "toUpper", "toLower",
        "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "graphLink", "tableLink", "reReplaceAll",
        "pathPrefix", "externalURL", "stripPort", "stripDomain", "parseDuration", "toTime",
    ]

    let name: String
    let text: String
    var root: [Node] = []
    var defined: [String: [Node]] = [:]

    /// Parses `text` (Prometheus prepends its `$labels`, `$value`, … definitions, so those
    /// variables are known).
    public init(_ text: String, name: String) throws {
        self.name = name
        self.text = text
        var parser = Parser(text: text, name: name)
        (root, defined) = try parser.parseAll()
    }

    /// What Prometheus' rule manager writes for a label or annotation: the expansion, or
    /// `<error expanding template: …>`.
    public static func expandForAlert(_ text: String, name: String, labels: PromLabels, externalLabels: [String: String], externalURL: String,
                                      value: Double, query: ((String) throws -> [PromSample])?) -> String {
        expand(Result { try AlertTemplate(text, name: name) }, name: name, labels: labels, externalLabels: externalLabels,
               externalURL: externalURL, value: value, query: query)
    }

    /// The same, for a template parsed once and run at every evaluation.
    static func expand(_ parsed: Result<AlertTemplate, any Error>, name: String, labels: PromLabels, externalLabels: [String: String],
                       externalURL: String, value: Double, query: ((String) throws -> [PromSample])?) -> String {
        do {
            let template = try parsed.get()
            var executor = Executor(template: template, query: query, externalURL: externalURL)
            let data = TemplateValue.map([
                "Labels": .map(labels.dictionary.mapValues { .string($0) }),
                "ExternalLabels": .map(externalLabels.mapValues { .string($0) }),
                "ExternalURL": .string(externalURL),
                "Value": .float(value),
            ])
            executor.variables = [("$", data), ("$labels", data.lookup("Labels")), ("$externalLabels", data.lookup("ExternalLabels")),
                                  ("$externalURL", .string(externalURL)), ("$value", .float(value))]
            return try executor.run(template.root, dot: data)
        } catch let error as TemplateError {
            return "<error expanding template: error \(error.executing ? "executing" : "parsing") template \(name): \(error)>"
        } catch {
            return "<error expanding template: \(error)>"
        }
    }

    /// promtool's parse check of an alerting rule's label or annotation.
    public static func check(_ text: String, alert: String) -> String? {
        do {
            _ = try AlertTemplate(text, name: "__alert_" + alert)
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Parsing

    struct Parser {
        let text: String
        let name: String
        var chars: [Character]
        var position = 0
        var line = 1
        var scopes: [Set<String>] = [["$", "$labels", "$externalLabels", "$externalURL", "$value"]]
        var defined: [String: [Node]] = [:]
        var pendingTrim = false

        init(text: String, name: String) {
            (self.text, self.name, chars) = (text, name, Array(text))
        }

        func error(_ message: String, line: Int? = nil) -> TemplateError {
            TemplateError(description: "template: \(name):\(line ?? self.line): \(message)")
        }

        mutating func parseAll() throws -> ([Node], [String: [Node]]) {
            let (nodes, end) = try list(until: [])
            if let end { throw error("unexpected {{\(end)}}") }
            return (nodes, defined)
        }

        /// Nodes up to one of `terminators` ("end", "else"), which is returned.
        var nesting = 0

        mutating func list(until terminators: Set<String>) throws -> ([Node], String?) {
            // Go's parser recurses without a bound; gate stops a hostile template here.
            nesting += 1
            defer { nesting -= 1 }
            guard nesting <= 200 else { throw error("template nested more than 200 levels deep") }
            var nodes: [Node] = []
            while position < chars.count {
                // Text up to the next "{{".
                var text = ""
                while position < chars.count, !(chars[position] == "{" && position + 1 < chars.count && chars[position + 1] == "{") {
                    if chars[position] == "\n" { line += 1 }
                    text.append(chars[position])
                    position += 1
                }
                if pendingTrim { text = String(text.drop { $0.isWhitespace }); pendingTrim = false }
                guard position < chars.count else {
                    if !text.isEmpty { nodes.append(.text(text)) }
                    break
                }
                position += 2
                // "{{- " trims the text before.
                if position + 1 < chars.count, chars[position] == "-", chars[position + 1].isWhitespace {
                    while let last = text.last, last.isWhitespace { text.removeLast() }
                    position += 1
                }
                if !text.isEmpty { nodes.append(.text(text)) }
                let actionLine = line
                var tokens = try actionTokens()
                if tokens.isEmpty { continue }   // a comment
                if case .word(let keyword) = tokens[0].kind {
                    switch keyword {
                    case "end", "else":
                        guard terminators.contains(keyword) else { throw error("unexpected {{\(keyword)}}", line: actionLine) }
                        if keyword == "end", tokens.count > 1 { throw error("unexpected \(tokens[1]) in end", line: actionLine) }
                        if keyword == "else" {
                            elseTail = Array(tokens.dropFirst())
                        }
                        return (nodes, keyword)
                    case "if", "range", "with":
                        tokens.removeFirst()
                        scopes.append([])
                        let pipe = try pipeline(&tokens, context: keyword, line: actionLine, allowDeclare: true)
                        let (body, end) = try list(until: ["end", "else"])
                        guard let end else { throw error("unexpected EOF") }
                        var otherwise: [Node]?
                        if end == "else" {
                            let tail = elseTail
                            elseTail = []
                            if let first = tail.first, case .word(let chained) = first.kind, chained == "if" || chained == "with" {
                                // {{else if …}} is an if inside the else.
                                var rest = Array(tail.dropFirst())
                                let inner = try pipeline(&rest, context: chained, line: line, allowDeclare: true)
                                let (innerBody, innerEnd) = try list(until: ["end", "else"])
                                guard let innerEnd else { throw error("unexpected EOF") }
                                var innerElse: [Node]?
                                if innerEnd == "else" {
                                    guard elseTail.isEmpty else { throw error("unexpected \(elseTail[0]) in else") }
                                    let (e, close) = try list(until: ["end"])
                                    guard close != nil else { throw error("unexpected EOF") }
                                    innerElse = e
                                }
                                otherwise = [.branch(chained, inner, innerBody, innerElse, line: line)]
                            } else {
                                guard tail.isEmpty else { throw error("unexpected \(tail[0]) in else") }
                                let (e, close) = try list(until: ["end"])
                                guard close != nil else { throw error("unexpected EOF") }
                                otherwise = e
                            }
                        }
                        scopes.removeLast()
                        nodes.append(.branch(keyword, pipe, body, otherwise, line: actionLine))
                        continue
                    case "template":
                        tokens.removeFirst()
                        guard !tokens.isEmpty, case .literal(.string(let target)) = tokens.removeFirst().kind else {
                            throw error("unexpected \(tokens.first.map { "\($0)" } ?? "\"}}\"") in template clause", line: actionLine)
                        }
                        let pipe = tokens.isEmpty ? nil : try pipeline(&tokens, context: "template", line: actionLine, allowDeclare: false)
                        nodes.append(.include(target, pipe, line: actionLine))
                        continue
                    case "define", "block":
                        tokens.removeFirst()
                        guard !tokens.isEmpty, case .literal(.string(let target)) = tokens.removeFirst().kind else {
                            throw error("unexpected \(tokens.first.map { "\($0)" } ?? "\"}}\"") in \(keyword) clause", line: actionLine)
                        }
                        let pipe = keyword == "block" ? try pipeline(&tokens, context: "block", line: actionLine, allowDeclare: false) : nil
                        let saved = scopes
                        scopes = [["$"]]
                        let (body, end) = try list(until: ["end"])
                        scopes = saved
                        guard end != nil else { throw error("unexpected EOF") }
                        defined[target] = body
                        if keyword == "block" { nodes.append(.include(target, pipe, line: actionLine)) }
                        continue
                    case "break", "continue":
                        nodes.append(.loopControl(keyword))
                        continue
                    default: break
                    }
                }
                nodes.append(.action(try pipeline(&tokens, context: "command", line: actionLine, allowDeclare: true), line: actionLine))
            }
            if !terminators.isEmpty { return (nodes, nil) }
            return (nodes, nil)
        }

        var elseTail: [Token] = []

        /// A token and where it is in the template (character offsets).
        struct Token: CustomStringConvertible {
            var kind: Kind
            var start: Int
            var end: Int
            var description: String { kind.description }
        }

        enum Kind: CustomStringConvertible {
            case word(String)           // identifiers and keywords
            case field(String)          // .Name
            case variable(String)       // $name
            case literal(TemplateValue)
            case dot
            case pipe, open, close, declare, assign, comma

            var description: String {
                switch self {
                case .word(let w): "\"\(w)\""
                case .field(let f): "<.\(f)>"
                case .variable(let v): "\"\(v)\""
                case .literal(let v): "\"\(v.printed)\""
                case .dot: "<.>"
                case .pipe: "\"|\""
                case .open: "\"(\""
                case .close: "\")\""
                case .declare: "\":=\""
                case .assign: "\"=\""
                case .comma: "\",\""
                }
            }

            var isPipe: Bool { if case .pipe = self { return true }; return false }
            var isClose: Bool { if case .close = self { return true }; return false }
        }

        /// The tokens of one action, up to and including "}}" (or "-}}").
        mutating func actionTokens() throws -> [Token] {
            var tokens: [Token] = []
            func skipSpace() { while position < chars.count, chars[position] == " " || chars[position] == "\t" || chars[position] == "\r" || chars[position] == "\n" {
                if chars[position] == "\n" { line += 1 }
                position += 1
            } }
            skipSpace()
            if position + 1 < chars.count, chars[position] == "/", chars[position + 1] == "*" {
                guard let close = text.range(of: "*/", range: text.index(text.startIndex, offsetBy: position)..<text.endIndex) else { throw error("unclosed comment") }
                let end = text.distance(from: text.startIndex, to: close.upperBound)
                line += chars[position..<end].filter { $0 == "\n" }.count
                position = end
                skipSpace()
                if position + 2 < chars.count, chars[position] == "-", chars[position + 1] == "}", chars[position + 2] == "}" {
                    position += 3
                    pendingTrim = true
                    return []
                }
                guard position + 1 < chars.count, chars[position] == "}", chars[position + 1] == "}" else { throw error("comment ends before closing delimiter") }
                position += 2
                return []
            }
            var depth = 0
            while true {
                skipSpace()
                let tokenStart = position
                func add(_ kind: Kind) { tokens.append(Token(kind: kind, start: tokenStart, end: position)) }
                guard position < chars.count else { throw error("unclosed action") }
                let c = chars[position]
                if c == "}" && position + 1 < chars.count && chars[position + 1] == "}" {
                    if depth > 0 { throw error("unclosed left paren") }
                    position += 2
                    return tokens
                }
                if c == "-" && position + 2 < chars.count && chars[position + 1] == "}" && chars[position + 2] == "}" && position > 0 && chars[position - 1].isWhitespace {
                    if depth > 0 { throw error("unclosed left paren") }
                    position += 3
                    pendingTrim = true
                    return tokens
                }
                switch c {
                case "|": position += 1; add(.pipe)
                case "(":
                    depth += 1; position += 1; add(.open)
                    guard depth <= 200 else { throw error("parentheses nested more than 200 levels deep") }
                case ")":
                    depth -= 1
                    if depth < 0 { throw error("unexpected right paren") }
                    position += 1; add(.close)
                case ",": position += 1; add(.comma)
                case "=": position += 1; add(.assign)
                case ":":
                    guard position + 1 < chars.count, chars[position + 1] == "=" else { throw error("expected :=") }
                    position += 2; add(.declare)
                case "\"":
                    position += 1
                    var value = ""
                    while true {
                        guard position < chars.count, chars[position] != "\n" else { throw error("unterminated quoted string") }
                        let d = chars[position]
                        position += 1
                        if d == "\"" { break }
                        if d == "\\" {
                            guard position < chars.count else { throw error("unterminated quoted string") }
                            let e = chars[position]
                            position += 1
                            switch e {
                            case "n": value.append("\n")
                            case "t": value.append("\t")
                            case "r": value.append("\r")
                            case "\\": value.append("\\")
                            case "\"": value.append("\"")
                            case "'": value.append("'")
                            case "a": value.append("\u{07}")
                            case "b": value.append("\u{08}")
                            case "f": value.append("\u{0C}")
                            case "v": value.append("\u{0B}")
                            default: throw error("invalid syntax")
                            }
                            continue
                        }
                        value.append(d)
                    }
                    add(.literal(.string(value)))
                case "`":
                    position += 1
                    var value = ""
                    while true {
                        guard position < chars.count else { throw error("unterminated raw quoted string") }
                        let d = chars[position]
                        position += 1
                        if d == "`" { break }
                        if d == "\n" { line += 1 }
                        value.append(d)
                    }
                    add(.literal(.string(value)))
                case "'":
                    position += 1
                    guard position + 1 < chars.count, chars[position + 1] == "'" else { throw error("unterminated character constant") }
                    let code = Int(chars[position].unicodeScalars.first!.value)
                    position += 2
                    add(.literal(.int(code)))
                case "$":
                    var word = "$"
                    position += 1
                    while position < chars.count, letter(chars[position]) || digit(chars[position]) || chars[position] == "_" { word.append(chars[position]); position += 1 }
                    add(.variable(word))
                    try fieldChain(&tokens)
                case ".":
                    if position + 1 < chars.count, letter(chars[position + 1]) || chars[position + 1] == "_" {
                        try fieldChain(&tokens)
                    } else if position + 1 < chars.count, digit(chars[position + 1]) {
                        let kind = try number()
                        add(kind)
                    } else {
                        position += 1
                        add(.dot)
                    }
                default:
                    if digit(c) || ((c == "-" || c == "+") && position + 1 < chars.count && (digit(chars[position + 1]) || chars[position + 1] == ".")) {
                        let kind = try number()
                        add(kind)
                    } else if letter(c) || c == "_" {
                        var word = ""
                        while position < chars.count, letter(chars[position]) || digit(chars[position]) || chars[position] == "_" { word.append(chars[position]); position += 1 }
                        switch word {
                        case "true": add(.literal(.bool(true)))
                        case "false": add(.literal(.bool(false)))
                        case "nil": add(.literal(.none))
                        default: add(.word(word))
                        }
                        try fieldChain(&tokens)
                    } else {
                        throw error("unexpected \(GoFormat.quote(String(c))) in \(tokens.isEmpty ? "command" : "operand")")
                    }
                }
            }
        }

        /// `.A.B` right after an operand (or alone) becomes field tokens.
        mutating func fieldChain(_ tokens: inout [Token]) throws {
            while position + 1 < chars.count, chars[position] == ".", letter(chars[position + 1]) || chars[position + 1] == "_" {
                let start = position
                position += 1
                var word = ""
                while position < chars.count, letter(chars[position]) || digit(chars[position]) || chars[position] == "_" { word.append(chars[position]); position += 1 }
                tokens.append(Token(kind: .field(word), start: start, end: position))
            }
        }

        mutating func number() throws -> Kind {
            var text = ""
            while position < chars.count, digit(chars[position]) || letter(chars[position]) || "+-._".contains(chars[position]) {
                let c = chars[position]
                if (c == "+" || c == "-"), !text.isEmpty, !(text.last == "e" || text.last == "E") { break }
                text.append(c)
                position += 1
            }
            let clean = text.replacingOccurrences(of: "_", with: "")
            if let i = Int(clean) { return .literal(.int(i)) }
            if clean.lowercased().hasPrefix("0x"), let i = Int(clean.dropFirst(2), radix: 16) { return .literal(.int(i)) }
            if let f = Double(clean), !clean.lowercased().contains("n") { return .literal(.float(f)) }
            throw error("bad number syntax: \(GoFormat.quote(text))")
        }

        func known(_ variable: String) -> Bool { scopes.contains { $0.contains(variable) } }

        mutating func pipeline(_ tokens: inout [Token], context: String, line: Int, allowDeclare: Bool) throws -> Pipe {
            var pipe = Pipe()
            // $x := … or $x, $y := … (range)
            if allowDeclare, case .variable(let first)? = tokens.first?.kind {
                if tokens.count > 1, case .declare = tokens[1].kind {
                    pipe.declarations = [first]
                    tokens.removeFirst(2)
                } else if tokens.count > 1, case .assign = tokens[1].kind {
                    guard known(first) else { throw error("undefined variable \(GoFormat.quote(first))", line: line) }
                    pipe.declarations = [first]
                    pipe.assigns = true
                    tokens.removeFirst(2)
                } else if tokens.count > 3, case .comma = tokens[1].kind, case .variable(let second) = tokens[2].kind, case .declare = tokens[3].kind, context == "range" {
                    pipe.declarations = [first, second]
                    tokens.removeFirst(4)
                }
            }
            var index = 0
            pipe.commands = try commands(tokens, &index, context: context, line: line, nested: false)
            if !pipe.assigns { for variable in pipe.declarations { scopes[scopes.count - 1].insert(variable) } }
            return pipe
        }

        mutating func commands(_ tokens: [Token], _ index: inout Int, context: String, line: Int, nested: Bool) throws -> [Command] {
            var commands: [Command] = []
            var current: [Operand] = []
            var first: Int?, last = 0
            func close() {
                // Go's errors name a command by its position (bytes into the template) and text.
                let start = first ?? 0
                commands.append(Command(operands: current, start: start, end: max(start, last)))
                current = []
                first = nil
            }
            while index < tokens.count {
                let token = tokens[index]
                index += 1
                if first == nil, !(token.kind.isPipe || token.kind.isClose) { first = token.start }
                switch token.kind {
                case .pipe:
                    guard !current.isEmpty else { throw error("missing value for command", line: line) }
                    close()
                    continue
                case .close:
                    guard nested else { throw error("unexpected right paren", line: line) }
                    guard !current.isEmpty else { throw error("missing value for parenthesized pipeline", line: line) }
                    close()
                    return commands
                case .open:
                    var inner = Pipe()
                    inner.commands = try self.commands(tokens, &index, context: context, line: line, nested: true)
                    current.append(try chained(.pipe(inner), tokens, &index))
                case .word(let word):
                    guard Self.isFunction(word) else { throw error("function \(GoFormat.quote(word)) not defined", line: line) }
                    current.append(.function(word))
                case .field(let f):
                    var path = [f]
                    while index < tokens.count, case .field(let next) = tokens[index].kind { path.append(next); index += 1 }
                    current.append(.field(nil, path))
                case .variable(let v):
                    guard known(v) else { throw error("undefined variable \(GoFormat.quote(v))", line: line) }
                    var path: [String] = []
                    while index < tokens.count, case .field(let next) = tokens[index].kind { path.append(next); index += 1 }
                    current.append(.variable(v, path))
                case .literal(let value): current.append(.literal(value))
                case .dot: current.append(.dot)
                case .declare, .assign, .comma:
                    throw error("unexpected \(token) in operand", line: line)
                }
                last = tokens[index - 1].end
            }
            if nested { throw error("unclosed left paren", line: line) }
            guard !current.isEmpty else { throw error(commands.isEmpty ? "missing value for \(context)" : "missing value for command", line: line) }
            close()
            return commands
        }

        func chained(_ operand: Operand, _ tokens: [Token], _ index: inout Int) throws -> Operand {
            var path: [String] = []
            while index < tokens.count, case .field(let next) = tokens[index].kind { path.append(next); index += 1 }
            return path.isEmpty ? operand : .field(operand, path)
        }

        static func isFunction(_ word: String) -> Bool { AlertTemplate.functions.contains(word) }
    }
}

/// Letters and digits as Go's template lexer takes them, ASCII first (Character's Unicode
/// properties were a tenth of running a template).
@inline(__always) func letter(_ c: Character) -> Bool {
    if let a = c.asciiValue { return (a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A }
    return c.isLetter
}

@inline(__always) func digit(_ c: Character) -> Bool {
    if let a = c.asciiValue { return a >= 0x30 && a <= 0x39 }
    return c.isNumber
}

extension TemplateValue {
    func lookup(_ key: String) -> TemplateValue {
        if case .map(let m) = self { return m[key] ?? .string("") }
        return .none
    }
}
