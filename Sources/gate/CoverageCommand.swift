import ArgumentParser
import Coverage
import GateKit

struct CoverageCommand: GateCommand {
    static let gateID = CoverageGate.id
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Judge line, branch and diff coverage from Cobertura XML or LCOV reports.",
        discussion: """
            Reports are detected from their content and merged (hits add up, as `lcov -a` does). \
            Totals are recomputed from the line records, exactly as coverage.py and lcov count them, \
            and thresholds are compared on exact counts, never on a rounded percentage.
            With --diff or --diff-base, the changed lines are judged too (--min-diff, and \
            --min-diff-branch counting a line with a branch not taken as uncovered), as diff-cover \
            counts them — --diff-base takes committed, staged and unstaged changes, as diff-cover \
            does — and uncovered changed ranges become findings (annotations on a pull request). \
            combined_coverage is coverage.py's headline figure (lines and branches together).
            Policy: gates/coverage.yml with the keys \(CoveragePolicy.keys.joined(separator: ", ")).
            """,
        subcommands: [CoverageMergeCommand.self])

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Coverage report(s): Cobertura XML or LCOV tracefile.", valueName: "file"))
    var report: [String] = []

    @Option(name: .customLong("path-map"), help: ArgumentHelp("Rewrite recorded paths starting with FROM to start with TO (repeatable), for reports made elsewhere.", valueName: "from=to"))
    var pathMap: [String] = []

    @Option(name: .customLong("source-root"), help: ArgumentHelp("Resolve report paths against this directory instead of the current one.", valueName: "dir"))
    var sourceRoot: String?

    @Option(help: ArgumentHelp("Count only files matching this glob (repeatable).", valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Never count files matching this glob (repeatable).", valueName: "glob"))
    var exclude: [String] = []

    @Option(name: .customLong("min-line"), help: ArgumentHelp("Minimum total line coverage, percent (0-100).", valueName: "percent"))
    var minLine: Double?

    @Option(name: .customLong("min-branch"), help: ArgumentHelp("Minimum total branch coverage, percent (0-100).", valueName: "percent"))
    var minBranch: Double?

    @Option(name: .customLong("min-combined"), help: ArgumentHelp("Minimum of (covered lines + covered branches) / (lines + branches), percent: coverage.py's total and --fail-under figure.", valueName: "percent"))
    var minCombined: Double?

    @Option(help: ArgumentHelp("Per-file minimum line coverage for files matching a glob, as GLOB=PERCENT (repeatable; the last matching rule wins).", valueName: "glob=percent"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("A unified diff whose added lines are the change to judge (git diff output); - reads it from standard input.", valueName: "file"))
    var diff: String?

    @Option(name: .customLong("diff-base"), help: ArgumentHelp("Judge the change since BASE (e.g. origin/main) as diff-cover takes it: `git diff BASE...HEAD`, then staged and unstaged changes; runs git.", valueName: "ref"))
    var diffBase: String?

    @Flag(name: .customLong("diff-committed-only"), inversion: .prefixedNo, help: "With --diff-base: only the committed change, not staged and unstaged edits.")
    var diffCommittedOnly: Bool?

    @Option(name: .customLong("min-diff"), help: ArgumentHelp("Minimum coverage of the changed lines, percent (0-100).", valueName: "percent"))
    var minDiff: Double?

    @Option(name: .customLong("min-diff-branch"), help: ArgumentHelp("Minimum share of changed lines covered with every branch taken, percent (diff-cover --branch-coverage).", valueName: "percent"))
    var minDiffBranch: Double?

    @Option(help: ArgumentHelp("An earlier `gate coverage --format json` result: total coverage may not fall below it by more than --max-drop.", valueName: "result.json"))
    var baseline: String?

    @Option(name: .customLong("max-drop"), help: ArgumentHelp("With --baseline: the most total line coverage may fall, in percentage points (default 0).", valueName: "points"))
    var maxDrop: Double?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        for (name, value) in [("--min-line", minLine), ("--min-branch", minBranch), ("--min-combined", minCombined), ("--min-diff", minDiff),
                              ("--min-diff-branch", minDiffBranch), ("--max-drop", maxDrop)] {
            if let value, !(0...100).contains(value) { throw ValidationError("\(name) must be between 0 and 100, got \(value).") }
        }
        for flag in paths { _ = try Self.pathThreshold(flag) }
        if diff != nil, diffBase != nil { throw ValidationError("Give the change either as --diff FILE or as --diff-base REF, not both.") }
    }

    static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try CoverageGate(policy: CoveragePolicy(policy: policy), context: context).evaluate()
    }

    func run() throws {
        let context = common.context(gate: Self.gateID)
        let result = GateRunner.run(gate: Self.gateID) {
            var policy = try common.loadPolicy(gate: Self.gateID).map(CoveragePolicy.init(policy:)) ?? CoveragePolicy()
            if !report.isEmpty { policy.reports = report }
            if !pathMap.isEmpty { policy.pathMap = try pathMap.map { try PathMapping(flag: $0) } }
            if let sourceRoot { policy.sourceRoot = sourceRoot }
            if !include.isEmpty { policy.include = include.map(PathGlob.init) }
            if !exclude.isEmpty { policy.exclude = exclude.map(PathGlob.init) }
            if let minLine { policy.minLine = Threshold(minLine) }
            if let minBranch { policy.minBranch = Threshold(minBranch) }
            if let minCombined { policy.minCombined = Threshold(minCombined) }
            if !paths.isEmpty { policy.paths = try paths.map(Self.pathThreshold) }
            if let diff { (policy.diff, policy.diffBase) = (diff, nil) }
            if let diffBase { (policy.diffBase, policy.diff) = (diffBase, nil) }
            if let minDiff { policy.minDiff = Threshold(minDiff) }
            if let minDiffBranch { policy.minDiffBranch = Threshold(minDiffBranch) }
            if let diffCommittedOnly { policy.diffCommittedOnly = diffCommittedOnly }
            if let baseline { policy.baseline = baseline }
            if let maxDrop { policy.maxDrop = Threshold(maxDrop) }
            return try CoverageGate(policy: policy, context: context).evaluate()
        }
        try common.finish(result, context: context)
    }

    private static func pathThreshold(_ flag: String) throws -> PathThreshold {
        do { return try CoveragePolicy.pathThreshold(flag: flag) } catch { throw ValidationError(String(describing: error)) }
    }
}
