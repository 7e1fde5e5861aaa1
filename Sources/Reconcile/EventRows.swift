import Foundation
import GateCrypto
import GateKit

/// One export of events (CSV with a header, or JSON Lines of flat objects; told from the first
/// byte), read once into what reconciling needs and no more: per row the key's 128-bit digest,
/// a digest of the compared values, and the row's line; per sequence group the sequence numbers.
/// Values are canonical before they are hashed — a number is its value (`12.5`, `12.500000`
/// and `1.25e1` are one number, as are a JSON number and a string spelling it), text is its
/// bytes without surrounding blanks, an empty field or JSON null is missing.
struct EventRows: Sendable {
    struct Row: Sendable {
        var key: Digest
        var values: UInt64
        var line: Int32
        /// Where the row starts in the file, to read it again without reading what is before it.
        var offset: Int
    }

    typealias Digest = Digest128

    /// What to take from a file, in its own column names.
    struct Columns: Sendable {
        var key: [String]
        var compared: [String]
        var sequence: String?
        var group: String?
        /// SHA-256 of the compared values instead of a 64-bit digest.
        var checksum = false
    }

    var path: String
    var columns: [String] = []
    var rows: [Row] = []
    /// Per row (aligned with `rows`), the SHA-256 of its compared values, in checksum mode.
    var checksums: [SHA256.Digest] = []
    /// (group code, sequence number) of every row with a sequence number.
    var sequences: [(group: UInt64, number: Int64)] = []
    var groupNames: [UInt64: String] = [:]
    var input: InputDigest

    static let expected = "a CSV file with a header row, or JSON Lines of flat objects"

    /// Reads `path` with the columns `wanted` names; a named column the file lacks is an error.
    static func read(_ path: String, display: String, wanted: Columns) throws -> EventRows {
        try withBytes(path, display: display) { bytes, input in
            var result = EventRows(path: display, input: input)
            var scanner = try RowScanner(bytes, path: display)
            result.columns = scanner.columns
            let positions = try scanner.positions(of: wanted)
            while let (line, offset) = try scanner.next() {
                var key = Digest128.Builder()
                for position in positions.key { key.add(Canonical.code(scanner.field(position))) }
                var values = Digest128.Builder()
                for position in positions.compared { values.add(Canonical.code(scanner.field(position))) }
                if wanted.checksum {
                    var sha = SHA256()
                    for (index, position) in positions.compared.enumerated() {
                        // The column's place, not its name: the two sides may name it differently.
                        sha.update(data: withUnsafeBytes(of: UInt32(index).littleEndian) { Array($0) })
                        sha.update(data: Canonical.form(scanner.field(position)))
                        sha.update(data: [0])
                    }
                    result.checksums.append(sha.finalize())
                }
                result.rows.append(Row(key: key.digest, values: values.digest.high, line: Int32(clamping: line), offset: offset))
                if let sequence = positions.sequence, let number = Canonical.integer(scanner.field(sequence)) {
                    let group = positions.group.map { scanner.field($0) } ?? .missing
                    let code = Canonical.code(group).high
                    if result.groupNames[code] == nil { result.groupNames[code] = Canonical.text(group) }
                    result.sequences.append((code, number))
                }
            }
            guard !result.rows.isEmpty else { throw GateError.emptyInput(path: display, expected: expected) }
            return result
        }
    }

    /// The values of the rows at `offsets`, by column name: only those rows are read again,
    /// for the few a report shows.
    static func values(_ path: String, display: String, offsets: Set<Int>, columns: [String]) throws -> [Int: [String: String]] {
        guard !offsets.isEmpty else { return [:] }
        return try withBytes(path, display: display, digesting: false) { bytes, _ in
            let header = try RowScanner.header(bytes, path: display)
            var found: [Int: [String: String]] = [:]
            for offset in offsets {
                let fields = try RowScanner.fields(at: offset, in: bytes, path: display, header: header)
                var values: [String: String] = [:]
                for name in columns { values[name] = fields[name] ?? "" }
                found[offset] = values
            }
            return found
        }
    }

    /// `body` with the file's bytes and, when `digesting` (the read the result records), its
    /// SHA-256; the second looks at a file (its header, a few rows) skip the digest.
    static func withBytes<T>(_ path: String, display: String, digesting: Bool = true,
                             _ body: (UnsafeRawBufferPointer, InputDigest) throws -> T) throws -> T {
        let mapped = try InputFile.withMappedFile(path) { bytes -> T in
            // Checked as it is hashed: a planted file is refused at its first over-long line,
            // before the rest is hashed.
            var (checked, input) = try InputFile.checkedAndDigested(bytes, path: display, expected: expected, limits: .streamedLines,
                                                                    digesting: digesting)
            input.path = display
            return try body(checked, input)
        }
        if let mapped { return mapped }
        var (bytes, input) = try InputFile.readAll(path, expected: expected, limits: .lines)
        input.path = display
        return try bytes.withUnsafeBytes { try body($0, input) }
    }
}

