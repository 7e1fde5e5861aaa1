import CIntrinsics
import Foundation
import GateKit

/// Counts of distinct byte strings while a file is read: an open-addressing table keyed by the
/// bytes themselves (`ByteHash`, sixteen bytes a multiply), so a categorical column of ten
/// million rows costs one hash and one comparison per value instead of a String and a SipHash
/// each. The distinct values' bytes sit end to end in one buffer; each slot holds 32 bits of
/// its value's hash, the value's length, where its bytes are and its count — so a value met
/// again costs two memory reads that may miss the cache (its slot, its bytes), not three;
/// `addSoon` starts both reads a few values ahead.
/// Turned into a `[String: Int]` once, at the end.
///
/// The table lives in memory of its own, reached through one pointer: the path every value
/// takes has no array's uniqueness check, bounds check or closure (it took 224 instructions a
/// value with arrays, measured on the 5M-row files of 2,000 and 50,000 distinct values).
/// A copy of a counter shares its table: a counter is filled by the one reader that made it.
struct TextCounter: @unchecked Sendable {
    private struct Slot {
        /// The hash's high 32 bits above the length; 0 when the slot is free (values are
        /// never empty: an empty field is missing).
        var key: UInt64 = 0
        var start = 0
        var count = 0
    }

    /// A value given to `addSoon` and not counted yet, with its hash; `start` nil when none.
    private struct Pending {
        var start: UnsafeRawPointer?
        var count = 0
        var hash: UInt64 = 0
    }

    private struct State {
        var slots: UnsafeMutablePointer<Slot>
        var mask: Int
        /// The distinct values' bytes, end to end: `used` of `capacity`, which keeps eight bytes
        /// past them (`counts` sorts the values there, reading eight bytes at a time).
        var bytes: UnsafeMutableRawPointer
        var used = 0, capacity: Int
        var distinct = 0
        /// The last four values given to `addSoon`, by how many were given before them (mod 4);
        /// `asked` values were given in all.
        var pending: UnsafeMutablePointer<Pending>
        var asked = 0
    }

    /// Owns the state; frees it with the last counter that holds it.
    private final class Storage {
        let state: UnsafeMutablePointer<State>

        init() {
            let slots = UnsafeMutablePointer<Slot>.allocate(capacity: 64)
            slots.initialize(repeating: Slot(), count: 64)
            let pending = UnsafeMutablePointer<Pending>.allocate(capacity: 4)
            pending.initialize(repeating: Pending(), count: 4)
            state = .allocate(capacity: 1)
            state.initialize(to: State(slots: slots, mask: 63, bytes: .allocate(byteCount: 1024, alignment: 8), capacity: 1024, pending: pending))
        }

        deinit {
            state.pointee.slots.deallocate()
            state.pointee.bytes.deallocate()
            state.pointee.pending.deallocate()
            state.deallocate()
        }
    }

    private var storage: Storage?

    /// The table, made at the first value.
    private mutating func state() -> UnsafeMutablePointer<State> {
        if let storage { return storage.state }
        let made = Storage()
        storage = made
        return made.state
    }

    var isEmpty: Bool {
        guard let state = storage?.state.pointee else { return true }
        return state.distinct == 0 && (0..<4).allSatisfy { state.pending[$0].start == nil }
    }

    /// Adds one occurrence of a value (not empty); true when the value is new.
    @discardableResult
    mutating func add(_ value: UnsafeRawBufferPointer) -> Bool {
        Self.count(state(), value.baseAddress, value.count, hash: ByteHash.of(value))
    }

    /// Adds one occurrence of `value` (not empty) four calls later. A slot and a value's bytes
    /// among tens of thousands are rarely in the cache, and a read that misses it stalls the
    /// parse: so this call hashes `value` and starts fetching its slot, starts fetching the
    /// bytes of the value given two calls before (whose slot has arrived by now), and counts
    /// the value given four calls before, all of whose memory has. (Counting two calls after
    /// the slot and one after the bytes left a tenth more time in the counter, three and two
    /// a twentieth; measured on 5M-row files of 2,000 and 50,000 distinct values.) `value`
    /// must stay readable until `flush()`.
    @inline(__always)
    mutating func addSoon(_ value: UnsafeRawBufferPointer) {
        let state = state()
        // A table of a few hundred values stays cached: counted at once. (Fetching ahead
        // from 1,024 slots on: 5M-row files of 2,000 and 50,000 distinct values took 7% less
        // time; files of 3 and 30 values gained nothing.)
        if state.pointee.mask >= 1023, value.baseAddress != nil { Self.addAhead(state, value) } else { add(value) }
    }

