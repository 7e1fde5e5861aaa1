import Foundation

/// Text to index terms: Unicode case and diacritic folding (é → e), split on anything that is
/// not a letter or digit, and Harman's "S" stemmer (1991) so plurals meet their singulars:
/// -ies → -y (not -eies, -aies), -es → -e (not -aes, -ees, -oes), -s → "" (not -us, -ss).
public struct Tokenizer: Sendable {
    public init() {}

    public func tokens(_ text: String) -> [String] {
        if let ascii = Self.asciiTokens(text) { return ascii }
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

    /// The same tokens for pure-ASCII text without Foundation's folding (which dominates the
    /// cost of indexing a large catalog); nil when the text has any non-ASCII byte.
    static func asciiTokens(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var tokens: [String] = []
            var current: [UInt8] = []
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                switch byte {
                case 0x41...0x5A: current.append(byte | 0x20)
                case 0x61...0x7A, 0x30...0x39: current.append(byte)
                default:
                    if !current.isEmpty {
                        tokens.append(stem(String(decoding: current, as: UTF8.self)))
                        current.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !current.isEmpty { tokens.append(stem(String(decoding: current, as: UTF8.self))) }
            return tokens
        }
    }

    static func stem(_ word: String) -> String {
        guard word.count > 3, word.last == "s" else { return word }
        if word.hasSuffix("ies"), !word.hasSuffix("eies"), !word.hasSuffix("aies") { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("es"), !word.hasSuffix("aes"), !word.hasSuffix("ees"), !word.hasSuffix("oes") { return String(word.dropLast()) }
        if !word.hasSuffix("us"), !word.hasSuffix("ss") { return String(word.dropLast()) }
        return word
    }
}
