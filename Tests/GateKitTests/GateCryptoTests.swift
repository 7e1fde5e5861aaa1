import Foundation
import GateCrypto
import Testing

@Suite("SHA-256 and Ed25519 through libcrypto")
struct GateCryptoTests {
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test("FIPS 180-4's examples; incremental, in one call and across a copy alike")
    func sha256() {
        #expect(Self.hex(SHA256.hash(data: [UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex(SHA256.hash(data: Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(Self.hex(SHA256.hash(data: long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var hasher = SHA256()
        long.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<10])) }
        let copy = hasher
        long.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[10...])) }
        #expect(Self.hex(hasher.finalize()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // The copy kept its own state: the first 10 bytes only.
        #expect(copy.finalize() == SHA256.hash(data: long[..<10]))
        // One million 'a's, in uneven pieces.
        var million = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var left = 1_000_000
        while left > 0 {
            let take = min(left, chunk.count)
            chunk.withUnsafeBytes { million.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<take])) }
            left -= take
        }
        #expect(Self.hex(million.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Ed25519: RFC 8032's test vectors 1 and 2; a changed message or signature does not verify")
    func ed25519() throws {
        let vectors = [
            ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
             "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
            ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
             "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
        ]
        for (secret, publicHex, message, signature) in vectors {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: Self.bytes(secret))
            #expect(Self.hex(key.publicKey.rawRepresentation) == publicHex)
            let signed = try key.signature(for: Self.bytes(message))
            #expect(Self.hex(signed) == signature)
            let verifier = try Curve25519.Signing.PublicKey(rawRepresentation: Self.bytes(publicHex))
            #expect(verifier.isValidSignature(signed, for: Self.bytes(message)))
            #expect(!verifier.isValidSignature(signed, for: Self.bytes(message) + [0]))
            var bent = Array(signed)
            bent[5] ^= 1
            #expect(!verifier.isValidSignature(bent, for: Self.bytes(message)))
        }
        let fresh = Curve25519.Signing.PrivateKey()
        #expect(fresh.rawRepresentation != Curve25519.Signing.PrivateKey().rawRepresentation)
        #expect(fresh.publicKey.isValidSignature(try fresh.signature(for: Data("manifest".utf8)), for: Data("manifest".utf8)))
        #expect(throws: (any Error).self) { _ = try Curve25519.Signing.PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 31)) }
    }
}
