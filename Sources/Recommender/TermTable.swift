#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Term ids for tokens given as bytes, in order of first appearance: an open-addressing hash
/// table (FNV-1a) over a flat arena of term bytes. Indexing a large catalog maps every token
/// to an id; doing it on bytes, without a `String` and a SipHash per token, is most of what
/// makes the index build fast.
struct TermTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { starts.count - 1 }

    /// The id of `bytes`, added if new.
    mutating func id(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3 }
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let id = Int(slots[slot])
            if id < 0 { break }
            let start = starts[id], length = starts[id + 1] - start
            if length == bytes.count, length == 0 || arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + start, bytes.baseAddress!, length) == 0 }) {
                return id
            }
            slot = (slot + 1) & mask
        }
        let id = count
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        slots[slot] = Int32(id)
        if count * 2 > slots.count { grow() }
        return id
    }

    mutating func id(_ term: String) -> Int {
        var term = term
        return term.withUTF8 { id($0) }
    }

    /// Every term, by id.
    var terms: [String] {
        (0..<count).map { String(decoding: arena[starts[$0]..<starts[$0 + 1]], as: UTF8.self) }
    }

    private mutating func grow() {
        let terms = (0..<count).map { (starts[$0], starts[$0 + 1]) }
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (id, (start, end)) in terms.enumerated() {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for index in start..<end { hash = (hash ^ UInt64(arena[index])) &* 0x0100_0000_01B3 }
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}
