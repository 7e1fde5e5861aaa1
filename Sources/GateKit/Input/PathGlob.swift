/// A path pattern as policies write them: `*` and `?` match within one path segment, `**`
/// matches any number of segments (including none), everything else matches itself. Patterns
/// match the whole repository-relative path: `Sources/Core/**`, `**/*.py`, `src/app.py`.
public struct PathGlob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let bytes: [UInt8]

    public init(_ pattern: String) {
        self.pattern = pattern
        var text = pattern
        while text.hasPrefix("./") { text.removeFirst(2) }
        bytes = Array(text.utf8)
    }

    public var description: String { pattern }

    public func matches(_ path: String) -> Bool {
        Self.match(bytes[...], Array(path.utf8)[...])
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex, t = text.startIndex
        let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        while p < pattern.endIndex {
            let c = pattern[p]
            if c == star {
                let isDouble = p + 1 < pattern.endIndex && pattern[p + 1] == star
                if isDouble {
                    var rest = p + 2
                    // `**/` may also match nothing at all.
                    if rest < pattern.endIndex && pattern[rest] == slash {
                        rest += 1
                        if match(pattern[rest...], text[t...]) { return true }
                    }
                    var i = t
                    while i <= text.endIndex {
                        if match(pattern[rest...], text[i...]) { return true }
                        if i == text.endIndex { break }
                        i += 1
                    }
                    return false
                }
                var i = t
                while true {
                    if match(pattern[(p + 1)...], text[i...]) { return true }
                    if i == text.endIndex || text[i] == slash { return false }
                    i += 1
                }
            }
            guard t < text.endIndex else { return false }
            if c == question {
                if text[t] == slash { return false }
            } else if c != text[t] {
                return false
            }
            p += 1
            t += 1
        }
        return t == text.endIndex
    }
}
