/// What a gate may know about where it runs: the repository root paths are resolved against,
/// and the environment. Passed in, never read from the process deep inside a gate.
public struct GateContext: Sendable {
    /// Absolute path of the directory inputs and findings are relative to.
    public var root: String
    public var environment: GateEnvironment

    public init(root: String, environment: GateEnvironment = GateEnvironment([:])) {
        self.root = root
        self.environment = environment
    }
}
