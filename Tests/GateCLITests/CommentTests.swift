import Foundation
import GateKit
import GateTestSupport
import Testing

/// The pull-request comment against a fake GitHub API on 127.0.0.1: one comment, created then
/// updated in place, nothing sent when nothing changed, the modes, a fork's 403 and GitHub's
/// 5xx as warnings, and the token in the Authorization header only.
@Suite struct CommentTests {
    static let token = "ghs_test0nlyT0ken"

    /// A gate run as the action runs it: GitHub Actions' environment and GATE_COMMENT_FILE.
    static func body(lines hit: Int, run: String = "41", in directory: String) throws -> String {
        let report = "TN:\nSF:src/ring.c\n" + (1...20).map { "DA:\($0),\($0 <= hit ? 1 : 0)\n" }.joined() + "end_of_record\n"
        try Fixtures.write(report, to: directory + "/coverage.info")
        let file = directory + "/comment.md"
        let output = try GateBinary.run(["coverage", "--report", "coverage.info", "--min-line", "80", "--policy", "/dev/null"], in: directory, environment: [
            "GITHUB_ACTIONS": "true", "GATE_COMMENT_FILE": file, "GITHUB_REPOSITORY": "owner/app", "GITHUB_SHA": "abc123",
            "GITHUB_RUN_ID": run, "GITHUB_SERVER_URL": "https://github.com",
        ])
        #expect(output.status == (hit >= 16 ? 0 : 1))
        return file
    }

    static func comment(_ file: String, api: FakeGitHubAPI, _ arguments: [String] = [], event: String? = "{\"pull_request\": {\"number\": 7}}",
                        in directory: String) throws -> ProcessOutput {
        var environment = ["GITHUB_TOKEN": token, "GITHUB_REPOSITORY": "owner/app", "GITHUB_API_URL": api.url, "GITHUB_ACTIONS": "true"]
        if let event {
            try Fixtures.write(event, to: directory + "/event.json")
            environment["GITHUB_EVENT_PATH"] = directory + "/event.json"
        }
        let output = try GateBinary.run(["comment", file] + arguments, in: directory, environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!output.stdout.contains(token) && !output.stderr.contains(token))
        return output
    }

    @Test("created the first time, nothing sent when the same, edited in place when it changes: one comment")
    func lifecycle() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let api = try FakeGitHubAPI(comments: [("LGTM", "User")])
        defer { api.stop() }

        let first = try Self.comment(try Self.body(lines: 18, in: directory), api: api, ["--when", "always"], in: directory)
        #expect(first.stdout == "comment 1001 created\n")
        #expect(api.requests.map(\.method) == ["GET", "POST"])
        #expect(api.requests.allSatisfy { $0.header("Authorization") == "Bearer \(Self.token)" })
        #expect(api.requests[0].path == "/repos/owner/app/issues/7/comments?per_page=100&page=1")
        let posted = try #require(api.comments.last)
        #expect(posted.body.hasPrefix("<!-- gate:comment gate -->\n<!-- gate:state verdict=pass moved=0 new=0 -->\n### ✅ gate: every gate passed"))
        #expect(posted.body.contains("| coverage | ✅ pass | line coverage 90% (18/20 lines)"))
        #expect(posted.body.contains("<sub>Full report: [the run's summary](https://github.com/owner/app/actions/runs/41)</sub>"))

        // Another run with the same results: only the run link differs, nothing is sent.
        let same = try Self.comment(try Self.body(lines: 18, run: "42", in: directory), api: api, ["--when", "always"], in: directory)
        #expect(same.stdout == "comment 1001 unchanged: nothing sent\n")
        #expect(api.requests.map(\.method) == ["GET", "POST", "GET"])

        // Coverage falls under the minimum: the same comment is edited.
        let changed = try Self.comment(try Self.body(lines: 10, run: "43", in: directory), api: api, ["--when", "on-failure"], in: directory)
        #expect(changed.stdout == "comment 1001 updated\n")
        #expect(api.requests.map(\.method) == ["GET", "POST", "GET", "GET", "PATCH"])
        #expect(api.requests.last?.path == "/repos/owner/app/issues/comments/1001")
        #expect(api.comments.count == 2 && api.comments[1].body.contains("### ❌ gate: 1 of 1 gate does not pass"))
        #expect(api.comments[0].body == "LGTM")

