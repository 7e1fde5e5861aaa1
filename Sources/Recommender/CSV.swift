/// CSV records as RFC 4180 writes them: fields in double quotes may hold commas and doubled
/// quotes; surrounding spaces are trimmed. One line is one record (no newlines in fields).
public enum CSV {
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if quoted {
                guard character == "\"" else {
                    current.append(character)
                    continue
                }
                guard let next = characters.next() else {
                    quoted = false
                    continue
                }
                if next == "\"" {
                    current.append("\"")
                } else {
                    quoted = false
                    if next == "," {
                        fields.append(current)
                        current = ""
                    } else {
                        current.append(next)
                    }
                }
            } else if character == "\"" && current.allSatisfy(\.isWhitespace) {
                current = ""
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields.map(trimmed)
    }

    static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
