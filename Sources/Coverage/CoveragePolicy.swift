import GateKit

/// A minimum line coverage that every file matching a glob must reach on its own.
public struct PathThreshold: Sendable, Equatable {
    public var glob: PathGlob
    public var minLine: Double
    /// Where the rule was written (policy file and line), for findings.
    public var origin: Location?

    public init(glob: PathGlob, minLine: Double, origin: Location? = nil) {
        self.glob = glob
        self.minLine = minLine
        self.origin = origin
    }
}

/// A threshold with the place it was set, so a failure can point at the policy line.
public struct Threshold: Sendable, Equatable {
    public var value: Double
    public var origin: Location?

    public init(_ value: Double, origin: Location? = nil) {
        self.value = value
        self.origin = origin
    }
}

/// The coverage gate's policy: `gates/coverage.yml`, each key overridable by the flag of the
/// same name.
///
/// ```yaml
/// report: coverage.xml          # or a list; the reports are merged
/// include: ["Sources/**"]       # only these files count (default: all)
/// exclude: ["**/Generated/**"]  # and never these
/// min-line: 80                  # total line coverage, percent
/// min-branch: 70                # total branch coverage, percent
/// paths:                        # per-file minimums; the last matching glob wins
///   "Sources/**": 60
///   "Sources/Core/**": 90
/// ```
public struct CoveragePolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("report", .list, "Coverage reports (Cobertura, LCOV, JaCoCo, coverage.py JSON, llvm-cov JSON, Go cover profiles), merged."),
        PolicyKey("path-map", .list, "Rewrite recorded path prefixes, FROM=TO, for reports made elsewhere."),
        PolicyKey("source-root", .path, "Resolve report paths against this directory instead of the current one."),
        PolicyKey("include", .list, "Count only files matching these globs."),
        PolicyKey("exclude", .list, "Never count files matching these globs."),
        PolicyKey("min-line", .threshold, "Minimum total line coverage, percent."),
        PolicyKey("min-branch", .threshold, "Minimum total branch coverage, percent."),
        PolicyKey("min-combined", .threshold, "Minimum of lines and branches together, percent (coverage.py's total)."),
        PolicyKey("paths", .mapping, "Per-file minimum line coverage by glob (GLOB: PERCENT, or GLOB=PERCENT items); the last match wins."),
        PolicyKey("diff", .path, "A unified diff whose added lines are the change to judge; - reads standard input."),
        PolicyKey("diff-base", .string, "Judge the change since this git ref, as diff-cover takes it."),
        PolicyKey("diff-committed-only", .bool, "With diff-base: the committed change only."),
        PolicyKey("min-diff", .threshold, "Minimum coverage of the changed lines, percent."),
        PolicyKey("min-diff-branch", .threshold, "Minimum share of changed lines with every branch taken, percent."),
        PolicyKey("baseline", .path, "An earlier coverage result the totals may not fall below by more than max-drop."),
        PolicyKey("max-drop", .threshold, "How far total line coverage may fall below the baseline, points."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }

    public var reports: [String] = []
    /// Rewrites of recorded path prefixes, for reports made on another machine.
    public var pathMap: [PathMapping] = []
    /// The directory report paths are resolved against (default: the current directory).
    public var sourceRoot: String?
    /// Only files matching one of these globs count (all files when empty).
    public var include: [PathGlob] = []
    /// Files matching one of these globs never count (generated code, dependencies, tests).
    public var exclude: [PathGlob] = []
    /// Where include and exclude were set (`gates/coverage.yml:4`, `--exclude`), for messages.
    public var globSources: [String: String] = [:]
    public var globLocations: [String: Location] = [:]
    public var minLine: Threshold?
    public var minBranch: Threshold?
    /// coverage.py's headline figure: (covered lines + covered branches) / (lines + branches).
    public var minCombined: Threshold?
    public var paths: [PathThreshold] = []
    /// A unified diff file whose added lines are the change to judge; `-` reads standard input.
    public var diff: String?
    /// A git ref: the change is `git diff BASE...HEAD` with staged and unstaged changes laid
    /// over it, as diff-cover takes it.
    public var diffBase: String?
    /// With diff-base: the committed change only.
    public var diffCommittedOnly = false
    public var minDiff: Threshold?
    /// Diff coverage counting a changed line with a branch not taken as uncovered, as
    /// diff-cover's --branch-coverage does.
    public var minDiffBranch: Threshold?
    /// An earlier `gate coverage --format json` result: total coverage may not fall below it
    /// by more than `maxDrop` percentage points (0 when not set).
    public var baseline: String?
    public var maxDrop: Threshold?

    public init() {}

    /// Reads the policy file; unknown keys and out-of-range values are errors.
    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        reports = try policy.strings("report") ?? []
        pathMap = try (try policy.strings("path-map") ?? []).map { try PathMapping(flag: $0) }
        sourceRoot = try policy.string("source-root")
        include = (try policy.strings("include") ?? []).map(PathGlob.init)
        exclude = (try policy.strings("exclude") ?? []).map(PathGlob.init)
        for key in ["include", "exclude"] {
            guard let entry = policy.entry(key) else { continue }
            globSources[key] = entry.flag ?? "\(policy.path):\(entry.line)"
            globLocations[key] = policy.location(key)
        }
        minLine = try policy.number("min-line", in: 0...100).map {
            Threshold($0, origin: policy.location("min-line"))
        }
        minBranch = try policy.number("min-branch", in: 0...100).map {
            Threshold($0, origin: policy.location("min-branch"))
        }
        minCombined = try policy.number("min-combined", in: 0...100).map {
            Threshold($0, origin: policy.location("min-combined"))
        }
        diff = try policy.string("diff")
        diffBase = try policy.string("diff-base")
        diffCommittedOnly = try policy.flag("diff-committed-only") ?? false
        minDiff = try policy.number("min-diff", in: 0...100).map {
            Threshold($0, origin: policy.location("min-diff"))
        }
        minDiffBranch = try policy.number("min-diff-branch", in: 0...100).map {
            Threshold($0, origin: policy.location("min-diff-branch"))
        }
        baseline = try policy.string("baseline")
        maxDrop = try policy.number("max-drop", in: 0...100).map {
            Threshold($0, origin: policy.location("max-drop"))
        }
        if case .list = policy.entry("paths")?.value {
            paths = try (try policy.strings("paths") ?? []).map(Self.pathThreshold(flag:))
        }
        for entry in (policy.entry("paths")?.value.isList ?? true) ? [] : try policy.mapping("paths") ?? [] {
            guard case .scalar(let text, _) = entry.value, let value = Double(text), (0...100).contains(value) else {
                throw policy.invalid(line: entry.line, key: "paths: \(entry.key)", expected: "a number from 0 to 100")
            }
            paths.append(PathThreshold(glob: PathGlob(entry.key), minLine: value, origin: Location(file: policy.path, line: entry.line)))
        }
    }

    /// Whether a file counts under `include` and `exclude`.
    public func counts(_ path: String) -> Bool {
        (include.isEmpty || include.contains { $0.matches(path) }) && !exclude.contains { $0.matches(path) }
    }

    /// Throws for combinations that cannot be judged: two sources of the change, or a diff
    /// threshold with no change to apply it to.
    public func validate(hasPreviousResult: Bool = false) throws {
        if diff != nil, diffBase != nil {
            throw GateError.usage("coverage: give the change either as diff (a patch file) or as diff-base (a git ref), not both.")
        }
        if minDiff != nil || minDiffBranch != nil, diff == nil, diffBase == nil {
            throw GateError.usage("coverage: \(minDiff != nil ? "min-diff" : "min-diff-branch") needs the change: pass --diff-base REF (for example origin/main) or --diff FILE.")
        }
        if maxDrop != nil, baseline == nil, !hasPreviousResult {
            throw GateError.usage("coverage: max-drop needs --baseline RESULT.json (an earlier `gate coverage --format json` result) or --baseline-dir.")
        }
        if let diffBase, diffBase.hasPrefix("-") || diffBase.isEmpty {
            throw GateError.usage("coverage: '\(diffBase)' is not a git ref.")
        }
    }

    /// Parses a `--paths GLOB=PERCENT` flag value.
    public static func pathThreshold(flag: String) throws -> PathThreshold {
        guard let equals = flag.lastIndex(of: "="), let value = Double(flag[flag.index(after: equals)...]),
              (0...100).contains(value), equals != flag.startIndex else {
            throw GateError.usage("--paths '\(flag)': expected GLOB=PERCENT, for example 'Sources/Core/**=90'.")
        }
        return PathThreshold(glob: PathGlob(String(flag[..<equals])), minLine: value)
    }
}
