#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps one comment per pull request up to date through the GitHub REST API: found by the
/// hidden marker on its first line, created the first time, edited after, left alone when
/// its content is the same. Commenting never decides a verdict, so every failure — a fork's
/// read-only token (403), GitHub down after retries — is a warning, never an error; the token
/// goes into the Authorization header and nowhere else.
public struct PullRequestComment: Sendable {
    /// When to comment (the action's `comment` input). A comment that exists is always kept
    /// current, whatever the mode, so it never shows a stale verdict.
    public enum When: String, Sendable, CaseIterable {
        case always
        /// When a figure moved since the base branch, a finding is new, or a gate did not pass.
        case onChange = "on-change"
        /// When a gate failed or could not judge.
        case onFailure = "on-failure"
        case never
    }

    public enum Outcome: Sendable, Equatable {
        case created(id: Int)
        case updated(id: Int)
        case unchanged(id: Int)
        case skipped(String)
        case warning(String)
    }

    public var api: String
    public var repository: String
    public var number: Int
    public var token: String
    public var timeout: Double = 20
    /// Attempts per request when GitHub answers 5xx or 429 or does not answer.
    public var attempts = 3
    /// Seconds before the second attempt; doubled each time.
    public var backoff = 0.5

    public init(api: String, repository: String, number: Int, token: String) {
        (self.api, self.repository, self.number, self.token) = (api.hasSuffix("/") ? String(api.dropLast()) : api, repository, number, token)
    }

    /// The pull request of this GitHub Actions run: its number from the event payload
    /// (GITHUB_EVENT_PATH) unless `number` is given; nil with the reason when there is none.
    public static func target(environment: GateEnvironment, number: Int?) -> Result<PullRequestComment, Failure> {
        let variables = environment.variables
        guard let token = variables["GITHUB_TOKEN"], !token.isEmpty else {
            return .failure(Failure("no GITHUB_TOKEN: pass the workflow's token (env: GITHUB_TOKEN: ${{ github.token }})"))
        }
        guard let repository = variables["GITHUB_REPOSITORY"], repository.split(separator: "/").count == 2 else {
            return .failure(Failure("no GITHUB_REPOSITORY (owner/name): this runs in GitHub Actions"))
        }
        var pull = number
        if pull == nil, let event = variables["GITHUB_EVENT_PATH"], !event.isEmpty {
            if let bytes = try? InputFile.readAll(event, expected: "the event payload", limits: .document).bytes,
               let payload = try? JSONTree.parse(bytes, path: event),
               let value = payload["pull_request"]?["number"]?.number, value >= 1, value < 1e15, value == value.rounded() {
                pull = Int(value)
            }
        }
        guard let pull else {
            return .failure(Failure("not a pull request (\(variables["GITHUB_EVENT_NAME"] ?? "no event")): nothing to comment on", isQuiet: true))
        }
        let api = variables["GITHUB_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.github.com"
        return .success(PullRequestComment(api: api, repository: repository, number: pull, token: token))
    }

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
        /// True when there is simply nothing to comment on (not a pull request); false for
        /// what someone should fix.
        public var isQuiet: Bool
        public init(_ description: String, isQuiet: Bool = false) { (self.description, self.isQuiet) = (description, isQuiet) }
    }

    /// Posts `body` (a `CommentReporter` rendering) as the comment named `key`, as `when` asks.
    public func post(body: String, key: String, when: When) -> Outcome {
        guard when != .never else { return .skipped("comment: never") }
        let full = CommentReporter.marker(key: key) + "\n" + body
        let state = Self.state(of: body)
        let wanted = switch when {
        case .always: true
        case .onChange: state.verdict != Verdict.pass.rawValue || state.moved > 0 || state.new > 0
        case .onFailure: state.verdict == Verdict.fail.rawValue || state.verdict == Verdict.error.rawValue
        case .never: false
        }
        let existing: (id: Int, body: String)?
        switch find(key: key) {
        case .success(let found): existing = found
        case .failure(let failure): return .warning(failure.description)
        }
        let encoded = Array(JSONValue.object(["body": .string(full)]).rendered().utf8)
        if let existing {
            if Self.content(existing.body) == Self.content(full) { return .unchanged(id: existing.id) }
            switch request("PATCH", "/repos/\(repository)/issues/comments/\(existing.id)", body: encoded) {
            case .success: return .updated(id: existing.id)
            case .failure(let failure): return .warning(failure.description)
            }
        }
        guard wanted else { return .skipped("nothing to report (\(when.rawValue)): the verdict is \(state.verdict), nothing moved, nothing new") }
        switch request("POST", "/repos/\(repository)/issues/\(number)/comments", body: encoded) {
        case .success(let answer):
            return .created(id: answer?["id"]?.number.map { Int($0) } ?? 0)
        case .failure(let failure):
            return .warning(failure.description)
        }
    }

