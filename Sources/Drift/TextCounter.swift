import Foundation
import GateKit

/// Counts of distinct byte strings while a file is read: an open-addressing table keyed by the
/// bytes themselves (`ByteHash`, eight bytes at a step), so a categorical column of ten
/// million rows costs one hash and one comparison per value instead of a String and a SipHash
/// each. Turned into a `[String: Int]` once, at the end.
struct TextCounter: Sendable {
    private var keys: [[UInt8]] = []
    private var counts: [Int] = []
    private var slots = [Int32](repeating: -1, count: 64)

    var isEmpty: Bool { keys.isEmpty }

    /// Adds one occurrence; true when the value is new.
    @discardableResult
    mutating func add(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: ByteHash.of(bytes)) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            if keys[index].count == bytes.count,
               bytes.isEmpty || keys[index].withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                counts[index] += 1
                return false
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(keys.count)
        keys.append(Array(bytes))
        counts.append(1)
        if keys.count * 2 > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, key) in keys.enumerated() {
            var slot = Int(truncatingIfNeeded: key.withUnsafeBytes(ByteHash.of)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// The counts by text (invalid UTF-8 repaired, as everywhere text is shown).
    var dictionary: [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(keys.count)
        for (key, count) in zip(keys, counts) { out[String(decoding: key, as: UTF8.self), default: 0] += count }
        return out
    }
}
