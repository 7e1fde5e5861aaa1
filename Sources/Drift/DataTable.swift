import Foundation
import GateKit

/// What one column of one data file holds after reading: its numbers (for numerical
/// columns), its values by text (for categorical columns, and the non-numbers of numerical
/// ones), and what is missing. Rows are not kept: the tests need only these.
public struct ColumnSample: Sendable {
    /// Values that read as finite numbers, ascending once the file is read (every test of a
    /// numerical column wants them sorted; sorted where they were read, no copy is made).
    /// Set only here, so the tests can take the order for granted.
    public internal(set) var numbers: [Double] = []
    /// Values by text: every value of a column read as categorical, else the values that
    /// are not numbers (made from `texts` when asked).
    public var categories: [String: Int] { texts.dictionary }
    /// The same values as the tests take them.
    var texts: TextCounts = .strings([:])
    /// How many values were texts.
    public private(set) var textCount = 0
    /// Empty fields, JSON null, absent JSON keys, pandas' NA spellings and ±inf.
    public var missing = 0
    /// Whether every number was written as an integer (no point, no exponent), as pandas
    /// then reads the column as int64, which changes how NumPy bins it.
    public var integersOnly = true
    /// The first line holding a value that is not a number, and that value.
    public var firstText: (line: Int, value: String)?
    /// For a timestamp column: the newest time read (seconds since 1970) and how many
    /// values were not timestamps.
    public var newest: Double?
    public var unreadableTimes = 0
    /// Texts counted while reading, moved into `texts` when the file is done.
    var counter = TextCounter()
    /// Numbers read and not yet in `numbers`: appended sixteen at a time, so the array's
    /// uniqueness and capacity checks are paid once per sixteen values, not per value.
    private var unsaved = InlineArray<16, Double>(repeating: 0)
    private var unsavedCount = 0

    public init() {}

    /// Values present (numbers and texts).
    public var present: Int { numbers.count + textCount }

    /// One number read (into `numbers` by `saveNumbers()`, which `finishReading` calls).
    @inline(__always)
    mutating func read(_ number: Double) {
        if unsavedCount == 16 { saveNumbers() }
        unsaved[unsavedCount] = number
        unsavedCount &+= 1
    }

    mutating func saveNumbers() {
        let count = unsavedCount
        unsaved.span.withUnsafeBufferPointer { numbers.append(contentsOf: $0.prefix(count)) }
        unsavedCount = 0
    }

    /// Sorts the numbers and moves the texts counted while reading into `texts`.
    mutating func finishReading() {
        saveNumbers()
        RadixSort.sort(&numbers)
        counter.flush()
        guard !counter.isEmpty else { return }
        texts = counter.counts
        textCount = texts.total
        counter = TextCounter()
    }
}

/// A data file read column by column: CSV with a header row (RFC 4180 quoting, embedded
/// commas and newlines) or JSON Lines of flat objects; which is told from the first byte.
public struct DataTable: Sendable {
    public enum Format: String, Sendable { case csv, jsonl }

    public var path: String
    public var format: Format
    public var columns: [String]
    public var samples: [ColumnSample]
    public var rows: Int
    public var input: InputDigest

    public func sample(_ column: String) -> ColumnSample? {
        columns.firstIndex(of: column).map { samples[$0] }
    }

    /// Reads `path`; `modes` says which columns are read as text (categorical, even when the
    /// values look like numbers) or as timestamps; the others are read as numbers where they are.
    /// `checker`, when given, sees every row as it is read (declared expectations).
    static func read(_ path: String, modes: [String: ColumnMode] = [:], checker: ExpectationChecker?) throws -> DataTable {
        let expected = "a CSV file with a header row, or JSON Lines"
        let mapped = try InputFile.withMappedFile(path) { bytes in
            // Checked and hashed a stretch ahead of the parse, which finds the pages faulted in.
            var ahead = try InputFile.DigestAhead(bytes, path: path, expected: expected, limits: .streamedLines)
            var table = try parse(ahead.text, path: path, modes: modes, input: InputDigest(path: path, sha256: ""), checker: checker) {
                try ahead.reach($0)
                return ahead.next
            }
            table.input = try ahead.finish()
            return table
        }
        if let mapped { return mapped }
        let (bytes, digest) = try InputFile.readAll(path, expected: expected, limits: .lines)
        return try bytes.withUnsafeBytes { try parse($0, path: path, modes: modes, input: digest, checker: checker) }
    }

    public static func read(_ path: String, modes: [String: ColumnMode] = [:]) throws -> DataTable {
        try read(path, modes: modes, checker: nil)
    }

