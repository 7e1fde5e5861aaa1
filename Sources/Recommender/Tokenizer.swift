import Foundation

/// Text to index terms: Unicode case and diacritic folding (é → e), split on anything that is
/// not a letter or digit, and Harman's "S" stemmer (1991) so plurals meet their singulars:
/// -ies → -y (not -eies, -aies), -es → -e (not -aes, -ees, -oes), -s → "" (not -us, -ss).
public struct Tokenizer: Sendable {
    public init() {}

    public func tokens(_ text: String) -> [String] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var tokens: [String] = []
            forEachToken(text) { tokens.append(String(decoding: $0, as: UTF8.self)) }
            return tokens
        }
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        var tokens: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                tokens.append(Self.stem(current))
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(Self.stem(current)) }
        return tokens
    }

    /// Calls `body` with each token's bytes (only valid during the call) — the tokens
    /// `tokens(_:)` returns, without building a `String` for each when the text is ASCII.
    public func forEachToken(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        let ascii = text.withUTF8 { bytes -> Bool in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return false }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { word -> Bool in
            var length = 0
            var long: [UInt8] = []
            func flush() {
                if length > word.count {
                    var term = Self.stem(String(decoding: long, as: UTF8.self))
                    term.withUTF8 { body($0) }
                    long.removeAll()
                } else if length > 0 {
                    let stemmed = Self.stemBytes(word, length)
                    body(UnsafeBufferPointer(rebasing: word[0..<stemmed]))
                }
                length = 0
            }
            for byte in bytes {
                let lower: UInt8
                switch byte {
                case 0x41...0x5A: lower = byte | 0x20
                case 0x61...0x7A, 0x30...0x39: lower = byte
                default:
                    flush()
                    continue
                }
                if length < word.count {
                    word[length] = lower
                } else {
                    if length == word.count { long = Array(word) }
                    long.append(lower)
                }
                length += 1
            }
            flush()
            return true
            }
        }
        guard !ascii else { return }
        for var token in tokens(text) { token.withUTF8 { body($0) } }
    }

    /// `stem` on the first `count` bytes of `word` (lowercase ASCII); the new length.
    static func stemBytes(_ word: UnsafeMutableBufferPointer<UInt8>, _ count: Int) -> Int {
        let s = UInt8(ascii: "s"), e = UInt8(ascii: "e"), i = UInt8(ascii: "i"), a = UInt8(ascii: "a"), o = UInt8(ascii: "o"),
            u = UInt8(ascii: "u")
        guard count > 3, word[count - 1] == s else { return count }
        let c2 = word[count - 2], c3 = word[count - 3], c4 = count >= 4 ? word[count - 4] : 0
        if c2 == e, c3 == i, c4 != e, c4 != a {
            word[count - 3] = UInt8(ascii: "y")
            return count - 2
        }
        if c2 == e, c3 != a, c3 != e, c3 != o { return count - 1 }
        if c2 != u, c2 != s { return count - 1 }
        return count
    }

    static func stem(_ word: String) -> String {
        guard word.count > 3, word.last == "s" else { return word }
        if word.hasSuffix("ies"), !word.hasSuffix("eies"), !word.hasSuffix("aies") { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("es"), !word.hasSuffix("aes"), !word.hasSuffix("ees"), !word.hasSuffix("oes") { return String(word.dropLast()) }
        if !word.hasSuffix("us"), !word.hasSuffix("ss") { return String(word.dropLast()) }
        return word
    }
}
