import GateKit

/// Counts of distinct byte strings while a file is read: an open-addressing table keyed by the
/// bytes themselves (`ByteHash`, eight bytes at a step), so a categorical column of ten
/// million rows costs one hash and one comparison per value instead of a String and a SipHash
/// each. The distinct values' bytes sit end to end in one buffer, and each slot keeps 32 bits
/// of its value's hash, so a probe compares bytes only when those agree. Turned into a
/// `[String: Int]` once, at the end.
struct TextCounter: Sendable {
    /// The distinct values' bytes, end to end.
    private var bytes: [UInt8] = []
    /// Where each distinct value's bytes are, and how often it was seen: one record, so a
    /// probe that finds its value touches one more cache line, not three.
    private var entries: [(start: Int, length: Int, count: Int)] = []
    /// 0 when free, else the hash's high 32 bits above (index + 1).
    private var slots = [UInt64](repeating: 0, count: 64)

    var isEmpty: Bool { entries.isEmpty }

    /// Adds one occurrence; true when the value is new.
    @discardableResult
    mutating func add(_ value: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.of(value)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slotted = slots[slot]
            if slotted == 0 { break }
            if slotted & 0xFFFF_FFFF_0000_0000 == tag {
                let index = Int(truncatingIfNeeded: slotted & 0xFFFF_FFFF) - 1
                let entry = entries[index]
                if entry.length == value.count,
                   bytes.withUnsafeBytes({ ByteHash.equal(UnsafeRawBufferPointer(rebasing: $0[entry.start..<(entry.start + entry.length)]), value) }) {
                    entries[index].count += 1
                    return false
                }
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = tag | UInt64(entries.count + 1)
        entries.append((bytes.count, value.count, 1))
        bytes.append(contentsOf: value)
        if entries.count * 2 > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        bytes.withUnsafeBytes { all in
            for (index, entry) in entries.enumerated() {
                let hash = ByteHash.of(UnsafeRawBufferPointer(rebasing: all[entry.start..<(entry.start + entry.length)]))
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(index + 1)
            }
        }
    }

    /// The counts by text (invalid UTF-8 repaired, as everywhere text is shown).
    var dictionary: [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(entries.count)
        for entry in entries {
            out[String(decoding: bytes[entry.start..<(entry.start + entry.length)], as: UTF8.self), default: 0] += entry.count
        }
        return out
    }
}
