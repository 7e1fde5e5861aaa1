import Foundation

/// The value types PromQL expressions have.
public enum PromQLType: String, Sendable {
    case scalar
    case vector = "instant vector"
    case matrix = "range vector"
    case string

    public var name: String { rawValue }
}

/// A parsed expression, with what the gates need: its type, every vector
/// selector (metric names, matchers, ranges) and every function call.
public indirect enum PromQLNode: Sendable {
    case number(Double)
    case string(String)
    case selector(PromQLSelector)
    case matrix(PromQLSelector, range: Double, rangeStart: Int)
    case subquery(PromQLNode, range: Double, step: Double?)
    case call(String, [PromQLNode], start: Int)
    case aggregate(String, param: PromQLNode?, PromQLNode, grouping: PromQLGrouping?)
    case binary(String, PromQLNode, PromQLNode, PromQLMatching)
    case unary(String, PromQLNode)
    case paren(PromQLNode)
    case modified(PromQLNode, offset: Double, at: PromQLAt?)

    public var type: PromQLType {
        switch self {
        case .number: .scalar
        case .string: .string
        case .selector: .vector
        case .matrix, .subquery: .matrix
        case .call(let name, _, _): PromQLFunctions.table[name]?.returns ?? .vector
        case .aggregate: .vector
        case .binary(_, let l, let r, _): l.type == .scalar && r.type == .scalar ? .scalar : .vector
        case .unary(_, let e), .paren(let e), .modified(let e, _, _): e.type
        }
    }
}

/// `by (…)` or `without (…)` of an aggregation.
public struct PromQLGrouping: Sendable {
    public var without: Bool
    public var labels: [String]
}

/// How a binary operator pairs its sides: `bool`, `on`/`ignoring`, `group_left`/`group_right`.
public struct PromQLMatching: Sendable {
    public enum Cardinality: Sendable { case oneToOne, manyToOne, oneToMany, manyToMany }
    public var returnBool = false
    public var on = false
    public var labels: [String] = []
    public var cardinality = Cardinality.oneToOne
    /// The labels `group_left(…)`/`group_right(…)` copy from the "one" side.
    public var include: [String] = []
}

/// `@ t`, `@ start()` or `@ end()` (an instant query's start and end are its time).
public enum PromQLAt: Sendable {
    case time(Double)
    case start
    case end
}

public struct PromQLSelector: Sendable {
    public var name: String?
    public var matchers: [(label: String, op: String, value: String)]
    public var start: Int
}

/// PromQL as Prometheus 2.42's parser accepts it: precedence climbing over `or` < `and
/// unless` < comparisons < `+ -` < `* / % atan2` < `^` (right-associative), unary signs at
/// `*`'s level; `bool` and vector matching; aggregations with `by`/`without` before or after;
/// functions with their arities and argument types; selectors, ranges, subqueries, `offset`
/// and `@`; and the semantic checks of `parse.go`. Errors carry the byte offset.
public struct PromQLParser {
    private var lexer: PromQLLexer
    private var token: PromQLToken
    private var depth = 0

    /// Parses an expression as `promtool` does: any result type is valid (a range vector or a
    /// string is a valid instant query); whether a range query may run it is the caller's
    /// check. Error offsets are where Prometheus reports them: a type error at the start of
    /// the expression or argument at fault, an unbalanced ")" just after it.
    public static func parse(_ text: String) throws -> PromQLNode {
        var parser = try PromQLParser(text)
        let node = try parser.expression(0)
        guard case .end = parser.token.kind else {
            if case .punct(")") = parser.token.kind { throw PromQLError(parser.token.start + 1, "unexpected right parenthesis ')'") }
            throw PromQLError(parser.token.start, "unexpected \(parser.describe(parser.token))")
        }
        return node
    }

    private init(_ text: String) throws {
        lexer = PromQLLexer(text)
        token = PromQLToken(kind: .end, start: 0, end: 0)
        token = try lexer.next()
    }

