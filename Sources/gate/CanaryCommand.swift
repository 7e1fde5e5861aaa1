import ArgumentParser
import Canary
import Foundation
import GateKit

/// `gate canary`: judge a canary against its baseline from Prometheus; warm a canary up.
struct CanaryCommand: GateCommand {
    typealias Judged = CanaryGate
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Canary analysis against Prometheus: promote, hold or rollback, with the evidence per metric; and a bounded warm-up.",
        subcommands: [CanaryAnalyzeCommand.self, CanaryWarmupCommand.self],
        defaultSubcommand: CanaryAnalyzeCommand.self)
}

struct CanaryAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Query every metric for baseline and canary, judge them, print the decision (promote exit 0, hold exit 0 with a warning, rollback exit 1; unreachable or malformed data exit 2); with --count, repeatedly.",
        discussion: """
            Policy: gates/canary.yml with the keys \(CanaryPolicy.keys.joined(separator: ", ")). Credentials come from \
            PROMETHEUS_TOKEN (bearer), or PROMETHEUS_USER and PROMETHEUS_PASSWORD (basic); they are never printed, and \
            under GitHub Actions the token is masked in the log.
            """)

    @Option(help: ArgumentHelp("Prometheus base URL.", valueName: "url")) var prometheus: String?
    @Option(help: ArgumentHelp("Read saved query_range answers (<metric>.<group>.json) instead of querying.", valueName: "dir")) var offline: String?
    @Option(help: ArgumentHelp("End of the analysed window: now, seconds since 1970 or an ISO 8601 time.", valueName: "time")) var end: String?
    @Option(help: ArgumentHelp("Length of the window, e.g. 30m.", valueName: "duration")) var window: String?
    @Option(help: ArgumentHelp("Query resolution, e.g. 15s.", valueName: "duration")) var step: String?
    @Option(help: ArgumentHelp("Label values per group as YAML: '{baseline: {deployment: a}, canary: {deployment: b}}'.", valueName: "yaml")) var groups: String?
    @Option(name: .customLong("pass-score"), help: ArgumentHelp("Promote at or above this score (default 95).", valueName: "score")) var passScore: String?
    @Option(name: .customLong("marginal-score"), help: ArgumentHelp("Hold between this and --pass-score, roll back below (default 75).", valueName: "score")) var marginalScore: String?
    @Option(help: ArgumentHelp("Mann-Whitney confidence for a difference to count (default 0.98).", valueName: "value")) var confidence: String?
    @Option(help: ArgumentHelp("The metrics as YAML: '[{name: errors, query: ..., bad: increase}]'.", valueName: "yaml")) var metrics: String?
    @Option(help: ArgumentHelp("Seconds per Prometheus request (default 10).", valueName: "s")) var timeout: String?
    @Option(help: ArgumentHelp("Retries of a failed request (default 3).", valueName: "n")) var retries: String?
    @Option(help: ArgumentHelp("Also write the decision page (HTML) here; --format html prints the same page.", valueName: "file")) var html: String?
    @Option(help: ArgumentHelp("Repeated analysis: time between rounds, e.g. 1m (default 1m).", valueName: "duration")) var interval: String?
    @Option(help: ArgumentHelp("Repeated analysis: rounds in all (default 1).", valueName: "n")) var count: String?
    @Option(name: .customLong("failure-limit"), help: ArgumentHelp("Rollback rounds tolerated (default 0); a fired trigger rolls back at once.", valueName: "n")) var failureLimit: String?
    @Option(name: .customLong("inconclusive-limit"), help: ArgumentHelp("Hold rounds tolerated (default 0).", valueName: "n")) var inconclusiveLimit: String?
    @Option(help: ArgumentHelp("This rollout step's name, e.g. 5%.", valueName: "text")) var label: String?
    @Option(help: ArgumentHelp("An earlier step's canary result (JSON), for the rollout's history (repeatable).", valueName: "file")) var history: [String] = []
    @Option(help: .hidden) var report: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let environment = GateEnvironment.current.variables
        if environment["GITHUB_ACTIONS"] == "true", let token = environment["PROMETHEUS_TOKEN"], !token.isEmpty {
            FileSink.standardError("::add-mask::\(token)\n")
        }
        try common.run(CanaryGate.self, flags: [
            PolicyFlag("prometheus", prometheus).replacing("offline"), PolicyFlag("offline", offline), PolicyFlag("window", window),
            PolicyFlag("step", step), PolicyFlag("end", end), .yaml("groups", groups), PolicyFlag("pass-score", passScore),
            PolicyFlag("marginal-score", marginalScore), PolicyFlag("confidence", confidence), .yaml("metrics", metrics),
            PolicyFlag("timeout", timeout), PolicyFlag("retries", retries), PolicyFlag("html", html), PolicyFlag("report", report),
            PolicyFlag("interval", interval), PolicyFlag("count", count), PolicyFlag("failure-limit", failureLimit),
            PolicyFlag("inconclusive-limit", inconclusiveLimit), PolicyFlag("label", label), PolicyFlag("history", history),
        ]) { policy, context in
            // A line per round on standard error: on a terminal and in a CI log alike.
            var gate = try CanaryGate(policy: CanaryPolicy(policy: policy), context: context)
            gate.progress = { FileSink.standardError($0 + "\n") }
            return try gate.evaluate()
        }
    }
}

struct CanaryWarmupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warmup",
        abstract: "Send a bounded number of GET requests to warm a canary up; report latency percentiles and errors.")

    @Argument(help: ArgumentHelp("The URL to request.", valueName: "url")) var url: String
    @Option(help: ArgumentHelp("Requests in all (at most 100,000).", valueName: "n")) var requests = 200
    @Option(help: ArgumentHelp("Requests in flight at once (at most 64).", valueName: "n")) var concurrency = 4
    @Option(help: ArgumentHelp("Requests per second, at most (0: as fast as they complete).", valueName: "n")) var rate: Double = 50
    @Option(help: ArgumentHelp("Seconds per request.", valueName: "s")) var timeout: Double = 5

    func validate() throws {
        guard (1...100_000).contains(requests) else { throw ValidationError("--requests must be from 1 to 100000.") }
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 64.") }
        guard rate >= 0, timeout > 0 else { throw ValidationError("--rate must not be negative and --timeout must be positive.") }
    }

    func run() throws {
        try exitingTwoOnError {
            let summary = try Warmup.run(url: url, requests: requests, concurrency: concurrency, rate: rate, timeout: timeout)
            FileSink.standardOutput(summary.text)
            if summary.failures == requests { throw GateError.toolFailed(command: "warmup \(url)", message: "every request failed (\(summary.firstError ?? "no answer"))") }
        }
    }
}
