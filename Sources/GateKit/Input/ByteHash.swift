/// A fast 64-bit hash of a byte string for in-memory tables (docnos, category values): eight
/// bytes at a step, each folded in by a 64×64→128-bit multiply, the halves xored (the mixing
/// of wyhash-style hashes). Not stable across versions, not for anything stored.
public enum ByteHash {
    @inline(__always)
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return hash }
        var offset = 0
        while offset + 8 <= bytes.count {
            let product = (hash ^ base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
            hash = product.low ^ product.high
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        let mixed = (hash ^ tail).multipliedFullWidth(by: 0xC2B2_AE3D_27D4_EB4F)
        hash = mixed.low ^ mixed.high
        return hash ^ (hash >> 29)
    }

    @inline(__always)
    public static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        of(UnsafeRawBufferPointer(bytes))
    }
}
