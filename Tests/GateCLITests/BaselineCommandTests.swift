import Foundation
import GateKit
import GateTestSupport
import Testing

/// The base branch's results as baselines, as a pull request's CI uses them: `gate check
/// --results-dir` on main, then `--baseline-dir` on the change — the ratchets, new-only, and a
/// missing baseline that says so.
@Suite struct BaselineCommandTests {
    /// An LCOV report of one file with `lines` lines, the first `hit` of them covered.
    static func lcov(lines: Int, hit: Int) -> String {
        "TN:\nSF:src/ring.c\n" + (1...lines).map { "DA:\($0),\($0 <= hit ? 1 : 0)\n" }.joined() + "LF:\(lines)\nLH:\(hit)\nend_of_record\n"
    }

    static func workspace(_ files: [String: String]) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        for (path, text) in files {
            try FileManager.default.createDirectory(atPath: (directory + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Fixtures.write(text, to: directory + "/" + path)
        }
        return directory
    }

    @Test("main's results saved, then a change that drops coverage by a point fails against them; main again passes")
    func coverageDrop() throws {
        let directory = try Self.workspace(["gates/coverage.yml": "report: coverage.info\nmin-line: 50\n", "coverage.info": Self.lcov(lines: 200, hit: 180)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let main = try GateBinary.run(["check", "--results-dir", "main-results"], in: directory)
        #expect(main.status == 0, "\(main.stdout)")
        #expect(FileManager.default.fileExists(atPath: directory + "/main-results/coverage.json"))

        try Fixtures.write(Self.lcov(lines: 200, hit: 178), to: directory + "/coverage.info")
        let change = try GateBinary.run(["check", "--baseline-dir", "main-results"], in: directory)
        #expect(change.status == 1, "\(change.stdout)")
        #expect(change.stdout.contains("line coverage fell 1 point, from 90% to 89%; at most 0 allowed"), "\(change.stdout)")
        #expect(change.stdout.contains("line_coverage_drop"))

        try Fixtures.write(Self.lcov(lines: 200, hit: 180), to: directory + "/coverage.info")
        let same = try GateBinary.run(["check", "--baseline-dir", "main-results"], in: directory)
        #expect(same.status == 0, "\(same.stdout)")
    }

    @Test("with new-only a new dashboard error fails, while the errors main already had pass as existing")
    func dashboardsNewOnly() throws {
        let board = try Fixtures.text("dashboards/service-health.json")
        let oldDefect = board.replacingOccurrences(of: "sum by (code) (rate(", with: "sum by (code) (ratez(")
        let newDefect = oldDefect.replacingOccurrences(of: "\"id\": 3,", with: "\"id\": 2,")
        #expect(oldDefect != board && newDefect != oldDefect)
        let policy = "dashboards: [boards]\ncatalog: \(Fixtures.path("dashboards/metrics.prom"))\ndatasources: [prometheus]\nnew-only: true\n"
        let directory = try Self.workspace(["gates/dashboards.yml": policy, "boards/service-health.json": oldDefect])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let main = try GateBinary.run(["check", "--results-dir", "main-results"], in: directory)
        #expect(main.status == 1, "main has the old error, and no baseline: \(main.stdout)")
        #expect(main.stdout.contains("new-only needs an earlier result"))

        let unchanged = try GateBinary.run(["check", "--baseline-dir", "main-results"], in: directory)
        #expect(unchanged.status == 0, "\(unchanged.stdout)")
        #expect(unchanged.stdout.contains("error (existing)") && unchanged.stdout.contains("ratez"))
        #expect(unchanged.stdout.contains("new-only: 0 new, 1 already in main-results/dashboards.json"))

        try Fixtures.write(newDefect, to: directory + "/boards/service-health.json")
        let added = try GateBinary.run(["dashboards", "--baseline-dir", "main-results", "--format", "json"], in: directory)
        #expect(added.status == 1, "\(added.stdout)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        let states = Dictionary(findings.map { (($0["rule"] as? String) ?? "", ($0["baseline"] as? String) ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(states["dashboards/promql-unknown-function"] == "unchanged")
        #expect(states["dashboards/panel-id-duplicate"] == "new")
        let errors = try #require((document["measurements"] as? [[String: Any]])?.first { $0["name"] as? String == "errors" })
        #expect(errors["value"] as? Double == 1 && errors["verdict"] as? String == "fail")

        // --no-new-only overrides the policy: every error counts, old ones still marked.
        let all = try GateBinary.run(["dashboards", "--baseline-dir", "main-results", "--no-new-only"], in: directory)
        #expect(all.status == 1 && all.stdout.contains("2 errors") && !all.stdout.contains("new-only:"))
    }

    @Test("a missing baseline is a note in every report, and the verdict is the gate's own")
    func missingBaseline() throws {
        let directory = try Self.workspace(["gates/coverage.yml": "report: coverage.info\nmin-line: 50\n", "coverage.info": Self.lcov(lines: 10, hit: 9)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try GateBinary.run(["check", "--baseline-dir", "nowhere"], in: directory)
        #expect(text.status == 0)
        #expect(text.stdout.contains("no baseline: nowhere/coverage.json: no such file (the base branch has no saved result of this gate yet); nothing was compared with an earlier result"))
        let markdown = try GateBinary.run(["coverage", "--baseline-dir", "nowhere", "--format", "markdown"], in: directory)
        #expect(markdown.status == 0 && markdown.stdout.contains("`baseline/unavailable`"))
    }

    @Test("relevance, bench and sbom take their baselines from the directory too")
    func otherRatchets() throws {
        let golden = Fixtures.path("golden/golden.csv"), run = Fixtures.path("golden/baseline.run")
        let worse = try Fixtures.text("golden/baseline.run").split(separator: "\n").map { line -> String in
            let fields = line.split(separator: " ")
            // Reverse every query's order: the best documents fall to the bottom.
            return fields.count == 6 ? "\(fields[0]) Q0 \(fields[2]) \(fields[3]) \(-Double(fields[4])!) \(fields[5])" : String(line)
        }.joined(separator: "\n") + "\n"
        let bench = { (instructions: Int) in
            "{\"schema\": \"gate-bench/v1\", \"benchmarks\": [{\"name\": \"search\", \"kind\": \"instructions\", \"unit\": \"instructions\", \"samples\": [\(instructions)]}]}\n"
        }
        let lock = { (extra: String) in
            """
            {"name": "app", "lockfileVersion": 3, "packages": {
              "": {"name": "app", "dependencies": {"left-pad": "1.3.0"}},
              "node_modules/left-pad": {"version": "1.3.0", "license": "MIT"}\(extra)
            }}

            """
        }
        let directory = try Self.workspace(["worse.run": worse, "b0.json": bench(1000), "b1.json": bench(1000), "b2.json": bench(1100),
                                            "package-lock.json": lock("")])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/main", withIntermediateDirectories: true)
        let none = ["--policy", "/dev/null"]

        #expect(try GateBinary.run(["relevance", "--golden", golden, "--run", run, "--format", "json", "--output", "main/relevance.json"] + none, in: directory).status == 0)
        let relevance = try GateBinary.run(["relevance", "--golden", golden, "--run", "worse.run", "--baseline-dir", "main"] + none, in: directory)
        #expect(relevance.status == 1 && relevance.stdout.contains("relevance/max-drop"), "\(relevance.stdout)")

        #expect(try GateBinary.run(["bench", "compare", "--baseline", "b0.json", "--current", "b1.json", "--format", "json", "--output", "main/bench.json"] + none, in: directory).status == 0)
        let slower = try GateBinary.run(["bench", "compare", "--current", "b2.json", "--baseline-dir", "main"] + none, in: directory)
        #expect(slower.status == 1 && slower.stdout.contains("'search' regressed"), "\(slower.stdout)")

        let sbom = ["sbom", "check", "package-lock.json", "--allow", "MIT", "--deny", "GPL-3.0-only"] + none
        #expect(try GateBinary.run(sbom + ["--format", "json", "--output", "main/sbom.json"], in: directory).status == 0)
        try Fixtures.write(lock(",\n  \"node_modules/copyleft\": {\"version\": \"2.0.0\", \"license\": \"GPL-3.0-only\"}"), to: directory + "/package-lock.json")
        let added = try GateBinary.run(sbom + ["--baseline-dir", "main", "--new-only", "--format", "json"], in: directory)
        #expect(added.status == 1, "\(added.stdout)")
        for expected in ["\"name\": \"added\",\n      \"value\": 1", "\"name\": \"newly_denied\",\n      \"value\": 1", "pkg:npm/copyleft@2.0.0 (added) is licensed GPL-3.0-only",
                         "\"baseline\": \"new\",\n      \"fingerprint\""] {
            #expect(added.stdout.contains(expected), "\(expected) in \(added.stdout)")
        }
    }
}
