import ArgumentParser
import Coverage
import GateKit

struct CoverageCommand: GateCommand {
    typealias Judged = CoverageGate
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Judge line, branch and diff coverage from Cobertura, LCOV, JaCoCo, coverage.py JSON, llvm-cov JSON or Go cover profiles.",
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

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Coverage report(s): Cobertura or JaCoCo XML, LCOV, coverage.py or llvm-cov JSON, Go cover profile.", valueName: "file"))
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
    var minLine: String?

    @Option(name: .customLong("min-branch"), help: ArgumentHelp("Minimum total branch coverage, percent (0-100).", valueName: "percent"))
    var minBranch: String?

    @Option(name: .customLong("min-combined"), help: ArgumentHelp("Minimum of (covered lines + covered branches) / (lines + branches), percent: coverage.py's total and --fail-under figure.", valueName: "percent"))
    var minCombined: String?

    @Option(help: ArgumentHelp("Per-file minimum line coverage for files matching a glob, as GLOB=PERCENT (repeatable; the last matching rule wins).", valueName: "glob=percent"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("A unified diff whose added lines are the change to judge (git diff output); - reads it from standard input.", valueName: "file"))
    var diff: String?

    @Option(name: .customLong("diff-base"), help: ArgumentHelp("Judge the change since BASE (e.g. origin/main) as diff-cover takes it: `git diff BASE...HEAD`, then staged and unstaged changes; runs git.", valueName: "ref"))
    var diffBase: String?

    @Flag(name: .customLong("diff-committed-only"), inversion: .prefixedNo, help: "With --diff-base: only the committed change, not staged and unstaged edits.")
    var diffCommittedOnly: Bool?

    @Option(name: .customLong("min-diff"), help: ArgumentHelp("Minimum coverage of the changed lines, percent (0-100).", valueName: "percent"))
    var minDiff: String?

    @Option(name: .customLong("min-diff-branch"), help: ArgumentHelp("Minimum share of changed lines covered with every branch taken, percent (diff-cover --branch-coverage).", valueName: "percent"))
    var minDiffBranch: String?

    @Option(help: ArgumentHelp("An earlier `gate coverage --format json` result: total coverage may not fall below it by more than --max-drop.", valueName: "result.json"))
    var baseline: String?

    @Option(name: .customLong("max-drop"), help: ArgumentHelp("With --baseline: the most total line coverage may fall, in percentage points (default 0).", valueName: "points"))
    var maxDrop: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if diff != nil, diffBase != nil { throw ValidationError("Give the change either as --diff FILE or as --diff-base REF, not both.") }
    }

    var flags: [PolicyFlag] {
        [PolicyFlag("report", report), PolicyFlag("path-map", pathMap), PolicyFlag("source-root", sourceRoot),
         PolicyFlag("include", include), PolicyFlag("exclude", exclude), PolicyFlag("min-line", minLine),
         PolicyFlag("min-branch", minBranch), PolicyFlag("min-combined", minCombined), PolicyFlag("paths", paths),
         PolicyFlag("diff", diff).replacing("diff-base"), PolicyFlag("diff-base", diffBase).replacing("diff"),
         PolicyFlag("diff-committed-only", diffCommittedOnly), PolicyFlag("min-diff", minDiff),
         PolicyFlag("min-diff-branch", minDiffBranch), PolicyFlag("baseline", baseline), PolicyFlag("max-drop", maxDrop)]
    }

    func run() throws {
        try common.run(CoverageGate.self, flags: flags)
    }
}
