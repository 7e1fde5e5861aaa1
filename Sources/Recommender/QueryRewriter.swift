import Foundation

/// Query terms the index can match: misspellings corrected against the index vocabulary, then
/// synonyms added.
///
/// Spelling: only a term the index does not know is corrected — a term it knows is never
/// rewritten — to the vocabulary term nearest in optimal-string-alignment distance (Levenshtein
/// plus adjacent transpositions): at most 1 for terms of 5 to 7 letters, 2 from 8 letters on,
/// none below 5 ("stop" is not a typo of "step", nor "else" of "ease"). Never to a term that
/// differs only by letters added or removed at the front ("uncontrolled" is not a typo of
/// "controlled", nor "orthodox" of "unorthodox"), or by two or more at the end; and only when
/// that is confident — a single nearest term, or one found in at least twice as many documents
/// as the next. A real word the catalog lacks ("travel") must not turn into a near one it has
/// ("trail").
///
/// Candidates come from a symmetric-delete index (each vocabulary term under every spelling
/// with up to two letters deleted, as hashes in one sorted array), built on the first unknown
/// term: a lookup costs a few dozen binary searches, whatever the vocabulary's size, where
/// scanning the vocabulary cost milliseconds per unknown word.
///
/// Synonyms: groups of interchangeable terms, one group a line, comma-separated
/// (`headphones, earphones, headset`); a query term of a group brings the others along.
public struct QueryRewriter: Sendable {
    let vocabulary: [String: Int]
    let synonyms: [String: [String]]
    let spelling = SpellingIndex()

    public init(vocabulary: [String: Int], synonymGroups: [[String]] = []) {
        self.vocabulary = vocabulary
        var synonyms: [String: [String]] = [:]
        for group in synonymGroups {
            for term in group { synonyms[term, default: []] += group.filter { $0 != term } }
        }
        self.synonyms = synonyms
    }

    /// Synonym groups from text: one group a line, terms comma-separated, `#` comments.
    public static func synonymGroups(_ text: String, tokenizer: Tokenizer = Tokenizer()) -> [[String]] {
        CSV.lines(text).compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let group = line.split(separator: ",").compactMap { tokenizer.tokens(String($0)).first }
            return group.count > 1 ? group : nil
        }
    }

    public func rewrite(_ terms: [String]) -> [String] {
        var result: [String] = []
        for term in terms {
            let known = vocabulary[term] != nil ? term : (correction(for: term) ?? term)
            result.append(known)
            result += synonyms[known] ?? []
        }
        return result
    }

    /// The confident correction of an unknown term, or nil.
    public func correction(for term: String) -> String? {
        let typed = Array(term.utf8)
        let limit = Self.limit(typed.count)
        guard limit > 0 else { return nil }
        let index = spelling.index(vocabulary)
        var best: [(term: String, frequency: Int)] = []
        var bestDistance = limit + 1
        var seen = Set<Int32>()
        Self.forEachDeletion(of: typed[...], upTo: limit) { hash in
            for candidate in index.candidates(hash) where seen.insert(candidate).inserted {
                let word = index.terms[Int(candidate)]
                guard abs(word.count - typed.count) <= limit, Self.isTypo(typed, word) else { continue }
                let distance = Self.distance(typed, word, limit: limit)
                let frequency = vocabulary[index.strings[Int(candidate)]] ?? 0
                if distance < bestDistance {
                    bestDistance = distance
                    best = [(index.strings[Int(candidate)], frequency)]
                } else if distance == bestDistance {
                    best.append((index.strings[Int(candidate)], frequency))
                }
            }
        }
        guard bestDistance <= limit, !best.isEmpty else { return nil }
        let ranked = best.sorted { $0.frequency != $1.frequency ? $0.frequency > $1.frequency : $0.term < $1.term }
        if ranked.count == 1 || ranked[0].frequency >= 2 * ranked[1].frequency { return ranked[0].term }
        return nil
    }

    /// How far a term of `length` letters may be corrected.
    static func limit(_ length: Int) -> Int { length < 5 ? 0 : (length < 8 ? 1 : 2) }

    /// Not a change of affix: `candidate` neither ends with `typed` nor `typed` with it (letters
    /// added or removed at the front), and neither starts with the other but for one letter.
    static func isTypo(_ typed: [UInt8], _ candidate: [UInt8]) -> Bool {
        let (short, long) = typed.count <= candidate.count ? (typed, candidate) : (candidate, typed)
        guard short.count < long.count else { return true }
        if long.suffix(short.count).elementsEqual(short) { return false }
        if long.prefix(short.count).elementsEqual(short) { return long.count - short.count == 1 }
        return true
    }

    /// Calls `body` with the hash of `word` and of every spelling with up to `limit` letters deleted.
    static func forEachDeletion(of word: ArraySlice<UInt8>, upTo limit: Int, _ body: (UInt64) -> Void) {
        body(hash(word, skipping: -1, -1))
        guard limit > 0 else { return }
        for i in word.indices {
            body(hash(word, skipping: i, -1))
            guard limit > 1 else { continue }
            for j in word.indices where j > i { body(hash(word, skipping: i, j)) }
        }
    }

    /// FNV-1a over `word` without the bytes at `i` and `j`.
    static func hash(_ word: ArraySlice<UInt8>, skipping i: Int, _ j: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in word.indices where k != i && k != j { hash = (hash ^ UInt64(word[k])) &* 0x100_0000_01b3 }
        return hash
    }

    /// Optimal string alignment distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    static func distance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, before[j - 2] + 1) }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}

/// The symmetric-delete index of a vocabulary, built once, on first use (most queries have
/// no unknown term, and a model answering only those never pays for it).
final class SpellingIndex: @unchecked Sendable {
    struct Built {
        /// Vocabulary terms that may be offered as corrections, as bytes and as strings.
        let terms: [[UInt8]]
        let strings: [String]
        /// (hash of a deletion, term) sorted by hash.
        let hashes: [UInt64]
        let owners: [Int32]

        func candidates(_ hash: UInt64) -> ArraySlice<Int32> {
            var low = 0, high = hashes.count
            while low < high {
                let middle = (low + high) / 2
                if hashes[middle] < hash { low = middle + 1 } else { high = middle }
            }
            var end = low
            while end < hashes.count, hashes[end] == hash { end += 1 }
            return owners[low..<end]
        }
    }

    private let lock = NSLock()
    private var built: Built?

    func index(_ vocabulary: [String: Int]) -> Built {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        // A term of n letters can be the correction of typed terms of n - 2 to n + 2 letters;
        // the shortest typed term corrected has 5 letters (one edit), so candidates have 4 or more.
        let strings = vocabulary.keys.filter { $0.utf8.count >= 4 }.sorted()
        let terms = strings.map { Array($0.utf8) }
        var pairs: [(UInt64, Int32)] = []
        for (id, term) in terms.enumerated() {
            // The largest limit of any typed term this one could correct.
            let reach = term.count + 2 >= 8 ? 2 : 1
            QueryRewriter.forEachDeletion(of: term[...], upTo: reach) { pairs.append(($0, Int32(id))) }
        }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let result = Built(terms: terms, strings: strings, hashes: pairs.map(\.0), owners: pairs.map(\.1))
        built = result
        return result
    }
}
