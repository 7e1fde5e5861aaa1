/// A fast 64-bit hash of a byte string for in-memory tables (docnos, category values): eight
/// bytes at a step, each folded in by a 64×64→128-bit multiply, the halves xored (the mixing
/// of wyhash-style hashes). Not stable across versions, not for anything stored. Also the
/// word-at-a-time byte tests the line and field scanners share (`matches`, `equal`).
public enum ByteHash {
    @inlinable @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return hash }
        var offset = 0
        while offset + 8 <= bytes.count {
            let product = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
            hash = product.low ^ product.high
            offset += 8
        }
        // The last bytes in at most two loads: the last eight (overlapping what was folded
        // in), or for a short string two four-byte loads, or the first, middle and last byte.
        let n = bytes.count
        let tail: UInt64
        if n >= 8 {
            tail = base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            tail = UInt64(base.loadUnaligned(as: UInt32.self)) << 32 | UInt64(base.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else if n > 0 {
            tail = UInt64(bytes[0]) << 16 | UInt64(bytes[n / 2]) << 8 | UInt64(bytes[n - 1])
        } else {
            tail = 0
        }
        let mixed = (hash ^ tail).multipliedFullWidth(by: 0xC2B2_AE3D_27D4_EB4F)
        hash = mixed.low ^ mixed.high
        return hash ^ (hash >> 29)
    }

    @inlinable @inline(__always)
    public static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        of(UnsafeRawBufferPointer(bytes))
    }

    /// The high bit of each byte of `word` (read little-endian) that equals `byte`, no other
    /// bit set: eight bytes tested at a step (a byte of x is zero exactly when the high bit of
    /// ~(((x & 0x7F) + 0x7F) | x) is set; no carry crosses bytes).
    @inlinable @inline(__always)
    public static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let x = UInt64(littleEndian: word) ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return ~(((x & low) &+ low) | x) & ~low
    }

    /// Whether `a` and `b` hold the same bytes: eight at a step, inline — the short keys a
    /// hash table compares cost less than a call to memcmp.
    @inlinable @inline(__always)
    public static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        guard n >= 4, let x = a.baseAddress, let y = b.baseAddress else {
            for i in 0..<n where a[i] != b[i] { return false }
            return true
        }
        guard n >= 8 else {
            // Four to seven bytes: the first four and the last four (overlapping).
            return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
                && x.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        var offset = 0
        while offset + 8 < n {
            if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        // The last eight bytes (overlapping what was compared).
        return x.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    }
}
