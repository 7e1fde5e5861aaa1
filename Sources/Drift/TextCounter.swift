import GateKit

/// Counts of distinct byte strings while a file is read: an open-addressing table keyed by the
/// bytes themselves (`ByteHash`, eight bytes at a step), so a categorical column of ten
/// million rows costs one hash and one comparison per value instead of a String and a SipHash
/// each. The distinct values' bytes sit end to end in one buffer; each slot holds 32 bits of
/// its value's hash, the value's length, where its bytes are and its count — so a value met
/// again costs two memory reads that may miss the cache (its slot, its bytes), not three.
/// Turned into a `[String: Int]` once, at the end.
struct TextCounter: Sendable {
    private struct Slot {
        /// The hash's high 32 bits above the length; 0 when the slot is free (values are
        /// never empty: an empty field is missing).
        var key: UInt64 = 0
        var start = 0
        var count = 0
    }

    /// The distinct values' bytes, end to end.
    private var bytes: [UInt8] = []
    private var slots = [Slot](repeating: Slot(), count: 64)
    private var distinct = 0

    var isEmpty: Bool { distinct == 0 }

    /// Adds one occurrence of a value (not empty); true when the value is new.
    @discardableResult
    mutating func add(_ value: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.of(value)
        let key = hash & 0xFFFF_FFFF_0000_0000 | UInt64(truncatingIfNeeded: value.count)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        let found: Bool = slots.withUnsafeMutableBufferPointer { slots in
            while slots[slot].key != 0 {
                if slots[slot].key == key {
                    let start = slots[slot].start
                    if start + value.count <= bytes.count,
                       bytes.withUnsafeBytes({ ByteHash.equal(UnsafeRawBufferPointer(rebasing: $0[start..<(start + value.count)]), value) }) {
                        slots[slot].count += 1
                        return true
                    }
                }
                slot = (slot + 1) & mask
            }
            return false
        }
        if found { return false }
        slots[slot] = Slot(key: key, start: bytes.count, count: 1)
        bytes.append(contentsOf: value)
        distinct += 1
        if distinct * 2 > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        bytes.withUnsafeBytes { all in
            for entry in old where entry.key != 0 {
                let length = Int(truncatingIfNeeded: entry.key & 0xFFFF_FFFF)
                let hash = ByteHash.of(UnsafeRawBufferPointer(rebasing: all[entry.start..<(entry.start + length)]))
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot].key != 0 { slot = (slot + 1) & mask }
                slots[slot] = entry
            }
        }
    }

    /// The counts by text (invalid UTF-8 repaired, as everywhere text is shown).
    var dictionary: [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(distinct)
        for entry in slots where entry.key != 0 {
            let length = Int(truncatingIfNeeded: entry.key & 0xFFFF_FFFF)
            out[String(decoding: bytes[entry.start..<(entry.start + length)], as: UTF8.self), default: 0] += entry.count
        }
        return out
    }
}
