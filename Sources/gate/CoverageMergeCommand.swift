import ArgumentParser
import Coverage
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CoverageWriter.Format: ExpressibleByArgument {}

struct CoverageMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge coverage reports (CI shards) into one LCOV or Cobertura file.",
        discussion: """
            The union of all reports after path mapping: per file and line, hits add up; LCOV \\
            branches merge outcome by outcome. The same totals as `lcov -a A -a B`. A report none \\
            of whose files exists under the source root is named in a warning, with examples.
            """)

    @Argument(help: ArgumentHelp("Reports to merge: Cobertura XML, LCOV or llvm-cov JSON.", valueName: "report"))
    var reports: [String]

    /// `--output`/`-o` is every gate's option (`gate coverage`'s): here it names the merged report.
    @ParentCommand var coverage: CoverageCommand

    @Option(name: .customLong("to"), help: "Format of the merged report (default: cobertura for a .xml output, lcov otherwise).")
    var format: CoverageWriter.Format?

    @Option(name: .customLong("path-map"), help: ArgumentHelp("Rewrite recorded paths starting with FROM to start with TO (repeatable).", valueName: "from=to"))
    var pathMap: [String] = []

    @Option(name: .customLong("source-root"), help: ArgumentHelp("Resolve report paths against this directory (default: the current one).", valueName: "dir"))
    var sourceRoot: String?

    func validate() throws {
        guard coverage.common.output.output != nil else {
            throw ValidationError("Missing expected argument '--output <file>' (-o): the merged report to write.")
        }
    }

    func run() throws {
        let output = coverage.common.output.output!
        let context = GateContext.current
        let root = sourceRoot.map { RepositoryPath.join(context.root, $0) } ?? context.root
        do {
            let mappings = try pathMap.map { try PathMapping(flag: $0) }
            var parts: [CoverageReport] = []
            for path in reports {
                let report = try CoverageReportReader.read(path, root: root, pathMap: mappings).report
                if let warning = CoverageMerge.unmatchedWarning(report, path: path, root: root) {
                    FileSink.standardError("warning: \(warning)\n")
                }
                parts.append(report)
            }
            let merged = CoverageReport.merging(parts)
            let chosen = format ?? (output.hasSuffix(".xml") ? .cobertura : .lcov)
            let epoch = context.environment.variables["SOURCE_DATE_EPOCH"].flatMap(Int64.init)
            let timestamp = epoch.map { $0 * 1000 } ?? Int64(time(nil)) * 1000
            try FileSink.write(CoverageWriter.render(merged, as: chosen, timestamp: timestamp), to: output, append: false)
            let totals = CoverageTotals(merged)
            FileSink.standardOutput("merged \(reports.count) reports into \(output) (\(chosen.rawValue)): \(merged.files.count) files, "
                + "lines \(totals.lines.covered)/\(totals.lines.total), branches \(totals.branches.covered)/\(totals.branches.total)\n")
        } catch {
            FileSink.standardError("error: \(Excerpt.message(String(describing: error)))\n")
            throw ExitCode(2)
        }
    }
}