    /// The comment whose first line is the marker, preferring one a bot wrote (the workflow's
    /// token posts as github-actions[bot]); at most 10 pages of 100 comments are read.
    func find(key: String) -> Result<(id: Int, body: String)?, Failure> {
        let marker = CommentReporter.marker(key: key)
        var candidates: [(id: Int, body: String, bot: Bool)] = []
        for page in 1...10 {
            let comments: [JSONTree]
            switch request("GET", "/repos/\(repository)/issues/\(number)/comments?per_page=100&page=\(page)", body: nil) {
            case .failure(let failure):
                return .failure(failure)
            case .success(let answer):
                guard let list = answer?.array else { return .failure(Failure("GitHub's list of comments is not a JSON array")) }
                comments = list
            }
            for comment in comments {
                guard let id = comment["id"]?.number, let text = comment["body"]?.string,
                      text.hasPrefix(marker + "\n") || text.hasPrefix(marker + "\r\n") else { continue }
                candidates.append((Int(id), text, comment["user"]?["type"]?.string == "Bot"))
            }
            if comments.count < 100 { break }
        }
        return .success((candidates.first { $0.bot } ?? candidates.first).map { ($0.id, $0.body) })
    }

    /// One API call with retries on 5xx, 429 and no answer; the JSON answer, if any.
    func request(_ method: String, _ path: String, body: [UInt8]?) -> Result<JSONTree?, Failure> {
        let headers = [
            "Authorization: Bearer \(token)", "Accept: application/vnd.github+json", "X-GitHub-Api-Version: 2022-11-28",
            "User-Agent: gate/\(GateVersion.current)", "Content-Type: application/json",
        ]
        var last = ""
        for attempt in 0..<max(attempts, 1) {
            if attempt > 0 { usleep(UInt32(min(backoff * Double(1 << (attempt - 1)), 30) * 1_000_000)) }
            switch HTTPClient.send(method, api + path, headers: headers, body: body, timeout: timeout, limit: 32 << 20) {
            case .failure(let failure):
                last = "no answer from \(api) (\(failure))"
                continue
            case .success(let response):
                let answer = response.body.isEmpty ? nil : try? response.body.withUnsafeBytes { try JSONTree.parse($0) }
                if (200..<300).contains(response.status) { return .success(answer) }
                let message = answer?["message"]?.string.map { ": " + String($0.prefix(200)) } ?? ""
                last = "\(method) \(path): HTTP \(response.status)\(message)"
                if response.status >= 500 || response.status == 429 { continue }
                if response.status == 403 || response.status == 404 {
                    last += " — the token cannot write comments here (a pull request from a fork gets a read-only token); the step summary has the report"
                }
                return .failure(Failure(last))
            }
        }
        return .failure(Failure(last + " (after \(max(attempts, 1)) attempts)"))
    }

    /// The body without its run link, which changes with every run.
    static func content(_ body: String) -> String {
        body.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix(CommentReporter.runLinkPrefix) }
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }.joined(separator: "\n")
    }

    /// The `<!-- gate:state verdict=… moved=… new=… -->` line a `CommentReporter` body starts with.
    static func state(of body: String) -> (verdict: String, moved: Int, new: Int) {
        var verdict = Verdict.error.rawValue, moved = 0, new = 0
        guard let first = body.split(separator: "\n").first, first.hasPrefix("<!-- gate:state ") else { return (verdict, moved, new) }
        for field in first.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "verdict": verdict = String(parts[1])
            case "moved": moved = Int(parts[1]) ?? 0
            case "new": new = Int(parts[1]) ?? 0
            default: break
            }
        }
        return (verdict, moved, new)
    }
}
