import Foundation
import PromQL

extension AlertTemplate {
    /// Runs a parsed template over data, with Prometheus' functions.
    struct Executor {
        let template: AlertTemplate
        let query: ((String) throws -> [PromSample])?
        let externalURL: String
        var variables: [(String, TemplateValue)] = []
        var output = ""
        var depth = 0
        /// The command running, which Go's execution errors name.
        var command: Command?

        enum Flow: Error { case breakLoop, continueLoop }

        init(template: AlertTemplate, query: ((String) throws -> [PromSample])?, externalURL: String) {
            (self.template, self.query, self.externalURL) = (template, query, externalURL)
        }

        /// Go's ExecError: `template: NAME:LINE:OFFSET: executing "NAME" at <COMMAND>: message`, the
        /// command cut to 20 bytes as Go cuts it.
        func fail(_ message: String, line: Int) -> TemplateError {
            guard let command else {
                return TemplateError(description: "template: \(template.name): \(message)", executing: true)
            }
            let chars = Array(template.text)
            let offset = String(chars[0..<command.start]).utf8.count
            let text = String(chars[command.start..<command.end])
            let context = text.utf8.count > 20 ? String(decoding: text.utf8.prefix(20), as: UTF8.self) + "..." : text
            return TemplateError(description: "template: \(template.name):\(line):\(offset): executing \"\(template.name)\" at <\(context)>: \(message)",
                                 executing: true)
        }

        mutating func run(_ nodes: [Node], dot: TemplateValue) throws -> String {
            try walk(nodes, dot: dot)
            return output
        }

        mutating func walk(_ nodes: [Node], dot: TemplateValue) throws {
            for node in nodes {
                switch node {
                case .text(let text): output += text
                case .action(let pipe, let line):
                    let value = try evaluate(pipe, dot: dot, line: line)
                    if pipe.declarations.isEmpty { output += value.printed }
                case .branch(let kind, let pipe, let body, let otherwise, let line):
                    let mark = variables.count
                    defer { variables.removeLast(variables.count - mark) }
                    switch kind {
                    case "range":
                        var rangePipe = pipe
                        rangePipe.declarations = []
                        let value = try evaluate(rangePipe, dot: dot, line: line)
                        var items: [(TemplateValue, TemplateValue)] = []
                        switch value {
                        case .map(let m): items = m.keys.sorted().map { (.string($0), m[$0]!) }
                        case .list(let l): items = l.enumerated().map { (.int($0.offset), $0.element) }
                        case .int(let n): items = (0..<max(0, n)).map { (.int($0), .int($0)) }
                        case .none: items = []
                        default: throw fail("range can't iterate over \(value.printed)", line: line)
                        }
                        if items.isEmpty {
                            if let otherwise { try walk(otherwise, dot: dot) }
                            continue
                        }
                        for (key, element) in items {
                            let inner = variables.count
                            if pipe.declarations.count == 2 {
                                variables.append((pipe.declarations[0], key))
                                variables.append((pipe.declarations[1], element))
                            } else if pipe.declarations.count == 1 {
                                variables.append((pipe.declarations[0], element))
                            }
                            do {
                                try walk(body, dot: element)
                            } catch Flow.breakLoop {
                                variables.removeLast(variables.count - inner)
                                break
                            } catch Flow.continueLoop {}
                            variables.removeLast(variables.count - inner)
                        }
                    default:
                        let value = try evaluate(pipe, dot: dot, line: line)
                        if value.truth {
                            try walk(body, dot: kind == "with" ? value : dot)
                        } else if let otherwise {
                            try walk(otherwise, dot: dot)
                        }
                    }
                case .include(let target, let pipe, let line):
                    guard let body = template.defined[target] else { throw fail("template: no template \(GoFormat.quote(target)) associated with template \(GoFormat.quote(template.name))", line: line) }
                    depth += 1
                    defer { depth -= 1 }
                    guard depth < 100 else { throw fail("exceeded maximum template depth (100000)", line: line) }
                    let value = try pipe.map { try evaluate($0, dot: dot, line: line) } ?? .none
                    let saved = variables
                    variables = [("$", value)]
                    try walk(body, dot: value)
                    variables = saved
                case .loopControl(let word):
                    throw word == "break" ? Flow.breakLoop : Flow.continueLoop
                }
            }
        }

        mutating func evaluate(_ pipe: Pipe, dot: TemplateValue, line: Int) throws -> TemplateValue {
            var value: TemplateValue?
            for command in pipe.commands {
                value = try run(command, dot: dot, piped: value, line: line)
            }
            let result = value ?? .none
            if pipe.declarations.count == 1 {
                if pipe.assigns, let index = variables.lastIndex(where: { $0.0 == pipe.declarations[0] }) {
                    variables[index].1 = result
                } else {
                    variables.append((pipe.declarations[0], result))
                }
            }
            return result
        }

