import Foundation
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        /// The docno, kept in the entry itself up to 31 bytes (`DocumentName`).
        let name: DocumentName
        public var score: Double
        /// The docno's hash (`ByteHash.of`): evaluation finds the judged documents
        /// among a query's entries by it instead of hashing every docno string again.
        public let hash: UInt64

        public var document: String { name.string }

        public init(document: String, score: Double) {
            var document = document
            let name = document.withUTF8 { DocumentName($0) }
            self.init(name: name, score: score, hash: name.withBytes(ByteHash.of))
        }

        init(name: DocumentName, score: Double, hash: UInt64) {
            (self.name, self.score, self.hash) = (name, score, hash)
        }

        public static func == (a: Entry, b: Entry) -> Bool {
            a.score == b.score && a.hash == b.hash && a.name == b.name
        }
    }

    public var queries: [String: [Entry]]

    public init(queries: [String: [Entry]]) {
        self.queries = queries
    }
}

/// A docno: up to 23 bytes held inline (a `String` of more than 15 bytes is a heap allocation
/// per run line, freed again at exit; ClueWeb-style ids are 23), longer ones as a `String`.
/// 25 bytes with its tag, so a run entry stays at 48.
enum DocumentName: Sendable, Equatable {
    /// The bytes, little-endian, the count in the last byte.
    case inline(UInt64, UInt64, UInt64)
    case long(String)

