/// The four answers a gate can give, ordered from best to worst.
///
/// `error` is not a stronger `fail`: it means the gate could not judge (bad usage, bad policy,
/// missing or malformed input, server unreachable). A gate fails closed, so missing data is an
/// `error`, never a `pass`.
public enum Verdict: String, Sendable, Codable, CaseIterable, Comparable {
    case pass
    case warn
    case fail
    case error

    /// Process exit status for this verdict: 0 for pass and warn, 1 for fail, 2 for error.
    public var exitCode: Int32 {
        switch self {
        case .pass, .warn: 0
        case .fail: 1
        case .error: 2
        }
    }

    private var rank: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        case .error: 3
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }

    /// The worst of several verdicts; `pass` when there are none.
    public static func worst<S: Sequence>(_ verdicts: S) -> Verdict where S.Element == Verdict {
        verdicts.max() ?? .pass
    }
}