        mutating func operand(_ operand: Operand, dot: TemplateValue, line: Int) throws -> TemplateValue {
            switch operand {
            case .dot: return dot
            case .literal(let v): return v
            case .function(let name): return try call(name, [], line: line)
            case .pipe(let pipe): return try evaluate(pipe, dot: dot, line: line)
            case .variable(let name, let path):
                guard let value = variables.last(where: { $0.0 == name })?.1 else { throw fail("undefined variable: \(name)", line: line) }
                return try walkPath(value, path, line: line)
            case .field(let base, let path):
                let start = try base.map { try self.operand($0, dot: dot, line: line) } ?? dot
                return try walkPath(start, path, line: line)
            }
        }

        func walkPath(_ value: TemplateValue, _ path: [String], line: Int) throws -> TemplateValue {
            var value = value
            for key in path {
                switch value {
                case .map(let m): value = m[key] ?? .string("")
                case .sample(let labels, _) where key == "Labels": value = .map(labels.dictionary.mapValues { .string($0) })
                case .sample(_, let v) where key == "Value": value = .float(v)
                case .none: throw fail("nil pointer evaluating interface {}.\(key)", line: line)
                default: throw fail("can't evaluate field \(key) in type \(value.typeName)", line: line)
                }
            }
            return value
        }

        mutating func run(_ command: Command, dot: TemplateValue, piped: TemplateValue?, line: Int) throws -> TemplateValue {
            let operands = command.operands
            if case .function(let name) = operands[0] {
                var arguments = try operands.dropFirst().map { try operand($0, dot: dot, line: line) }
                if let piped { arguments.append(piped) }
                let saved = self.command
                self.command = command
                defer { self.command = saved }
                return try call(name, arguments, line: line)
            }
            guard operands.count == 1, piped == nil else {
                throw fail("can't give argument to non-function", line: line)
            }
            return try operand(operands[0], dot: dot, line: line)
        }

        func number(_ value: TemplateValue, _ function: String, line: Int) throws -> Double {
            switch value {
            case .float(let f): return f
            case .int(let i): return Double(i)
            case .string(let s):
                guard let f = GoFormat.parseFloat(s) else {
                    throw fail("error calling \(function): strconv.ParseFloat: parsing \(GoFormat.quote(s)): invalid syntax", line: line)
                }
                return f
            default: throw fail("error calling \(function): can't convert \(value.printed) to float", line: line)
            }
        }

        func compare(_ a: TemplateValue, _ b: TemplateValue, line: Int) throws -> Int? {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
            case (.float(let x), .float(let y)): return x < y ? -1 : (x > y ? 1 : (x == y ? 0 : nil))
            case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
            case (.bool(let x), .bool(let y)): return x == y ? 0 : 1
            default: throw fail("error calling compare: incompatible types for comparison", line: line)
            }
        }