    static let inlineCapacity = 23

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= Self.inlineCapacity else {
            self = .long(String(decoding: bytes, as: UTF8.self))
            return
        }
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            if let base = bytes.baseAddress { raw.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
            raw[23] = UInt8(bytes.count)
        }
        self = .inline(words.0, words.1, words.2)
    }

    /// The docno's bytes (valid inside `body` only).
    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        switch self {
        case .long(var text):
            return try text.withUTF8(body)
        case .inline(let a, let b, let c):
            var words = (a, b, c)
            return try withUnsafeBytes(of: &words) { raw in
                try body(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: Int(raw[23])))
            }
        }
    }

    var string: String {
        if case .long(let text) = self { return text }
        return withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the docno is these bytes.
    @inline(__always)
    func equals(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        withBytes { $0.count == bytes.count && (bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }
    }

    /// Byte-wise order, as trec_eval compares docnos.
    static func precedes(_ a: DocumentName, _ b: DocumentName) -> Bool {
        a.withBytes { x in
            b.withBytes { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order < 0 || (order == 0 && x.count < y.count)
            }
        }
    }
}

/// Readers for TREC qrels and run files, with trec_eval 10.0's rules: whitespace-separated
/// fields, `#` comment lines, grades read as integers the way `atol` reads them ("1.5" is 1),
/// scores as doubles, the run's rank column ignored. Unlike trec_eval, a score that is not a
/// number is an error rather than 0, and so is the same document twice for a query.
public enum TRECFiles {
    /// Reads a qrels file: `qid iter docno rel`.
    ///
    /// Qrels are usually grouped by query, so the current query's judgements are kept at hand
    /// (its docno → grade and first line) and only a change of qid touches the outer tables.
    public static func readQrels(_ path: String) throws -> (qrels: Qrels, input: InputDigest) {
        // Each judgement with its line, so a duplicate names its first occurrence: one look-up
        // per line (a second table of lines doubled the read), the lines dropped at the end.
        typealias Judgement = (grade: Int, line: Int)
        var queries: [String: [String: Judgement]] = [:]
        var currentBytes: [UInt8] = [], currentQuery: String?
        var grades: [String: Judgement] = [:]
        func flush() {
            guard let query = currentQuery else { return }
            queries[query] = grades
        }
        let digest = try streamLines(path, expected: "qrels (qid iter docno rel)") { line, fields in
            guard fields.count == 4 else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "expected 4 fields (qid iter docno rel), found \(fields.count)")
            }
            guard let grade = leadingInteger(fields[3]) else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "the grade '\(fields.string(3))' is not an integer")
            }
            if currentQuery == nil || !fields[0].elementsEqual(currentBytes) {
                flush()
                let query = fields.string(0)
                (currentQuery, currentBytes) = (query, Array(fields[0]))
                grades = queries.removeValue(forKey: query) ?? Dictionary(minimumCapacity: grades.count)
            }
            let document = fields.string(2)
            if let first = grades.updateValue((grade, line), forKey: document) {
                throw RelevanceError.duplicateDocument(path: path, line: line, query: currentQuery!, document: document, firstLine: first.line)
            }
        }
        flush()
        guard !queries.isEmpty else { throw RelevanceError.noRecords(path: path, expected: "judgements") }
        return (Qrels(queries: queries.mapValues { $0.mapValues(\.grade) }), digest)
    }

    /// One query's documents while a run is read, with the line each document came from so a
    /// duplicate can be reported against its first occurrence.
    ///
    /// Read on one thread at a time and never re-entered, so the runtime's per-access
    /// exclusivity checks (5% of a read) are switched off for its state.
    final class QueryAccumulator {
        @exclusivity(unchecked) var entries: [Run.Entry] = []
        /// Each entry's line, counted from `lineBase` (the start of the part that met the
        /// query first), so joining parts does not rewrite them.
        @exclusivity(unchecked) var lines: [Int32] = []
        var lineBase = 0
        @exclusivity(unchecked) var documents: DocumentSet

        /// Room for about `expected` documents.
        init(expected: Int = 0) {
            documents = DocumentSet(expected: expected)
            entries.reserveCapacity(expected)
            lines.reserveCapacity(expected)
        }
    }

    /// A run's lines gathered per query, in file order. Line numbers are those of the text it
    /// was given; `offset` turns them into the file's.
    struct RunLines {
        let path: String
        var accumulators: [String: QueryAccumulator] = [:]
        /// Queries in the order they first appear.
        var order: [String] = []
        private var currentQuery: [UInt8] = []
        private var current: QueryAccumulator?

        init(path: String) { self.path = path }

        @inline(__always)
        static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
            bytes.count == other.count && (bytes.isEmpty || other.withUnsafeBufferPointer { memcmp(bytes.baseAddress!, $0.baseAddress!, bytes.count) == 0 })
        }

        mutating func take(_ line: Int, _ fields: Fields, offset: Int = 0) throws {
            guard fields.count == 5 || fields.count == 6 else {
                throw RelevanceError.malformedLine(path: path, line: line + offset, problem: "expected 6 fields (qid Q0 docno rank score tag), found \(fields.count)")
            }
            guard let score = TRECFiles.parseDouble(fields[4]) else {
                throw RelevanceError.malformedLine(path: path, line: line + offset, problem: "the score '\(fields.string(4))' is not a number")
            }
            if current == nil || !Self.same(fields[0], currentQuery) {
                // The query before has ended (for now): its duplicate table is given back, so
                // the next one is made in the same memory rather than in fresh pages (a fault
                // each, zeroed by the kernel), and made again if that query comes back.
                current?.documents.release()
                currentQuery = Array(fields[0])
                let query = fields.string(0)
                if let known = accumulators[query] {
                    known.documents.restore(known.entries)
                    current = known
                } else {
                    let fresh = QueryAccumulator(expected: current.map { min($0.entries.count + $0.entries.count / 8 + 16, 1 << 16) } ?? 0)
                    accumulators[query] = fresh
                    order.append(query)
                    current = fresh
                }
            }
            let accumulator = current!
            let hash = ByteHash.of(fields[2])
            if let earlier = accumulator.documents.insert(fields[2], hash: hash, index: accumulator.entries.count, in: accumulator.entries) {
                throw RelevanceError.duplicateDocument(
                    path: path, line: line + offset, query: String(decoding: currentQuery, as: UTF8.self), document: fields.string(2),
                    firstLine: Int(accumulator.lines[earlier]) + offset)
            }
            accumulator.entries.append(Run.Entry(name: DocumentName(fields[2]), score: score, hash: hash))
            accumulator.lines.append(Int32(truncatingIfNeeded: line))
        }

        func run() throws -> Run {
            guard !accumulators.isEmpty else { throw RelevanceError.noRecords(path: path, expected: "ranked documents") }
            return Run(queries: accumulators.mapValues(\.entries))
        }
    }

    /// Runs from this size on are read on every core (below it, one core is as fast).
    static let parallelThreshold = 8 << 20

    /// Reads a run file: `qid iter docno rank sim [tag]`.
    ///
    /// Runs are large (millions of lines) and usually grouped by query, so the current query's
    /// accumulator is kept at hand and only a change of qid costs a dictionary look-up. A
    /// large regular file is mapped and read in parts on every core (`readMapped`); what comes
    /// out — the run, or the first error in the file — is what a one-thread read gives.
    public static func readRun(_ path: String) throws -> (run: Run, input: InputDigest) {
        try readRun(path, hashing: true)
    }

    /// The run alone: a large file is not hashed (`relevance eval` reports no digest; hashing
    /// was an eighth of its work).
    public static func readRunWithoutDigest(_ path: String) throws -> Run {
        try readRun(path, hashing: false).run
    }

    static func readRun(_ path: String, hashing: Bool) throws -> (run: Run, input: InputDigest) {
        if let size = InputFile.regularFileSize(path), size >= parallelThreshold, let file = MappedFile(path) {
            return try readMapped(file, path: path, parts: LineParts.defaultCount, hashing: hashing)
        }
        return try readStreamed(path)
    }

    /// The one-thread read, streaming: any file, pipes included.
    static func readStreamed(_ path: String) throws -> (run: Run, input: InputDigest) {
        var lines = RunLines(path: path)
        let digest = try streamLines(path, expected: "a run (qid Q0 docno rank score tag)") { line, fields in
            try lines.take(line, fields)
        }
        return (try lines.run(), digest)
    }

    /// The parallel read: the text cut into `parts` at line ends, each part read into its own
    /// per-query lists (its own line numbers), then the parts joined in file order — a query
    /// met again in a later part has that part's documents appended, checked for duplicates
    /// against the earlier ones. The first error in file order wins: a part's own error, or a
    /// duplicate across parts found before it.
    /// Not `hashing`: the digest returned is empty.
    static func readMapped(_ file: MappedFile, path: String, parts: Int, hashing: Bool = true) throws -> (run: Run, input: InputDigest) {
        let expected = "a run (qid Q0 docno rank score tag)"
        // The hash has a core of its own (one core's reader starts once it is done) and leaves
        // the pages it maps to the parts, as for line coverage reports (`LineParts.joined`).
        let progress = ReadProgress()
        let digest = hashing ? PendingDigest(hashing: file, path: path, reader: progress) : PendingDigest(InputDigest(path: path, sha256: ""))
        let hashed = hashing ? digest.computing : nil
        // Line lengths are checked by the parts, on every core, not in a pass of its own.
        let text = try InputFile.checked(file.bytes, path: path, expected: expected, limits: .streamed)
        struct Part: @unchecked Sendable {
            var lines: RunLines
            var lineCount = 0
            var error: (any Error)?
        }
        // The documents are copied out of each part, whose pages are then given back. No part
        // throws (its error is kept in it), so the join of the parts always comes back.
        let results = LineParts(text, count: parts).joined({ _, bytes -> [Part] in
            var part = Part(lines: RunLines(path: path))
            var splitter = LineSplitter(path: path)
            let bytes = bytes.bindMemory(to: UInt8.self)
            do {
                try splitter.feed(bytes) { line, fields in try part.lines.take(line, fields) }
                try splitter.finish { line, fields in try part.lines.take(line, fields) }
            } catch {
                part.error = error
            }
            part.lineCount = splitter.lineCount
            return [part]
        }, join: { parts, next in
            parts += next
            return true
        }, lastCoreAfter: hashed, progress: progress) ?? []
        var joined = RunLines(path: path)
        var offset = 0
        for part in results {
            var first: (line: Int, error: RelevanceError)?
            for query in part.lines.order {
                let later = part.lines.accumulators[query]!
                guard let earlier = joined.accumulators[query] else {
                    later.lineBase = offset
                    joined.accumulators[query] = later
                    joined.order.append(query)
                    continue
                }
                earlier.documents.restore(earlier.entries)
                for (entry, line) in zip(later.entries, later.lines) {
                    let global = Int(line) + offset
                    let duplicate = entry.name.withBytes { bytes in
                        earlier.documents.insert(bytes, hash: entry.hash, index: earlier.entries.count, in: earlier.entries)
                    }
                    if let duplicate {
                        if first == nil || global < first!.line {
                            first = (global, .duplicateDocument(path: path, line: global, query: query, document: entry.document,
                                                                firstLine: Int(earlier.lines[duplicate]) + earlier.lineBase))
                        }
                        break
                    }
                    earlier.entries.append(entry)
                    earlier.lines.append(Int32(truncatingIfNeeded: global - earlier.lineBase))
                }
            }
            // A part's own error carries its own line numbers.
            if let error = part.error {
                let shifted = Self.shifted(error, by: offset)
                if let first, case .some(let line) = Self.line(of: shifted), first.line < line { throw first.error }
                throw shifted
            }
            if let first { throw first.error }
            offset += part.lineCount
        }
        return (try joined.run(), digest.value)
    }

    /// An error of a part, with its line numbers moved to the file's.
    static func shifted(_ error: any Error, by offset: Int) -> any Error {
        if case .lineTooLong(let path, let line, let limit)? = error as? GateError {
            return GateError.lineTooLong(path: path, line: line + offset, limit: limit)
        }
        guard let error = error as? RelevanceError else { return error }
        switch error {
        case .malformedLine(let path, let line, let problem): return RelevanceError.malformedLine(path: path, line: line + offset, problem: problem)
        case .duplicateDocument(let path, let line, let query, let document, let firstLine):
            return RelevanceError.duplicateDocument(path: path, line: line + offset, query: query, document: document, firstLine: firstLine + offset)
        default: return error
        }
    }

    static func line(of error: any Error) -> Int? {
        switch error as? RelevanceError {
        case .malformedLine(_, let line, _)?, .duplicateDocument(_, let line, _, _, _)?: return line
        default:
            if case .lineTooLong(_, let line, _)? = error as? GateError { return line }
            return nil
        }
    }

    /// The whitespace-separated fields of one line, as offsets into it: no allocation per line.
    struct Fields {
        static let capacity = 7
        fileprivate let offsets: UnsafeMutablePointer<Int>
        private(set) var count = 0
        private(set) var base: UnsafePointer<UInt8>?

        fileprivate init(storage: UnsafeMutablePointer<Int>) {
            offsets = storage
        }

        subscript(index: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: base! + offsets[2 * index], count: offsets[2 * index + 1] - offsets[2 * index])
        }

        func string(_ index: Int) -> String {
            String(decoding: self[index], as: UTF8.self)
        }

        /// Splits `line` on spaces, tabs and carriage returns; stops after seven fields (more
        /// is already wrong for every format here).
        mutating func split(_ line: UnsafeBufferPointer<UInt8>) {
            count = 0
            base = line.baseAddress
            guard let start = line.baseAddress else { return }
            _ = split(start, available: line.count)
        }

        /// Splits the line at `start` as above, up to its newline: where the newline is, or nil
        /// when none comes within `available` bytes (the fields up to there split all the same)
        /// or a field past the seventh does.
        @inline(__always)
        mutating func split(_ start: UnsafePointer<UInt8>, available end: Int) -> Int? {
            count = 0
            base = start
            var index = 0
            while true {
                while index < end, Self.isSeparator(start[index]) { index += 1 }
                guard index < end else { return nil }
                if start[index] == 0x0A { return index }
                guard count < Self.capacity else { return nil }
                offsets[2 * count] = index
                // The field's bytes eight at a step up to the first at or below the space,
                // then one at a time (a control byte other than those ending a field is part of it).
                while index + 8 <= end {
                    let word = UInt64(littleEndian: UnsafeRawPointer(start + index).loadUnaligned(as: UInt64.self))
                    let low = (word &- 0x2121_2121_2121_2121) & ~word & 0x8080_8080_8080_8080
                    if low != 0 {
                        index += low.trailingZeroBitCount >> 3
                        break
                    }
                    index += 8
                }
                while index < end, start[index] > 0x20 || !(Self.isSeparator(start[index]) || start[index] == 0x0A) { index += 1 }
                offsets[2 * count + 1] = index
                count += 1
            }
        }

        /// Space, tab or carriage return — one comparison for the bytes of a field, which are
        /// all above the space.
        @inline(__always)
        static func isSeparator(_ byte: UInt8) -> Bool {
            byte <= 0x20 && (byte == 0x20 || byte == 0x09 || byte == 0x0D)
        }
    }

    /// Streams `path` line by line, handing each non-blank, non-comment line's fields to `body`.
    static func streamLines(_ path: String, expected: String, body: (Int, Fields) throws -> Void) throws -> InputDigest {
        var splitter = LineSplitter(path: path)
        let digest = try InputFile.stream(path, expected: expected, limits: .streamedLines) { chunk in
            try splitter.feed(chunk.bindMemory(to: UInt8.self), body: body)
        }
        try splitter.finish(body: body)
        return digest
    }

    /// `atol`'s reading: optional sign, then digits up to the first non-digit ("1.5" → 1);
    /// nil when there is no digit at all.
    static func leadingInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
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

    /// Exact powers of ten, 10⁰ … 10²².
    static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A decimal floating-point number as `atof` accepts it (`-1.5e-3`, `+7`, `1E-300`), but
    /// the whole field must be the number. The common shape — an optional sign, at most 15
    /// digits around an optional point, no exponent — is m / 10ᵏ with both exact, so one
    /// division gives strtod's correctly rounded value without copying the field; anything
    /// else goes to strtod.
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if let value = simpleDecimal(bytes) { return value }
        guard bytes.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 65) { buffer -> Double? in
            var count = 0
            for byte in bytes {
                buffer[count] = CChar(bitPattern: byte)
                count += 1
            }
            buffer[count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            // The whole field must be the number; strtod's hexadecimal floats are fine, NaN is not.
            guard count > 0, let end, end == buffer.baseAddress! + count, !value.isNaN else { return nil }
            return value
        }
    }
}