    /// `bytes` as the input layer hands them over: past any byte-order mark, not blank.
    /// `reach`, when given, is told the offset the reader is at whenever it passes the offset
    /// `reach` last returned (the digest that goes ahead of the read).
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String, modes: [String: ColumnMode], input: InputDigest,
                      checker: ExpectationChecker? = nil, reach: ((Int) throws -> Int)? = nil) throws -> DataTable {
        var first = 0
        while first < bytes.count, bytes[first] == 0x20 || bytes[first] == 0x09 || bytes[first] == 0x0A || bytes[first] == 0x0D { first += 1 }
        guard first < bytes.count else { throw DriftError.empty(path: path) }
        if bytes[first] == UInt8(ascii: "{") {
            return try JSONLinesReader(path: path, modes: modes, checker: checker).read(bytes, input: input, reach: reach)
        }
        return try CSVReader(path: path, modes: modes, checker: checker).read(bytes, input: input, reach: reach)
    }
}

/// How a column's values are read.
public enum ColumnMode: Sendable {
    /// Numbers where they are numbers, text otherwise.
    case auto
    /// Text, always.
    case categorical
    /// Times: ISO 8601 dates and date-times, or seconds since 1970.
    case timestamp
}

/// Turns one field's bytes into a column value: missing, a number, or text.
struct FieldClassifier {
    /// pandas' default NA spellings (`read_csv`'s `na_values`), plus the infinities, which
    /// the drift tests drop as Evidently does.
    static let missingSpellings: Set<[UInt8]> = Set([
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
        "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
        "inf", "-inf", "+inf", "Inf", "-Inf", "+Inf", "INF", "-INF", "+INF", "Infinity", "-Infinity", "+Infinity",
    ].map { Array($0.utf8) })

    /// Adds the field to `sample`.
    /// `readable`: where the memory the field lies in ends (eight bytes past a number's start
    /// can then be loaded at once), when it is known; such a field also stays readable until
    /// the file is read, so a text is counted a few values later (`TextCounter.addSoon`).
    @inline(__always)
    static func add(_ field: UnsafeRawBufferPointer, mode: ColumnMode, line: Int, to sample: inout ColumnSample,
                    readable end: UnsafeRawPointer? = nil) {
        var lower = 0, upper = field.count
        while lower < upper, field[lower] == 0x20 || field[lower] == 0x09 { lower += 1 }
        while upper > lower, field[upper - 1] == 0x20 || field[upper - 1] == 0x09 { upper -= 1 }
        let trimmed = UnsafeRawBufferPointer(rebasing: field[lower..<upper])
        // A number starts with a digit, a sign or a point: a word is not parsed at all. No
        // missing-value spelling reads as a number (each has a letter or a '#'), so a number
        // is read before the spellings are looked at; a field of ±inf or NaN is missing.
        if mode == .auto, lower < upper,
           trimmed[0] &- 0x30 < 10 || trimmed[0] == UInt8(ascii: "-") || trimmed[0] == UInt8(ascii: "+") || trimmed[0] == UInt8(ascii: "."),
           let (value, integer) = number(trimmed, readable: end) {
            if value.isFinite {
                sample.read(value)
                if !integer { sample.integersOnly = false }
            } else {
                sample.missing += 1
            }
            return
        }
        if trimmed.count <= 9, isMissing(trimmed) {
            sample.missing += 1
            return
        }
        if mode == .timestamp {
            if let time = Timestamp.seconds(trimmed) {
                sample.newest = max(sample.newest ?? time, time)
            } else {
                sample.unreadableTimes += 1
                if sample.firstText == nil { sample.firstText = (line, String(decoding: trimmed, as: UTF8.self)) }
            }
            return
        }
        if end != nil { sample.counter.addSoon(trimmed) } else { sample.counter.add(trimmed) }
        if sample.firstText == nil { sample.firstText = (line, String(decoding: trimmed, as: UTF8.self)) }
    }

