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

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let anchor else { return "" }
        return Excerpt.quote(String(cString: UnsafeRawPointer(anchor).assumingMemoryBound(to: CChar.self)), limit: 40)
    }
}