    private mutating func advance(duration: Bool = false) throws { token = try lexer.next(duration: duration) }

    private func describe(_ token: PromQLToken) -> String {
        switch token.kind {
        case .identifier(let s), .metricIdentifier(let s): "identifier \"\(s)\""
        case .number: "number"
        case .duration: "duration"
        case .string(let s): "string \"\(s)\""
        case .op(let s): "\"\(s)\""
        case .punct(let c): "\"\(c)\""
        case .end: "end of input"
        }
    }

    private func isPunct(_ c: Character) -> Bool { if case .punct(c) = token.kind { return true }; return false }
    private func isOp(_ s: String) -> Bool { if case .op(s) = token.kind { return true }; return false }

    private func keyword(_ word: String) -> Bool {
        if case .identifier(let s) = token.kind { return s.lowercased() == word }
        return false
    }

    private mutating func expect(_ c: Character, _ context: String) throws {
        guard isPunct(c) else { throw PromQLError(token.start, "unexpected \(describe(token)) \(context), expected \"\(c)\"") }
        try advance()
    }

    static let comparisons: Set<String> = ["==", "!=", "<", "<=", ">", ">="]
    static let setOperators: Set<String> = ["and", "or", "unless"]
    static let aggregators: Set<String> = ["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile"]

    /// The binary operator at the token, with its precedence (1 lowest).
    private func binaryOperator() -> (String, Int)? {
        switch token.kind {
        case .op(let s):
            switch s {
            case "==", "!=", "<", "<=", ">", ">=": return (s, 3)
            case "+", "-": return (s, 4)
            case "*", "/", "%": return (s, 5)
            case "^": return (s, 6)
            default: return nil
            }
        case .identifier(let s):
            switch s.lowercased() {
            case "or": return ("or", 1)
            case "and", "unless": return (s.lowercased(), 2)
            case "atan2": return ("atan2", 5)
            default: return nil
            }
        default:
            return nil
        }
    }

    private mutating func expression(_ minimum: Int) throws -> PromQLNode {
        depth += 1
        defer { depth -= 1 }
        guard depth < 200 else { throw PromQLError(token.start, "expression nested too deeply") }
        let leftStart = token.start
        var left = try unary()
        while let (op, precedence) = binaryOperator(), precedence >= minimum {
            let opStart = token.start
            try advance()
            var returnBool = false
            if keyword("bool") {
                returnBool = true
                try advance()
            }
            var matching: (on: Bool, labels: [String])?
            var grouping: [String]?
            var cardinality = PromQLMatching.Cardinality.oneToOne
            if keyword("on") || keyword("ignoring") {
                let on = keyword("on")
                try advance()
                matching = (on, try labelList())
                if keyword("group_left") || keyword("group_right") {
                    cardinality = keyword("group_left") ? .manyToOne : .oneToMany
                    try advance()
                    grouping = isPunct("(") ? try labelList() : []
                }
            }
            // ^ is right-associative: its right side may hold another ^.
            let rightStart = token.start
            let right = try expression(op == "^" ? precedence : precedence + 1)
            try checkBinary(op, left, right, returnBool: returnBool, matching: matching, grouping: grouping, at: (leftStart, opStart, rightStart))
            if Self.setOperators.contains(op) { cardinality = .manyToMany }
            left = .binary(op, left, right, PromQLMatching(returnBool: returnBool, on: matching?.on ?? false, labels: matching?.labels ?? [],
                                                           cardinality: cardinality, include: grouping ?? []))
        }
        return left
    }