    @inline(__always)
    static func isMissing(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.isEmpty { return true }
        // Every spelling starts with one of  # < N n I i  — or with a sign or '1' before one of
        // those or before '1.#'. Numbers and most words are told apart by their first bytes.
        func startsSpelling(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "<"), UInt8(ascii: "N"), UInt8(ascii: "n"), UInt8(ascii: "I"), UInt8(ascii: "i"): true
            default: false
            }
        }
        var first = 0
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            guard bytes.count > 1 else { return false }
            first = 1
        }
        if bytes[first] == UInt8(ascii: "1") {
            guard bytes.count >= first + 3, bytes[first + 2] == UInt8(ascii: "#") else { return false }
        } else if !startsSpelling(bytes[first]) {
            return false
        }
        return slowIsMissing(bytes)
    }

    @inline(never)
    static func slowIsMissing(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for spelling in missingSpellingList where spelling.count == bytes.count && spelling[0] == bytes[0] {
            if spelling.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) { return true }
        }
        return false
    }

    static let missingSpellingList = Array(missingSpellings)

    /// A decimal number as pandas reads one (`DecimalNumber`): one of up to eight bytes read
    /// here, anything longer out of line — which keeps this small enough for `parseShort` to
    /// be inlined into it (2% fewer instructions on the plain drift files).
    @inline(__always)
    static func number(_ bytes: UnsafeRawBufferPointer, readable end: UnsafeRawPointer? = nil) -> (Double, integer: Bool)? {
        if let end, let start = bytes.baseAddress, bytes.count <= 8, end - start >= 8, let short = DecimalNumber.parseShort(start, count: bytes.count) {
            return short
        }
        return longerNumber(bytes, readable: end)
    }

    /// `number` for more than eight bytes, or where eight cannot be loaded at once.
    @inline(never)
    static func longerNumber(_ bytes: UnsafeRawBufferPointer, readable end: UnsafeRawPointer?) -> (Double, integer: Bool)? {
        if let end, let start = bytes.baseAddress, bytes.count > 8, end - start >= 16, let medium = DecimalNumber.parseMedium(start, count: bytes.count) {
            return medium
        }
        return DecimalNumber.parse(bytes)
    }
}

/// RFC 4180 CSV: the first record is the header; every record must have its field count.
struct CSVReader {
    var path: String
    var modes: [String: ColumnMode]
    var checker: ExpectationChecker?

    func read(_ bytes: UnsafeRawBufferPointer, input: InputDigest, reach: ((Int) throws -> Int)?) throws -> DataTable {
        var nextReach = try reach?(0) ?? .max
        var records = CSVRecords(bytes, path: path)
        guard let first = try records.next() else { throw DriftError.empty(path: path) }
        let names = (0..<first.count).map { first.string($0).trimmingCharacters(in: .whitespaces) }
        try DataTableChecks.header(names, path: path)
        let flags = names.map { modes[$0] ?? .auto }
        var samples = Array(repeating: ColumnSample(), count: names.count)
        checker?.columns(names)
        let width = names.count
        let end = bytes.baseAddress.map { $0 + bytes.count }
        let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * width)
        defer { bounds.deallocate() }
        var rows = 0
        var released = 0
        try samples.withUnsafeMutableBufferPointer { samples in
            while true {
                if records.offset >= nextReach, let reach { nextReach = try reach(records.offset) }
                // The pages read so far are given back every 16 MB (a mapped file's pages would
                // otherwise all stay resident; the samples keep what is needed).
                if records.offset - released >= 16 << 20 {
                    // Texts not counted yet lie in these pages: counted before they go.
                    for index in samples.indices { samples[index].counter.flush() }
                    LineParts.release(UnsafeRawBufferPointer(rebasing: bytes[released..<records.offset]))
                    released = records.offset
                    if rows > 0 { reserve(&samples, rows: rows, read: released, of: bytes.count) }
                }
                // Most rows are one line without quotes: read in place. Any other goes through
                // the full reader, which also words every error.
                switch records.nextPlain(fields: width, bounds: bounds) {
                case .end:
                    break
                case .row(let line):
                    checker?.startRow(line: line)
                    for index in 0..<width {
                        let field = UnsafeRawBufferPointer(rebasing: bytes[bounds[2 * index]..<bounds[2 * index + 1]])
                        take(field, index, line: line, into: samples, flags: flags, readable: end)
                    }
                    checker?.endRow()
                    rows += 1
                    continue
                case .other:
                    guard let record = try records.next() else { break }
                    guard record.count == width else {
                        throw DriftError.raggedRow(path: path, line: record.line, fields: record.count, expected: width)
                    }
                    checker?.startRow(line: record.line)
                    for index in 0..<width {
                        record.withField(index) { take($0, index, line: record.line, into: samples, flags: flags) }
                    }
                    checker?.endRow()
                    rows += 1
                    continue
                }
                break
            }
        }
        guard rows > 0 else { throw DriftError.empty(path: path) }
        for index in samples.indices { samples[index].finishReading() }
        return DataTable(path: path, format: .csv, columns: names, samples: samples, rows: rows, input: input)
    }
}

