/// A 128-bit digest that tells values and rows apart in memory — not a cryptographic hash:
/// two independent 64-bit lanes, so ten million distinct values collide with a probability
/// of about 1e-25. Uniqueness checks and key joins keep these instead of the values.
public struct Digest128: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        (self.high, self.low) = (high, low)
    }

    public static func < (a: Self, b: Self) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }

    /// The digest of `bytes`: FNV-1a in one lane, a multiply-xorshift mix seeded with the
    /// length in the other.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> Digest128 {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(bytes.count)
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0xbf58_476d_1ce4_e5b9
            b ^= b >> 31
        }
        return Digest128(high: a, low: b)
    }

    /// The digest of a list of parts (field digests, in order; a missing field is nil).
    public struct Builder: Sendable {
        private var a: UInt64 = 0x8422_2325_cbf2_9ce4, b: UInt64 = 0x7f4a_7c15_9e37_79b9

        public init() {}

        public mutating func add(_ part: Digest128?) {
            let (x, y) = part.map { ($0.high, $0.low) } ?? (0x5555_5555_5555_5555, 0xaaaa_aaaa_aaaa_aaaa)
            a = (a ^ x) &* 0x100_0000_01b3
            a ^= a >> 29
            b = (b ^ y) &* 0x94d0_49bb_1331_11eb
            b ^= b >> 32
        }

        public var digest: Digest128 { Digest128(high: a, low: b) }
    }
}
