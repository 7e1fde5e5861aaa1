import ArgumentParser
import Bench
import Foundation
import GateKit

/// `gate bench`: benchmark regression checks that do not cry wolf on shared runners.
struct BenchCommand: GateCommand {
    typealias Judged = BenchGate
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: run commands or built-in suites, A/B-interleave two builds, compare results by rules that hold on noisy machines.",
        subcommands: [BenchCompareCommand.self, BenchRunCommand.self, BenchABCommand.self, BenchSuiteCommand.self],
        defaultSubcommand: BenchCompareCommand.self)
}

struct BenchCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "The gate: baseline against current (exit 1 on a regression the rules allow to fail).",
        discussion: "Policy: gates/bench.yml with the keys \(BenchPolicy.keys.joined(separator: ", ")).")

    @Option(help: ArgumentHelp("Baseline results (any format gate bench reads).", valueName: "file")) var baseline: String?
    @Option(help: ArgumentHelp("Current results.", valueName: "file")) var current: String?
    @Option(name: .customLong("instruction-margin"), help: ArgumentHelp("Allowed growth of instruction counts, % (default 1).", valueName: "pct")) var instructionMargin: String?
    @Option(name: .customLong("wall-margin"), help: ArgumentHelp("Allowed growth of the interleaved min-of-n wall time, % (default 5).", valueName: "pct")) var wallMargin: String?
    @Option(name: .customLong("p-value"), help: ArgumentHelp("Mann-Whitney p below which interleaved wall time is slower (default 0.01).", valueName: "p")) var pValue: String?
    @Option(name: .customLong("min-samples"), help: ArgumentHelp("Runs per side a wall-time verdict needs (default 10).", valueName: "n")) var minSamples: String?
    @Flag(name: .customLong("bigger-is-better"), inversion: .prefixedNo, help: "Custom value-only results measure throughput.") var biggerIsBetter: Bool?
    @Option(help: ArgumentHelp("A built-in suite to run when there are no current results (repeatable).", valueName: "suite")) var suites: [String] = []
    @Option(help: ArgumentHelp("Rounds of the built-in suites (default 3).", valueName: "n")) var rounds: String?
    @Option(help: ArgumentHelp("Latency objectives as YAML: '{\"recommender.search p95\": 200ms}'.", valueName: "yaml")) var slo: String?
    @Option(help: ArgumentHelp("Write an HTML page drawing each benchmark's samples.", valueName: "file")) var html: String?
    @Option(help: .hidden) var report: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(BenchGate.self, flags: [
            PolicyFlag("baseline", baseline), PolicyFlag("current", current), PolicyFlag("instruction-margin", instructionMargin),
            PolicyFlag("wall-margin", wallMargin), PolicyFlag("p-value", pValue), PolicyFlag("min-samples", minSamples),
            PolicyFlag("bigger-is-better", biggerIsBetter), PolicyFlag("suites", suites), PolicyFlag("rounds", rounds),
            .yaml("slo", slo), PolicyFlag("html", html), PolicyFlag("report", report),
        ])
    }
}

/// Writes results as gate-bench JSON (to --output, else standard output).
private func write(_ results: BenchResults, to path: String?) throws {
    let text = results.document.rendered()
    if let path {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try FileSink.write(text, to: path, append: false)
    } else {
        FileSink.standardOutput(text)
    }
}

private func summary(_ series: BenchSeries) -> String {
    let sorted = series.samples.sorted()
    if series.kind == .instructions { return "\(series.name): \(Int(sorted[0])) instructions\n" }
    func ms(_ q: Double) -> String { String(format: "%.3f ms", quantile(sorted: sorted, q) * 1000) }
    if series.samples.count == 1 { return "\(series.name): \(ms(0.5))\n" }
    return "\(series.name): \(series.samples.count) runs, min \(ms(0)), median \(ms(0.5)), p95 \(ms(0.95)), max \(ms(1))\n"
}

struct BenchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run commands N times after warm-ups (wall, user, sys, peak memory), or count their instructions under Callgrind.")

    @Argument(help: ArgumentHelp("Commands, each run through /bin/sh -c.", valueName: "command")) var commands: [String]
    @Option(help: ArgumentHelp("Measured runs per command.", valueName: "n")) var runs = 20
    @Option(help: ArgumentHelp("Discarded warm-up runs per command.", valueName: "n")) var warmup = 2
    @Option(help: ArgumentHelp("Names for the commands, in order (default: the command text).", valueName: "name")) var name: [String] = []
    @Flag(help: "Count instructions with valgrind --tool=callgrind (one run each; exact for native code).") var instructions = false
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the results (gate-bench JSON) here.", valueName: "file")) var output: String?

    func validate() throws {
        guard runs > 0, warmup >= 0 else { throw ValidationError("--runs must be positive and --warmup not negative.") }
        guard name.isEmpty || name.count == commands.count else { throw ValidationError("Give one --name per command.") }
    }

    func run() throws {
        try exitingTwoOnError {
            var series: [BenchSeries] = []
            var valgrindVersion: String?
            for (index, command) in commands.enumerated() {
                let label = name.isEmpty ? command : name[index]
                if instructions {
                    let valgrind = try BenchRunner.valgrind()
                    valgrindVersion = valgrind.version
                    let count = try BenchRunner.instructions(command, valgrind: valgrind.path)
                    series.append(BenchSeries(name: label, kind: .instructions, unit: "instructions", samples: [count]))
                } else {
                    let measured = try BenchRunner.run(command, runs: runs, warmups: warmup, progress: progressLine("\(label):", "runs"))
                    var timed = BenchSeries(name: label, kind: .wallTime, unit: "s", samples: measured.map(\.wall))
                    (timed.user, timed.system, timed.peakKiB) = (measured.map(\.user), measured.map(\.system), measured.map { Double($0.peakKiB) })
                    series.append(timed)
                    let peak = measured.map(\.peakKiB).max() ?? 0
                    FileSink.standardError(String(format: "%@: user %.3f ms, sys %.3f ms (means), peak %d KiB\n", label,
                                                  measured.map(\.user).reduce(0, +) / Double(runs) * 1000,
                                                  measured.map(\.system).reduce(0, +) / Double(runs) * 1000, peak))
                }
                FileSink.standardError(summary(series.last!))
            }
            try write(BenchResults(source: "gate", series: series, valgrind: valgrindVersion), to: output)
        }
    }
}

