import CYaml

/// Checks YAML text before it is built into nodes: gate's YAML inputs (policies, flag files,
/// experiment results, YAML-valued flags) never need anchors or aliases, and a few hundred
/// bytes of nested aliases expand to gigabytes, so any anchor or alias is refused, as is
/// nesting deeper than `maxDepth`. One pass over libyaml's events, in constant memory: nothing
/// is built.
public enum YAMLGuard {
    public static let maxDepth = 64

    /// Throws `GateError.yamlRefused` with the line of the first anchor, alias or too-deep
    /// collection; syntax errors are left to the parser that follows, which reports them.
    public static func check(_ text: String, path: String) throws {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var text = text
        if text.isEmpty { return }
        try text.withUTF8 { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                func refuse(_ message: String) -> GateError { .yamlRefused(path: path, line: line, message: message) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return
                case YAML_ALIAS_EVENT:
                    throw refuse("a YAML alias (*\(name(event.data.alias.anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil:
                    throw refuse("a YAML anchor (&\(name(event.data.scalar.anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                    if let anchor {
                        throw refuse("a YAML anchor (&\(name(anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                    }
                    depth += 1
                    if depth > maxDepth { throw refuse("YAML nested more than \(maxDepth) levels deep") }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                default:
                    break
                }
            }
        }
    }

    /// The first document of `text` as a JSON tree, built straight from libyaml's events in
    /// the same guarded pass (no anchors or aliases, nesting ≤ `maxDepth`): every scalar a
    /// string as written (a version `1.10` stays "1.10"), a plain `~`, `null` or empty scalar
    /// null, keys scalars. For data files read in bulk (OSV advisories), where building Yams'
    /// nodes after the check cost three times the parse.
    public static func tree(_ text: String, path: String) throws -> JSONTree {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw GateError.usage("\(path): the YAML parser could not start") }
        defer { yaml_parser_delete(&parser) }
        var text = text
        enum Frame {
            case sequence([JSONTree])
            case mapping([(key: String, value: JSONTree)], key: String?)
        }
        return try text.withUTF8 { buffer -> JSONTree in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var stack: [Frame] = []
            var result: JSONTree?
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "not YAML"
                    throw GateError.yamlRefused(path: path, line: Int(parser.problem_mark.line) + 1, message: "not YAML: \(problem)")
                }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                func refuse(_ message: String) -> GateError { .yamlRefused(path: path, line: line, message: message) }
                var finished: JSONTree?
                switch event.type {
                case YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT:
                    if let result { return result }
                    if event.type == YAML_STREAM_END_EVENT { throw GateError.emptyInput(path: path, expected: "a YAML document") }
                case YAML_ALIAS_EVENT:
                    throw refuse("a YAML alias (*\(name(event.data.alias.anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    if scalar.anchor != nil {
                        throw refuse("a YAML anchor (&\(name(scalar.anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                    }
                    let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                    if scalar.style == YAML_PLAIN_SCALAR_STYLE && ["", "~", "null", "Null", "NULL"].contains(value) {
                        finished = .null
                    } else {
                        finished = .string(value)
                    }
                    // A key: held until its value arrives.
                    if case .mapping(let members, nil)? = stack.last {
                        stack[stack.count - 1] = .mapping(members, key: value)
                        finished = nil
                    }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                    if let anchor {
                        throw refuse("a YAML anchor (&\(name(anchor))); gate reads no anchors or aliases in its YAML inputs — write the value out")
                    }
                    if case .mapping(_, nil)? = stack.last { throw refuse("a mapping key that is not a plain value") }
                    stack.append(event.type == YAML_SEQUENCE_START_EVENT ? .sequence([]) : .mapping([], key: nil))
                    if stack.count > maxDepth { throw refuse("YAML nested more than \(maxDepth) levels deep") }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    switch stack.removeLast() {
                    case .sequence(let items): finished = .array(items)
                    case .mapping(let members, _): finished = .object(members)
                    }
                default:
                    break
                }
                guard let value = finished else { continue }
                // The frame is taken off the stack to be appended to, so its array is not
                // shared and grows in place.
                guard let top = stack.popLast() else {
                    result = value
                    continue
                }
                switch top {
                case .sequence(var items):
                    items.append(value)
                    stack.append(.sequence(items))
                case .mapping(var members, let key):
                    members.append((key ?? "", value))
                    stack.append(.mapping(members, key: nil))
                }
            }
        }
    }

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let anchor else { return "" }
        return Excerpt.quote(String(cString: UnsafeRawPointer(anchor).assumingMemoryBound(to: CChar.self)), limit: 40)
    }
}
