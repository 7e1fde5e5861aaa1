/// The Snowball English stemmer ("Porter2", Martin Porter's revision of his 1980 algorithm) as
/// the Snowball project defines it, on lowercase ASCII bytes. The tokenizer splits on
/// apostrophes, so the algorithm's apostrophe handling is left out; everything else — the
/// exceptional forms, the special R1 prefixes, steps 1a to 5 — follows the published rules.
///
/// Working on bytes in place (no `String` per word) keeps tokenizing a catalog cheap: the
/// stemmer runs on every token of every product.
enum Porter2 {
    /// Stems `word[0..<count]` in place; returns the new length. `word` must have room for
    /// one byte more than `count` (step 1b may add an 'e').
    static func stem(_ word: UnsafeMutableBufferPointer<UInt8>, _ count: Int) -> Int {
        guard count > 2 else { return count }
        var w = Word(bytes: word, count: count)
        if let exception = w.exception1() { return exception }
        w.prelude()
        w.markRegions()
        w.step1a()
        w.step1b()
        w.step1c()
        w.step2()
        w.step3()
        w.step4()
        w.step5()
        return w.postlude()
    }

    /// The stem of a lowercase word (non-ASCII words are returned unchanged).
    static func stem(_ word: String) -> String {
        guard word.utf8.allSatisfy({ $0 < 0x80 }) else { return word }
        let bytes = Array(word.utf8)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + 1) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            let length = stem(buffer, bytes.count)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<length]), as: UTF8.self)
        }
    }

    private static let a = UInt8(ascii: "a"), e = UInt8(ascii: "e"), i = UInt8(ascii: "i"), o = UInt8(ascii: "o"),
                       u = UInt8(ascii: "u"), y = UInt8(ascii: "y"), bigY = UInt8(ascii: "Y"), l = UInt8(ascii: "l"),
                       s = UInt8(ascii: "s"), t = UInt8(ascii: "t"), w = UInt8(ascii: "w"), x = UInt8(ascii: "x")

    /// Words stemmed as a whole before any rule, and words left alone.
    /// Keyed by the word packed into a number (`Tokenizer.pack`), so looking a word up
    /// allocates nothing: every short token of a catalog is looked up.
    private static let exceptions1: [UInt64: [UInt8]] = {
        var table: [UInt64: [UInt8]] = [:]
        for (word, stem) in [("skis", "ski"), ("skies", "sky"), ("idly", "idl"), ("gently", "gentl"), ("ugly", "ugli"),
                             ("early", "earli"), ("only", "onli"), ("singly", "singl"), ("sky", "sky"), ("news", "news"),
                             ("howe", "howe"), ("atlas", "atlas"), ("cosmos", "cosmos"), ("bias", "bias"), ("andes", "andes")] {
            table[Tokenizer.pack(Array(word.utf8))!] = Array(stem.utf8)
        }
        return table
    }()

    /// Prefixes whose end is R1's start, whatever the vowels say.
    private static let regionPrefixes: [[UInt8]] = ["gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter"]
        .map { Array($0.utf8) }

    /// A step's suffixes, grouped by their last letter so a word is compared only with the
    /// suffixes that end as it does.
    struct Suffixes: @unchecked Sendable {
        let list: [UnsafeBufferPointer<UInt8>]
        /// Indexed by byte: the suffixes ending with it, longest first.
        let byLastByte: [[Int]]
        let lengths: [Int]

        init(_ suffixes: [StaticString]) {
            list = suffixes.map { UnsafeBufferPointer(start: $0.utf8Start, count: $0.utf8CodeUnitCount) }
            lengths = list.map(\.count)
            var groups = [[Int]](repeating: [], count: 256)
            for (index, suffix) in list.enumerated() { groups[Int(suffix[suffix.count - 1])].append(index) }
            byLastByte = groups.map { group in group.sorted { suffixes[$0].utf8CodeUnitCount > suffixes[$1].utf8CodeUnitCount } }
        }
    }

    /// Byte tables: letters that double at the end of a stem (step 1b), letters before which
    /// -li goes (step 2), first letters of the R1 prefixes.
    static let doubles = table("bdfgmnprt"), validLI = table("cdeghkmnrt"), prefixStarts = table("gcapuleoi")

    static func table(_ letters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in letters.utf8 { table[Int(byte)] = true }
        return table
    }

    static let step1aSuffixes = Suffixes(["sses", "ied", "ies", "s", "us", "ss"])
    static let step1bSuffixes = Suffixes(["eed", "eedly", "ed", "edly", "ing", "ingly"])
    static let step2Suffixes = Suffixes(["tional", "enci", "anci", "abli", "entli", "izer", "ization", "ational", "ation", "ator",
                                         "alism", "aliti", "alli", "fulness", "ousli", "ousness", "iveness", "iviti", "biliti",
                                         "bli", "ogist", "ogi", "fulli", "lessli", "li"])
    static let step2Replacements: [StaticString] = ["tion", "ence", "ance", "able", "ent", "ize", "ize", "ate", "ate", "ate",
                                                    "al", "al", "al", "ful", "ous", "ous", "ive", "ive", "ble",
                                                    "ble", "og", "og", "ful", "less", ""]
    static let step3Suffixes = Suffixes(["tional", "ational", "alize", "icate", "iciti", "ical", "ful", "ness", "ative"])
    static let step3Replacements: [StaticString] = ["tion", "ate", "al", "ic", "ic", "ic", "", "", ""]
    static let step4Suffixes = Suffixes(["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism",
                                         "ate", "iti", "ous", "ive", "ize", "ion"])

    private struct Word {
        let bytes: UnsafeMutableBufferPointer<UInt8>
        var count: Int
        var p1 = 0, p2 = 0

        init(bytes: UnsafeMutableBufferPointer<UInt8>, count: Int) {
            (self.bytes, self.count) = (bytes, count)
        }

        func isVowel(_ index: Int) -> Bool {
            switch bytes[index] {
            case a, e, i, o, u, y: return true
            default: return false
            }
        }

        func ends(_ suffix: StaticString) -> Bool { ends(UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount)) }

        func ends(_ suffix: UnsafeBufferPointer<UInt8>) -> Bool {
            let length = suffix.count
            guard length <= count else { return false }
            for k in 0..<length where bytes[count - length + k] != suffix[k] { return false }
            return true
        }

        /// The longest of `suffixes` the word ends with, by index.
        func longest(_ suffixes: Suffixes) -> Int? {
            guard count > 0 else { return nil }
            for index in suffixes.byLastByte[Int(bytes[count - 1])] where ends(suffixes.list[index]) { return index }
            return nil
        }

        mutating func replace(_ length: Int, with replacement: StaticString) {
            count -= length
            let start = replacement.utf8Start
            for k in 0..<replacement.utf8CodeUnitCount { bytes[count + k] = start[k] }
            count += replacement.utf8CodeUnitCount
        }

        /// A vowel anywhere in `bytes[0..<end]`.
        func hasVowel(before end: Int) -> Bool {
            (0..<max(end, 0)).contains { isVowel($0) }
        }

        /// The word `bytes[0..<end]` ends in a short syllable: non-vowel, vowel, non-vowel other
        /// than w, x or Y; or, as the whole word, vowel then non-vowel; or it ends in "past"
        /// (pasted, pasting → paste).
        func endsInShortSyllable(_ end: Int) -> Bool {
            if end >= 3, !isVowel(end - 3), isVowel(end - 2), !isVowel(end - 1), ![w, x, bigY].contains(bytes[end - 1]) { return true }
            if end >= 4, bytes[end - 4] == UInt8(ascii: "p"), bytes[end - 3] == a, bytes[end - 2] == s, bytes[end - 1] == t { return true }
            return end == 2 && isVowel(0) && !isVowel(1)
        }

        /// `bytes[0..<end]` is exactly `word`.
        func isWhole(_ word: StaticString, end: Int) -> Bool {
            end == word.utf8CodeUnitCount && (0..<end).allSatisfy { bytes[$0] == word.utf8Start[$0] }
        }

        mutating func exception1() -> Int? {
            guard count <= 6, let key = Tokenizer.pack(bytes[0..<count]), let stem = Porter2.exceptions1[key] else { return nil }
            for (k, byte) in stem.enumerated() { bytes[k] = byte }
            return stem.count
        }

        mutating func prelude() {
            if bytes[0] == y { bytes[0] = bigY }
            for k in 1..<count where bytes[k] == y && isVowel(k - 1) { bytes[k] = bigY }
        }

        /// R1 starts after the first non-vowel that follows a vowel (or after a listed
        /// prefix); R2 likewise within R1.
        mutating func markRegions() {
            func after(from start: Int) -> Int {
                var k = start
                while k < count, !isVowel(k) { k += 1 }
                while k < count, isVowel(k) { k += 1 }
                return k < count ? k + 1 : count
            }
            p1 = count
            if Porter2.prefixStarts[Int(bytes[0])],
               let prefix = Porter2.regionPrefixes.first(where: { $0.count <= count && bytes[0..<$0.count].elementsEqual($0) }) {
                p1 = prefix.count
            } else {
                p1 = after(from: 0)
            }
            p2 = after(from: p1)
        }

        mutating func step1a() {
            guard let match = longest(Porter2.step1aSuffixes) else { return }
            switch match {
            case 0: replace(4, with: "ss")
            case 1, 2: replace(3, with: count > 4 ? "i" : "ie")
            case 3:
                // Delete the s when a vowel comes before the letter just before it.
                if hasVowel(before: count - 2) { count -= 1 }
            default: break
            }
        }

        mutating func step1b() {
            guard let match = longest(Porter2.step1bSuffixes) else { return }
            let length = Porter2.step1bSuffixes.lengths[match]
            let stemEnd = count - length
            switch match {
            case 0, 1:
                // proceed, exceed, succeed (and their -ly) stay; otherwise -ee in R1.
                if stemEnd >= p1, !["proc", "exc", "succ"].contains(where: { isWhole($0, end: stemEnd) }) { replace(length, with: "ee") }
                return
            case 4:
                // dying, lying, tying, vying → die, lie, tie, vie; inning, outing, canning,
                // herring, earring and evening stay.
                if stemEnd == 2, bytes[1] == y, !isVowel(0) {
                    count = 1
                    replace(0, with: "ie")
                    return
                }
                if ["inn", "out", "cann", "herr", "earr", "even"].contains(where: { isWhole($0, end: stemEnd) }) { return }
            default: break
            }
            guard hasVowel(before: stemEnd) else { return }
            count = stemEnd
            if ends("at") || ends("bl") || ends("iz") {
                replace(0, with: "e")
            } else if count >= 2, bytes[count - 1] == bytes[count - 2], Porter2.doubles[Int(bytes[count - 1])] {
                // A double consonant loses one letter, unless a, e or o alone comes before it (add, ebb, off).
                if !(count == 3 && (bytes[0] == a || bytes[0] == e || bytes[0] == o)) { count -= 1 }
            } else if count == p1, endsInShortSyllable(count) {
                replace(0, with: "e")
            }
        }

        mutating func step1c() {
            guard count > 2, bytes[count - 1] == y || bytes[count - 1] == bigY, !isVowel(count - 2) else { return }
            bytes[count - 1] = i
        }

        mutating func step2() {
            guard let match = longest(Porter2.step2Suffixes) else { return }
            let length = Porter2.step2Suffixes.lengths[match]
            guard count - length >= p1 else { return }
            switch match {
            case 21: if count - length > 0, bytes[count - length - 1] == l { replace(length, with: "og") }
            case 24: if count - length > 0, Porter2.validLI[Int(bytes[count - length - 1])] { count -= length }
            default: replace(length, with: Porter2.step2Replacements[match])
            }
        }

        mutating func step3() {
            guard let match = longest(Porter2.step3Suffixes) else { return }
            let length = Porter2.step3Suffixes.lengths[match]
            guard count - length >= p1 else { return }
            if match == 8 {
                if count - length >= p2 { count -= length }
            } else {
                replace(length, with: Porter2.step3Replacements[match])
            }
        }

        mutating func step4() {
            guard let match = longest(Porter2.step4Suffixes) else { return }
            let length = Porter2.step4Suffixes.lengths[match]
            guard count - length >= p2 else { return }
            if match == Porter2.step4Suffixes.list.count - 1 {
                if count - length > 0, bytes[count - length - 1] == s || bytes[count - length - 1] == t { count -= length }
            } else {
                count -= length
            }
        }

        mutating func step5() {
            guard count > 0 else { return }
            if bytes[count - 1] == e {
                if count - 1 >= p2 || (count - 1 >= p1 && !endsInShortSyllable(count - 1)) { count -= 1 }
            } else if bytes[count - 1] == l {
                if count - 1 >= p2, count >= 2, bytes[count - 2] == l { count -= 1 }
            }
        }

        func postlude() -> Int {
            for k in 0..<count where bytes[k] == bigY { bytes[k] = y }
            return count
        }
    }
}
