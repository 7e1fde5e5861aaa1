import COpenSSL
import Foundation

/// Ed25519 signatures (RFC 8032, pure) through libcrypto, with raw 32-byte keys: what
/// checksum manifests are signed and verified with. The names follow the usual
/// `Curve25519.Signing` spelling.
public enum Curve25519 {
    public enum Signing {
        public struct KeyError: Error, CustomStringConvertible {
            public var description: String
        }

        public struct PrivateKey: Sendable {
            /// The 32-byte seed.
            public let rawRepresentation: Data

            /// A new key from the system's random generator.
            public init() {
                var seed = [UInt8](repeating: 0, count: 32)
                precondition(RAND_bytes(&seed, 32) == 1, "libcrypto's random generator failed")
                rawRepresentation = Data(seed)
            }

            public init<Bytes: ContiguousBytes>(rawRepresentation: Bytes) throws {
                let bytes = rawRepresentation.withUnsafeBytes { Array($0) }
                guard bytes.count == 32 else { throw KeyError(description: "an Ed25519 private key is 32 bytes, not \(bytes.count)") }
                self.rawRepresentation = Data(bytes)
            }

            func withKey<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
                let bytes = Array(rawRepresentation)
                guard let key = EVP_PKEY_new_raw_private_key(gate_evp_pkey_ed25519(), nil, bytes, bytes.count) else {
                    throw KeyError(description: "libcrypto refused the Ed25519 private key")
                }
                defer { EVP_PKEY_free(key) }
                return try body(key)
            }

            public var publicKey: PublicKey {
                // A 32-byte seed always makes a key, so this cannot fail.
                try! withKey { key in
                    var out = [UInt8](repeating: 0, count: 32)
                    var length = 32
                    precondition(EVP_PKEY_get_raw_public_key(key, &out, &length) == 1 && length == 32, "no Ed25519 public key")
                    return try PublicKey(rawRepresentation: out)
                }
            }

            public func signature<Bytes: DataProtocol>(for message: Bytes) throws -> Data {
                let bytes = Array(message)
                return try withKey { key in
                    guard let context = EVP_MD_CTX_new() else { throw KeyError(description: "libcrypto is out of memory") }
                    defer { EVP_MD_CTX_free(context) }
                    var signature = [UInt8](repeating: 0, count: 64)
                    var length = 64
                    guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1,
                          EVP_DigestSign(context, &signature, &length, bytes, bytes.count) == 1, length == 64 else {
                        throw KeyError(description: "libcrypto could not sign")
                    }
                    return Data(signature)
                }
            }
        }

        public struct PublicKey: Sendable {
            public let rawRepresentation: Data

            public init<Bytes: ContiguousBytes>(rawRepresentation: Bytes) throws {
                let bytes = rawRepresentation.withUnsafeBytes { Array($0) }
                guard bytes.count == 32 else { throw KeyError(description: "an Ed25519 public key is 32 bytes, not \(bytes.count)") }
                self.rawRepresentation = Data(bytes)
            }

            public func isValidSignature<Signature: DataProtocol, Bytes: DataProtocol>(_ signature: Signature, for message: Bytes) -> Bool {
                let signatureBytes = Array(signature), bytes = Array(message), raw = Array(rawRepresentation)
                guard signatureBytes.count == 64, let key = EVP_PKEY_new_raw_public_key(gate_evp_pkey_ed25519(), nil, raw, raw.count) else { return false }
                defer { EVP_PKEY_free(key) }
                guard let context = EVP_MD_CTX_new() else { return false }
                defer { EVP_MD_CTX_free(context) }
                return EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1
                    && EVP_DigestVerify(context, signatureBytes, signatureBytes.count, bytes, bytes.count) == 1
            }
        }
    }
}
