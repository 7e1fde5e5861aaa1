import Foundation

/// Text to index terms: Unicode case and diacritic folding (é → e), split on anything that is
/// not a letter or digit (a '.' between digits stays: "Mach 2.5" gives `mach` and `2.5`),
/// stopwords dropped, and the Snowball English stemmer (`Porter2`) so that "stresses",
/// "stressed" and "stress" meet.
///
/// Stopwords are compared before stemming. A text of stopwords only ("the of and a") has no
/// terms, so it matches nothing, as it should.
public struct Tokenizer: Sendable, Equatable {
    /// Stopwords of up to 12 lowercase letters, packed five bits a letter (no allocation per
    /// lookup on the hot path); others (with digits, longer) as strings.
    let packedStopwords: Set<UInt64>
    let otherStopwords: Set<String>

    /// English function words: articles, pronouns, prepositions, conjunctions, auxiliary and
    /// modal verbs, and the commonest adverbs of degree — words that say nothing about what a
    /// text is about. Chosen on one IR test collection and confirmed on another
    /// (docs/recommender.md). "not" and "no" are kept: "no sugar" is not "sugar".
    public static let englishStopwords: [String] = """
        a about above after again against all also am an and any are as at be because been before being below \
        between both but by can could did do does doing down during each either few for from further had has have \
        having he her here hers herself him himself his how i if in into is it its itself just may me might more \
        most must my myself neither nor of off on once only or other ought our ours ourselves out over own same \
        shall she should so some such than that the their theirs them themselves then there these they this those \
        through thus to too under until up upon us very was we were what when where whether which while who whom \
        whose why will with within without would yet you your yours yourself yourselves
        """.split(separator: " ").map(String.init)

    public init(stopwords: [String] = Tokenizer.englishStopwords) {
        var packed: Set<UInt64> = [], other: Set<String> = []
        for word in stopwords {
            let lower = word.lowercased()
            if let code = Self.pack(Array(lower.utf8)[...]) { packed.insert(code) } else { other.insert(lower) }
        }
        (packedStopwords, otherStopwords) = (packed, other)
    }

    /// The terms of `text`; with `keepStopwords`, stopwords too (a field indexed whole).
    public func tokens(_ text: String, keepStopwords: Bool = false) -> [String] {
        var tokens: [String] = []
        forEachToken(text, keepStopwords: keepStopwords) { tokens.append(String(decoding: $0, as: UTF8.self)) }
        return tokens
    }

    /// Calls `body` with each term's bytes (only valid during the call), without building a
    /// `String` per term when the text is ASCII.
    public func forEachToken(_ text: String, keepStopwords: Bool = false, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        let ascii = text.withUTF8 { bytes -> Bool in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return false }
            scan(bytes, keepStopwords: keepStopwords, body)
            return true
        }
        guard !ascii else { return }
        // Fold case and diacritics, then scan the ASCII words; letters with no ASCII folding
        // make words of their own, kept as they are (not stemmed).
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        var word = ""
        func flush() {
            guard !word.isEmpty else { return }
            var current = word
            word = ""
            let stop = !keepStopwords && otherStopwords.contains(current)
            current.withUTF8 { bytes in
                if bytes.allSatisfy({ $0 < 0x80 }) {
                    scan(bytes, keepStopwords: keepStopwords, body)
                } else if !stop {
                    body(bytes)
                }
            }
        }
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) || scalar == "." {
                word.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
    }

    /// The ASCII scanner: letters and digits make words ('.' joins digits on both sides),
    /// lowercased, stopwords dropped, stemmed in a reused buffer.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, keepStopwords: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let capacity = 64
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity + 1) { word in
            var length = 0
            var long: [UInt8] = []
            func flush() {
                defer { length = 0 }
                guard length > 0 else { return }
                if length > capacity {
                    if !keepStopwords && otherStopwords.contains(String(decoding: long, as: UTF8.self)) { return }
                    let stem = Porter2.stem(String(decoding: long, as: UTF8.self))
                    var copy = stem
                    copy.withUTF8 { body($0) }
                    long.removeAll()
                    return
                }
                if !keepStopwords && isStopword(UnsafeBufferPointer(rebasing: word[0..<length])) { return }
                let stemmed = Porter2.stem(word, length)
                body(UnsafeBufferPointer(rebasing: word[0..<stemmed]))
            }
            func append(_ byte: UInt8) {
                if length < capacity {
                    word[length] = byte
                } else {
                    if length == capacity { long = Array(word[0..<capacity]) }
                    long.append(byte)
                }
                length += 1
            }
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x41...0x5A: append(byte | 0x20)
                case 0x61...0x7A, 0x30...0x39: append(byte)
                case UInt8(ascii: ".") where length > 0 && Self.isDigit(length > capacity ? long.last! : word[length - 1])
                    && index + 1 < bytes.count && Self.isDigit(bytes[index + 1]):
                    append(byte)
                default: flush()
                }
                index += 1
            }
            flush()
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private func isStopword(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
        if let code = Self.pack(word[...]) { return packedStopwords.contains(code) }
        return !otherStopwords.isEmpty && otherStopwords.contains(String(decoding: word, as: UTF8.self))
    }

    /// Up to 12 lowercase ASCII letters as one number (5 bits a letter), else nil.
    static func pack<C: Collection>(_ word: C) -> UInt64? where C.Element == UInt8 {
        guard word.count <= 12 else { return nil }
        var code: UInt64 = 0
        for byte in word {
            guard byte >= 0x61 && byte <= 0x7A else { return nil }
            code = code << 5 | UInt64(byte - 0x60)
        }
        return code
    }
}
