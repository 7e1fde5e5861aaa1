/// The process environment as the output layer sees it, injected so tests can pass their own.
public struct GateEnvironment: Sendable {
    public var variables: [String: String]

    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// True when running as a GitHub Actions step (`GITHUB_ACTIONS=true`).
    public var isGitHubActions: Bool { variables["GITHUB_ACTIONS"] == "true" }

    /// `$GITHUB_STEP_SUMMARY`, where a step appends its markdown summary.
    public var stepSummaryPath: String? { nonEmpty("GITHUB_STEP_SUMMARY") }

    /// `$GITHUB_OUTPUT`, where a step writes `name=value` outputs.
    public var outputPath: String? { nonEmpty("GITHUB_OUTPUT") }

    /// `$GATE_COMMENT_FILE`: where the composite action wants the pull-request comment's body
    /// (`gate comment` posts it).
    public var commentPath: String? { nonEmpty("GATE_COMMENT_FILE") }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }
}

/// `--color auto|always|never`.
public enum ColorChoice: String, Sendable, CaseIterable {
    case auto
    case always
    case never

    /// Whether to colour text output, by the precedence of no-color.org and common practice:
    /// an explicit `always`/`never` wins; then a non-empty `NO_COLOR` turns colour off; then a
    /// non-empty `FORCE_COLOR`/`CLICOLOR_FORCE` other than "0" turns it on; otherwise colour only
    /// on a terminal whose `TERM` is not `dumb`.
    public func enabled(environment: GateEnvironment, isTerminal: Bool) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto: break
        }
        let variables = environment.variables
        if let noColor = variables["NO_COLOR"], !noColor.isEmpty { return false }
        for name in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
            if let force = variables[name], !force.isEmpty, force != "0" { return true }
        }
        return isTerminal && variables["TERM"] != "dumb"
    }
}
