/// Query terms the index can match: misspellings corrected against the index vocabulary, then
/// synonyms added.
///
/// Spelling: a term the index does not know is replaced by the vocabulary term nearest in
/// edit distance (Levenshtein): at most 1 for terms of 4 to 7 letters, 2 from 8 letters on,
/// none below 4 — and only when that is confident: a single nearest term, or one found in at
/// least twice as many documents as the next. Otherwise the term stays as typed: a real word
/// the catalog lacks ("travel") must not turn into a near one it has ("trail"); the golden set
/// caught exactly that with a limit of 2 at 6 letters.
/// Synonyms: groups of interchangeable terms, one group a line, comma-separated
/// (`headphones, earphones, headset`); a query term of a group brings the others along.
public struct QueryRewriter: Sendable {
    let vocabulary: [String: Int]
    let synonyms: [String: [String]]

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
        text.split(separator: "\n").compactMap { line in
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
        let limit = term.count < 4 ? 0 : (term.count < 8 ? 1 : 2)
        guard limit > 0 else { return nil }
        var best: [(term: String, frequency: Int)] = []
        var bestDistance = limit + 1
        for (candidate, frequency) in vocabulary where abs(candidate.count - term.count) <= limit {
            let distance = Self.editDistance(term, candidate, limit: limit)
            if distance < bestDistance {
                bestDistance = distance
                best = [(candidate, frequency)]
            } else if distance == bestDistance {
                best.append((candidate, frequency))
            }
        }
        guard bestDistance <= limit, !best.isEmpty else { return nil }
        let ranked = best.sorted { $0.frequency != $1.frequency ? $0.frequency > $1.frequency : $0.term < $1.term }
        if ranked.count == 1 || ranked[0].frequency >= 2 * ranked[1].frequency { return ranked[0].term }
        return nil
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            var rowMinimum = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