    @inline(never)
    private static func addAhead(_ state: UnsafeMutablePointer<State>, _ value: UnsafeRawBufferPointer) {
        let hash = ByteHash.of(value)
        let slots = state.pointee.slots, mask = state.pointee.mask
        let slot = slots + (Int(truncatingIfNeeded: hash) & mask)
        gate_prefetch(slot)
        gate_prefetch(UnsafeRawPointer(slot) + 16)
        let asked = state.pointee.asked, pending = state.pointee.pending
        let landed = pending[(asked &+ 2) & 3]
        if landed.start != nil {
            let start = slots[Int(truncatingIfNeeded: landed.hash) & mask].start
            gate_prefetch(state.pointee.bytes + min(start, state.pointee.used))
        }
        let due = pending[asked & 3]
        pending[asked & 3] = Pending(start: value.baseAddress, count: value.count, hash: hash)
        state.pointee.asked = asked &+ 1
        if due.start != nil { count(state, due.start, due.count, hash: due.hash) }
    }

    /// Counts the values `addSoon` holds.
    mutating func flush() {
        guard let state = storage?.state else { return }
        let pending = state.pointee.pending
        for index in 0..<4 where pending[index].start != nil {
            Self.count(state, pending[index].start, pending[index].count, hash: pending[index].hash)
            pending[index] = Pending()
        }
        state.pointee.asked = 0
    }

    /// One occurrence of the `length` bytes at `start`; true when they are new.
    @discardableResult @inline(__always)
    private static func count(_ state: UnsafeMutablePointer<State>, _ start: UnsafeRawPointer?, _ length: Int, hash: UInt64) -> Bool {
        let key = hash & 0xFFFF_FFFF_0000_0000 | UInt64(truncatingIfNeeded: length)
        let slots = state.pointee.slots, mask = state.pointee.mask
        let value = UnsafeRawBufferPointer(start: start, count: length)
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].key != 0 {
            if slots[index].key == key {
                let at = slots[index].start
                if at &+ length <= state.pointee.used,
                   ByteHash.equal(UnsafeRawBufferPointer(start: state.pointee.bytes + at, count: length), value) {
                    slots[index].count &+= 1
                    return false
                }
            }
            index = (index &+ 1) & mask
        }
        insert(state, value, key: key, at: index)
        return true
    }

    @inline(never)
    private static func insert(_ state: UnsafeMutablePointer<State>, _ value: UnsafeRawBufferPointer, key: UInt64, at index: Int) {
        let used = state.pointee.used
        if used + value.count + 8 > state.pointee.capacity {
            let capacity = max(2 * state.pointee.capacity, used + value.count + 8)
            let bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            bytes.copyMemory(from: state.pointee.bytes, byteCount: used)
            state.pointee.bytes.deallocate()
            (state.pointee.bytes, state.pointee.capacity) = (bytes, capacity)
        }
        if let source = value.baseAddress { (state.pointee.bytes + used).copyMemory(from: source, byteCount: value.count) }
        state.pointee.slots[index] = Slot(key: key, start: used, count: 1)
        state.pointee.used = used + value.count
        state.pointee.distinct += 1
        if state.pointee.distinct * 2 > state.pointee.mask + 1 { grow(state) }
    }

    private static func grow(_ state: UnsafeMutablePointer<State>) {
        let (old, oldSize) = (state.pointee.slots, state.pointee.mask + 1)
        let size = oldSize * 2, mask = size - 1
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: size)
        slots.initialize(repeating: Slot(), count: size)
        for entry in UnsafeBufferPointer(start: old, count: oldSize) where entry.key != 0 {
            let length = Int(truncatingIfNeeded: entry.key & 0xFFFF_FFFF)
            var index = Int(truncatingIfNeeded: ByteHash.of(UnsafeRawBufferPointer(start: state.pointee.bytes + entry.start, count: length))) & mask
            while slots[index].key != 0 { index = (index + 1) & mask }
            slots[index] = entry
        }
        old.deallocate()
        (state.pointee.slots, state.pointee.mask) = (slots, mask)
    }

    /// The values and their counts once the file is read (`flush()` first): ASCII values by
    /// their bytes in ascending order, anything else as a dictionary of strings.
    var counts: TextCounts {
        guard let state = storage?.state.pointee, state.distinct > 0 else { return .strings([:]) }
        precondition((0..<4).allSatisfy { state.pending[$0].start == nil }, "a value given to addSoon is not counted yet")
        let all = UnsafeRawBufferPointer(start: state.bytes, count: state.used)
        guard all.allSatisfy({ $0 < 0x80 }) else { return .strings(dictionary) }
        // The values lie end to end in the order they came: by where they start, each ends
        // where the next starts.
        var entries: [(start: Int, count: Int)] = []
        entries.reserveCapacity(state.distinct)
        for entry in UnsafeBufferPointer(start: state.slots, count: state.mask + 1) where entry.key != 0 {
            entries.append((entry.start, entry.count))
        }
        entries.sort { $0.start < $1.start }
        let starts = entries.map(\.start) + [state.used]
        // Sorted where they are: the sort reads eight bytes at a time, the last past the end.
        (state.bytes + state.used).initializeMemory(as: UInt8.self, repeating: 0, count: 8)
        var order = Array(entries.indices)
        ByteStrings.sort(&order, bytes: UnsafeRawBufferPointer(start: state.bytes, count: state.used + 8), starts: starts)
        var sorted = SortedTexts()
        sorted.bytes.reserveCapacity(state.used)
        sorted.starts.reserveCapacity(entries.count + 1)
        sorted.counts.reserveCapacity(entries.count)
        for k in order {
            sorted.bytes.append(contentsOf: all[starts[k]..<starts[k + 1]])
            sorted.starts.append(sorted.bytes.count)
            sorted.counts.append(entries[k].count)
        }
        return .ascii(sorted)
    }

    /// The counts by text (invalid UTF-8 repaired, as everywhere text is shown); `flush()` first.
    var dictionary: [String: Int] {
        guard let state = storage?.state.pointee else { return [:] }
        precondition((0..<4).allSatisfy { state.pending[$0].start == nil }, "a value given to addSoon is not counted yet")
        var out: [String: Int] = [:]
        out.reserveCapacity(state.distinct)
        for entry in UnsafeBufferPointer(start: state.slots, count: state.mask + 1) where entry.key != 0 {
            let length = Int(truncatingIfNeeded: entry.key & 0xFFFF_FFFF)
            let bytes = UnsafeRawBufferPointer(start: state.bytes + entry.start, count: length)
            out[String(decoding: bytes, as: UTF8.self), default: 0] += entry.count
        }
        return out
    }
}