        mutating func call(_ name: String, _ args: [TemplateValue], line: Int) throws -> TemplateValue {
            func arity(_ n: Int) throws {
                guard args.count == n else { throw fail("wrong number of args for \(name): want \(n) got \(args.count)", line: line) }
            }
            func text(_ i: Int) throws -> String {
                guard case .string(let s) = args[i] else { throw fail("wrong type for value; expected string; got \(args[i].typeName)", line: line) }
                return s
            }
            switch name {
            case "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp":
                try arity(1)
                return .string(AlertTemplate.humanize(name, try number(args[0], name, line: line)))
            case "toUpper": try arity(1); return .string(try text(0).uppercased())
            case "toLower": try arity(1); return .string(try text(0).lowercased())
            case "title":
                try arity(1)
                var out = "", previous: Character = " "
                for c in try text(0) {
                    out += (previous.isLetter || previous.isNumber || previous == "_" || previous == "'") ? String(c) : c.uppercased()
                    previous = c
                }
                return .string(out)
            case "stripPort":
                try arity(1)
                let host = try text(0)
                if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return .string(String(host[host.index(after: host.startIndex)..<close])) }
                if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1 { return .string(String(host[..<colon])) }
                return .string(host)
            case "stripDomain":
                try arity(1)
                let hostPort = try text(0)
                var host = hostPort, port = ""
                if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasPrefix("[") || hostPort[..<colon].hasSuffix("]"),
                   hostPort.filter({ $0 == ":" }).count == 1 || hostPort.hasPrefix("[") {
                    host = String(hostPort[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                    port = String(hostPort[hostPort.index(after: colon)...])
                }
                if host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) || host.contains(":") { return .string(hostPort) }
                let short = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
                return .string(port.isEmpty ? short : short + ":" + port)
            case "reReplaceAll":
                try arity(3)
                let (pattern, replacement, input) = (try text(0), try text(1), try text(2))
                guard let regex = try? Regex(pattern) else { throw fail("error calling reReplaceAll: error parsing regexp", line: line) }
                var out = "", rest = input[...]
                while let match = rest.firstMatch(of: regex) {
                    out += rest[..<match.range.lowerBound]
                    out += PromQLTemplateSupport.expand(replacement, match)
                    if match.range.isEmpty {
                        guard match.range.upperBound < rest.endIndex else { rest = rest[rest.endIndex...]; break }
                        out.append(rest[match.range.upperBound])
                        rest = rest[rest.index(after: match.range.upperBound)...]
                    } else {
                        rest = rest[match.range.upperBound...]
                    }
                }
                return .string(out + rest)
            case "match":
                try arity(2)
                guard let regex = try? Regex(try text(0)) else { throw fail("error calling match: error parsing regexp", line: line) }
                return .bool(try text(1).firstMatch(of: regex) != nil)
            case "printf":
                guard !args.isEmpty else { throw fail("wrong number of args for printf: want at least 1 got 0", line: line) }
                return .string(AlertTemplate.printf(try text(0), Array(args.dropFirst())))
            case "print":
                // fmt.Sprint: a space between operands when neither is a string.
                var out = ""
                for (i, a) in args.enumerated() {
                    if i > 0, !a.isString, !args[i - 1].isString { out += " " }
                    out += a.printed
                }
                return .string(out)
            case "println": return .string(args.map(\.printed).joined(separator: " ") + "\n")
            case "len":
                try arity(1)
                switch args[0] {
                case .string(let s): return .int(s.utf8.count)
                case .map(let m): return .int(m.count)
                case .list(let l): return .int(l.count)
                default: throw fail("error calling len: len of type \(args[0].typeName)", line: line)
                }
            case "index":
                guard !args.isEmpty else { throw fail("wrong number of args for index", line: line) }
                var value = args[0]
                for key in args.dropFirst() {
                    switch (value, key) {
                    case (.map(let m), .string(let k)): value = m[k] ?? .string("")
                    case (.list(let l), .int(let i)):
                        guard i >= 0, i < l.count else { throw fail("error calling index: index out of range: \(i)", line: line) }
                        value = l[i]
                    default: throw fail("error calling index: cannot index \(value.typeName)", line: line)
                    }
                }
                return value
            case "not": try arity(1); return .bool(!args[0].truth)
            case "and":
                guard !args.isEmpty else { throw fail("wrong number of args for and", line: line) }
                return args.first { !$0.truth } ?? args.last!
            case "or":
                guard !args.isEmpty else { throw fail("wrong number of args for or", line: line) }
                return args.first { $0.truth } ?? args.last!
            case "eq":
                guard args.count >= 2 else { throw fail("wrong number of args for eq: want at least 2 got \(args.count)", line: line) }
                for other in args.dropFirst() where try compare(args[0], other, line: line) == 0 { return .bool(true) }
                return .bool(false)
            case "ne": try arity(2); return .bool(try compare(args[0], args[1], line: line) != 0)
            case "lt": try arity(2); return .bool(try compare(args[0], args[1], line: line) == -1)
            case "le": try arity(2); let c = try compare(args[0], args[1], line: line); return .bool(c == -1 || c == 0)
            case "gt": try arity(2); return .bool(try compare(args[0], args[1], line: line) == 1)
            case "ge": try arity(2); let c = try compare(args[0], args[1], line: line); return .bool(c == 1 || c == 0)
            case "safeHtml":
                try arity(1)
                return .string(try text(0))
            case "html":
                return .string(args.map(\.printed).joined().replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&#34;").replacingOccurrences(of: "'", with: "&#39;"))
            case "urlquery":
                return .string(args.map(\.printed).joined().addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? "")
            case "js":
                var out = ""
                for scalar in args.map(\.printed).joined().unicodeScalars {
                    switch scalar {
                    case "\\": out += "\\\\"
                    case "'": out += "\\'"
                    case "\"": out += "\\\""
                    case "<", ">", "&", "=": out += String(format: "\\u%04X", scalar.value)
                    default: out += scalar.value < 0x20 ? String(format: "\\u%04X", scalar.value) : String(scalar)
                    }
                }
                return .string(out)
            case "pathPrefix", "externalURL":
                // The rule manager of promtool's tests has no external URL object: Prometheus
                // 2.42 fails here, and so does gate, to print what it prints.
                throw fail("error calling \(name): runtime error: invalid memory address or nil pointer dereference", line: line)
            case "args":
                var m: [String: TemplateValue] = [:]
                for (i, a) in args.enumerated() { m["arg\(i)"] = a }
                return .map(m)
            case "query":
                try arity(1)
                guard let query else { return .list([]) }
                do {
                    return .list(try query(try text(0)).map { .sample($0.labels, $0.value) })
                } catch {
                    throw fail("error calling query: \(error)", line: line)
                }
            case "first":
                try arity(1)
                guard case .list(let l) = args[0], let first = l.first else { throw fail("error calling first: first() called on vector with no elements", line: line) }
                return first
            case "label":
                try arity(2)
                guard case .sample(let labels, _) = args[1] else { return .string("") }
                return .string(labels[try text(0)] ?? "")
            case "value":
                try arity(1)
                guard case .sample(_, let value) = args[0] else { return .float(0) }
                return .float(value)
            case "strvalue":
                try arity(1)
                guard case .sample(let labels, _) = args[0] else { return .string("") }
                return .string(labels["__value__"] ?? "")
            case "sortByLabel":
                try arity(2)
                guard case .list(let l) = args[1] else { return args[1] }
                let key = try text(0)
                return .list(l.sorted { a, b in
                    if case .sample(let x, _) = a, case .sample(let y, _) = b { return (x[key] ?? "") < (y[key] ?? "") }
                    return false
                })
            case "parseDuration":
                try arity(1)
                guard let seconds = AlertTemplate.parseDuration(try text(0)) else { throw fail("error calling parseDuration: not a valid duration string: \(GoFormat.quote(try text(0)))", line: line) }
                return .float(seconds)
            case "toTime":
                try arity(1)
                let v = try number(args[0], name, line: line)
                return .string(AlertTemplate.timestamp(v))
            case "graphLink", "tableLink":
                try arity(1)
                let expr = (try text(0)).addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? ""
                return .string("/graph?g0.expr=\(expr)&g0.tab=\(name == "graphLink" ? 0 : 1)")
            default:
                throw fail("function \(GoFormat.quote(name)) cannot be called here", line: line)
            }
        }
    }

