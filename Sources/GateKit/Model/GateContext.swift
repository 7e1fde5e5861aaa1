/// What a gate may know about where it runs: the repository root paths are resolved against,
/// and the environment. Passed in, never read from the process deep inside a gate.
public struct GateContext: Sendable {
    /// Absolute path of the directory inputs and findings are relative to.
    public var root: String
    public var environment: GateEnvironment
    /// The gate's previous result when the run has `--baseline-dir`: the ratchets compare with
    /// it (a gate's own `baseline:` key wins), and new-only with its findings.
    public var baseline: BaselineInput?

    public init(root: String, environment: GateEnvironment = GateEnvironment([:]), baseline: BaselineInput? = nil) {
        self.root = root
        self.environment = environment
        self.baseline = baseline
    }
}
