import ArgumentParser
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `gate` command. Exit codes: 0 pass or warn, 1 fail, 2 error — including usage errors,
/// which swift-argument-parser would report as 64.
@main
struct GateCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Quality gates for CI/CD: each subcommand judges real artifacts against a policy.",
        discussion: """
            Every gate answers pass, warn, fail or error and exits 0 (pass, warn), 1 (fail) or 2 \
            (error: bad usage, bad policy, missing or malformed input). Policies live in \
            gates/<gate>.yml; every key has a command-line flag of the same name that overrides it.
            """,
        version: GateVersion.current,
        subcommands: GateRegistry.commands)

    static func main() {
        refuseUnknownCommand(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let code as ExitCode {
            Platform.exit(code.rawValue)
        } catch {
            // Help and version are clean exits; everything else the parser or a command
            // throws (usage errors, an unwritable --output) means the gate could not judge.
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                if !message.isEmpty { FileSink.standardOutput(message + "\n") }
                Platform.exit(0)
            }
            if !message.isEmpty { FileSink.standardError(message + "\n") }
            Platform.exit(2)
        }
    }

    /// `gate coverge` and `gate help coverge`: exit 2 with the nearest command, rather than the
    /// parser's "unexpected argument" (or, for help, the root help and exit 0).
    static func refuseUnknownCommand(_ arguments: [String]) {
        guard let first = arguments.first, !first.hasPrefix("-") else { return }
        let word = first == "help" ? arguments.dropFirst().first : first
        guard let word, !word.hasPrefix("-") else { return }
        let names = GateRegistry.commands.flatMap { [$0.configuration.commandName ?? ""] + $0.configuration.aliases }
        guard !names.contains(word), word != "help" else { return }
        FileSink.standardError("error: '\(word)' is not a gate command\(GateError.suggestion(for: word, among: names)). "
                               + "Commands: \(names.joined(separator: ", ")); gate --help describes them.\n")
        Platform.exit(2)
    }
}
