import Foundation

/// Text to index terms: Unicode case and diacritic folding (é → e), split on anything that is
/// not a letter or digit, and Harman's "S" stemmer (1991) so plurals meet their singulars:
/// -ies → -y (not -eies, -aies), -es → -e (not -aes, -ees, -oes), -s → "" (not -us, -ss).
public struct Tokenizer: Sendable {
    public init() {}

    public func tokens(_ text: String) -> [String] {
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

    static func stem(_ word: String) -> String {
        guard word.count > 3, word.last == "s" else { return word }
        if word.hasSuffix("ies"), !word.hasSuffix("eies"), !word.hasSuffix("aies") { return String(word.dropLast(3)) + "y" }
        if word.hasSuffix("es"), !word.hasSuffix("aes"), !word.hasSuffix("ees"), !word.hasSuffix("oes") { return String(word.dropLast()) }
        if !word.hasSuffix("us"), !word.hasSuffix("ss") { return String(word.dropLast()) }
        return word
    }
}