/// A field as the scanner hands it over.
enum Field {
    case missing
    /// A CSV field or a JSON number: a number when it spells one.
    case raw(UnsafeRawBufferPointer)
    /// A JSON string.
    case text(String)
}

/// Canonical forms of a field: a 64-bit code for hashing, and text for reports.
enum Canonical {
    static func trimmed(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lower = 0, upper = raw.count
        while lower < upper, raw[lower] == 0x20 || raw[lower] == 0x09 || raw[lower] == 0x0D { lower += 1 }
        while upper > lower, raw[upper - 1] == 0x20 || raw[upper - 1] == 0x09 || raw[upper - 1] == 0x0D { upper -= 1 }
        return UnsafeRawBufferPointer(rebasing: raw[lower..<upper])
    }

    /// Missing, a number (by value; −0 is 0), or text (by bytes), as a digest.
    static func code(_ field: Field) -> Digest128 {
        switch field {
        case .missing: return Digest128(high: 0x6d69_7373_696e_6721, low: 0)
        case .raw(let raw): return code(trimmed(raw))
        case .text(var text): return text.withUTF8 { code(trimmed(UnsafeRawBufferPointer($0))) }
        }
    }

    private static func code(_ value: UnsafeRawBufferPointer) -> Digest128 {
        if value.isEmpty { return code(.missing) }
        if let (number, _) = DecimalNumber.parse(value), number.isFinite {
            // A number's value in both lanes, marked apart from any text's digest.
            let bits = (number == 0 ? 0 : number).bitPattern
            return Digest128(high: bits &* 0x9e37_79b9_7f4a_7c15 ^ 0x6e75_6d62_6572_2020, low: bits)
        }
        return Digest128.of(value)
    }

    /// The field's canonical bytes for a checksum: missing, a number's value, or text.
    static func form(_ field: Field) -> [UInt8] {
        let text = text(field)
        if text.isEmpty { return [0] }
        if let number = number(text) { return [1] + withUnsafeBytes(of: (number == 0 ? 0 : number).bitPattern.littleEndian) { Array($0) } }
        return [2] + Array(text.utf8)
    }

