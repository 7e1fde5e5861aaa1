import Foundation

/// One feature flag as a flag file defines it.
public struct Flag: Sendable, Equatable {
    public struct Variant: Sendable, Equatable {
        public var name: String
        public var weight: Double
    }

    public var name: String
    public var description = ""
    public var owner = ""
    /// Off by default: a flag is on for nobody until enabled.
    public var enabled = false
    /// 0–100 in steps of 0.01: the share of users (by position, see `FlagEvaluator`) a flag
    /// that is enabled is on for.
    public var rolloutPercentage = 0.0
    /// Mixed into the user's hash so flags roll out to different users; the flag name when unset.
    public var salt: String
    /// Kill switch and force-on; the kill switch wins.
    public var adminOverrideEnabled = false
    public var adminOverrideDisabled = false
    public var variants: [Variant] = []
    public var created: Double?
    public var expiry: Double?
    /// Where the flag is defined (1-based line), for findings.
    public var line = 0

    public init(name: String, enabled: Bool = false, rolloutPercentage: Double = 0, salt: String? = nil) {
        self.name = name
        self.enabled = enabled
        self.rolloutPercentage = rolloutPercentage
        self.salt = salt ?? name
    }

    /// The share of users the flag is on for, ignoring user overrides: 0 when killed or
    /// disabled, 100 when forced on, else the rollout percentage. Rollout rules compare this.
    public var effectivePercentage: Double {
        if adminOverrideDisabled { return 0 }
        if adminOverrideEnabled { return 100 }
        return enabled ? rolloutPercentage : 0
    }
}

/// Rollout percentages: 0 to 100 in hundredths of a percent, the finest step the bucketing
/// resolves.
public enum Percentage {
    /// The percentage in hundredths (0.1 → 10), or nil when it is outside 0–100 or finer than
    /// a hundredth.
    public static func hundredths(_ value: Double) -> Int? {
        guard value.isFinite, (0...100).contains(value) else { return nil }
        let scaled = (value * 100).rounded()
        return abs(scaled - value * 100) < 1e-6 ? Int(scaled) : nil
    }

    /// "25", "0.1", "12.5": no trailing zeros.
    public static func text(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let whole = hundredths / 100, fraction = hundredths % 100
        if fraction == 0 { return "\(whole)" }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : String(format: "%d.%02d", whole, fraction)
    }
}

/// A user's own setting of a flag, for support cases and testers: it wins over everything
/// else until it expires.
public struct UserOverride: Sendable, Equatable {
    public var user: String
    public var flag: String
    public var enabled: Bool
    public var reason: String?
    public var expiresAt: Double?
    public var line = 0

    public init(user: String, flag: String, enabled: Bool, reason: String? = nil, expiresAt: Double? = nil) {
        (self.user, self.flag, self.enabled, self.reason, self.expiresAt) = (user, flag, enabled, reason, expiresAt)
    }

    public func isActive(at time: Double) -> Bool {
        expiresAt.map { time < $0 } ?? true
    }
}

/// What can be wrong with a flag file; each message names the file, the line and the flag.
public enum FlagFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, line: Int?, message: String)
    case invalid(path: String, line: Int, subject: String, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot be read (\(reason))."
        case .syntax(let path, let line, let message): "\(path)\(line.map { ":\($0)" } ?? ""): \(message)."
        case .invalid(let path, let line, let subject, let message): "\(path):\(line): \(subject): \(message)."
        }
    }
}
