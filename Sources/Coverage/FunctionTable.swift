import GateKit

/// An LCOV section's functions by name, keyed by the name's bytes: the line of its `FN` record
/// (the last one, as a later record overwrites) and the sum of its `FNDA` counts (saturating).
/// A report of millions of `FN`/`FNDA` records then makes a string per function, not per
/// record, and none at all when only the figures are wanted.
struct FunctionTable: Sendable {
    /// The names' bytes, end to end.
    private var bytes: [UInt8] = []
    private var entries: [(start: Int, length: Int, line: UInt32?, hits: UInt64?)] = []
    private var slots = [Int32](repeating: -1, count: 16)

    var isEmpty: Bool { entries.isEmpty }

    mutating func setLine(_ line: UInt32, of name: UnsafeBufferPointer<UInt8>) {
        entries[index(name)].line = line
    }

    mutating func addHits(_ count: UInt64, to name: UnsafeBufferPointer<UInt8>) {
        let index = index(name)
        entries[index].hits = Self.sum(entries[index].hits, count)
    }

    /// The same for a name read on the general path.
    mutating func setLine(_ line: UInt32, of name: String) {
        var name = name
        name.withUTF8 { setLine(line, of: $0) }
    }

    mutating func addHits(_ count: UInt64, to name: String) {
        var name = name
        name.withUTF8 { addHits(count, to: $0) }
    }

    /// Another section of the same file: a line already known stays, counts add up.
    mutating func absorb(_ later: FunctionTable) {
        later.bytes.withUnsafeBufferPointer { all in
            for entry in later.entries {
                let index = index(UnsafeBufferPointer(rebasing: all[entry.start..<(entry.start + entry.length)]))
                if entries[index].line == nil { entries[index].line = entry.line }
                if let hits = entry.hits { entries[index].hits = Self.sum(entries[index].hits, hits) }
            }
        }
    }

    /// Every function, sorted by line then name.
    var records: [FunctionRecord] {
        entries.map { entry in
            FunctionRecord(name: String(decoding: bytes[entry.start..<(entry.start + entry.length)], as: UTF8.self),
                           line: entry.line ?? 0, hits: entry.hits ?? 0)
        }.sorted { ($0.line, $0.name) < ($1.line, $1.name) }
    }

    /// Functions, and those called.
    var figures: CoverageCount {
        CoverageCount(covered: entries.filter { ($0.hits ?? 0) > 0 }.count, total: entries.count)
    }

    private static func sum(_ a: UInt64?, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = (a ?? 0).addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// The entry of `name`, added when new.
    private mutating func index(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let key = UnsafeRawBufferPointer(name)
        let hash = ByteHash.of(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let entry = entries[Int(slots[slot])]
            if entry.length == key.count,
               bytes.withUnsafeBytes({ ByteHash.equal(UnsafeRawBufferPointer(rebasing: $0[entry.start..<(entry.start + entry.length)]), key) }) {
                return Int(slots[slot])
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(entries.count)
        entries.append((bytes.count, key.count, nil, nil))
        bytes.append(contentsOf: name)
        if entries.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            let mask = slots.count - 1
            bytes.withUnsafeBytes { all in
                for (index, entry) in entries.enumerated() {
                    var slot = Int(truncatingIfNeeded: ByteHash.of(UnsafeRawBufferPointer(rebasing: all[entry.start..<(entry.start + entry.length)]))) & mask
                    while slots[slot] >= 0 { slot = (slot + 1) & mask }
                    slots[slot] = Int32(index)
                }
            }
        }
        return entries.count - 1
    }
}