/// A column's text values once read. ASCII values — ids, codes, paths, the usual case — are
/// kept by their bytes in ascending order (ASCII byte order is string order, and equal bytes are
/// equal strings), so two samples' values are joined by one merge, with no string or dictionary
/// made per value; other text is a dictionary of strings, which compares as Swift does
/// (canonically equivalent spellings are one value).
enum TextCounts: Sendable {
    case ascii(SortedTexts)
    case strings([String: Int])

    var dictionary: [String: Int] {
        switch self {
        case .strings(let counts): counts
        case .ascii(let sorted): Dictionary(uniqueKeysWithValues: (0..<sorted.counts.count).map { (sorted.text($0), sorted.counts[$0]) })
        }
    }

    var total: Int {
        switch self {
        case .strings(let counts): counts.values.reduce(0, +)
        case .ascii(let sorted): sorted.counts.reduce(0, +)
        }
    }
}

/// Distinct ASCII values end to end in ascending byte order (a prefix first), with their counts:
/// value k is `bytes[starts[k]..<starts[k + 1]]`.
struct SortedTexts: Sendable {
    var bytes: [UInt8] = []
    var starts = [0]
    var counts: [Int] = []

    func text(_ k: Int) -> String { String(decoding: bytes[starts[k]..<starts[k + 1]], as: UTF8.self) }

    /// -1, 0 or 1 as value i here orders before, with or after value j of `other`.
    func order(_ i: Int, _ other: SortedTexts, _ j: Int) -> Int {
        let (m, l) = (starts[i + 1] - starts[i], other.starts[j + 1] - other.starts[j])
        let common = min(m, l)
        let compared = common == 0 ? 0 : bytes.withUnsafeBytes { a in
            other.bytes.withUnsafeBytes { b in memcmp(a.baseAddress! + starts[i], b.baseAddress! + other.starts[j], common) }
        }
        if compared != 0 { return compared < 0 ? -1 : 1 }
        return m == l ? 0 : (m < l ? -1 : 1)
    }
}