extension CSVReader {
    /// One field of a row: into its column's sample (unless only the expectations read the
    /// rows), and to the expectations.
    @inline(__always)
    func take(_ field: UnsafeRawBufferPointer, _ index: Int, line: Int, into samples: UnsafeMutableBufferPointer<ColumnSample>, flags: [ColumnMode],
              readable end: UnsafeRawPointer? = nil) {
        if let checker {
            if checker.collectSamples { FieldClassifier.add(field, mode: flags[index], line: line, to: &samples[index], readable: end) }
            checker.field(index, field)
        } else {
            FieldClassifier.add(field, mode: flags[index], line: line, to: &samples[index], readable: end)
        }
    }

    /// Once a part of the file is read, each column's numbers are given room for the rows the
    /// rest of the file likely holds, so a column of millions is not copied as it grows.
    func reserve(_ samples: inout UnsafeMutableBufferPointer<ColumnSample>, rows: Int, read: Int, of total: Int) {
        let expected = Int(Double(rows) * Double(total) / Double(read) * 1.05) + 1024
        for index in samples.indices where samples[index].numbers.count * 2 > rows && samples[index].numbers.capacity < expected {
            samples[index].numbers.reserveCapacity(expected)
        }
    }
}

enum DataTableChecks {
    static func header(_ names: [String], path: String) throws {
        var seen = Set<String>()
        for (index, name) in names.enumerated() {
            guard !name.isEmpty else { throw DriftError.malformed(path: path, line: 1, problem: "column \(index + 1) of the header has no name") }
            guard seen.insert(name).inserted else { throw DriftError.malformed(path: path, line: 1, problem: "the header names '\(name)' twice") }
        }
    }
}

/// JSON Lines: one flat JSON object per line; columns are the union of keys in order of
/// first appearance, a key absent from a line is a missing value there.
struct JSONLinesReader {
    var path: String
    var modes: [String: ColumnMode]
    var checker: ExpectationChecker?

    func read(_ bytes: UnsafeRawBufferPointer, input: InputDigest, reach: ((Int) throws -> Int)?) throws -> DataTable {
        var nextReach = try reach?(0) ?? .max
        var columns: [String] = []
        var index: [String: Int] = [:]
        var samples: [ColumnSample] = []
        var rows = 0
        var line = 0
        var start = 0
        let n = bytes.count
        var seenInRow: [Bool] = []
        while start < n {
            if start >= nextReach, let reach { nextReach = try reach(start) }
            line += 1
            var end = start
            while end < n, bytes[end] != 0x0A { end += 1 }
            let record = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            start = end + 1
            var parser = FlatJSONObject(bytes: record, line: line)
            guard !parser.isBlank else { continue }
            for position in seenInRow.indices { seenInRow[position] = false }
            checker?.startRow(line: line)
            do {
                try parser.members { key, value in
                    let column: Int
                    if let known = index[key] {
                        column = known
                    } else {
                        column = columns.count
                        index[key] = column
                        columns.append(key)
                        var sample = ColumnSample()
                        sample.missing = rows  // absent from every earlier row
                        samples.append(sample)
                        seenInRow.append(false)
                        checker?.columns(columns)
                    }
                    guard !seenInRow[column] else { throw DriftError.malformed(path: path, line: line, problem: "the key '\(key)' appears twice") }
                    seenInRow[column] = true
                    switch value {
                    case .null:
                        samples[column].missing += 1
                        checker?.field(column, nil)
                    case .number(let raw):
                        FieldClassifier.add(raw, mode: modes[key] ?? .auto, line: line, to: &samples[column])
                        checker?.field(column, raw)
                    case .text(let text):
                        if let checker { Array(text.utf8).withUnsafeBytes { checker.field(column, $0, text: true) } }
                        let mode = modes[key] ?? .auto
                        if mode == .timestamp {
                            Array(text.utf8).withUnsafeBytes { FieldClassifier.add($0, mode: .timestamp, line: line, to: &samples[column]) }
                        } else if text.isEmpty {
                            samples[column].missing += 1
                        } else {
                            // A JSON string stays text even when it spells a number, as pandas keeps it.
                            Array(text.utf8).withUnsafeBytes { _ = samples[column].counter.add($0) }
                            if samples[column].firstText == nil { samples[column].firstText = (line, text) }
                        }
                    }
                }
            } catch let problem as FlatJSONObject.Problem {
                throw DriftError.malformed(path: path, line: line, problem: problem.message)
            }
            for column in seenInRow.indices where !seenInRow[column] {
                samples[column].missing += 1
                checker?.field(column, nil)
            }
            checker?.endRow()
            rows += 1
        }
        guard rows > 0, !columns.isEmpty else { throw DriftError.empty(path: path) }
        for index in samples.indices { samples[index].finishReading() }
        return DataTable(path: path, format: .jsonl, columns: columns, samples: samples, rows: rows, input: input)
    }
}