extension TRECFiles {
    /// `[+-]digits[.digits]` with 1–15 digits in all, as m / 10ᵏ; nil for any other shape.
    @inline(__always)
    static func simpleDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0, end = bytes.count
        guard end > 0, end <= 17 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") { negative = bytes[0] == UInt8(ascii: "-"); index = 1 }
        var mantissa: UInt64 = 0, digits = 0, fraction = -1
        while index < end {
            let byte = bytes[index]
            if byte >= 48 && byte <= 57 {
                mantissa = mantissa * 10 + UInt64(byte - 48)
                digits += 1
                if fraction >= 0 { fraction += 1 }
            } else if byte == UInt8(ascii: "."), fraction < 0 {
                fraction = 0
            } else {
                return nil
            }
            index += 1
        }
        end = digits
        guard end > 0, end <= 15 else { return nil }
        let value = Double(mantissa) / powersOfTen[max(fraction, 0)]
        return negative ? -value : value
    }
}

/// Cuts chunks into lines (a line may span two chunks) and lines into fields.
struct LineSplitter {
    let path: String
    /// `GATE_MAX_LINE_BYTES`, read once.
    private let maxLineLength = InputLimits.lineBytes
    private var pending: [UInt8] = []
    private var lineNumber = 0
    /// Lines seen so far, blank and comment lines included.
    var lineCount: Int { lineNumber }
    private let storage = FieldStorage()
    private var fields: TRECFiles.Fields