    /// Go's `%.4g` (C's, but with Go's spelling of NaN and infinities).
    static func fourDigits(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return String(format: "%.4g", v)
    }

    static let largePrefixes = ["k", "M", "G", "T", "P", "E", "Z", "Y"]
    static let smallPrefixes = ["m", "u", "n", "p", "f", "a", "z", "y"]

    /// Prometheus' prefix loop: divide by `base` while |v| ≥ base (or, `down`, multiply by 1000
    /// while |v| < 1), the last prefix passed naming the result.
    static func scaled(_ value: Double, base: Double, prefixes: [String], down: Bool = false) -> String {
        var v = value, prefix = ""
        for p in prefixes {
            if down ? abs(v) >= 1 : abs(v) < base { break }
            prefix = p
            v = down ? v * 1000 : v / base
        }
        return fourDigits(v) + prefix
    }

    static func humanize(_ function: String, _ input: Double) -> String {
        var v = input
        switch function {
        case "humanize":
            if v == 0 || v.isNaN || v.isInfinite { return fourDigits(v) }
            return abs(v) >= 1 ? scaled(v, base: 1000, prefixes: largePrefixes) : scaled(v, base: 1000, prefixes: smallPrefixes, down: true)
        case "humanize1024":
            if abs(v) <= 1 || v.isNaN || v.isInfinite { return fourDigits(v) }
            return scaled(v, base: 1024, prefixes: ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"])
        case "humanizeDuration":
            if v.isNaN || v.isInfinite { return fourDigits(v) }
            if v == 0 { return fourDigits(v) + "s" }
            if abs(v) >= 1 {
                var sign = ""
                if v < 0 { sign = "-"; v = -v }
                let duration = Int64(v)
                let (seconds, minutes, hours, days) = (duration % 60, (duration / 60) % 60, (duration / 3600) % 24, duration / 86400)
                if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
                if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
                if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
                return sign + fourDigits(v) + "s"
            }
            return scaled(v, base: 1000, prefixes: smallPrefixes, down: true) + "s"
        case "humanizePercentage":
            return fourDigits(v * 100) + "%"
        default:
            if v.isNaN || v.isInfinite { return fourDigits(v) }
            return timestamp(v)
        }
    }

    /// Go's time.Time.String() of a Unix time in UTC at millisecond precision (Prometheus goes
    /// through model.Time): `2006-01-02 15:04:05.999 +0000 UTC`.
    static func timestamp(_ seconds: Double) -> String {
        let nanos = seconds * 1e9
        guard nanos < 9.2e18, nanos > -9.2e18 else { return "\(GoFormat.g(seconds)) cannot be represented as a nanoseconds timestamp since it overflows int64" }
        let ms = Int64(nanos) / 1_000_000
        var whole = ms / 1000, fractionMs = ms % 1000
        if fractionMs < 0 { whole -= 1; fractionMs += 1000 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(whole)))
        var text = String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        if fractionMs > 0 {
            var fraction = String(format: "%03lld", fractionMs)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + " +0000 UTC"
    }

    /// model.ParseDuration, in seconds.
    static func parseDuration(_ text: String) -> Double? {
        guard RuleFiles.isDuration(text) else { return nil }
        if text == "0" { return 0 }
        let units: [String: Double] = ["y": 31_536_000, "w": 604_800, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001]
        var total = 0.0, rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber }
            rest = rest.dropFirst(digits.count)
            let unit = rest.hasPrefix("ms") ? "ms" : String(rest.prefix(1))
            rest = rest.dropFirst(unit.count)
            total += (Double(digits) ?? 0) * units[unit]!
        }
        return total
    }

    /// fmt.Sprintf for the verbs templates use: %s %v %d %f %e %g %x %q %t %%, with flags,
    /// width and precision.
    static func printf(_ format: String, _ args: [TemplateValue]) -> String {
        var out = ""
        var chars = Array(format)
        var i = 0, argument = 0
        chars.append("\0")
        while i < chars.count - 1 {
            let c = chars[i]
            guard c == "%" else { out.append(c); i += 1; continue }
            i += 1
            var spec = "%"
            while "+-# 0".contains(chars[i]) { spec.append(chars[i]); i += 1 }
            while chars[i].isNumber || chars[i] == "." { spec.append(chars[i]); i += 1 }
            let verb = chars[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            if verb == "\0" { out += "%!(NOVERB)"; break }
            guard argument < args.count else { out += "%!\(verb)(MISSING)"; continue }
            let value = args[argument]
            argument += 1
            let hasPrecision = spec.contains(".")
            switch (verb, value) {
            case ("v", _), ("s", .string):
                out += pad(value.printed, spec)
            case ("q", .string(let s)): out += pad(GoFormat.quote(s), spec)
            case ("t", .bool(let b)): out += pad(b ? "true" : "false", spec)
            case ("d", .int(let n)): out += String(format: spec + "lld", Int64(n))
            case ("x", .int(let n)), ("X", .int(let n)), ("o", .int(let n)): out += String(format: spec + "ll" + String(verb), Int64(n))
            case ("x", .string(let s)): out += s.utf8.map { String(format: "%02x", $0) }.joined()
            case ("f", .float(let f)), ("F", .float(let f)), ("e", .float(let f)), ("E", .float(let f)):
                out += f.isFinite ? String(format: spec + String(verb), f) : fourDigits(f)
            case ("g", .float(let f)), ("G", .float(let f)):
                out += !f.isFinite ? fourDigits(f) : hasPrecision ? String(format: spec + String(verb), f) : pad(GoFormat.g(f), spec)
            case ("f", .int(let n)), ("e", .int(let n)), ("g", .int(let n)), ("s", .int(let n)):
                out += "%!\(verb)(int=\(n))"
            case ("d", .float(let f)), ("s", .float(let f)):
                out += "%!\(verb)(float64=\(GoFormat.g(f)))"
            default:
                out += "%!\(verb)(\(value.typeName)=\(value.printed))"
            }
        }
        if argument < args.count {
            out += "%!(EXTRA " + args[argument...].map { "\($0.typeName)=\($0.printed)" }.joined(separator: ", ") + ")"
        }
        return out
    }

    static func pad(_ s: String, _ spec: String) -> String {
        let digits = spec.dropFirst().filter { $0.isNumber || $0 == "." }
        let widthText = digits.split(separator: ".", omittingEmptySubsequences: false).first ?? ""
        var s = s
        if spec.contains("."), let precision = Int(digits.split(separator: ".", omittingEmptySubsequences: false).last ?? "") { s = String(s.prefix(precision)) }
        guard let width = Int(widthText), s.count < width else { return s }
        let fill = String(repeating: " ", count: width - s.count)
        return spec.contains("-") ? s + fill : fill + s
    }
}

/// Regexp.Expand over a Swift match, shared by templates and label_replace.
enum PromQLTemplateSupport {
    static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        PromQLEvaluator.expand(template, match)
    }
}