struct BenchABCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab",
        abstract: "Run a baseline and a current command interleaved (A B A B …) in this job and judge the difference: the only setting in which wall time can fail.")

    @Option(name: .customLong("baseline-cmd"), help: ArgumentHelp("The baseline build's command.", valueName: "command")) var baselineCommand: String
    @Option(name: .customLong("current-cmd"), help: ArgumentHelp("The current build's command.", valueName: "command")) var currentCommand: String
    @Option(help: ArgumentHelp("Pairs of measured runs.", valueName: "n")) var runs = 30
    @Option(help: ArgumentHelp("Discarded warm-up pairs.", valueName: "n")) var warmup = 2
    @Option(help: ArgumentHelp("The benchmark's name.", valueName: "name")) var name = "command"
    @Option(name: .customLong("wall-margin"), help: ArgumentHelp("Allowed growth of the min-of-n wall time, % (default 5).", valueName: "pct")) var wallMargin: String?
    @Option(help: ArgumentHelp("Write an HTML page drawing both sides' runs.", valueName: "file")) var html: String?
    @Option(help: .hidden) var report: String?
    @Option(name: .customLong("save"), help: ArgumentHelp("Also write both samples (gate-bench JSON) with this prefix: PREFIX.baseline.json, PREFIX.current.json.", valueName: "prefix")) var save: String?
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard runs > 1, warmup >= 0 else { throw ValidationError("--runs must be at least 2 and --warmup not negative.") }
    }

    func run() throws {
        let context = common.context(gate: BenchGate.id)
        let result = GateRunner.run(gate: BenchGate.id) {
            let loaded = try (common.loadPolicy(gate: BenchGate.id) ?? Policy(path: "gates/bench.yml", entries: []))
                .overlaid(with: [PolicyFlag("wall-margin", wallMargin), PolicyFlag("html", html), PolicyFlag("report", report)])
            var policy = try BenchPolicy(policy: loaded.renamingKeys(BenchGate.renamedKeys).policy)
            policy.slos = []
            let (a, b) = try BenchRunner.interleaved(baseline: baselineCommand, current: currentCommand, pairs: runs, warmups: warmup,
                                                        progress: progressLine("interleaved", "pairs"))
            let session = "ab-\(getpid())-\(Int(context.now))"
            let baseline = BenchResults(source: "gate", series: [BenchSeries(name: name, kind: .wallTime, unit: "s", samples: a.map(\.wall))], interleavedWith: session)
            let current = BenchResults(source: "gate", series: [BenchSeries(name: name, kind: .wallTime, unit: "s", samples: b.map(\.wall))], interleavedWith: session)
            if let save {
                try write(baseline, to: save + ".baseline.json")
                try write(current, to: save + ".current.json")
            }
            let gate = BenchGate(policy: policy, context: context)
            var result = gate.judge(baseline: baseline, current: current)
            gate.attachPage(to: &result, baseline: baseline, current: current)
            return result
        }
        try common.finish(result, context: context)
    }
}

struct BenchSuiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suite",
        abstract: "Built-in suites for the vendored libraries: \(BenchSuites.names.joined(separator: ", ")) (default: all), with p50/p95/p99 for the latency suites.")

    @Argument(help: ArgumentHelp("Suites to run.", valueName: "suite")) var suites: [String] = []
    @Option(help: ArgumentHelp("Rounds (each suite scales its work by it).", valueName: "n")) var rounds = 5
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the results (gate-bench JSON) here.", valueName: "file")) var output: String?

    func run() throws {
        try exitingTwoOnError {
            var inputs = BenchSuites.Inputs()
            inputs.gate = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
                : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
            var series: [BenchSeries] = []
            for suite in suites.isEmpty ? BenchSuites.names : suites {
                let measured = try BenchSuites.run(suite, inputs: inputs, root: Platform.workingDirectory(), rounds: rounds)
                measured.forEach { FileSink.standardError(summary($0)) }
                series += measured
            }
            try write(BenchResults(source: "gate", series: series), to: output)
        }
    }
}
