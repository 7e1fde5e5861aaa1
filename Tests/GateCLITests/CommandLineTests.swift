import Foundation
import GateKit
import GateTestSupport
import Testing

/// The built `gate` binary, run as CI runs it: exit codes, help, formats, GitHub integration.
@Suite struct CommandLineTests {
    static let pythonReport = "fixtures/coverage/python-project/coverage.xml"
    static let lcovReport = "fixtures/coverage/c-project/coverage.info"

    @Test("gate --help lists every subcommand with a one-line description")
    func rootHelp() throws {
        let output = try GateBinary.run(["--help"])
        #expect(output.status == 0)
        let section = try #require(output.stdout.components(separatedBy: "SUBCOMMANDS:").last)
        for command in ["check", "coverage"] {
            let line = try #require(section.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(command + " ") })
            #expect(line.split(separator: " ").count > 3, "\(command) has a description")
        }
    }

    @Test("gate coverage --help documents every option")
    func coverageHelp() throws {
        let output = try GateBinary.run(["coverage", "--help"])
        #expect(output.status == 0)
        for option in ["--report", "--min-line", "--min-branch", "--paths", "--format", "-o, --output", "--color", "--policy"] {
            let line = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("  \(option) ") }, "\(option) is listed")
            #expect(line.count > option.count + 12, "\(option) has a description")
        }
    }

    @Test("exit 0 at or above the thresholds, 1 below", arguments: [
        (["--min-line", "81.69"], Int32(0)),
        (["--min-line", "81.7"], Int32(1)),
        (["--min-line", "80", "--min-branch", "57"], Int32(0)),
        (["--min-line", "80", "--min-branch", "58"], Int32(1)),
        (["--paths", "fixtures/coverage/python-project/shop/**=78.2"], Int32(1)),
        (["--paths", "fixtures/coverage/python-project/shop/**=78.1"], Int32(0)),
    ])
    func thresholds(flags: [String], status: Int32) throws {
        let output = try GateBinary.run(["coverage", "--report", Self.pythonReport] + flags)
        #expect(output.status == status, "\(output.stdout)\(output.stderr)")
    }

    @Test("exit 2 with a message naming the file for missing, empty, truncated, hostile and malformed input", arguments: [
        ("fixtures/coverage/bad/does-not-exist.xml", "no such file"),
        ("fixtures/coverage/bad/empty.xml", "the file is empty"),
        ("fixtures/coverage/bad/truncated.xml", "malformed XML"),
        ("fixtures/coverage/bad/entity-bomb.xml", "declares the entity"),
        ("fixtures/coverage/bad/external-entity.xml", "declares the entity"),
        ("fixtures/coverage/bad/malformed.info", "malformed.info:4:"),
    ])
    func badInput(path: String, message: String) throws {
        for format in ["text", "json"] {
            let output = try GateBinary.run(["coverage", "--report", path, "--format", format])
            #expect(output.status == 2)
            #expect((output.stdout + output.stderr).contains(path))
            #expect((output.stdout + output.stderr).contains(message))
        }
        let json = try GateBinary.run(["coverage", "--report", path, "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(document?["verdict"] as? String == "error")
    }

    @Test("usage errors exit 2, not argument-parser's 64", arguments: [
        ["coverage", "--no-such-flag"], ["coverage", "--min-line", "abc"], ["coverage", "--min-line", "101"],
        ["coverage", "--paths", "nopercent"], ["coverage"], ["no-such-gate"],
        ["coverage", "--report", Fixtures.path("coverage/c-project/coverage.info"), "--output", "/nonexistent/dir/report.txt"],
    ])
    func usageErrors(arguments: [String]) throws {
        let output = try GateBinary.run(arguments, in: NSTemporaryDirectory())
        #expect(output.status == 2, "\(output.stdout)\(output.stderr)")
    }

    @Test("--format json is byte-identical across runs and follows the schema")
    func deterministicJSON() throws {
        let arguments = ["coverage", "--report", Self.pythonReport, Self.lcovReport, "--min-line", "70", "--format", "json"]
        let first = try GateBinary.run(arguments), second = try GateBinary.run(arguments)
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(document["schema"] as? String == "gate-result/v1")
        #expect(document["gate"] as? String == "coverage")
        #expect((document["inputs"] as? [[String: Any]])?.count == 2)
    }

    @Test("under GitHub Actions: annotations in the log (stderr), a summary section and outputs appended")
    func githubActions() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let summary = directory + "/summary.md", outputs = directory + "/output"
        let output = try GateBinary.run(
            ["coverage", "--report", Self.pythonReport, "--min-line", "90", "--paths", "**/inventory.py=80"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": outputs])
        #expect(output.status == 1)
        #expect(!output.stdout.contains("::"))
        let annotations = output.stderr.split(separator: "\n").filter { $0.hasPrefix("::") }
        #expect(annotations.contains("::error title=coverage/min-line::line coverage 81.69%25 < 90%25 (58 of 71 lines covered)"))
        #expect(annotations.contains { $0.hasPrefix("::error file=fixtures/coverage/python-project/shop/inventory.py,title=coverage/path-minimum::line coverage 78.57%25 < 80%25") })
        let summaryText = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(summaryText.hasPrefix("### ❌ coverage: fail\n"))
        #expect(summaryText.contains("| line_coverage | 81.69% | >= 90% | fail |"))
        let outputText = try String(contentsOfFile: outputs, encoding: .utf8)
        let lines = outputText.split(separator: "\n").map(String.init)
        #expect(lines.prefix(5) == ["verdict=fail", "exit-code=1", "findings=2", "coverage-verdict=fail", "coverage-line-coverage=81.69"])
        let heredoc = try #require(lines.first { $0.hasPrefix("summary<<ghadelimiter_") })
        #expect(lines.last == String(heredoc.dropFirst("summary<<".count)))
    }

    @Test("under GitHub Actions a redirected stdout or --output file gets the report only: no workflow commands, no colour unless FORCE_COLOR")
    func reportStaysClean() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["coverage", "--report", Self.pythonReport, "--min-line", "90"]
        let redirected = try GateBinary.run(arguments, environment: ["GITHUB_ACTIONS": "true"])
        #expect(redirected.status == 1)
        #expect(redirected.stdout.contains("line coverage 81.69% < 90%"))
        #expect(!redirected.stdout.contains("::") && !redirected.stdout.contains("\u{1B}["))
        #expect(redirected.stderr.contains("::error title=coverage/min-line::"))
        let file = directory + "/report.txt"
        let written = try GateBinary.run(arguments + ["--output", file], environment: ["GITHUB_ACTIONS": "true"])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(written.status == 1 && text.contains("line coverage 81.69% < 90%"))
        #expect(!text.contains("::") && !text.contains("\u{1B}[") && !written.stdout.contains("::"))
        let forced = try GateBinary.run(arguments, environment: ["GITHUB_ACTIONS": "true", "FORCE_COLOR": "1"])
        #expect(forced.stdout.contains("\u{1B}[") && !forced.stdout.contains("::"))
    }

    @Test("machine formats keep stdout parseable: annotations go to stderr")
    func annotationsBesideJSON() throws {
        let output = try GateBinary.run(["coverage", "--report", Self.pythonReport, "--min-line", "90", "--format", "sarif"],
                                        environment: ["GITHUB_ACTIONS": "true"])
        #expect(output.status == 1)
        #expect(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) is [String: Any])
        #expect(output.stderr.contains("::error title=coverage/min-line::"))
    }

    @Test("gate check runs every policy in gates/, prints one table, exits with the worst verdict")
    func check() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/gates", withIntermediateDirectories: true)
        let report = Fixtures.path("coverage/c-project/coverage.info")
        try Fixtures.write("report: \(report)\nmin-line: 75\nmin-branch: 40\n", to: directory + "/gates/coverage.yml")
        var output = try GateBinary.run(["check", "--results-dir", "results"], in: directory)
        #expect(output.status == 0, "\(output.stdout)")
        #expect(output.stdout.contains("coverage  pass"))
        #expect(output.stdout.contains("gate check: PASS (1 gate)"))
        #expect(FileManager.default.fileExists(atPath: directory + "/results/coverage.json"))

        output = try GateBinary.run(["check", "--format", "json"], in: directory)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        #expect(array.map { $0["verdict"] as? String } == ["pass"])

        try Fixtures.write("report: \(report)\nmin-line: 80\n", to: directory + "/gates/coverage.yml")
        #expect(try GateBinary.run(["check"], in: directory).status == 1)

        try Fixtures.write("report: \(report)\nmin-lines: 80\n", to: directory + "/gates/coverage.yml")
        output = try GateBinary.run(["check"], in: directory)
        #expect(output.status == 2)
        #expect(output.stdout.contains("gates/coverage.yml:2: unknown key 'min-lines' (did you mean 'min-line'?)"))

        try Fixtures.write("report: \(report)\n", to: directory + "/gates/coverage.yml")
        try Fixtures.write("threshold: 1\n", to: directory + "/gates/typo-gate.yml")
        output = try GateBinary.run(["check"], in: directory)
        #expect(output.status == 2)
        #expect(output.stdout.contains("gates/typo-gate.yml: no gate is named 'typo-gate'"))
    }

    @Test("gate check with no policy files is an error, not a pass")
    func checkNothing() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try GateBinary.run(["check"], in: directory).status == 2)
        try FileManager.default.createDirectory(atPath: directory + "/gates", withIntermediateDirectories: true)
        #expect(try GateBinary.run(["check"], in: directory).status == 2)
    }

    @Test("a policy file is read by default and flags override its keys")
    func policyOverride() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/gates", withIntermediateDirectories: true)
        try Fixtures.write("report: \(Fixtures.path("coverage/c-project/coverage.info"))\nmin-line: 95\n", to: directory + "/gates/coverage.yml")
        #expect(try GateBinary.run(["coverage"], in: directory).status == 1)
        #expect(try GateBinary.run(["coverage", "--min-line", "70"], in: directory).status == 0)
    }
}

