import GateCrypto
import Foundation

/// Why an evaluation came out as it did.
public enum EvaluationReason: String, Sendable, Codable, CaseIterable {
    case userOverride = "USER_OVERRIDE"
    case adminOverride = "ADMIN_OVERRIDE"
    case rolloutIn = "ROLLOUT_IN"
    case rolloutOut = "ROLLOUT_OUT"
    case disabled = "DISABLED"
    /// The flag is not defined: off.
    case defaultValue = "DEFAULT"
    /// The flag file could not be loaded: every flag off.
    case error = "ERROR"
}

public struct Evaluation: Sendable, Equatable {
    public var value: Bool
    public var reason: EvaluationReason
    /// The variant, for a flag that is on and has variants.
    public var variant: String?
    /// The user's bucket (0–99) for this flag, when the rollout was consulted.
    public var bucket: Int?
    /// The user's position in hundredths of a percent (0–9,999), when the rollout was
    /// consulted: bucket × 100 plus the sub-bucket.
    public var position: Int?
    /// What went wrong, with reason ERROR.
    public var message: String?

    public init(value: Bool, reason: EvaluationReason, variant: String? = nil, bucket: Int? = nil, position: Int? = nil, message: String? = nil) {
        (self.value, self.reason, self.variant, self.bucket, self.position, self.message) = (value, reason, variant, bucket, position, message)
    }
}

/// Evaluates flags for users, in this order: an unexpired user override; the admin overrides
/// (the kill switch wins over force-on); a disabled flag is off; otherwise on when the user's
/// bucket is below the rollout percentage.
///
/// Bucket: the first 8 hex digits of sha256(userId + salt) — the first four digest bytes, big
/// endian — as an integer, mod 100. Sub-bucket: the next 8 hex digits (digest bytes 4–7) mod
/// 100. Position = bucket × 100 + sub-bucket, 0–9,999, in hundredths of a percent; the user is
/// in when position < percentage × 100. At a whole percentage p that is exactly bucket < p, so
/// the finer steps (0.1% is positions 0–9: bucket 0, sub-bucket below 10) change no user's side
/// of any whole-percent rollout. Raising the percentage only adds users (a user in at p is in
/// at every p′ > p), and each flag's salt spreads different flags over different users.
/// Variant: the first integer divided by 100, mod 10,000, picks a point on the weights laid end
/// to end (so variant and rollout bucket are independent).
public struct FlagEvaluator: Sendable {
    private let flags: [String: Flag]
    /// Flag → user → that user's overrides of the flag.
    private let overrides: [String: [String: [UserOverride]]]
    private let loadError: String?

    public init(file: FlagFile) {
        self.init(flags: Dictionary(file.flags.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }),
                  overrides: Dictionary(grouping: file.overrides, by: \.flag).mapValues { Dictionary(grouping: $0, by: \.user) }, loadError: nil)
    }

    private init(flags: [String: Flag], overrides: [String: [String: [UserOverride]]], loadError: String?) {
        (self.flags, self.overrides, self.loadError) = (flags, overrides, loadError)
    }

    /// Loads `path`; a file that cannot be loaded leaves every flag off with reason ERROR
    /// (and the error as the message) rather than failing the caller.
    public init(loading path: String) {
        do {
            self.init(file: try FlagFile.load(path))
        } catch {
            self.init(flags: [:], overrides: [:], loadError: String(describing: error))
        }
    }

    public func evaluate(_ name: String, user: String, at time: Double = Date().timeIntervalSince1970) -> Evaluation {
        if let loadError { return Evaluation(value: false, reason: .error, message: loadError) }
        guard let flag = flags[name] else { return Evaluation(value: false, reason: .defaultValue) }
        if let entry = overrides[name]?[user]?.last(where: { $0.isActive(at: time) }) {
            return Evaluation(value: entry.enabled, reason: .userOverride, variant: entry.enabled ? variant(flag, user: user) : nil)
        }
        if flag.adminOverrideDisabled { return Evaluation(value: false, reason: .adminOverride) }
        if flag.adminOverrideEnabled { return Evaluation(value: true, reason: .adminOverride, variant: variant(flag, user: user)) }
        guard flag.enabled else { return Evaluation(value: false, reason: .disabled) }
        let (hash, next) = Self.hashWords(user: user, salt: flag.salt)
        let bucket = Int(hash % 100), position = bucket * 100 + Int(next % 100)
        guard Double(position) < flag.rolloutPercentage * 100 else { return Evaluation(value: false, reason: .rolloutOut, bucket: bucket, position: position) }
        return Evaluation(value: true, reason: .rolloutIn, variant: Self.variant(flag.variants, hash: hash), bucket: bucket, position: position)
    }

    private func variant(_ flag: Flag, user: String) -> String? {
        flag.variants.isEmpty ? nil : Self.variant(flag.variants, hash: Self.hashPrefix(user: user, salt: flag.salt))
    }

    static func variant(_ variants: [Flag.Variant], hash: UInt32) -> String? {
        guard !variants.isEmpty else { return nil }
        let total = variants.reduce(0) { $0 + $1.weight }
        let point = Double((hash / 100) % 10_000)
        var cumulative = 0.0
        for variant in variants {
            cumulative += variant.weight
            if point < cumulative / total * 10_000 { return variant.name }
        }
        return variants.last { $0.weight > 0 }?.name
    }

    /// The first four bytes of sha256(user + salt), big endian.
    public static func hashPrefix(user: String, salt: String) -> UInt32 { hashWords(user: user, salt: salt).0 }

    /// Bytes 0–3 and 4–7 of sha256(user + salt), each big endian.
    public static func hashWords(user: String, salt: String) -> (UInt32, UInt32) {
        var hasher = SHA256()
        var user = user, salt = salt
        user.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        salt.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hasher.finalize().withUnsafeBytes { bytes in
            func word(_ at: Int) -> UInt32 { UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3]) }
            return (word(0), word(4))
        }
    }

    /// The user's position (0–9,999) for a salt: in hundredths of a percent.
    public static func position(user: String, salt: String) -> Int {
        let (hash, next) = hashWords(user: user, salt: salt)
        return Int(hash % 100) * 100 + Int(next % 100)
    }

    /// The user's bucket (0–99) for a salt.
    public static func bucket(user: String, salt: String) -> Int {
        Int(hashPrefix(user: user, salt: salt) % 100)
    }
}
