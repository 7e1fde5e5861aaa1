import ArgumentParser
import FeatureFlags
import Flags
import Foundation
import GateKit

/// `gate flags`: the flag-policy gate (`lint`, what `gate check` runs), plus `eval` for support
/// and `simulate` for the rollout hash itself.
struct FlagsCommand: GateCommand {
    typealias Judged = FlagsGate
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Feature flags: lint a flag file against the rollout rules, evaluate a flag for a user, set a rollout or the kill switch, simulate rollouts.",
        subcommands: [FlagsLintCommand.self, FlagsEvalCommand.self, FlagsSetCommand.self, FlagsSimulateCommand.self, FlagsBenchCommand.self],
        defaultSubcommand: FlagsLintCommand.self)
}

/// A time given on the command line: ISO 8601 date or date-time.
private func parseTime(_ text: String?) throws -> Double {
    guard let text else { return Date().timeIntervalSince1970 }
    guard let time = FlagFile.date(text) else {
        throw ValidationError("--at '\(text)' is not a date (2026-11-22 or 2026-11-22T10:00:00Z).")
    }
    return time
}

struct FlagsLintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check a flag file: new flags start off, rollouts climb one ladder step at a time, overrides have reasons and expire, no stale or undefined flags.",
        discussion: "Policy: gates/flags.yml with the keys \(FlagsPolicy.keys.joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("The flag file (YAML or JSON); default: file: in the policy.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("The previous version of the flag file.", valueName: "file"))
    var previous: String?

    @Option(name: .customLong("previous-ref"), help: ArgumentHelp("Compare with the flag file at this git ref.", valueName: "ref"))
    var previousRef: String?

    @Option(name: .customLong("ladder"), parsing: .upToNextOption, help: ArgumentHelp("Rollout percentages from 0 to 100 a change climbs one step at a time.", valueName: "percent"))
    var ladder: [String] = []

    @Option(name: .customLong("max-override-days"), help: ArgumentHelp("A user override must expire within this many days (default 30).", valueName: "days"))
    var maxOverrideDays: String?

    @Option(name: .customLong("stale-days"), help: ArgumentHelp("A flag at 100% older than this many days is reported (default 30).", valueName: "days"))
    var staleDays: String?

    @Option(help: ArgumentHelp("Where flags are referenced: a glob (repeatable).", valueName: "glob"))
    var sources: [String] = []

    @Option(name: .customLong("reference-pattern"), help: ArgumentHelp("A regular expression whose one capture group is a referenced flag's name.", valueName: "regex"))
    var referencePattern: String?

    @Option(help: ArgumentHelp("Judge expiry and staleness as of this time instead of now.", valueName: "time"))
    var at: String?

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if previous != nil && previousRef != nil { throw ValidationError("Pass --previous or --previous-ref, not both.") }
        _ = try parseTime(at)
    }

    var flags: [PolicyFlag] {
        [PolicyFlag("file", file), PolicyFlag("previous", previous).replacing("previous-ref"),
         PolicyFlag("previous-ref", previousRef).replacing("previous"), PolicyFlag("ladder", ladder),
         PolicyFlag("max-override-days", maxOverrideDays), PolicyFlag("stale-days", staleDays),
         PolicyFlag("sources", sources), PolicyFlag("reference-pattern", referencePattern)]
    }

    func run() throws {
        let now = try at.map { try parseTime($0) }
        try common.run(FlagsGate.self, flags: flags) { policy, context in
            var context = context
            if let now { context.now = now }
            return try FlagsGate.evaluate(policy: policy, context: context)
        }
    }
}

struct FlagsEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate one flag for one user: the value, the reason, the bucket and the variant.",
        discussion: "Reasons: USER_OVERRIDE, ADMIN_OVERRIDE, ROLLOUT_IN, ROLLOUT_OUT, DISABLED, DEFAULT (no such flag), ERROR (the file cannot be loaded; every flag is off).")

    @Argument(help: ArgumentHelp("The flag file.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The flag.", valueName: "name")) var flag: String
    @Option(help: ArgumentHelp("The user id.", valueName: "id")) var user: String
    @Option(help: ArgumentHelp("Evaluate as of this time (overrides expire).", valueName: "time")) var at: String?
    @Option(help: ArgumentHelp("text or json.", valueName: "format")) var format = "text"

    func validate() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json.") }
        _ = try parseTime(at)
    }

    func run() throws {
        let evaluation = FlagEvaluator(loading: file).evaluate(flag, user: user, at: try parseTime(at))
        if format == "json" {
            var fields: [(String, JSONValue)] = [("flag", .string(flag)), ("user", .string(user)), ("value", .bool(evaluation.value)),
                                                 ("reason", .string(evaluation.reason.rawValue))]
            if let bucket = evaluation.bucket { fields.append(("bucket", .integer(bucket))) }
            if let position = evaluation.position { fields.append(("position", .integer(position))) }
            if let variant = evaluation.variant { fields.append(("variant", .string(variant))) }
            if let message = evaluation.message { fields.append(("message", .string(message))) }
            FileSink.standardOutput(JSONValue.orderedObject(fields).rendered())
        } else {
            var line = "\(flag) for \(user): \(evaluation.value ? "on" : "off") (\(evaluation.reason.rawValue)"
            if let bucket = evaluation.bucket, let position = evaluation.position { line += ", bucket \(bucket), position \(position) of 10000" }
            line += ")"
            if let variant = evaluation.variant { line += ", variant \(variant)" }
            FileSink.standardOutput(line + "\n")
            if let message = evaluation.message { FileSink.standardError("error: \(Excerpt.message(message))\n") }
        }
        // A file that cannot be loaded still answers (off), but the command says it failed.
        if evaluation.reason == .error { throw ExitCode(2) }
    }
}