    /// Prometheus's checks of a binary expression, in its order and at its positions: the
    /// operator's for what the operator cannot do, the operand's for an operand of the wrong
    /// type, the whole expression's (its left operand's start) for the rest.
    private func checkBinary(_ op: String, _ l: PromQLNode, _ r: PromQLNode, returnBool: Bool, matching: (on: Bool, labels: [String])?,
                             grouping: [String]?, at position: (left: Int, op: Int, right: Int)) throws {
        if returnBool && !Self.comparisons.contains(op) { throw PromQLError(position.op, "bool modifier can only be used on comparison operators") }
        let bothScalar = l.type == .scalar && r.type == .scalar
        if Self.comparisons.contains(op) && bothScalar && !returnBool { throw PromQLError(position.op, "comparisons between scalars must use BOOL modifier") }
        if let matching, matching.on, let grouping {
            for label in matching.labels where grouping.contains(label) {
                throw PromQLError(position.op, "label \"\(label)\" must not occur in ON and GROUP clause at once")
            }
        }
        if l.type != .scalar && l.type != .vector { throw PromQLError(position.left, "binary expression must contain only scalar and instant vector types") }
        if r.type != .scalar && r.type != .vector { throw PromQLError(position.right, "binary expression must contain only scalar and instant vector types") }
        if l.type != .vector || r.type != .vector {
            if let matching, !matching.labels.isEmpty { throw PromQLError(position.left, "vector matching only allowed between instant vectors") }
        } else if Self.setOperators.contains(op), grouping != nil {
            throw PromQLError(position.left, "no grouping allowed for \"\(op)\" operation")
        }
        if (l.type == .scalar || r.type == .scalar) && Self.setOperators.contains(op) {
            throw PromQLError(position.left, "set operator \"\(op)\" not allowed in binary scalar expression")
        }
    }

    private mutating func unary() throws -> PromQLNode {
        if isOp("-") || isOp("+") {
            let sign: String
            if case .op(let s) = token.kind { sign = s } else { sign = "+" }
            let start = token.start
            try advance()
            // Unary signs bind like * : -a^b is -(a^b), -a*b is (-a)*b.
            let operand = try expression(6)
            guard operand.type == .scalar || operand.type == .vector else {
                throw PromQLError(start, "unary expression only allowed on expressions of type scalar or instant vector, got \"\(operand.type.name)\"")
            }
            if case .number(let value) = operand { return .number(sign == "-" ? -value : value) }
            return .unary(sign, operand)
        }
        let start = token.start
        return try postfix(try primary(), start: start)
    }