@Suite struct MergeCommandTests {
    @Test("gate coverage merge writes the union and says what it wrote; a missing input exits 2")
    func merge() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shards = ["fixtures/coverage/c-project/shard-main.info", "fixtures/coverage/c-project/shard-shard.info"]
        let output = try GateBinary.run(["coverage", "merge"] + shards + ["-o", directory + "/merged.xml"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("(cobertura): 3 files, lines 46/46, branches 15/16"))
        let check = try GateBinary.run(["coverage", "--report", directory + "/merged.xml", "--min-line", "100", "--min-branch", "93.75"])
        #expect(check.status == 0, "\(check.stdout)")
        let missing = try GateBinary.run(["coverage", "merge", "fixtures/nope.info", "-o", directory + "/x.info"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("fixtures/nope.info: no such file"))
    }
}

@Suite struct RelevanceEvalCommandTests {
    @Test("gate relevance eval prints trec_eval's lines; -q adds each query; missing queries are named")
    func eval() throws {
        let output = try GateBinary.run(["relevance", "eval", "fixtures/relevance/edge.qrels", "fixtures/relevance/edge.run", "-m", "ndcg_cut.5", "-m", "map"])
        #expect(output.status == 0, "\(output.stderr)")
        // Means over the five judged queries, q4 counting 0, from trec_eval's per-query values.
        let reference = try #require(try JSONSerialization.jsonObject(
            with: Data(try Fixtures.text("relevance/expected.json").utf8)) as? [String: Any])["queries"] as? [String: [String: Double]]
        let means = try ["ndcg_cut_5", "map"].map { name in
            String(format: "%6.4f", try #require(reference).values.reduce(0.0) { $0 + $1[name]! } / 5)
        }
        #expect(output.stdout.split(separator: "\n").map(String.init) == [
            "ndcg_cut_5            \tall\t" + means[0],
            "map                   \tall\t" + means[1],
        ])
        #expect(output.stderr.contains("1 query of the qrels missing from the run count as 0: q4"))
        let perQuery = try GateBinary.run(["relevance", "eval", "fixtures/relevance/edge.qrels", "fixtures/relevance/edge.run", "-q", "-m", "P.5"])
        #expect(perQuery.stdout.hasPrefix("P_5                   \tq1\t0.8000\n"))
        let json = try GateBinary.run(["relevance", "eval", "fixtures/relevance/edge.qrels", "fixtures/relevance/edge.run", "-m", "ndcg", "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let ndcg = try #require(((document["queries"] as? [String: Any])?["q1"] as? [String: Double])?["ndcg"])
        #expect(abs(ndcg - 0.8615804837502794) < 1e-12)
        #expect(document["missing"] as? [String] == ["q4"])
    }

    @Test("bad input and unknown measures exit 2 with the file and line")
    func badInput() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("q1 Q0 d1 1 x tag\n", to: directory + "/bad.run")
        let output = try GateBinary.run(["relevance", "eval", "fixtures/relevance/edge.qrels", directory + "/bad.run"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("bad.run:1: the score 'x' is not a number"))
        #expect(try GateBinary.run(["relevance", "eval", "fixtures/relevance/edge.qrels", "fixtures/relevance/edge.run", "-m", "bpref"]).status == 2)
    }
}

