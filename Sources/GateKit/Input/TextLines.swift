/// The lines of a small text file, as its bytes have them: cut at every LF, a CR before it
/// (or at the very end) dropped. Swift's `split(separator: "\n")` does not do this: "\r\n" is
/// one Character, so a file written with CRLF line ends came out as one line.
public enum TextLines {
    public static func of(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        while true {
            let newline = utf8[start...].firstIndex(of: 0x0A)
            var end = newline ?? utf8.endIndex
            if end > start, utf8[utf8.index(before: end)] == 0x0D { end = utf8.index(before: end) }
            lines.append(text[start..<end])
            guard let newline else { return lines }
            start = utf8.index(after: newline)
        }
    }
}
