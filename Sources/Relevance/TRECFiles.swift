import GateKit

/// Graded judgements: per query, per document, the grade (`qid iter docno rel`).
public struct Qrels: Sendable, Equatable {
    public var queries: [String: [String: Int]]

    public init(queries: [String: [String: Int]]) {
        self.queries = queries
    }
}

/// A ranking to evaluate: per query, documents with their scores (`qid Q0 docno rank sim tag`).
public struct Run: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var document: String
        public var score: Double

        public init(document: String, score: Double) {
            self.document = document
            self.score = score
        }
    }

    public var queries: [String: [Entry]]

    public init(queries: [String: [Entry]]) {
        self.queries = queries
    }
}

/// Readers for TREC qrels and run files, with trec_eval 10.0's rules: whitespace-separated
/// fields, `#` comment lines, grades read as integers the way `atol` reads them ("1.5" is 1),
/// scores as doubles, the run's rank column ignored. Unlike trec_eval, a score that is not a
/// number is an error rather than 0, and so is the same document twice for a query.
public enum TRECFiles {
    /// Reads a qrels file: `qid iter docno rel`.
    public static func readQrels(_ path: String) throws -> (qrels: Qrels, input: InputDigest) {
        var queries: [String: [String: Int]] = [:]
        var firstSeen: [String: [String: Int]] = [:]
        let digest = try streamLines(path, expected: "qrels (qid iter docno rel)") { line, fields in
            guard fields.count == 4 else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "expected 4 fields (qid iter docno rel), found \(fields.count)")
            }
            let query = String(decoding: fields[0], as: UTF8.self), document = String(decoding: fields[2], as: UTF8.self)
            guard let grade = leadingInteger(fields[3]) else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "the grade '\(String(decoding: fields[3], as: UTF8.self))' is not an integer")
            }
            if let first = firstSeen[query]?[document] {
                throw RelevanceError.duplicateDocument(path: path, line: line, query: query, document: document, firstLine: first)
            }
            firstSeen[query, default: [:]][document] = line
            queries[query, default: [:]][document] = grade
        }
        guard !queries.isEmpty else { throw RelevanceError.noRecords(path: path, expected: "judgements") }
        return (Qrels(queries: queries), digest)
    }

    /// Reads a run file: `qid iter docno rank sim [tag]`.
    public static func readRun(_ path: String) throws -> (run: Run, input: InputDigest) {
        var queries: [String: [Run.Entry]] = [:]
        var firstSeen: [String: [String: Int]] = [:]
        let digest = try streamLines(path, expected: "a run (qid Q0 docno rank score tag)") { line, fields in
            guard fields.count == 5 || fields.count == 6 else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "expected 6 fields (qid Q0 docno rank score tag), found \(fields.count)")
            }
            guard let score = parseDouble(fields[4]) else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "the score '\(String(decoding: fields[4], as: UTF8.self))' is not a number")
            }
            let query = String(decoding: fields[0], as: UTF8.self), document = String(decoding: fields[2], as: UTF8.self)
            if let first = firstSeen[query]?[document] {
                throw RelevanceError.duplicateDocument(path: path, line: line, query: query, document: document, firstLine: first)
            }
            firstSeen[query, default: [:]][document] = line
            queries[query, default: []].append(Run.Entry(document: document, score: score))
        }
        guard !queries.isEmpty else { throw RelevanceError.noRecords(path: path, expected: "ranked documents") }
        return (Run(queries: queries), digest)
    }

    /// Streams `path` line by line, handing each non-blank, non-comment line's fields to `body`.
    static func streamLines(
        _ path: String, expected: String, body: (Int, [ArraySlice<UInt8>]) throws -> Void
    ) throws -> InputDigest {
        var pending: [UInt8] = []
        var lineNumber = 0
        func handle(_ bytes: ArraySlice<UInt8>) throws {
            lineNumber += 1
            let fields = bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            if fields.isEmpty || fields[0].first == UInt8(ascii: "#") { return }
            try body(lineNumber, fields)
        }
        let digest = try InputFile.stream(path, expected: expected) { chunk in
            var start = chunk.startIndex
            while let newline = chunk[start...].firstIndex(of: 0x0A) {
                if pending.isEmpty {
                    try handle(ArraySlice(chunk[start..<newline]))
                } else {
                    pending.append(contentsOf: chunk[start..<newline])
                    try handle(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            pending.append(contentsOf: chunk[start...])
            if pending.count > 1 << 20 {
                throw RelevanceError.malformedLine(path: path, line: lineNumber + 1, problem: "line is longer than 1 MiB")
            }
        }
        if !pending.isEmpty { try handle(pending[...]) }
        return digest
    }

    /// `atol`'s reading: optional sign, then digits up to the first non-digit ("1.5" → 1);
    /// nil when there is no digit at all.
    static func leadingInteger(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var value = 0, digits = 0
        while index < bytes.endIndex, bytes[index] >= 48, bytes[index] <= 57, digits < 18 {
            value = value * 10 + Int(bytes[index] - 48)
            digits += 1
            index += 1
        }
        return digits == 0 ? nil : (negative ? -value : value)
    }

    /// A decimal floating-point number as `atof` accepts it (`-1.5e-3`, `+7`, `1E-300`), but
    /// the whole field must be the number.
    static func parseDouble(_ bytes: ArraySlice<UInt8>) -> Double? {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("+") { text.removeFirst() }
        guard let value = Double(text), !value.isNaN else { return nil }
        return value
    }
}