        // Another key is another comment.
        let other = try Self.comment(directory + "/comment.md", api: api, ["--when", "always", "--key", "nightly"], in: directory)
        #expect(other.stdout == "comment 1002 created\n" && api.comments.count == 3)
    }

    @Test("modes: on-change and on-failure stay quiet when all passed and nothing moved; never sends nothing; not a pull request sends nothing")
    func modes() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let api = try FakeGitHubAPI()
        defer { api.stop() }
        let passing = try Self.body(lines: 18, in: directory)
        for when in ["on-change", "on-failure"] {
            let quiet = try Self.comment(passing, api: api, ["--when", when], in: directory)
            #expect(quiet.stdout.hasPrefix("no comment: nothing to report (\(when))"), "\(quiet.stdout)")
        }
        #expect(api.requests.map(\.method) == ["GET", "GET"] && api.comments.isEmpty)
        #expect(try Self.comment(passing, api: api, ["--when", "never"], in: directory).stdout == "no comment: comment: never\n")
        let push = try Self.comment(passing, api: api, ["--when", "always"], event: "{\"ref\": \"refs/heads/main\"}", in: directory)
        #expect(push.stdout.hasPrefix("no comment: not a pull request"))
        #expect(api.requests.count == 2)
        let failing = try Self.body(lines: 10, in: directory)
        #expect(try Self.comment(failing, api: api, ["--when", "on-change"], in: directory).stdout == "comment 1001 created\n")
    }

    @Test("our comment is found past the first page and among planted copies of the marker; a bot's is the one edited")
    func findsItsOwn() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let marker = CommentReporter.marker(key: "gate")
        let others = (0..<150).map { (body: "comment \($0)", userType: "User") }
        let api = try FakeGitHubAPI(comments: others + [(marker + "\nplanted by a user", "User"), (marker + "\nold", "Bot")])
        defer { api.stop() }
        let output = try Self.comment(try Self.body(lines: 18, in: directory), api: api, ["--when", "always"], in: directory)
        #expect(output.stdout == "comment 251 updated\n")
        #expect(api.requests.map(\.method) == ["GET", "GET", "PATCH"])
        #expect(api.comments.count == 152 && api.comments[150].body.hasSuffix("planted by a user"))
    }

    @Test("a fork's read-only token (403) is a warning and exit 0; GitHub's 5xx is retried, then a warning")
    func refusals() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let api = try FakeGitHubAPI()
        defer { api.stop() }
        let body = try Self.body(lines: 10, in: directory)
        api.readOnly = true
        let fork = try Self.comment(body, api: api, ["--when", "always"], in: directory)
        #expect(fork.stdout.isEmpty)
        #expect(fork.stderr.hasPrefix("::warning title=gate comment::POST /repos/owner/app/issues/7/comments: HTTP 403: Resource not accessible by integration"))
        #expect(fork.stderr.contains("read-only token"))
        api.readOnly = false

        api.failNext([502])
        let retried = try Self.comment(body, api: api, ["--when", "always"], in: directory)
        #expect(retried.stdout == "comment 1001 created\n")
        #expect(api.requests.suffix(3).map(\.method) == ["GET", "GET", "POST"])

        api.failNext([503, 503, 503])
        let down = try Self.comment(body, api: api, ["--when", "always"], in: directory)
        #expect(down.stderr.contains("HTTP 503: Server Error (after 3 attempts)"), "\(down.stderr)")
        #expect(api.comments.count == 1)

        let unreachable = try GateBinary.run(["comment", body], in: directory, environment: [
            "GITHUB_TOKEN": Self.token, "GITHUB_REPOSITORY": "owner/app", "GITHUB_API_URL": "http://127.0.0.1:\(freePort())",
        ] + ["GITHUB_EVENT_PATH": directory + "/event.json"])
        #expect(unreachable.status == 0 && unreachable.stderr.hasPrefix("warning: no answer from http://127.0.0.1:"))
        #expect(!unreachable.stderr.contains(Self.token))
        let noToken = try GateBinary.run(["comment", body], in: directory, environment: ["GITHUB_REPOSITORY": "owner/app"])
        #expect(noToken.status == 0 && noToken.stderr.hasPrefix("warning: no GITHUB_TOKEN"))
    }
}

private func + (a: [String: String], b: [String: String]) -> [String: String] { a.merging(b) { $1 } }
