import Foundation
import GateKit
import GateTestSupport
import Testing

/// The composite action's scripts (scripts/action/) and the rollout's stop sign
/// (scripts/canary-decision.sh), run as their workflow steps run them; actionlint and
/// shellcheck on everything a workflow runs.
@Suite struct ActionTests {
    static let root = Fixtures.repositoryRoot
    static let environment = ProcessInfo.processInfo.environment

    /// Runs `bash script` in the repository with exactly `environment`.
    static func script(_ path: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> ProcessOutput {
        try ProcessRunner.run("/bin/bash", [root + "/" + path] + arguments, in: root, environment: environment)
    }

    /// A stand-in for gate that prints each argument it got between brackets, one per line.
    static let argumentPrinter: String = {
        let path = NSTemporaryDirectory() + "gate-arguments-" + UUID().uuidString
        try? Fixtures.write("#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n", to: path)
        chmod(path, 0o755)
        return path
    }()

    @Test("args reach the gate as a shell would split them, without expanding anything", arguments: [
        ("coverage", "--exclude 'src/pkg/exc.py' --min-line 70", ["coverage", "--exclude", "src/pkg/exc.py", "--min-line", "70"]),
        ("coverage", #"--paths "Sources/My Dir/**=90" --exclude '**/*_test.py'"#, ["coverage", "--paths", "Sources/My Dir/**=90", "--exclude", "**/*_test.py"]),
        ("coverage", #"a\ b '' "x\"y\\z\$HOME" $HOME `id` 'it''s' "a\nb""#, ["coverage", "a b", "", #"x"y\z$HOME"#, "$HOME", "`id`", "its", #"a\nb"#]),
        ("canary analyze", "--end now", ["canary", "analyze", "--end", "now"]),
        ("coverage", "  --report\tcoverage.xml  \n", ["coverage", "--report", "coverage.xml"]),
        ("coverage", "--exclude\nsrc/my dir/*.py\n  --min-line  \n\n70\n", ["coverage", "--exclude", "src/my dir/*.py", "--min-line", "70"]),
        ("coverage", "", ["coverage"]),
    ])
    func arguments(gate: String, args: String, expected: [String]) throws {
        let output = try Self.script("scripts/action/run-gate.sh",
                                     environment: ["GATE_BIN": Self.argumentPrinter, "GATE_NAME": gate, "GATE_ARGS": args])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == expected.map { "[\($0)]\n" }.joined())
    }

    @Test("an unclosed quote is an error (exit 2), never a guess")
    func unclosedQuote() throws {
        let output = try Self.script("scripts/action/run-gate.sh",
                                     environment: ["GATE_BIN": Self.argumentPrinter, "GATE_NAME": "coverage", "GATE_ARGS": "--exclude 'src/pkg"])
        #expect(output.status == 2 && output.stdout.isEmpty)
        #expect(output.stderr.contains("::error title=gate::the args input has an unclosed quote"))
    }

    @Test("a quoted glob excludes what it names: the gate's verdict is the one the same words give it directly")
    func quotedGlobReachesTheGate() throws {
        let report = "fixtures/coverage/python-project/coverage.xml"
        let words = ["--report", report, "--min-line", "80", "--policy", "/dev/null", "--format", "json", "--exclude", "**/exercise.py"]
        let direct = try GateBinary.run(["coverage"] + words, in: Self.root)
        let action = try Self.script("scripts/action/run-gate.sh", environment: [
            "GATE_BIN": GateBinary.path, "GATE_NAME": "coverage",
            "GATE_ARGS": "--report \(report) --min-line 80 --policy /dev/null --format json --exclude '**/exercise.py'",
        ])
        #expect(action.status == 1 && direct.status == 1)
        #expect(action.stdout == direct.stdout)
        #expect(action.stdout.contains("(47/60 lines)"), "exercise.py is excluded: \(action.stdout)")
    }

    @Test("the run step keeps results where GATE_RESULTS_DIR points, compares with GATE_BASELINE_DIR, and writes the comment; other commands ignore them")
    func resultsAndBaseline() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = { (hit: Int) in "TN:\nSF:src/a.c\n" + (1...10).map { "DA:\($0),\($0 <= hit ? 1 : 0)\n" }.joined() + "end_of_record\n" }
        try Fixtures.write(report(9), to: directory + "/coverage.info")
        var environment = ["GATE_BIN": GateBinary.path, "GATE_NAME": "coverage", "GATE_ARGS": "--report coverage.info --policy /dev/null",
                           "GATE_RESULTS_DIR": directory + "/results/key", "GITHUB_ACTIONS": "true", "GATE_COMMENT_FILE": directory + "/comment/key.md"]
        let main = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/action/run-gate.sh"], in: directory, environment: environment)
        #expect(main.status == 0, "\(main.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/results/key/coverage.json"))
        #expect(try String(contentsOfFile: directory + "/comment/key.md", encoding: .utf8).contains("| coverage | ✅ pass |"))

        try Fixtures.write(report(8), to: directory + "/coverage.info")
        environment["GATE_BASELINE_DIR"] = directory + "/results/key"
        environment["GATE_RESULTS_DIR"] = directory + "/results/next"
        let change = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/action/run-gate.sh"], in: directory, environment: environment)
        #expect(change.status == 1 && change.stdout.contains("line coverage fell 10 points"), "\(change.stdout)")
        #expect(try String(contentsOfFile: directory + "/comment/key.md", encoding: .utf8).contains("- coverage · line_coverage 80% (\u{2212}10)"))

        environment["GATE_NAME"] = "checksum keygen"
        environment["GATE_ARGS"] = "k k.pub"
        let other = try ProcessRunner.run("/bin/bash", [Self.root + "/scripts/action/run-gate.sh"], in: directory, environment: environment)
        #expect(other.status == 0, "\(other.stderr)")
    }

    @Test("with no gate input the action only installs gate")
    func installOnly() throws {
        let output = try Self.script("scripts/action/run-gate.sh", environment: ["GATE_BIN": GateBinary.path, "GATE_NAME": ""])
        #expect(output.status == 0)
        #expect(output.stdout == "gate \(GateVersion.current) is installed; no gate input, so nothing runs\n")
    }

    @Test("a release for tags and versions on Linux X64/ARM64 runners, a build otherwise", arguments: [
        ("", "v0.1.0", "Linux", "X64", "release", GateVersion.current),
        ("", "v1", "Linux", "ARM64", "release", GateVersion.current),
        ("", "main", "Linux", "X64", "source", ""),
        ("", "", "Linux", "X64", "source", ""),
        ("", "3f2c9a1e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a", "Linux", "X64", "source", ""),
        ("build", "v0.1.0", "Linux", "X64", "source", ""),
        ("v0.2.0", "main", "Linux", "X64", "release", "0.2.0"),
        ("0.2.0", "", "macOS", "ARM64", "source", ""),
        ("", "v0.1.0", "Windows", "X64", "source", ""),
    ])
    func resolve(version: String, ref: String, os: String, arch: String, mode: String, resolved: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outputs = directory + "/outputs"
        let output = try Self.script("scripts/action/resolve.sh", environment: [
            "GATE_VERSION": version, "GATE_ACTION_REF": ref, "RUNNER_OS": os, "RUNNER_ARCH": arch,
            "GITHUB_OUTPUT": outputs, "GITHUB_ACTION_PATH": Self.root, "GATE_KEY": "build-test-gates-canary analyze <!-- x -->",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = try String(contentsOfFile: outputs, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["mode=\(mode)", "version=\(resolved)"])
        let key = try #require(lines.first { $0.hasPrefix("source-key=") })
        #expect(key.count == "source-key=".count + 64)
        #expect(lines.last == "key=build-test-gates-canary-analyze------x----")
    }

    @Test("the release lands in the tool cache once and is reused with the server gone; its folder goes on PATH")
    func toolCache() throws {
        let release = try ReleaseTests.standInRelease()
        defer { try? FileManager.default.removeItem(atPath: release) }
        let server = try FileHTTPServer(directory: release + "/files")
        let cache = release + "/toolcache", outputs = release + "/outputs", path = release + "/path"
        let environment = [
            "GATE_MODE": "release", "GATE_VERSION": "9.9.9", "GATE_BASE_URL": server.url,
            "GATE_RELEASE_KEY": ReleaseTests.testPublicKey, "RUNNER_TOOL_CACHE": cache,
            "GITHUB_OUTPUT": outputs, "GITHUB_PATH": path, "GITHUB_ACTION_PATH": Self.root,
        ]
        let first = try Self.script("scripts/action/install.sh", environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        server.stop()
        let second = try Self.script("scripts/action/install.sh", environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("gate 9.9.9 from the tool cache"))
        #expect(server.requestedPaths.count == 3)
        let folder = "\(cache)/gate/9.9.9/\(ReleaseTests.architecture)"
        #expect(FileManager.default.fileExists(atPath: folder + ".complete"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(folder)\n\(folder)\n")
        #expect(try String(contentsOfFile: outputs, encoding: .utf8) == "path=\(folder)/gate\npath=\(folder)/gate\n")
    }

    /// The canary's saved answers, with the canary's latency or connection failures changed.
    static func canaryAnswers(_ change: String) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        for name in ["error_rate", "latency_p95", "latency_p99", "connection_failures"] {
            for group in ["baseline", "canary"] {
                var text = try Fixtures.text("canary/\(name).\(group).json")
                if group == "canary" && name == "latency_p95" && change == "hold" {
                    // 1.5 times the latency: a failed non-critical metric, under the 2x trigger.
                    let answer = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                    var data = try #require(answer["data"] as? [String: Any])
                    var series = try #require((data["result"] as? [[String: Any]])?.first)
                    let values = try #require(series["values"] as? [[Any]])
                    series["values"] = values.map { [$0[0], String(Double($0[1] as! String)! * 1.5)] }
                    data["result"] = [series]
                    text = String(decoding: try JSONSerialization.data(withJSONObject: ["status": "success", "data": data]), as: UTF8.self)
                }
                if group == "canary" && name == "connection_failures" && change == "rollback" {
                    text = text.replacingOccurrences(of: "\"0.0\"", with: "\"2.0\"")
                }
                try Fixtures.write(text, to: directory + "/\(name).\(group).json")
            }
        }
        return directory
    }

    @Test("the rollout goes on after promote only: the gate's decision output, fed to canary-decision.sh", arguments: [
        ("promote", Int32(0), Int32(0)),
        ("hold", Int32(0), Int32(1)),
        ("rollback", Int32(1), Int32(1)),
    ])
    func canaryDecision(decision: String, gateStatus: Int32, stepStatus: Int32) throws {
        let answers = try Self.canaryAnswers(decision)
        defer { try? FileManager.default.removeItem(atPath: answers) }
        let outputs = answers + "/outputs", summary = answers + "/summary.md"
        let analysis = try GateBinary.run(["canary", "analyze", "--offline", answers, "--html", answers + "/r.html"], in: Self.root,
                                          environment: ["GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": outputs])
        #expect(analysis.status == gateStatus, "\(analysis.stdout)\(analysis.stderr)")
        let written = try String(contentsOfFile: outputs, encoding: .utf8).split(separator: "\n")
        let output = try #require(written.first { $0.hasPrefix("canary-decision=") })
        #expect(output == "canary-decision=\(decision)")
        let step = try Self.script("scripts/canary-decision.sh", [String(output.dropFirst("canary-decision=".count)), "25"],
                                   environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(step.status == stepStatus, "\(step.stdout)\(step.stderr)")
        if stepStatus == 0 {
            #expect(step.stdout.contains("promote at 25%"))
        } else {
            #expect(step.stderr.contains("::error title=canary \(decision == "hold" ? "on hold" : "rolled back") at 25%25::"))
            #expect(try String(contentsOfFile: summary, encoding: .utf8).hasPrefix("### Rollout stopped at 25%"))
        }
    }

    @Test("no decision or an unknown one stops the rollout too (exit 2)", arguments: ["", "promoted", "PROMOTE"])
    func noDecision(decision: String) throws {
        let step = try Self.script("scripts/canary-decision.sh", [decision, "50"])
        #expect(step.status == 2)
        #expect(step.stderr.contains("at 50%") && step.stderr.contains("nothing is promoted"))
    }

    @Test("canary-deploy.yml: a reviewer per step, set the flag, analyse repeatedly, roll back on rollback, link the page, stop unless promote")
    func rolloutWiring() throws {
        let workflow = try String(contentsOfFile: Self.root + "/.github/workflows/canary-deploy.yml", encoding: .utf8)
        // The steps in the order a step of the rollout needs them.
        let order = [
            "ref: ${{ github.ref_name }}",
            "run: bash scripts/flag-rollout.sh set \"$FLAG_FILE\" \"$FLAG\" \"$PERCENT\"",
            "pattern: canary-*",
            "id: canary\n",
            "bash scripts/canary-analyze.sh \"$PERCENT%\" canary-history \"canary-$PERCENT\"",
            "if: ${{ !cancelled() && steps.canary.outputs.canary-decision == 'rollback' }}",
            "run: bash scripts/flag-rollout.sh rollback \"$FLAG_FILE\" \"$FLAG\" \"$ROLLBACK_VIA\"",
            "id: page\n",
            "PAGE_URL: ${{ steps.page.outputs.artifact-url }}",
            "run: bash scripts/canary-summary.sh \"$DECISION\" \"$PERCENT%\" \"$PAGE_URL\"",
            "run: bash scripts/canary-decision.sh \"$DECISION\" \"$PERCENT\"",
        ]
        var previous = workflow.startIndex
        for text in order {
            let found = try #require(workflow.range(of: text, range: previous..<workflow.endIndex), "\(text) after the step before it")
            previous = found.upperBound
        }
        #expect(workflow.contains("environment: canary-promotion") && workflow.contains("percent: [\"0.1\", \"5\", \"25\", \"50\", \"100\"]"))
        #expect(workflow.contains("--count \"$ROUNDS\" --interval \"$INTERVAL\" --failure-limit 1 --inconclusive-limit 2"))
        // The matrix's steps are the ladder of gates/flags.yml, from its first step above 0.
        let ladder = try String(contentsOfFile: Self.root + "/gates/flags.yml", encoding: .utf8)
        #expect(ladder.contains("ladder: [0, 0.1, 5, 25, 50, 100]"))
        #expect(workflow.contains("fail-fast: true") && workflow.contains("max-parallel: 1"))
    }

    static var actionlint: String? { environment["GATE_ACTIONLINT"] }
    static var lintersInstalled: Bool {
        (actionlint != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/shellcheck")) || environment["CI"] == "true"
    }

    @Test("actionlint passes on every workflow and, through their `uses: ./`, the action; shellcheck on every script", .enabled(if: lintersInstalled))
    func lint() throws {
        let actionlint = try #require(Self.actionlint, "GATE_ACTIONLINT names actionlint (scripts/setup-suite.sh installs it)")
        let workflows = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/.github/workflows").filter { $0.hasSuffix(".yml") }
        #expect(workflows.count >= 8)
        #expect(try String(contentsOfFile: Self.root + "/.github/workflows/build-test.yml", encoding: .utf8).contains("uses: ./\n"))
        let linted = try ProcessRunner.run(actionlint, ["-color=false", "-shellcheck", "/usr/bin/shellcheck"], in: Self.root)
        #expect(linted.status == 0, "\(linted.stdout)\(linted.stderr)")
        let scripts = try FileManager.default.subpathsOfDirectory(atPath: Self.root + "/scripts").filter { $0.hasSuffix(".sh") }.map { "scripts/" + $0 }
        #expect(scripts.contains("scripts/install-gate.sh") && scripts.contains("scripts/action/run-gate.sh"))
        let checked = try ProcessRunner.run("/usr/bin/shellcheck", ["-x"] + scripts.sorted(), in: Self.root)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
    }
}