    init(path: String) {
        self.path = path
        fields = TRECFiles.Fields(storage: storage.offsets)
    }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, body: (Int, TRECFiles.Fields) throws -> Void) throws {
        // The tail is held outside `self` while the lines are handed on (they change `self`).
        var tail: [UInt8] = []
        swap(&tail, &pending)
        defer { swap(&tail, &pending) }
        // The mapped read's line lengths are checked here, part by part (a stream is checked
        // as it is read, with the same error).
        let (path, limit, first) = (path, maxLineLength, lineNumber + 1)
        try LineParts.forEachLine(bytes, pending: &tail, maxLength: limit,
                                  tooLong: { GateError.lineTooLong(path: path, line: first + $0, limit: limit) },
                                  record: { try record($0, available: $1, body: body) }, { try line($0, body: body) })
    }

    /// The line at `start` split as it is scanned for its newline (one pass, no search for
    /// the newline first): the bytes taken, newline included; nil — for `line` — when the
    /// line goes past `available`, is too long or has more fields than are split.
    @inline(__always)
    private mutating func record(_ start: UnsafePointer<UInt8>, available: Int,
                                 body: (Int, TRECFiles.Fields) throws -> Void) throws -> (bytes: Int, lines: Int)? {
        guard let newline = fields.split(start, available: available), newline <= maxLineLength else { return nil }
        lineNumber += 1
        if fields.count > 0, fields[0].first != UInt8(ascii: "#") { try body(lineNumber, fields) }
        return (newline + 1, 1)
    }

    mutating func finish(body: (Int, TRECFiles.Fields) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        let last = pending
        pending.removeAll()
        try last.withUnsafeBufferPointer { try line($0, body: body) }
    }

    private mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, body: (Int, TRECFiles.Fields) throws -> Void) throws {
        lineNumber += 1
        fields.split(bytes)
        if fields.count == 0 || fields[0].first == UInt8(ascii: "#") { return }
        try body(lineNumber, fields)
    }
}

