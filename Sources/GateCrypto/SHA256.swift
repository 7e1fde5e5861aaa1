import COpenSSL
import Foundation

/// SHA-256 (FIPS 180-4) through the system's libcrypto (OpenSSL 3), incremental or in one
/// call. libcrypto rather than a package: swift-crypto compiles its own copy of BoringSSL,
/// about 3 CPU-minutes in each of the suite's three builds, for two primitives; the system's
/// libcrypto, which libcurl already loads, has the same hardware-accelerated SHA-256.
public struct SHA256: @unchecked Sendable {
    /// A finished SHA-256: 32 bytes.
    public struct Digest: Sequence, Sendable, Equatable {
        public let bytes: [UInt8]
        public func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
    }

    /// The running context; a copy of a `SHA256` shares it until either updates (copy on write).
    private final class Context: @unchecked Sendable {
        let pointer: OpaquePointer
        init() {
            pointer = EVP_MD_CTX_new()!
            precondition(EVP_DigestInit_ex(pointer, EVP_sha256(), nil) == 1, "libcrypto cannot start SHA-256")
        }
        init(copying other: Context) {
            pointer = EVP_MD_CTX_new()!
            precondition(EVP_MD_CTX_copy_ex(pointer, other.pointer) == 1, "libcrypto cannot copy a SHA-256 context")
        }
        deinit { EVP_MD_CTX_free(pointer) }
    }

    private var context = Context()

    public init() {}

    public mutating func update(bufferPointer: UnsafeRawBufferPointer) {
        guard bufferPointer.count > 0 else { return }
        if !isKnownUniquelyReferenced(&context) { context = Context(copying: context) }
        precondition(EVP_DigestUpdate(context.pointer, bufferPointer.baseAddress, bufferPointer.count) == 1, "SHA-256 update failed")
    }

    public mutating func update<Bytes: DataProtocol>(data: Bytes) {
        for region in data.regions { region.withUnsafeBytes { update(bufferPointer: $0) } }
    }

    /// The digest; the hasher is not used afterwards.
    public func finalize() -> Digest {
        let copy = Context(copying: context)
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(copy.pointer, &out, &length) == 1 && length == 32, "SHA-256 final failed")
        return Digest(bytes: out)
    }

    public static func hash<Bytes: DataProtocol>(data: Bytes) -> Digest {
        var hasher = SHA256()
        hasher.update(data: data)
        return hasher.finalize()
    }
}
