import Foundation
import GateKit
import GateTestSupport
import Testing

/// canary-deploy.yml's steps, run as the workflow runs them: scripts/flag-rollout.sh against a
/// fake GitHub REST API on 127.0.0.1, scripts/canary-analyze.sh on the saved answers, and
/// scripts/canary-summary.sh.
@Suite(.serialized) struct RolloutScriptTests {
    static let root = Fixtures.repositoryRoot
    static let flags = """
        # The service's flags.
        flags:
          phoenix_pipeline_enabled:
            description: New pipeline
            enabled: true
            rollout_percentage: 0.1   # the first step
            salt: phoenix_pipeline_salt
        """

    /// A fake of the four REST calls the script makes; every request is kept.
    static func api() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request, _ in
            switch (request.method, request.path) {
            case ("PUT", let path) where path.hasPrefix("/repos/acme/search/contents/"):
                let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
                // GitHub refuses a write over a blob the branch no longer has.
                if body?["sha"] as? String == "stale" { return .init(status: 409, text: #"{"message":"flags.yml does not match stale"}"#) }
                return .init(status: 200, text: #"{"commit":{"sha":"c0ffee","html_url":"https://github.test/acme/search/commit/c0ffee"}}"#)
            case ("GET", "/repos/acme/search/git/ref/heads/main"):
                return .init(status: 200, text: #"{"object":{"sha":"7ip"}}"#)
            case ("POST", "/repos/acme/search/git/refs"):
                return .init(status: 201, text: #"{"ref":"refs/heads/x"}"#)
            case ("POST", "/repos/acme/search/pulls"):
                return .init(status: 201, text: #"{"number":7,"html_url":"https://github.test/acme/search/pull/7"}"#)
            default:
                return .init(status: 404, text: #"{"message":"Not Found"}"#)
            }
        }
    }

    /// A repository with the flag file and gates/flags.yml's ladder, as the job checks it out.
    static func checkout() throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/gates", withIntermediateDirectories: true)
        try "ladder: [0, 0.1, 5, 25, 50, 100]\n".write(toFile: directory + "/gates/flags.yml", atomically: true, encoding: .utf8)
        try Self.flags.write(toFile: directory + "/flags.yml", atomically: true, encoding: .utf8)
        try Shell.run(["git", "init", "-q"], in: directory)
        return directory
    }

    static func run(_ arguments: [String], in directory: String, api: String) throws -> ProcessOutput {
        let gateDirectory = (GateBinary.path as NSString).deletingLastPathComponent
        return try ProcessRunner.run("/bin/bash", [root + "/scripts/flag-rollout.sh"] + arguments, in: directory, environment: [
            "PATH": gateDirectory + ":/usr/bin:/bin", "GITHUB_API_URL": api, "GITHUB_REPOSITORY": "acme/search",
            "GITHUB_TOKEN": "t0ken", "GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": "42",
        ])
    }

    static func json(_ request: LoopbackHTTPServer.Request) throws -> [String: String] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String])
    }

    @Test("set: the one value changes and is committed over the blob the edit started from")
    func set() throws {
        let directory = try Self.checkout()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try Self.api()
        defer { server.stop() }
        let blob = try Shell.run(["git", "hash-object", "flags.yml"], in: directory).trimmingCharacters(in: .whitespacesAndNewlines)
        let step = try Self.run(["set", "flags.yml", "phoenix_pipeline_enabled", "5"], in: directory, api: server.url)
        #expect(step.status == 0, "\(step.stdout)\(step.stderr)")
        #expect(step.stdout.contains("committed to main: https://github.test/acme/search/commit/c0ffee"))
        let text = try String(contentsOfFile: directory + "/flags.yml", encoding: .utf8)
        #expect(text == Self.flags.replacingOccurrences(of: "rollout_percentage: 0.1   #", with: "rollout_percentage: 5   #"))
        let requests = server.requests
        #expect(requests.map { "\($0.method) \($0.path)" } == ["PUT /repos/acme/search/contents/flags.yml"])
        let body = try Self.json(requests[0])
        #expect(body["sha"] == blob && body["branch"] == "main" && body["message"] == "Roll phoenix_pipeline_enabled out to 5%")
        #expect(Data(base64Encoded: body["content"] ?? "") == Data(text.utf8))
        #expect(requests[0].header("Authorization") == "Bearer t0ken")
        // The same step again: nothing to publish.
        let again = try Self.run(["set", "flags.yml", "phoenix_pipeline_enabled", "5"], in: directory, api: server.url)
        #expect(again.status == 0 && again.stdout.contains("already at 5%") && server.requests.count == 1)
        // A skip of the ladder: refused (exit 1), nothing sent, the file as it was.
        let skip = try Self.run(["set", "flags.yml", "phoenix_pipeline_enabled", "50"], in: directory, api: server.url)
        #expect(skip.status == 1 && skip.stderr.contains("the next step up is 25%") && server.requests.count == 1)
        #expect(try String(contentsOfFile: directory + "/flags.yml", encoding: .utf8) == text)
    }

    @Test("rollback by pull request: a branch from the tip, the file on it, the pull request; by commit: one PUT")
    func rollback() throws {
        let directory = try Self.checkout()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try Self.api()
        defer { server.stop() }
        let pull = try Self.run(["rollback", "flags.yml", "phoenix_pipeline_enabled", "pull-request"], in: directory, api: server.url)
        #expect(pull.status == 0, "\(pull.stdout)\(pull.stderr)")
        #expect(pull.stdout.contains("pull request: https://github.test/acme/search/pull/7"))
        #expect(server.requests.map { "\($0.method) \($0.path)" } == [
            "GET /repos/acme/search/git/ref/heads/main", "POST /repos/acme/search/git/refs",
            "PUT /repos/acme/search/contents/flags.yml", "POST /repos/acme/search/pulls",
        ])
        #expect(try Self.json(server.requests[1]) == ["ref": "refs/heads/gate/rollback-phoenix_pipeline_enabled-42", "sha": "7ip"])
        #expect(try Self.json(server.requests[2])["branch"] == "gate/rollback-phoenix_pipeline_enabled-42")
        let pullBody = try Self.json(server.requests[3])
        #expect(pullBody["head"] == "gate/rollback-phoenix_pipeline_enabled-42" && pullBody["base"] == "main" && pullBody["title"] == "Roll phoenix_pipeline_enabled back to 0%")
        #expect(try String(contentsOfFile: directory + "/flags.yml", encoding: .utf8).contains("rollout_percentage: 0   # the first step"))

