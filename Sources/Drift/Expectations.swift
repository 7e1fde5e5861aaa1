import Foundation
import GateKit

/// Declared expectations on the current data, as Great Expectations and TFDV declare them: per
/// column not-null, bounds, an allowed set, a pattern, length bounds, uniqueness; per table the
/// row count, the row count against the reference's (a volume anomaly), duplicate rows and a
/// key's uniqueness. They hold or fail on the current file alone; no reference is needed.
///
/// ```yaml
/// expect: {min-rows: 1000, max-rows: 5000000, rows-within: 0.2, no-duplicate-rows: true, unique: [user, event_id]}
/// columns:
///   price: {not-null: true, min: 0, below: 10000}
///   device: {allowed: [mobile, desktop, tablet]}
///   sku: {pattern: "[A-Z]{3}-[0-9]{4}", max-length: 8, unique: true}
/// ```
public struct Expectations: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var notNull = false
        /// Inclusive (`min`, `max`) and exclusive (`above`, `below`) bounds on numbers.
        public var min: Double?, max: Double?, above: Double?, below: Double?
        public var allowed: [String]?
        public var pattern: String?
        public var minLength: Int?, maxLength: Int?
        public var unique = false
        /// `type: integer`: every value a whole number.
        public var integer = false

        public var isEmpty: Bool { self == Column() }
        public init() {}
    }

    public var columns: [String: Column] = [:]
    public var minRows: Int?, maxRows: Int?
    /// Largest relative difference from the reference's row count (0.2: within ±20%).
    public var rowsWithin: Double?
    public var noDuplicateRows = false
    /// Columns whose values together identify a row.
    public var unique: [String] = []

    public var isEmpty: Bool { self == Expectations() }
    public init() {}

    public static let columnKeys = ["not-null", "min", "max", "above", "below", "allowed", "pattern", "min-length", "max-length", "unique"]
    public static let tableKeys = ["min-rows", "max-rows", "rows-within", "no-duplicate-rows", "unique"]

    /// The column expectations of one `columns:` entry.
    static func column(_ sub: Policy, name: String) throws -> Column {
        var column = Column()
        column.notNull = try sub.flag("not-null") ?? false
        column.min = try sub.number("min", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        column.max = try sub.number("max", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        column.above = try sub.number("above", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        column.below = try sub.number("below", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        column.allowed = try sub.strings("allowed")
        column.pattern = try sub.string("pattern")
        if let pattern = column.pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
            throw sub.invalid(line: sub.entry("pattern")?.line, key: "columns.\(name).pattern", expected: "a regular expression (ICU syntax)")
        }
        column.minLength = try sub.number("min-length", in: 0...1e9).map { Int($0) }
        column.maxLength = try sub.number("max-length", in: 0...1e9).map { Int($0) }
        column.unique = try sub.flag("unique") ?? false
        return column
    }

    /// The table expectations of `expect:`.
    mutating func table(_ sub: Policy) throws {
        try sub.requireKnownKeys(Self.tableKeys)
        minRows = try sub.number("min-rows", in: 0...1e15).map { Int($0) }
        maxRows = try sub.number("max-rows", in: 0...1e15).map { Int($0) }
        rowsWithin = try sub.number("rows-within", in: 0...1_000_000)
        noDuplicateRows = try sub.flag("no-duplicate-rows") ?? false
        unique = try sub.strings("unique") ?? []
    }
}

/// One expectation's outcome: how many rows broke it and the first few, with their lines.
public struct ExpectationOutcome: Sendable, Equatable {
    /// `price: min 0`, `rows: unique (user, event_id)`, …
    public var name: String
    public var column: String?
    public var violations: Int
    public var examples: [(line: Int, value: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.column == b.column && a.violations == b.violations
            && a.examples.map(\.line) == b.examples.map(\.line) && a.examples.map(\.value) == b.examples.map(\.value)
    }
}

/// Checks each row as a reader hands it over: one pass, keeping only counts, the first
/// offenders, and (for uniqueness and duplicates) a 128-bit digest per row or value.
final class ExpectationChecker {
    static let exampleCount = 5

    private let expectations: Expectations
    /// By column position: its expectations, if it has any.
    private var columnIndex: [(name: String, column: Expectations.Column, regex: NSRegularExpression?)?] = []
    private var keyColumns: [Int] = []
    private var names: [String] = []
    private var outcomes: [String: ExpectationOutcome] = [:]
    private var order: [String] = []
    private var seenValues: [Int: DigestTable] = [:]
    private var seenRows = DigestTable()
    private var seenKeys = DigestTable()
    /// This row's field digests by column (missing: nil) and its bytes for messages.
    private var rowDigests: [Digest?] = []
    private var rowLine = 0
    private(set) var rows = 0
    /// Whether the reader still builds the column samples the drift tests use (not when the
    /// expectations are all the gate judges).
    var collectSamples = true

    typealias Digest = Digest128

    init(_ expectations: Expectations) {
        self.expectations = expectations
    }

    /// The columns, once the header (or, for JSON Lines, each new key) is known.
    func columns(_ names: [String]) {
        self.names = names
        if columnIndex.count < names.count { columnIndex += Array(repeating: nil, count: names.count - columnIndex.count) }
        for (index, name) in names.enumerated() where columnIndex[index] == nil {
            if let column = expectations.columns[name] {
                columnIndex[index] = (name, column, column.pattern.flatMap { try? NSRegularExpression(pattern: "^(?:" + $0 + ")$") })
            }
        }
        keyColumns = expectations.unique.compactMap { names.firstIndex(of: $0) }
        if rowDigests.count < names.count { rowDigests += Array(repeating: nil, count: names.count - rowDigests.count) }
    }

    func startRow(line: Int) {
        rowLine = line
        for index in rowDigests.indices { rowDigests[index] = nil }
    }

    /// One field's bytes (nil: absent or null), JSON strings marked `text` so that they stay text.
    func field(_ index: Int, _ raw: UnsafeRawBufferPointer?, text: Bool = false) {
        var value: UnsafeRawBufferPointer?
        if let raw {
            var lower = 0, upper = raw.count
            while lower < upper, raw[lower] == 0x20 || raw[lower] == 0x09 { lower += 1 }
            while upper > lower, raw[upper - 1] == 0x20 || raw[upper - 1] == 0x09 { upper -= 1 }
            let trimmed = UnsafeRawBufferPointer(rebasing: raw[lower..<upper])
            if !(trimmed.count <= 9 && FieldClassifier.isMissing(trimmed)) || (text && !trimmed.isEmpty) { value = trimmed }
        }
        if let value, index < rowDigests.count { rowDigests[index] = Digest128.of(value) }
        guard index < columnIndex.count, let (name, column, regex) = columnIndex[index] else { return }
        guard let value else {
            if column.notNull { fail("\(name): not null", column: name, shown: "(missing)") }
            return
        }
        let shown = { String(decoding: value, as: UTF8.self) }
        if column.integer {
            let number = text ? nil : FieldClassifier.number(value)
            if number == nil || !(number!.0.isFinite && number!.0 == number!.0.rounded()) {
                fail("\(name): a whole number", column: name, shown: shown())
            }
        }
        if column.min != nil || column.max != nil || column.above != nil || column.below != nil {
            if !text, let (number, _) = FieldClassifier.number(value), number.isFinite {
                if let min = column.min, number < min { fail("\(name): min \(Measurement.format(min))", column: name, shown: shown()) }
                if let max = column.max, number > max { fail("\(name): max \(Measurement.format(max))", column: name, shown: shown()) }
                if let above = column.above, number <= above { fail("\(name): above \(Measurement.format(above))", column: name, shown: shown()) }
                if let below = column.below, number >= below { fail("\(name): below \(Measurement.format(below))", column: name, shown: shown()) }
            } else {
                fail("\(name): a number", column: name, shown: shown())
            }
        }
        if let allowed = column.allowed, !allowed.contains(shown()) {
            fail("\(name): one of \(allowed.prefix(5).joined(separator: ", "))\(allowed.count > 5 ? ", …" : "")", column: name, shown: shown())
        }
        if column.minLength != nil || column.maxLength != nil {
            let length = shown().count
            if let min = column.minLength, length < min { fail("\(name): at least \(min) characters", column: name, shown: shown()) }
            if let max = column.maxLength, length > max { fail("\(name): at most \(max) characters", column: name, shown: shown()) }
        }
        if let regex, let pattern = column.pattern {
            let text = shown()
            if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                fail("\(name): matches \(pattern)", column: name, shown: text)
            }
        }
        if column.unique {
            if let first = seenValues[index, default: DigestTable()].insert(Digest128.of(value), line: rowLine) {
                fail("\(name): unique", column: name, shown: shown() + " (first on line \(first))")
            }
        }
    }

    func endRow() {
        rows += 1
        if expectations.noDuplicateRows, let first = seenRows.insert(Self.combine(rowDigests), line: rowLine) {
            fail("rows: no duplicates", column: nil, shown: "same as line \(first)")
        }
        if !keyColumns.isEmpty, let first = seenKeys.insert(Self.combine(keyColumns.map { rowDigests[$0] }), line: rowLine) {
            fail("rows: unique (\(expectations.unique.joined(separator: ", ")))", column: nil, shown: "same key as line \(first)")
        }
    }

    private func fail(_ name: String, column: String?, shown: String) {
        if outcomes[name] == nil {
            outcomes[name] = ExpectationOutcome(name: name, column: column, violations: 0, examples: [])
            order.append(name)
        }
        outcomes[name]!.violations += 1
        if outcomes[name]!.examples.count < Self.exampleCount { outcomes[name]!.examples.append((rowLine, Excerpt.quote(shown, limit: 60))) }
    }

    /// Every expectation that failed, in the order first seen; then the row-count ones.
    func outcomes(referenceRows: Int?) -> (failed: [ExpectationOutcome], checked: Int) {
        var failed = order.map { outcomes[$0]! }
        if let min = expectations.minRows, rows < min {
            failed.append(ExpectationOutcome(name: "rows: at least \(min)", column: nil, violations: min - rows, examples: []))
        }
        if let max = expectations.maxRows, rows > max {
            failed.append(ExpectationOutcome(name: "rows: at most \(max)", column: nil, violations: rows - max, examples: []))
        }
        if let within = expectations.rowsWithin, let reference = referenceRows, reference > 0 {
            let change = Double(rows - reference) / Double(reference)
            if abs(change) > within {
                failed.append(ExpectationOutcome(
                    name: "rows: within ±\(Measurement.format(within * 100))% of the reference's \(reference) (\(change > 0 ? "+" : "")\(Measurement.format((change * 1000).rounded() / 10))%)",
                    column: nil, violations: abs(rows - reference), examples: []))
            }
        }
        return (failed, checkedCount)
    }

    /// How many expectations were declared.
    var checkedCount: Int {
        let perColumn = expectations.columns.values.reduce(0) { total, c in
            total + [c.notNull, c.integer, c.min != nil, c.max != nil, c.above != nil, c.below != nil, c.allowed != nil, c.pattern != nil,
                     c.minLength != nil, c.maxLength != nil, c.unique].filter { $0 }.count
        }
        return perColumn + [expectations.minRows != nil, expectations.maxRows != nil, expectations.rowsWithin != nil,
                            expectations.noDuplicateRows, !expectations.unique.isEmpty].filter { $0 }.count
    }

    /// The digests of a row's fields (missing ones marked as such) as one digest.
    static func combine(_ digests: [Digest?]) -> Digest {
        var builder = Digest128.Builder()
        for digest in digests { builder.add(digest) }
        return builder.digest
    }
}

/// The 128-bit digests seen so far, each with the line it was first seen on: open addressing
/// with linear probing over flat arrays (no hashing beyond the digest itself, which is already
/// uniform; 20 bytes a slot), so ten million rows cost one probe each, not a dictionary's
/// hashing and resizing.
struct DigestTable {
    /// One slot: the digest and the line it was first seen on plus one (0: an empty slot),
    /// together, so a probe touches one cache line.
    private struct Slot {
        var high: UInt64 = 0, low: UInt64 = 0, line: Int32 = 0
    }

    private var slots: [Slot] = []
    private var count = 0

    /// Adds `digest` first seen on `line`; returns the line it was first seen on if it was
    /// seen before.
    mutating func insert(_ digest: ExpectationChecker.Digest, line: Int) -> Int? {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: digest.high) & mask
        while slots[slot].line != 0 {
            if slots[slot].high == digest.high, slots[slot].low == digest.low { return Int(slots[slot].line) - 1 }
            slot = (slot + 1) & mask
        }
        slots[slot] = Slot(high: digest.high, low: digest.low, line: Int32(clamping: line + 1))
        count += 1
        return nil
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: max(1024, old.count * 2))
        let mask = slots.count - 1
        for entry in old where entry.line != 0 {
            var slot = Int(truncatingIfNeeded: entry.high) & mask
            while slots[slot].line != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
    }
}
