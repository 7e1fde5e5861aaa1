/// What a gate may know about where it runs: the repository root, the environment (secrets
/// included), the clock and its previous result. Passed in; no gate module reads the process
/// (`ProcessInfo`, `Date()`, the working directory) itself.
///
/// Relative paths — in policy files, on the command line, inside inputs — are resolved against
/// `root`, which is the directory `gate` runs in (the repository root, in CI and by
/// `gate check`'s convention); `resolve(_:)` is the one place that happens.
public struct GateContext: Sendable {
    /// Absolute path of the directory inputs and findings are relative to.
    public var root: String
    public var environment: GateEnvironment
    /// "Now", seconds since 1970: `SOURCE_DATE_EPOCH` when the environment sets it (replays,
    /// reproducible builds), else the system clock when the context was made.
    public var now: Double
    /// The gate's previous result when the run has `--baseline-dir`: the ratchets compare with
    /// it (a gate's own `baseline:` key wins), and new-only with its findings.
    public var baseline: BaselineInput?

    public init(root: String, environment: GateEnvironment = GateEnvironment([:]), now: Double? = nil, baseline: BaselineInput? = nil) {
        self.root = root
        self.environment = environment
        self.now = now ?? environment.variables["SOURCE_DATE_EPOCH"].flatMap(Double.init) ?? Platform.currentTime()
        self.baseline = baseline
    }

    /// The process's working directory as root, its environment and clock.
    public static var current: GateContext {
        GateContext(root: Platform.workingDirectory(), environment: GateEnvironment(Platform.environment()))
    }

    /// `path` made absolute against `root`; absolute paths and `-` (standard input) are kept.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || path == "-" || root.isEmpty || root == "." { return path }
        return root.hasSuffix("/") ? root + path : root + "/" + path
    }
}