/// The documents of one query seen so far, for the duplicate check: an open-addressing table
/// of entry indices keyed by the docno's hash, which the entries keep (`Run.Entry.hash`).
/// Swift's `Set<String>` hashes with SipHash; with millions of run lines this cheaper hash is
/// a measurable part of the read.
struct DocumentSet {
    private var slots: [Int32]
    private var count = 0

    /// A table for about `expected` documents (a run's queries are usually of one depth, so
    /// the previous query's count spares the growing).
    init(expected: Int = 32) {
        var size = 64
        while size < expected * 2 + 2 { size *= 2 }
        slots = Array(repeating: -1, count: size)
    }

    /// Adds the document at `index` of `entries`; returns the index of an earlier entry with
    /// the same docno instead when there is one.
    mutating func insert(_ docno: UnsafeBufferPointer<UInt8>, hash: UInt64, index: Int, in entries: [Run.Entry]) -> Int? {
        if (count + 1) * 2 > slots.count { grow(entries) }
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[slot] >= 0 {
            let existing = Int(slots[slot])
            if entries[existing].hash == hash, entries[existing].name.equals(docno) { return existing }
            slot = (slot + 1) & (slots.count - 1)
        }
        slots[slot] = Int32(truncatingIfNeeded: index)
        count += 1
        return nil
    }

    /// Gives the table back (the query's lines have ended for now); `restore` makes it again.
    mutating func release() {
        slots = []
        count = 0
    }

    /// The table again from `entries` (none repeats a docno), when it was given back.
    mutating func restore(_ entries: [Run.Entry]) {
        guard slots.isEmpty else { return }
        self = DocumentSet(expected: entries.count)
        for index in entries.indices {
            _ = entries[index].name.withBytes { insert($0, hash: entries[index].hash, index: index, in: entries) }
        }
    }

    private mutating func grow(_ entries: [Run.Entry]) {
        let old = slots
        slots = Array(repeating: -1, count: slots.count * 2)
        for index in old where index >= 0 {
            var slot = Int(truncatingIfNeeded: entries[Int(index)].hash) & (slots.count - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = index
        }
    }
}

/// Owns the offsets `Fields` points into, for as long as the splitter lives.
final class FieldStorage {
    let offsets = UnsafeMutablePointer<Int>.allocate(capacity: 2 * TRECFiles.Fields.capacity)

    deinit {
        offsets.deallocate()
    }
}
