import ArgumentParser
import GateKit

extension PullRequestComment.When: ExpressibleByArgument {}

/// `gate comment`: keeps the pull request's one gate comment current with the body a gate
/// run wrote (GATE_COMMENT_FILE under GitHub Actions). Never fails a build: what goes wrong
/// is a warning.
struct CommentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Create or update the pull request's gate comment (GitHub REST API; GITHUB_TOKEN from the environment).",
        discussion: """
            FILE is the comment body a gate run wrote where GATE_COMMENT_FILE pointed. The comment \
            is found by a hidden marker naming KEY, created the first time and edited after; \
            nothing is sent when its content is unchanged. --when always, on-change (a figure \
            moved, a finding is new, or a gate did not pass), on-failure or never; a comment \
            that exists is kept current in every mode but never. Exits 0 even when GitHub \
            refuses (a fork's read-only token): the refusal is a warning.
            """)

    @Argument(help: ArgumentHelp("The comment body.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Names the comment, so several workflows or jobs can each keep one.", valueName: "key")) var key = "gate"
    @Option(help: ArgumentHelp("always, on-change, on-failure or never.", valueName: "when")) var when: PullRequestComment.When = .onChange
    @Option(name: .customLong("pull-request"), help: ArgumentHelp("The pull request's number (default: the run's event's).", valueName: "number")) var pullRequest: Int?

    func validate() throws {
        if key.contains("-->") || key.contains("\n") { throw ValidationError("--key may not contain '-->' or a line break.") }
    }

    func run() throws {
        let environment = GateEnvironment.current
        let outcome: PullRequestComment.Outcome
        if when == .never {
            outcome = .skipped("comment: never")
        } else {
            do {
                let bytes = try InputFile.readAll(file, expected: "a comment body (written where GATE_COMMENT_FILE pointed)", limits: .document).bytes
                switch PullRequestComment.target(environment: environment, number: pullRequest) {
                case .success(let comment):
                    outcome = comment.post(body: String(decoding: bytes, as: UTF8.self), key: key, when: when)
                case .failure(let failure):
                    outcome = failure.isQuiet ? .skipped(failure.description) : .warning(failure.description)
                }
            } catch {
                outcome = .warning(String(describing: error))
            }
        }
        switch outcome {
        case .created(let id): FileSink.standardOutput("comment \(id) created\n")
        case .updated(let id): FileSink.standardOutput("comment \(id) updated\n")
        case .unchanged(let id): FileSink.standardOutput("comment \(id) unchanged: nothing sent\n")
        case .skipped(let why): FileSink.standardOutput("no comment: \(why)\n")
        case .warning(let why):
            FileSink.standardError(environment.isGitHubActions
                ? GitHubActions.command("warning", properties: [("title", "gate comment")], message: why) + "\n"
                : "warning: \(why)\n")
        }
    }
}