@Suite struct RelevanceGateCommandTests {
    @Test("gate relevance (alias ndcg) judges the golden set; a failed top-k assertion exits 1")
    func gate() throws {
        let arguments = ["--golden", "fixtures/golden/golden.csv", "--run", "fixtures/golden/baseline.run", "--min-ndcg", "0.65"]
        let output = try GateBinary.run(["relevance"] + arguments)
        #expect(output.status == 0, "\(output.stdout)")
        #expect(output.stdout.hasPrefix("relevance: PASS  NDCG@10 0.8801 over 30 golden queries, 28 of 28 top-k assertions held"))
        #expect(try GateBinary.run(["ndcg"] + arguments).status == 0)
        #expect(try GateBinary.run(["ndcg"] + arguments.dropLast(2) + ["--min-ndcg", "0.9"]).status == 1)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The baseline ranking with q03's best product pushed down: its top-1 assertion breaks.
        let run = try Fixtures.text("golden/baseline.run").replacingOccurrences(of: "q03 Q0 p005 1 10.860199", with: "q03 Q0 p005 1 3.0")
        try Fixtures.write(run, to: directory + "/worse.run")
        let worse = try GateBinary.run(["relevance", "--golden", "fixtures/golden/golden.csv", "--run", directory + "/worse.run", "--format", "json"])
        #expect(worse.status == 1)
        #expect(worse.stdout.contains("p005 must rank in the top 1 for 'bluetooth speaker waterproof' (q03) but ranks 2"))
    }

    @Test("an include or exclude glob that matches nothing warns; globs that leave nothing name the policy line they came from")
    func unmatchedGlobs() throws {
        let warned = try GateBinary.run(["coverage", "--report", CommandLineTests.pythonReport, "--policy", "/dev/null", "--include", "nope/**",
                                         "--include", "fixtures/**", "--format", "json"])
        #expect(warned.status == 0)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(warned.stdout.utf8)) as? [String: Any])
        #expect(result["verdict"] as? String == "warn")
        let messages = (result["findings"] as? [[String: Any]] ?? []).map { $0["message"] as? String ?? "" }
        #expect(messages == ["the include glob 'nope/**' (--include) matches no file in the reports"])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("report: \(CommandLineTests.pythonReport)\nmin-line: 10\ninclude: [\"Sources/**\"]\n", to: directory + "/coverage.yml")
        let empty = try GateBinary.run(["coverage", "--policy", directory + "/coverage.yml"])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("no measured file is left after include/exclude (include at \(directory)/coverage.yml:3)"), "\(empty.stderr)")
    }
}
