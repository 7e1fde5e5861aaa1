import ArgumentParser
import Foundation
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ReportFormat: ExpressibleByArgument {}
extension ColorChoice: ExpressibleByArgument {}

/// How a command reports: format, destination, colour.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "path"))
    var output: String?

    @Option(help: "Colour for text output: auto is on for a terminal unless NO_COLOR is set.")
    var color: ColorChoice = .auto

    /// Publishes the report and exits with its verdict's status. The process ends here, by
    /// `exit` rather than by unwinding: freeing a large result and the models behind it (a
    /// 160,000-file coverage report) took 25 ms that nobody waits for.
    func finish(_ report: Report) throws -> Never {
        var publisher = ResultPublisher(format: format, outputPath: output, color: color, environment: .current)
        // Errors go to standard error, whatever the format: a gate that could not judge
        // prints its text report there; any other report names its errors there too.
        let textToTerminal = format == .text && output == nil
        if textToTerminal, !report.isCheck, report.verdict == .error { publisher.standardOutput = FileSink.standardError }
        try publisher.publish(report)
        if !textToTerminal || report.isCheck {
            for result in report.results where result.verdict == .error {
                FileSink.standardError("error: \(result.gate): \(result.summary)\n")
            }
        }
        Platform.exit(report.verdict.exitCode)
    }
}

/// "hashed 12/40 files" on standard error while long work runs — only when standard error is
/// a terminal, so logs and CI output stay clean.
func progressLine(_ verb: String, _ noun: String) -> (@Sendable (Int, Int) -> Void)? {
    guard isatty(2) == 1 else { return nil }
    return { done, total in
        FileSink.standardError("\r\(verb) \(done)/\(total) \(noun)" + (done == total ? "\n" : ""))
    }
}

/// "drift: sorting 5 columns…" on standard error, each stage overwriting the last, when it is
/// a terminal.
func stageLine(_ gate: String) -> (@Sendable (String?) -> Void)? {
    guard isatty(2) == 1 else { return nil }
    return { stage in
        FileSink.standardError(stage.map { "\r\u{1B}[K\(gate): \($0)…" } ?? "\r\u{1B}[K")
    }
}

/// Options every gate takes: how to report, where its policy is, and what it compares with.
struct CommonOptions: ParsableArguments {
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Policy file to read (default: gates/<gate>.yml when it exists).", valueName: "path"))
    var policy: String?

    @OptionGroup var results: ResultsOptions

    /// The current directory and environment, and the gate's earlier result under --baseline-dir.
    func context(gate: String) -> GateContext {
        var context = GateContext.current
        context.baseline = results.input(gate: gate)
        return context
    }

    /// The gate's command, whole: its policy file with the command line laid over it, judged
    /// with `rules:` applied (the path `gate check` takes too), then compared, kept and
    /// published. `evaluate` is the gate's, or a variant that reports progress.
    func run<G: Gate>(_ gate: G.Type, flags: [PolicyFlag],
                      evaluate: ((Policy, GateContext) throws -> GateResult)? = nil) throws -> Never {
        let context = context(gate: G.id)
        var policy: Policy?
        let result = GateRunner.run(gate: G.id) {
            let loaded = try (loadPolicy(gate: G.id) ?? Policy(path: "gates/\(G.id).yml", entries: [])).overlaid(with: flags)
            policy = loaded
            return try G.judge(policy: loaded, context: context, evaluate: evaluate)
        }
        try finish(result, context: context, policy: policy)
    }

    /// Compares the result with its baseline (new-only from the flag or the policy's
    /// `new-only:`), keeps it under --results-dir, then publishes it and exits with its
    /// verdict's status.
    func finish(_ result: GateResult, context: GateContext, policy: Policy? = nil) throws -> Never {
        let policy = policy ?? (try? loadPolicy(gate: result.gate)) ?? nil
        let compared = results.compare(result, context: context, policy: policy).writingArtifacts()
        try results.save([compared])
        try output.finish(Report(results: [compared], isCheck: false))
    }

    /// The policy file for `gate`: `--policy`, else `gates/<gate>.yml` if present, else none.
    func loadPolicy(gate: String) throws -> Policy? {
        if let policy { return try Policy.load(path: policy) }
        let defaultPath = "gates/\(gate).yml"
        return access(defaultPath, F_OK) == 0 ? try Policy.load(path: defaultPath) : nil
    }
}

/// Results kept and compared: `--results-dir`, `--baseline-dir` and `--new-only`, for every
/// gate and for `gate check`. A pull request's job compares with the results its base
/// branch's job kept.
struct ResultsOptions: ParsableArguments {
    @Option(name: .customLong("results-dir"), help: ArgumentHelp(
        "Also write each gate's result as <dir>/<gate>.json (the JSON format): what a later run's --baseline-dir reads. Default: GATE_RESULTS_DIR.",
        valueName: "dir"))
    var resultsFlag: String?

    @Option(name: .customLong("baseline-dir"), help: ArgumentHelp(
        "Earlier results to compare with (<gate>.json, as --results-dir writes them): ratchets use the gate's, findings are marked new or existing; a missing one is a note. Default: GATE_BASELINE_DIR.",
        valueName: "dir"))
    var baselineFlag: String?

    /// The flag, else the environment variable the composite action sets: the action must not
    /// add options to a command it does not know takes them.
    var resultsDirectory: String? { resultsFlag ?? Self.environment("GATE_RESULTS_DIR") }
    var directory: String? { baselineFlag ?? Self.environment("GATE_BASELINE_DIR") }

    private static func environment(_ name: String) -> String? {
        guard let value = GateEnvironment.current.variables[name], !value.isEmpty else { return nil }
        return value
    }

    @Flag(name: .customLong("new-only"), inversion: .prefixedNo,
          help: "With --baseline-dir: fail only on findings the earlier result did not have (overrides new-only: in the policy).")
    var newOnly: Bool?

    func input(gate: String) -> BaselineInput? {
        directory.map { BaselineInput.read(directory: $0, gate: gate) }
    }

    /// Writes each result's JSON document into --results-dir.
    func save(_ results: [GateResult]) throws {
        guard let resultsDirectory else { return }
        do {
            try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true)
        } catch {
            throw GateError.cannotWrite(path: resultsDirectory, reason: "cannot create the directory")
        }
        for result in results {
            try FileSink.write(JSONReporter().render(Report(results: [result], isCheck: false)),
                               to: "\(resultsDirectory)/\(result.gate).json", append: false)
        }
    }

    /// Compares with the baseline; new-only is the flag's, else the policy's, else off.
    func compare(_ result: GateResult, context: GateContext, policy: Policy?) -> GateResult {
        let newOnly = self.newOnly ?? ((try? policy?.flag("new-only")) ?? nil) ?? false
        return ResultBaseline.compare(result, with: context.baseline, newOnly: newOnly)
    }
}

extension GateEnvironment {
    static var current: GateEnvironment { GateEnvironment(Platform.environment()) }
}

/// Runs `body`, printing any error and exiting 2, as gates do with inputs they cannot use.
func exitingTwoOnError(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileSink.standardError("error: \(Excerpt.message(String(describing: error)))\n")
        throw ExitCode(2)
    }
}
