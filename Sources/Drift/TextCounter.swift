import Foundation
import GateKit

/// Counts of distinct byte strings while a file is read: an open-addressing table keyed by the
/// bytes themselves (`ByteHash`, eight bytes at a step), so a categorical column of ten
/// million rows costs one hash and one comparison per value instead of a String and a SipHash
/// each. The distinct values' bytes sit end to end in one buffer, and each slot keeps 32 bits
/// of its value's hash, so a probe compares bytes only when those agree. Turned into a
/// `[String: Int]` once, at the end.
struct TextCounter: Sendable {
    /// The distinct values' bytes, end to end; value i is `bytes[starts[i] ..< starts[i + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    private var counts: [Int] = []
    /// 0 when free, else the hash's high 32 bits above (index + 1).
    private var slots = [UInt64](repeating: 0, count: 64)

    var isEmpty: Bool { counts.isEmpty }

    /// Adds one occurrence; true when the value is new.
    @discardableResult
    mutating func add(_ value: UnsafeRawBufferPointer) -> Bool {
        let hash = ByteHash.of(value)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let index = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                let start = starts[index]
                if starts[index + 1] - start == value.count,
                   value.isEmpty || bytes.withUnsafeBytes({ memcmp($0.baseAddress! + start, value.baseAddress!, value.count) == 0 }) {
                    counts[index] += 1
                    return false
                }
            }
            slot = (slot + 1) & mask
        }
        slots[slot] = tag | UInt64(counts.count + 1)
        bytes.append(contentsOf: value)
        starts.append(bytes.count)
        counts.append(1)
        if counts.count * 2 > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        bytes.withUnsafeBytes { all in
            for index in counts.indices {
                let hash = ByteHash.of(UnsafeRawBufferPointer(rebasing: all[starts[index]..<starts[index + 1]]))
                var slot = Int(truncatingIfNeeded: hash) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(index + 1)
            }
        }
    }

    /// The counts by text (invalid UTF-8 repaired, as everywhere text is shown).
    var dictionary: [String: Int] {
        var out: [String: Int] = [:]
        out.reserveCapacity(counts.count)
        for index in counts.indices {
            out[String(decoding: bytes[starts[index]..<starts[index + 1]], as: UTF8.self), default: 0] += counts[index]
        }
        return out
    }
}