    /// The field as a report shows it; numbers as written.
    static func text(_ field: Field) -> String {
        switch field {
        case .missing: return ""
        case .raw(let raw): return String(decoding: trimmed(raw), as: UTF8.self)
        case .text(let text): return text.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The field as a number when it is one.
    static func number(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { DecimalNumber.parse(UnsafeRawBufferPointer($0)).map(\.0) }.flatMap { $0.isFinite ? $0 : nil }
    }

    /// A whole sequence number.
    static func integer(_ field: Field) -> Int64? {
        let value: Double?
        switch field {
        case .missing: value = nil
        case .raw(let raw): value = DecimalNumber.parse(trimmed(raw)).map(\.0)
        case .text(let text): value = number(text)
        }
        guard let value, value.isFinite, value == value.rounded(), abs(value) < 9e15 else { return nil }
        return Int64(value)
    }
}

/// Where each field of a row read in place lies (start, end), for as long as the scanner lives.
final class FieldBounds {
    let pointer: UnsafeMutablePointer<Int>

    init(count: Int) { pointer = .allocate(capacity: max(count, 1)) }

    deinit { pointer.deallocate() }
}

/// Rows of a CSV file (header first) or JSON Lines, each field by column position.
struct RowScanner {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var columns: [String] = []
    private var records: CSVRecords?
    private var offset = 0
    private var line = 0
    /// The current row: a CSV record read in place (`plain`, its fields' bounds in `bounds`),
    /// a CSV record, or a JSON line's fields by column position.
    private var plain = false
    private var bounds = FieldBounds(count: 0)
    private var record: CSVRecord?
    private var current: [Field] = []
    private var positionOf: [String: Int] = [:]

    /// The header: a CSV file's first record, or nil for JSON Lines.
    static func header(_ bytes: UnsafeRawBufferPointer, path: String) throws -> [String]? {
        var first = 0
        while first < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[first]) { first += 1 }
        guard first < bytes.count else { throw GateError.emptyInput(path: path, expected: EventRows.expected) }
        guard bytes[first] != UInt8(ascii: "{") else { return nil }
        var records = CSVRecords(bytes, path: path)
        guard let header = try records.next() else { throw GateError.emptyInput(path: path, expected: EventRows.expected) }
        let names = (0..<header.count).map { header.string($0).trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted || name.isEmpty {
            throw GateError.malformedCSV(path: path, line: 1, column: 1, message: name.isEmpty ? "a header column has no name" : "the header names '\(name)' twice")
        }
        return names
    }

    init(_ bytes: UnsafeRawBufferPointer, path: String) throws {
        self.bytes = bytes
        self.path = path
        if let header = try Self.header(bytes, path: path) {
            columns = header
            var records = CSVRecords(bytes, path: path)
            _ = try records.next()
            self.records = records
            bounds = FieldBounds(count: 2 * header.count)
        } else {
            // Columns: the keys of every line, in order of first appearance (one pass ahead).
            var names: [String] = [], seen = Set<String>()
            try Self.forEachObject(bytes, path: path) { _, _, object in
                var object = object
                try object.members { key, _ in if seen.insert(key).inserted { names.append(key) } }
            }
            columns = names
        }
        for (index, name) in columns.enumerated() { positionOf[name] = index }
    }

    struct Positions {
        var key: [Int], compared: [Int], sequence: Int?, group: Int?
    }

    func positions(of wanted: EventRows.Columns) throws -> Positions {
        func position(_ name: String) throws -> Int {
            guard let index = positionOf[name] else {
                throw GateError.usage("\(path) has no column '\(name)' (its columns: \(columns.prefix(20).joined(separator: ", ")))")
            }
            return index
        }
        return Positions(key: try wanted.key.map(position), compared: try wanted.compared.map(position),
                         sequence: try wanted.sequence.map(position), group: try wanted.group.map(position))
    }

    /// The next row's line and offset; its fields through `field`.
    mutating func next() throws -> (line: Int, offset: Int)? {
        if records != nil {
            let start = records!.offset
            // Most rows are one line without quotes: read in place. Any other goes through the
            // full reader, which also words every error.
            switch records!.nextPlain(fields: columns.count, bounds: bounds.pointer) {
            case .end:
                return nil
            case .row(let line):
                (plain, record) = (true, nil)
                return (line, start)
            case .other:
                plain = false
            }
            guard let record = try records!.next() else { return nil }
            guard record.count == columns.count else {
                throw GateError.malformedCSV(path: path, line: record.line, column: 1,
                                             message: "a row with \(record.count) fields, the header has \(columns.count)")
            }
            self.record = record
            return (record.line, start)
        }
        while offset < bytes.count {
            line += 1
            let start = offset
            var end = offset
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            offset = end + 1
            var object = FlatJSONObject(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), line: line)
            guard !object.isBlank else { continue }
            if current.count != columns.count { current = Array(repeating: .missing, count: columns.count) }
            for index in current.indices { current[index] = .missing }
            let positions = positionOf
            var fields = current
            current = []
            do {
                try object.members { key, value in
                    guard let position = positions[key] else { return }
                    switch value {
                    case .null: fields[position] = .missing
                    case .number(let raw): fields[position] = .raw(raw)
                    case .text(let text): fields[position] = .text(text)
                    }
                }
            } catch let problem as FlatJSONObject.Problem {
                throw GateError.malformedJSON(path: path, line: line, column: 1, message: problem.message)
            }
            current = fields
            return (line, start)
        }
        return nil
    }

    func field(_ position: Int) -> Field {
        if plain { return .raw(UnsafeRawBufferPointer(rebasing: bytes[bounds.pointer[2 * position]..<bounds.pointer[2 * position + 1]])) }
        if let record { return record.withField(position) { .raw($0) } }
        return current[position]
    }

    /// The row that starts at `offset`, as text by column name.
    static func fields(at offset: Int, in bytes: UnsafeRawBufferPointer, path: String, header: [String]?) throws -> [String: String] {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        var fields: [String: String] = [:]
        if let header {
            var records = CSVRecords(rest, path: path)
            guard let record = try records.next() else { return [:] }
            for (index, name) in header.enumerated() where index < record.count { fields[name] = record.withField(index) { Canonical.text(.raw($0)) } }
            return fields
        }
        var end = 0
        while end < rest.count, rest[end] != 0x0A { end += 1 }
        var object = FlatJSONObject(bytes: UnsafeRawBufferPointer(rebasing: rest[0..<end]), line: 0)
        do {
            try object.members { key, value in
                switch value {
                case .null: fields[key] = ""
                case .number(let raw): fields[key] = Canonical.text(.raw(raw))
                case .text(let text): fields[key] = Canonical.text(.text(text))
                }
            }
        } catch let problem as FlatJSONObject.Problem {
            throw GateError.malformedJSON(path: path, line: 0, column: 1, message: problem.message)
        }
        return fields
    }

    static func forEachObject(_ bytes: UnsafeRawBufferPointer, path: String, _ body: (Int, Int, FlatJSONObject) throws -> Void) throws {
        var offset = 0, line = 0
        while offset < bytes.count {
            line += 1
            let start = offset
            var end = offset
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let object = FlatJSONObject(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), line: line)
            offset = end + 1
            guard !object.isBlank else { continue }
            do {
                try body(line, start, object)
            } catch let problem as FlatJSONObject.Problem {
                throw GateError.malformedJSON(path: path, line: line, column: 1, message: problem.message)
            }
        }
    }
}