    /// `[range]`, `[range:step]`, `offset d` and `@ t` after an expression.
    /// `start`: where the expression being modified starts, where Prometheus reports a
    /// modifier that may not follow it.
    private mutating func postfix(_ node: PromQLNode, start expressionStart: Int) throws -> PromQLNode {
        var node = node
        var offsetSet = false, atSet = false
        while true {
            if isPunct("[") {
                let start = token.start
                try advance(duration: true)
                guard case .duration(let range) = token.kind else { throw PromQLError(token.start, "unexpected \(describe(token)) in subquery or range selector, expected duration") }
                guard range > 0 else { throw PromQLError(token.start, "duration must be greater than 0") }
                try advance()
                if isPunct(":") {
                    try advance(duration: true)
                    var step: Double?
                    if case .duration(let s) = token.kind {
                        guard s > 0 else { throw PromQLError(token.start, "duration must be greater than 0") }
                        step = s
                        try advance()
                    }
                    try expect("]", "in subquery")
                    guard node.type == .vector else { throw PromQLError(start, "subquery is only allowed on instant vector, got \(node.type.name) instead") }
                    node = .subquery(node, range: range, step: step)
                } else {
                    try expect("]", "in range selector")
                    guard case .selector(let selector) = node, !offsetSet, !atSet else {
                        throw PromQLError(start, "ranges only allowed for vector selectors")
                    }
                    node = .matrix(selector, range: range, rangeStart: start)
                }
                continue
            }
            if keyword("offset") {
                let start = token.start
                guard allowsModifier(node) else { throw PromQLError(expressionStart, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery") }
                guard !offsetSet else { throw PromQLError(expressionStart, "offset may not be set multiple times") }
                offsetSet = true
                try advance(duration: true)
                var negative = false
                if isOp("-") || isOp("+") {
                    negative = isOp("-")
                    try advance(duration: true)
                }
                guard case .duration(let seconds) = token.kind else { throw PromQLError(token.start, "unexpected \(describe(token)) in offset, expected duration") }
                guard seconds > 0 else { throw PromQLError(token.start, "duration must be greater than 0") }
                try advance()
                node = Self.modify(node, offset: negative ? -seconds : seconds, at: nil)
                continue
            }
            if isOp("@") {
                let start = token.start
                guard allowsModifier(node) else { throw PromQLError(expressionStart, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery") }
                guard !atSet else { throw PromQLError(expressionStart, "@ <timestamp> may not be set multiple times") }
                atSet = true
                try advance()
                let at: PromQLAt
                if keyword("start") || keyword("end") {
                    at = keyword("start") ? .start : .end
                    try advance()
                    try expect("(", "in @")
                    try expect(")", "in @")
                } else {
                    var sign = 1.0
                    if isOp("-") || isOp("+") {
                        if isOp("-") { sign = -1 }
                        try advance()
                    }
                    guard case .number(let value) = token.kind, (sign * value).isFinite else {
                        throw PromQLError(token.start, "unexpected \(describe(token)) in @, expected timestamp")
                    }
                    at = .time((sign * value * 1000).rounded() / 1000)
                    try advance()
                }
                node = Self.modify(node, offset: nil, at: at)
                continue
            }
            return node
        }
    }

    /// One `.modified` node carries both modifiers of an expression.
    private static func modify(_ node: PromQLNode, offset: Double?, at: PromQLAt?) -> PromQLNode {
        if case .modified(let inner, let oldOffset, let oldAt) = node { return .modified(inner, offset: offset ?? oldOffset, at: at ?? oldAt) }
        return .modified(node, offset: offset ?? 0, at: at)
    }

    private func allowsModifier(_ node: PromQLNode) -> Bool {
        switch node {
        case .selector, .matrix, .subquery, .modified: true
        default: false
        }
    }

    private mutating func primary() throws -> PromQLNode {
        let start = token.start
        switch token.kind {
        case .number(let value):
            try advance()
            return .number(value)
        case .string(let value):
            try advance()
            return .string(value)
        case .punct("("):
            try advance()
            let inner = try expression(0)
            try expect(")", "in parenthesized expression")
            return .paren(inner)
        case .punct("{"):
            return .selector(try selector(name: nil, start: start))
        case .metricIdentifier(let name):
            try advance()
            return .selector(try selector(name: name, start: start))
        case .identifier(let name):
            try advance()
            let lower = name.lowercased()
            if Self.aggregators.contains(lower), isPunct("(") || keyword("by") || keyword("without") {
                return try aggregate(lower, start: start)
            }
            if lower == "atan2" { throw PromQLError(start, "unexpected <op:atan2>") }
            if isPunct("("), let function = PromQLFunctions.table[name] {
                return try call(name, function, start: start)
            }
            if isPunct("(") {
                throw PromQLError(start, "unknown function with name \"\(name)\"")
            }
            return .selector(try selector(name: name, start: start))
        default:
            throw PromQLError(start, "unexpected \(describe(token))")
        }
    }

    private mutating func labelList() throws -> [String] {
        try expect("(", "in grouping opts")
        var labels: [String] = []
        while !isPunct(")") {
            switch token.kind {
            case .identifier(let s): labels.append(s)
            default: throw PromQLError(token.start, "unexpected \(describe(token)) in grouping opts, expected label")
            }
            try advance()
            if isPunct(",") { try advance() } else if !isPunct(")") {
                throw PromQLError(token.start, "unexpected \(describe(token)) in grouping opts, expected \",\" or \")\"")
            }
        }
        try advance()
        return labels
    }

    /// Comma-separated expressions (a trailing comma allowed) up to and including ")", each
    /// with where it starts (type errors are reported there).
    private mutating func argumentList(_ context: String) throws -> (arguments: [PromQLNode], starts: [Int]) {
        var arguments: [PromQLNode] = []
        var starts: [Int] = []
        if !isPunct(")") {
            starts.append(token.start)
            arguments.append(try expression(0))
            while isPunct(",") {
                try advance()
                if isPunct(")") { break }
                starts.append(token.start)
                arguments.append(try expression(0))
            }
        }
        try expect(")", context)
        return (arguments, starts)
    }

    private mutating func aggregate(_ op: String, start: Int) throws -> PromQLNode {
        var grouping: PromQLGrouping?
        if keyword("by") || keyword("without") {
            let without = keyword("without")
            try advance()
            grouping = PromQLGrouping(without: without, labels: try labelList())
        }
        try expect("(", "in aggregation")
        let (arguments, starts) = try argumentList("in aggregation")
        if grouping == nil, keyword("by") || keyword("without") {
            let without = keyword("without")
            try advance()
            grouping = PromQLGrouping(without: without, labels: try labelList())
        }
        let needsParameter = ["topk", "bottomk", "quantile", "count_values"].contains(op)
        let expected = needsParameter ? 2 : 1
        guard arguments.count == expected else {
            throw PromQLError(start, "wrong number of arguments for aggregate expression provided, expected \(expected), got \(arguments.count)")
        }
        let expression = arguments.last!
        guard expression.type == .vector else {
            throw PromQLError(starts.last!, "expected type instant vector in aggregation expression, got \(expression.type.name)")
        }
        var parameter: PromQLNode?
        if needsParameter {
            let wanted: PromQLType = op == "count_values" ? .string : .scalar
            guard arguments[0].type == wanted else {
                throw PromQLError(starts[0], "expected type \(wanted.name) in aggregation parameter, got \(arguments[0].type.name)")
            }
            parameter = arguments[0]
        }
        return .aggregate(op, param: parameter, expression, grouping: grouping)
    }

    private mutating func call(_ name: String, _ function: PromQLFunctions.Signature, start: Int) throws -> PromQLNode {
        try advance()  // (
        let (arguments, starts) = try argumentList("in call to function \"\(name)\"")
        let minimum = function.arguments.count - (function.variadic ? 1 : function.optional)
        if function.variadic {
            guard arguments.count >= minimum else {
                throw PromQLError(start, "expected at least \(minimum) argument(s) in call to \"\(name)\", got \(arguments.count)")
            }
        } else if function.optional > 0 {
            guard arguments.count >= minimum else {
                throw PromQLError(start, "expected at least \(minimum) argument(s) in call to \"\(name)\", got \(arguments.count)")
            }
            guard arguments.count <= function.arguments.count else {
                throw PromQLError(start, "expected at most \(function.arguments.count) argument(s) in call to \"\(name)\", got \(arguments.count)")
            }
        } else {
            guard arguments.count == function.arguments.count else {
                throw PromQLError(start, "expected \(function.arguments.count) argument(s) in call to \"\(name)\", got \(arguments.count)")
            }
        }
        for (index, argument) in arguments.enumerated() {
            let wanted = function.arguments[min(index, function.arguments.count - 1)]
            guard argument.type == wanted else {
                throw PromQLError(starts[index], "expected type \(wanted.name) in call to function \"\(name)\", got \(argument.type.name)")
            }
        }
        return .call(name, arguments, start: start)
    }

    /// `name{matchers}`, `name` or `{matchers}`; at least one matcher must not match "".
    private mutating func selector(name: String?, start: Int) throws -> PromQLSelector {
        var matchers: [(label: String, op: String, value: String)] = []
        var metricName = name
        if isPunct("{") {
            try advance()
            while !isPunct("}") {
                if case .end = token.kind { throw PromQLError(token.start, "unexpected end of input inside braces") }
                let labelStart = token.start
                let label: String
                switch token.kind {
                case .identifier(let s): label = s
                default: throw PromQLError(token.start, "unexpected \(describe(token)) in label matching, expected label")
                }
                try advance()
                if case .end = token.kind { throw PromQLError(token.start, "unexpected end of input inside braces") }
                let op: String
                switch token.kind {
                case .op(let s) where ["=", "!=", "=~", "!~"].contains(s): op = s
                default: throw PromQLError(token.start, "unexpected \(describe(token)) in label matching, expected label matching operator")
                }
                try advance()
                if case .end = token.kind { throw PromQLError(token.start, "unexpected end of input inside braces") }
                guard case .string(let value) = token.kind else {
                    throw PromQLError(token.start, "unexpected \(describe(token)) in label matching, expected string")
                }
                if op == "=~" || op == "!~" {
                    guard RegexCache.shared.info(value).valid else {
                        throw PromQLError(labelStart, "invalid regular expression in label matcher: \(value)")
                    }
                }
                try advance()
                if label == "__name__" && op == "=" {
                    // Only a name before the braces clashes; two __name__ matchers are two matchers.
                    if let name { throw PromQLError(start, "metric name must not be set twice: \"\(name)\" or \"\(value)\"") }
                    if metricName == nil { metricName = value }
                }
                matchers.append((label, op, value))
                if case .end = token.kind { throw PromQLError(token.start, "unexpected end of input inside braces") }
                if isPunct(",") { try advance() } else if !isPunct("}") {
                    throw PromQLError(token.start, "unexpected \(describe(token)) in label matching, expected \",\" or \"}\"")
                }
            }
            try advance()
        }
        let matchesEmpty: ((label: String, op: String, value: String)) -> Bool = { m in
            switch m.op {
            case "=": m.value.isEmpty
            case "!=": !m.value.isEmpty
            case "=~": RegexCache.shared.info(m.value).matchesEmpty
            default: !RegexCache.shared.info(m.value).matchesEmpty
            }
        }
        if name == nil, matchers.allSatisfy(matchesEmpty) {
            throw PromQLError(start, "vector selector must contain at least one non-empty matcher")
        }
        return PromQLSelector(name: metricName, matchers: matchers, start: start)
    }
}

extension PromQLNode {
    /// Every vector selector, with whether it sits in a range and under which function.
    public func selectors(inFunction function: String? = nil) -> [(selector: PromQLSelector, range: Double?, function: String?)] {
        switch self {
        case .number, .string: []
        case .selector(let s): [(s, nil, function)]
        case .matrix(let s, let range, _): [(s, range, function)]
        case .subquery(let e, _, _): e.selectors(inFunction: nil)
        case .call(let name, let args, _): args.flatMap { $0.selectors(inFunction: name) }
        case .aggregate(_, let param, let e, _): (param?.selectors() ?? []) + e.selectors()
        case .binary(_, let l, let r, _): l.selectors() + r.selectors()
        case .unary(_, let e), .paren(let e): e.selectors()
        case .modified(let e, _, _): e.selectors(inFunction: function)
        }
    }
}

/// Whether a matcher's regular expression compiles and whether it matches the empty string,
/// remembered per pattern: dashboards repeat the same few (`$job` → "job", ".+"), and building
/// a Regex is by far the slowest step of parsing a selector.
final class RegexCache: @unchecked Sendable {
    static let shared = RegexCache()
    private let lock = NSLock()
    private var known: [String: (valid: Bool, matchesEmpty: Bool)] = [:]
    func info(_ pattern: String) -> (valid: Bool, matchesEmpty: Bool) {
        lock.lock()
        if let hit = known[pattern] { lock.unlock(); return hit }
        lock.unlock()
        let regex = try? Regex("^(?:" + pattern + ")$")
        let result = (regex != nil, regex.map { "".wholeMatch(of: $0) != nil } ?? false)
        lock.lock()
        known[pattern] = result
        lock.unlock()
        return result
    }
}
