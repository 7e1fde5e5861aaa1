import CYaml

/// Checks YAML text before it is built into nodes: gate's YAML inputs (policies, flag files,
/// experiment results, YAML-valued flags) never need anchors or aliases, and a few hundred
/// bytes of nested aliases expand to gigabytes, so any anchor or alias is refused, as is
/// nesting deeper than `maxDepth`. One pass over libyaml's events: `check` builds nothing
/// (constant memory), `tree` builds the JSON tree from the same pass.
public enum YAMLGuard {
    public static let maxDepth = 64

    /// Throws `GateError.yamlRefused` with the line of the first anchor, alias or too-deep
    /// collection; syntax errors are left to the parser that follows, which reports them —
    /// unless `syntaxErrors` is set, for callers whose parser stops quietly at one (Yams'
    /// `compose_all` ends its sequence there).
    public static func check(_ text: String, path: String, syntaxErrors: Bool = false) throws {
        if text.isEmpty { return }
        try walk(text, path: path, syntaxErrors: syntaxErrors) { _, _ in false }
    }

    /// libyaml's events for `text`, each passed to `body` (with its line) after the guard has
    /// judged it: anchors and aliases refused, nesting bounded. `body` returns true to stop.
    /// A syntax error ends the walk quietly, or is thrown when `syntaxErrors` is set.
    private static func walk(_ text: String, path: String, syntaxErrors: Bool,
                             _ body: (inout yaml_event_t, Int) throws -> Bool) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            if syntaxErrors { throw GateError.usage("\(path): the YAML parser could not start") }
            return
        }
        defer { yaml_parser_delete(&parser) }
        var text = text
        try text.withUTF8 { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    guard syntaxErrors else { return }
                    let problem = parser.problem.map { String(cString: $0) } ?? "not YAML"
                    throw GateError.yamlRefused(path: path, line: Int(parser.problem_mark.line) + 1, message: "not YAML: \(problem)")
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                func refuse(_ message: String) -> GateError { .yamlRefused(path: path, line: line, message: message) }
                func refuseAnchor(_ anchor: UnsafeMutablePointer<yaml_char_t>) -> GateError {
                    refuse("a YAML anchor (&\(name(anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                }
                switch event.type {
                case YAML_ALIAS_EVENT:
                    throw refuse("a YAML alias (*\(name(event.data.alias.anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                case YAML_SCALAR_EVENT:
                    if let anchor = event.data.scalar.anchor { throw refuseAnchor(anchor) }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                    if let anchor { throw refuseAnchor(anchor) }
                    depth += 1
                    if depth > maxDepth { throw refuse("YAML nested more than \(maxDepth) levels deep") }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                default:
                    break
                }
                if try body(&event, line) || event.type == YAML_STREAM_END_EVENT { return }
            }
        }
    }

    /// The first document of `text` as a JSON tree, built from the guarded walk's events (no
    /// anchors or aliases, nesting ≤ `maxDepth`): every scalar a string as written (a version
    /// `1.10` stays "1.10"), a plain `~`, `null` or empty scalar null, keys scalars. For data
    /// files read in bulk (OSV advisories), where building Yams' nodes after the check cost
    /// three times the parse.
    public static func tree(_ text: String, path: String) throws -> JSONTree {
        enum Frame {
            case sequence([JSONTree])
            case mapping([(key: String, value: JSONTree)], key: String?)
        }
        var stack: [Frame] = []
        var result: JSONTree?
        try walk(text, path: path, syntaxErrors: true) { event, line in
            var finished: JSONTree?
            switch event.type {
            case YAML_DOCUMENT_END_EVENT:
                return result != nil
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                // A key: held until its value arrives.
                if case .mapping(let members, nil)? = stack.last {
                    stack[stack.count - 1] = .mapping(members, key: value)
                    return false
                }
                let null = scalar.style == YAML_PLAIN_SCALAR_STYLE && ["", "~", "null", "Null", "NULL"].contains(value)
                finished = null ? .null : .string(value)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if case .mapping(_, nil)? = stack.last {
                    throw GateError.yamlRefused(path: path, line: line, message: "a mapping key that is not a plain value")
                }
                stack.append(event.type == YAML_SEQUENCE_START_EVENT ? .sequence([]) : .mapping([], key: nil))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                switch stack.removeLast() {
                case .sequence(let items): finished = .array(items)
                case .mapping(let members, _): finished = .object(members)
                }
            default:
                break
            }
            guard let value = finished else { return false }
            // The frame is taken off the stack to be appended to, so its array is not shared
            // and grows in place.
            switch stack.popLast() {
            case nil: result = value
            case .sequence(var items)?:
                items.append(value)
                stack.append(.sequence(items))
            case .mapping(var members, let key)?:
                members.append((key ?? "", value))
                stack.append(.mapping(members, key: nil))
            }
            return false
        }
        guard let result else { throw GateError.emptyInput(path: path, expected: "a YAML document") }
        return result
    }

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let anchor else { return "" }
        return Excerpt.quote(String(cString: UnsafeRawPointer(anchor).assumingMemoryBound(to: CChar.self)), limit: 40)
    }
}
