/// A fast 64-bit hash of a byte string for in-memory tables (docnos, category values): sixteen
/// bytes at a step, the two words multiplied 64×64→128 bits (one xored with a constant, the
/// other with the running hash) and the halves xored, as wyhash-style hashes mix — one multiply
/// per sixteen bytes on the dependency chain. Both words are also xored in after the multiply,
/// so a word that zeroes a factor does not erase the other. Not stable across versions, not
/// for anything stored. Also the word-at-a-time byte tests the line and field scanners share
/// (`matches`, `equal`).
public enum ByteHash {
    @inlinable @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        let first: UInt64 = 0x9E37_79B9_7F4A_7C15, second: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: n)
        guard let base = bytes.baseAddress else { return hash }
        // The last sixteen bytes (or fewer) in two words, whatever was folded in before them.
        let a: UInt64, b: UInt64
        if n >= 16 {
            var offset = 0
            while offset &+ 16 < n {
                hash = mix(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self), base.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self), hash)
                offset &+= 16
            }
            (a, b) = (base.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self), base.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        } else if n >= 8 {
            (a, b) = (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        } else if n >= 4 {
            (a, b) = (UInt64(base.loadUnaligned(as: UInt32.self)), UInt64(base.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)))
        } else if n > 0 {
            (a, b) = (UInt64(bytes[0]) << 16 | UInt64(bytes[n >> 1]) << 8 | UInt64(bytes[n &- 1]), 0)
        } else {
            (a, b) = (0, 0)
        }
        let mixed = (mix(a ^ second, b, hash) ^ UInt64(truncatingIfNeeded: n)).multipliedFullWidth(by: first)
        return mixed.low ^ mixed.high
    }

    /// Two words into the running hash.
    @usableFromInline @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64, _ hash: UInt64) -> UInt64 {
        let product = (a ^ 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: b ^ hash)
        return product.low ^ product.high ^ (a ^ b)
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

    /// Whether `a` and `b` hold the same bytes: sixteen at a step, inline — the short keys a
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
                && x.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
        }
        @inline(__always) func differs(_ offset: Int) -> UInt64 {
            x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        var offset = 0
        while offset &+ 16 < n {
            if differs(offset) | differs(offset &+ 8) != 0 { return false }
            offset &+= 16
        }
        // The last sixteen bytes, or all of eight to sixteen (overlapping what was compared).
        return differs(max(0, n &- 16)) | differs(n &- 8) == 0
    }
}