        try Self.flags.write(toFile: directory + "/flags.yml", atomically: true, encoding: .utf8)
        let commit = try Self.run(["rollback", "flags.yml", "phoenix_pipeline_enabled", "commit"], in: directory, api: server.url)
        #expect(commit.status == 0 && server.requests.count == 5 && server.requests[4].method == "PUT")
        #expect(try Self.json(server.requests[4])["message"] == "Roll phoenix_pipeline_enabled back to 0%: the canary was rolled back")
    }

    @Test("an API that refuses or is not there, a missing variable, a bad mode: exit 2 with the reason")
    func failures() throws {
        let directory = try Self.checkout()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let refusing = try LoopbackHTTPServer { _, _ in .init(status: 409, text: #"{"message":"flags.yml does not match 1234"}"#) }
        defer { refusing.stop() }
        let conflict = try Self.run(["set", "flags.yml", "phoenix_pipeline_enabled", "5"], in: directory, api: refusing.url)
        #expect(conflict.status == 2 && conflict.stderr.contains("answered HTTP 409: flags.yml does not match 1234"), "\(conflict.stderr)")
        let down = try Self.run(["rollback", "flags.yml", "phoenix_pipeline_enabled", "commit"], in: directory, api: "http://127.0.0.1:\(freePort())")
        #expect(down.status == 2 && down.stderr.contains("no answer from"), "\(down.stderr)")
        let mode = try Self.run(["rollback", "flags.yml", "phoenix_pipeline_enabled", "email"], in: directory, api: refusing.url)
        #expect(mode.status == 2 && mode.stderr.contains("usage:"))
        let unset = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/flag-rollout.sh", "set", "flags.yml", "phoenix_pipeline_enabled", "5"], in: directory)
        #expect(unset.status == 2 && unset.stderr.contains("GITHUB_REPOSITORY is not set"))
    }

    @Test("canary-analyze.sh: the step's label, the earlier steps as history, the page and the result; canary-summary.sh links the page")
    func analyzeAndSummary() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gateDirectory = (GateBinary.path as NSString).deletingLastPathComponent
        let environment = ["PATH": gateDirectory + ":/usr/bin:/bin", "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": directory + "/outputs"]
        try FileManager.default.createDirectory(atPath: directory + "/history", withIntermediateDirectories: true)
        for label in ["0.1", "5"] {
            let step = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/canary-analyze.sh", "\(label)%", directory + "/history", directory + "/history/canary-\(label)"],
                                             in: Self.root, environment: environment)
            #expect(step.status == 0, "\(step.stdout)\(step.stderr)")
        }
        let third = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/canary-analyze.sh", "25%", directory + "/history", directory + "/canary-25", "--count", "2", "--interval", "5m",
                                                         "--end", "2025-12-31T23:55:00Z", "--window", "20m"], in: Self.root, environment: environment)
        #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
        #expect(third.stderr.contains("round 2/2"))
        let page = try String(contentsOfFile: directory + "/canary-25.html", encoding: .utf8)
        #expect(page.contains("<title>canary 25%: PROMOTE</title>"))
        let history = page.components(separatedBy: "The rollout so far").last ?? ""
        #expect(history.range(of: "<td>0.1%</td>") != nil && history.range(of: "<td>0.1%</td>")!.lowerBound < history.range(of: "<td>5%</td>")!.lowerBound)
        #expect(try String(contentsOfFile: directory + "/outputs", encoding: .utf8).contains("canary-decision=promote"))
        let result = try JSONTree.parse(Array(try String(contentsOfFile: directory + "/canary-25.json", encoding: .utf8).utf8), path: "r")
        #expect(result["details"]?["label"]?.string == "25%" && result["details"]?["rounds"]?.array?.count == 2)

        let summary = directory + "/summary.md"
        let linked = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/canary-summary.sh", "promote", "25%", "https://github.test/artifacts/9"],
                                           in: Self.root, environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(linked.status == 0)
        #expect(try String(contentsOfFile: summary, encoding: .utf8) == """
            ### Canary at 25%: PROMOTE
            [The decision page](https://github.test/artifacts/9) (metrics, charts, the rollout so far).

            The next step waits for a reviewer of the canary-promotion environment.

            """)
        let none = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/canary-summary.sh", "", "50%", ""], in: Self.root, environment: [:])
        #expect(none.status == 0 && none.stdout.contains("Canary at 50%: NO DECISION") && none.stdout.contains("No decision page was kept"))
    }
}