struct FlagsSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set one flag's rollout percentage, kill it or lift the kill switch, in the file itself: only that value changes (comments, order and layout kept).",
        discussion: """
            A rollout rises at most one ladder step (the ladder of --ladder, else of the policy, gates/flags.yml),             and a percentage is a ladder step; moving down, killing and a value already set are always allowed.             A refused step leaves the file alone and exits 1; --force with --reason writes it anyway.             Percentages go down to 0.01 (0.1 is one user in a thousand).
            """)

    @Argument(help: ArgumentHelp("The flag file (YAML or JSON).", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The flag.", valueName: "name")) var flag: String
    @Option(help: ArgumentHelp("Set rollout_percentage to this (0–100, steps of 0.01).", valueName: "percent")) var rollout: String?
    @ArgumentParser.Flag(help: "Turn the kill switch on (admin_override_disabled: true): off for every user without an override.") var kill = false
    @ArgumentParser.Flag(help: "Turn the kill switch off (admin_override_disabled: false).") var restore = false
    @ArgumentParser.Flag(help: "Write a step the ladder refuses (with --reason).") var force = false
    @Option(help: ArgumentHelp("Why the ladder is overridden (printed, and a warning under GitHub Actions).", valueName: "text")) var reason: String?
    @Option(name: .customLong("ladder"), parsing: .upToNextOption, help: ArgumentHelp("Rollout percentages from 0 to 100 (default: the policy's).", valueName: "percent"))
    var ladder: [String] = []
    @Option(help: ArgumentHelp("Policy file whose ladder: applies (default: gates/flags.yml when it exists).", valueName: "path")) var policy: String?

    func validate() throws {
        guard [rollout != nil, kill, restore].filter({ $0 }).count == 1 else { throw ValidationError("Pass exactly one of --rollout P, --kill or --restore.") }
        if force, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--force needs --reason: say why the ladder is skipped.") }
        if let rollout, Double(rollout).flatMap(Percentage.hundredths) == nil {
            throw ValidationError("--rollout must be a percentage from 0 to 100 in steps of 0.01, not '\(rollout)'.")
        }
    }

    func run() throws {
        try exitingTwoOnError {
            let change: FlagFileEdit.Change = kill ? .kill : restore ? .restore : .rollout(Double(rollout!)!)
            var loaded = try policy.map { try Policy.load(path: $0) } ?? (access("gates/flags.yml", F_OK) == 0 ? try Policy.load(path: "gates/flags.yml") : nil)
            if !ladder.isEmpty { loaded = try (loaded ?? Policy(path: "command line", entries: [])).overlaid(with: [PolicyFlag("ladder", ladder)]) }
            let steps = try loaded.map { try FlagsPolicy(policy: $0).ladder } ?? FlagsPolicy().ladder
            switch try FlagsSet.run(path: file, flag: flag, change: change, ladder: steps, forceReason: force ? reason : nil) {
            case .success(let applied):
                FileSink.standardOutput(applied.describe(path: file, change: change) + "\n")
                if let forced = applied.forced {
                    FileSink.standardOutput("forced past the ladder (\(forced)): \(reason ?? "")\n")
                    if GateEnvironment.current.variables["GITHUB_ACTIONS"] == "true" {
                        FileSink.standardOutput(GitHubActions.command("warning", properties: [("title", "flag \(flag) forced past the ladder")], message: "\(forced): \(reason ?? "")") + "\n")
                    }
                }
            case .failure(let refused):
                FileSink.standardError("error: refused: \(refused.message); \(file) is unchanged (--force --reason TEXT writes it anyway)\n")
                throw ExitCode(1)
            }
        }
    }
}

struct FlagsSimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Evaluate N synthetic users: each flag's observed share against its percentage (binomial test), and stickiness across the ladder.")

    @Argument(help: ArgumentHelp("The flag file.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("How many synthetic users.", valueName: "n")) var users = 10_000
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard users > 0, users <= 10_000_000 else { throw ValidationError("--users must be between 1 and 10000000.") }
    }

    func run() throws {
        let result = GateRunner.run(gate: FlagsSimulation.id) {
            let flags = try FlagsGate.load(file, root: FileManager.default.currentDirectoryPath)
            let digest = try InputFile.stream(file, expected: "a flag file", limits: .yaml) { _ in }
            return FlagsSimulation(file: flags, users: users).evaluate(input: digest)
        }
        try output.finish(Report(results: [result], isCheck: false))
    }
}

struct FlagsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Evaluate every flag of a file for N synthetic users on one thread and print evaluations per second.")

    @Argument(help: ArgumentHelp("The flag file.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("How many synthetic users.", valueName: "n")) var users = 100_000

    func validate() throws {
        guard users > 0 else { throw ValidationError("--users must be positive.") }
    }

    func run() throws {
        try exitingTwoOnError {
            let flags = try FlagsGate.load(file, root: FileManager.default.currentDirectoryPath)
            let evaluator = FlagEvaluator(file: flags)
            let names = flags.flags.map(\.name)
            let ids = (0..<users).map { "user-\($0)" }
            let clock = ContinuousClock()
            var on = 0
            let elapsed = clock.measure {
                for id in ids {
                    for name in names where evaluator.evaluate(name, user: id, at: 0).value { on += 1 }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let count = ids.count * names.count
            FileSink.standardOutput(String(format: "%d evaluations (%d flags × %d users) in %.3f s: %.0f per second; %d on\n",
                                           count, names.count, ids.count, seconds, Double(count) / seconds, on))
        }
    }
}
