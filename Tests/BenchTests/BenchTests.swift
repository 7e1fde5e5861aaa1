@testable import Bench
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Importers on files the tools wrote (fixtures/bench/README.md says how), the comparison
/// rules, and the runner on real commands.
@Suite struct BenchTests {
    static func read(_ name: String, biggerIsBetter: Bool = false) throws -> BenchResults {
        try BenchImport.read(Fixtures.path("bench/" + name), biggerIsBetter: biggerIsBetter).results
    }

    @Test("hyperfine --export-json: one wall-time series per command, in seconds")
    func hyperfine() throws {
        let results = try Self.read("hyperfine.json")
        #expect(results.source == "hyperfine")
        #expect(results.series.map(\.name) == ["gzip -c -1 /usr/bin/hyperfine", "gzip -c -9 /usr/bin/hyperfine"])
        #expect(results.series.allSatisfy { $0.kind == .wallTime && $0.samples.count == 12 })
        #expect(abs(results.series[0].minimum - 0.022234272000000003) < 1e-15)
    }

    @Test("Google Benchmark: iteration rows grouped by run name, aggregates skipped, time_unit converted")
    func googleBenchmark() throws {
        let results = try Self.read("google-benchmark.json")
        #expect(results.series.map(\.name) == ["BM_SortInts/1000", "BM_SortInts/10000", "BM_Accumulate"])
        #expect(results.series.allSatisfy { $0.samples.count == 5 })
        // real_time 7.8354832196937905e+03 ns in the first row
        #expect(abs(results.series[0].samples[0] - 7.8354832196937905e-06) < 1e-18)
    }

    @Test("pytest-benchmark: stats.data in seconds")
    func pytestBenchmark() throws {
        let results = try Self.read("pytest-benchmark.json")
        #expect(results.series.map(\.name) == ["test_work.py::test_digest_small", "test_work.py::test_sorted_words"])
        #expect(results.series.allSatisfy { $0.kind == .wallTime && $0.samples.count >= 20 && $0.samples.allSatisfy { $0 > 0 && $0 < 1 } })
    }

    @Test("package-benchmark (jsonSmallerIsBetter, jmh), github-action-benchmark custom and k6 summaries")
    func otherFormats() throws {
        let smaller = try Self.read("package-benchmark-smaller.json")
        #expect(smaller.series.map(\.name) == ["Search - Wall clock (μs)", "Search - Malloc (total)"])
        #expect(smaller.series[0].samples == [486] && smaller.series[0].smallerIsBetter)
        let jmh = try Self.read("package-benchmark-jmh.json")
        #expect(jmh.series[0].samples.count == 8 && jmh.series[0].unit == "us/op" && jmh.series[0].smallerIsBetter)
        let bigger = try Self.read("custom-bigger.json", biggerIsBetter: true)
        #expect(bigger.series.map(\.smallerIsBetter) == [false, false])
        let k6 = try Self.read("k6-summary.json")
        #expect(k6.series.map(\.name) == ["checks", "http_req_duration med", "http_req_duration p(90)", "http_req_duration p(95)", "http_req_duration max", "http_req_failed"])
        #expect(k6.series.first { $0.name == "http_req_duration p(95)" }?.samples == [131.9])
        #expect(k6.series.first { $0.name == "checks" }?.smallerIsBetter == false)
    }

    @Test("unreadable, empty, unknown and failed-run inputs are errors naming the file", arguments: [
        ("{\"results\": [", "r.json:1:14: invalid JSON: unexpected end of input"), ("", "the file is empty"), ("{\"hello\": 1}", "not a benchmark result gate reads"),
        ("{\"results\": [{\"command\": \"x\", \"times\": [0.1, 0.2], \"exit_codes\": [0, 1]}]}", "exited non-zero"),
        ("{\"context\": {}, \"benchmarks\": [{\"name\": \"a\", \"run_type\": \"iteration\", \"error_occurred\": true, \"error_message\": \"boom\"}]}", "reported an error: boom"),
    ])
    func badInput(text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/r.json")
        expectError(containing: message) { _ = try BenchImport.read(directory + "/r.json") }
        expectError(containing: "r.json") { _ = try BenchImport.read(directory + "/r.json") }
    }

    static func gate(_ policy: BenchPolicy = BenchPolicy()) -> BenchGate {
        BenchGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot))
    }

    static func wall(_ samples: [Double], session: String? = "s1", name: String = "b") -> BenchResults {
        BenchResults(source: "gate", series: [BenchSeries(name: name, kind: .wallTime, unit: "s", samples: samples)], interleavedWith: session)
    }

    /// A right-skewed, two-mode sample like this machine's (fast mode, occasional slow runs).
    static func noisy(_ n: Int, scale: Double, seed: UInt64) -> [Double] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) / Double(1 << 53)
            return scale * (u < 0.7 ? 0.165 * (1 + 0.02 * u) : 0.22 * (1 + 0.1 * u))
        }
    }

    @Test("instruction counts fail above the margin, pass within it; other valgrind versions do not compare")
    func instructions() {
        func counts(_ value: Double, valgrind: String = "valgrind-3.19.0") -> BenchResults {
            BenchResults(source: "gate", series: [BenchSeries(name: "x", kind: .instructions, unit: "instructions", samples: [value])], valgrind: valgrind)
        }
        #expect(Self.gate().judge(baseline: counts(1_000_000), current: counts(1_009_000)).verdict == .pass)
        let regressed = Self.gate().judge(baseline: counts(1_000_000), current: counts(1_011_000))
        #expect(regressed.verdict == .fail)
        #expect(regressed.findings.contains { $0.rule == "bench/regression" && $0.message.contains("+1.10%") })
        #expect(Self.gate().judge(baseline: counts(1_000_000), current: counts(2_000_000, valgrind: "valgrind-3.22.0")).verdict == .warn)
    }

    @Test("interleaved wall time: a real 10% slowdown fails; A/A and a slowdown in one mode only do not")
    func interleaved() {
        let base = Self.noisy(30, scale: 1, seed: 1)
        let regressed = Self.gate().judge(baseline: Self.wall(base), current: Self.wall(Self.noisy(30, scale: 1.10, seed: 2)))
        #expect(regressed.verdict == .fail, "\(regressed.findings.map(\.message))")
        #expect(Self.gate().judge(baseline: Self.wall(base), current: Self.wall(Self.noisy(30, scale: 1, seed: 3))).verdict == .pass)
    }

    @Test("wall time from another job is reported, never failed; too few runs is inconclusive")
    func crossJobAndInconclusive() {
        let slower = Self.gate().judge(baseline: Self.wall(Self.noisy(30, scale: 1, seed: 1), session: nil),
                                       current: Self.wall(Self.noisy(30, scale: 1.5, seed: 2), session: nil))
        #expect(slower.verdict == .warn)
        #expect(slower.findings.contains { $0.rule == "bench/cross-job" })
        let few = Self.gate().judge(baseline: Self.wall([0.1, 0.1, 0.1]), current: Self.wall([0.2, 0.2, 0.2]))
        #expect(few.verdict == .warn)
        #expect(few.findings.contains { $0.rule == "bench/inconclusive" })
    }

    @Test("benchmarks only on one side are reported as added and removed")
    func addedRemoved() throws {
        let baseline = try Self.read("hyperfine.json")
        var current = baseline
        current.series[1].name = "gzip -c -6 /usr/bin/hyperfine"
        let result = Self.gate().judge(baseline: baseline, current: current)
        #expect(result.findings.contains { $0.rule == "bench/added" && $0.message.contains("-6") })
        #expect(result.findings.contains { $0.rule == "bench/removed" && $0.message.contains("-9") })
    }

    @Test("SLOs: p95 against its objective; a missing benchmark is a failure, never a pass")
    func slos() {
        var policy = BenchPolicy()
        policy.slos = [("search p95", 0.2, "200ms"), ("flags p99", 0.01, "10ms")]
        let current = BenchResults(source: "gate", series: [BenchSeries(name: "search p95", kind: .value, unit: "s", samples: [0.25])])
        let result = Self.gate(policy).judge(baseline: nil, current: current)
        #expect(result.verdict == .fail)
        #expect(result.findings.contains { $0.message.contains("'search p95' is 250.00 ms, over its objective 200ms") })
        #expect(result.findings.contains { $0.message.contains("no benchmark named 'flags p99'") })
        #expect(BenchPolicy.limit("200ms") == 0.2 && BenchPolicy.limit("500us") == 0.0005 && BenchPolicy.limit("1.5s") == 1.5)
    }

    @Test("the runner: a failing command is an error, not a timing; times and memory are measured")
    func runner() throws {
        expectError(containing: "the benchmarked command failed (exit status 3)") { _ = try BenchRunner.measure("exit 3") }
        let runs = try BenchRunner.run("sleep 0.01", runs: 3, warmups: 1)
        #expect(runs.count == 3 && runs.allSatisfy { $0.wall >= 0.01 && $0.peakKiB > 0 })
    }

    @Test("instruction counts under Callgrind are identical run to run, and grow with the work")
    func callgrind() throws {
        // scripts/test.sh installs valgrind; under CI its absence is a failure, not a skip.
        guard let valgrind = try? BenchRunner.valgrind() else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("valgrind is not installed") }
            return
        }
        let small = try BenchRunner.instructions("i=0; while [ $i -lt 200 ]; do i=$((i+1)); done", valgrind: valgrind.path)
        let again = try BenchRunner.instructions("i=0; while [ $i -lt 200 ]; do i=$((i+1)); done", valgrind: valgrind.path)
        let more = try BenchRunner.instructions("i=0; while [ $i -lt 400 ]; do i=$((i+1)); done", valgrind: valgrind.path)
        #expect(small == again)
        #expect(more > small * 1.2)
    }

    @Test("instruction mode without valgrind names the package to install")
    func valgrindMissing() {
        expectError(containing: "apt-get install valgrind") { _ = try BenchRunner.valgrind(searchPath: "/nonexistent") }
    }

    @Test("the HTML report draws each benchmark's baseline and current samples")
    func html() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var policy = BenchPolicy()
        policy.baseline = Fixtures.path("bench/hyperfine.json")
        policy.current = Fixtures.path("bench/hyperfine.json")
        policy.html = directory + "/out/bench.html"
        _ = try Self.gate(policy).evaluate().writingArtifacts()
        let page = try String(contentsOfFile: directory + "/out/bench.html", encoding: .utf8)
        #expect(page.components(separatedBy: "aria-label=\"samples of ").count - 1 == 2)
        #expect(page.components(separatedBy: "<circle").count - 1 == 48)
        #expect(!page.contains("<script"))
    }

    @Test("gate-bench JSON round-trips through the importer")
    func roundTrip() throws {
        var series = BenchSeries(name: "a b", kind: .wallTime, unit: "s", samples: [0.125, 1e-7, 3])
        (series.user, series.system, series.peakKiB) = ([0.1, 0, 2.5], [0.01, 0, 0.2], [1024, 2048, 4096])
        let results = BenchResults(source: "gate", series: [series], interleavedWith: "s", valgrind: "valgrind-3.19.0")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(results.document.rendered(), to: directory + "/r.json")
        #expect(try BenchImport.read(directory + "/r.json").results == results)
    }

    @Test("a golden set's queries are its query column read as CSV: quoted commas, CRLF, each query once")
    func goldenQueries() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("query_id,query,product_id,grade\r\nq1,\"chairs, wooden\",p1,2\r\nq1,\"chairs, wooden\",p2,1\r\nq2,lamp,p3,1\r\n",
                           to: directory + "/golden.csv")
        #expect(try BenchSuites.goldenQueries(directory + "/golden.csv") == ["chairs, wooden", "lamp"])
    }

    @Test("the built-in suites time the vendored libraries and add percentiles; an unknown suite is named")
    func suites() throws {
        let root = Fixtures.repositoryRoot
        let search = try BenchSuites.run("recommender.search", inputs: BenchSuites.Inputs(), root: root, rounds: 1)
        #expect(search.map(\.name) == ["recommender.search", "recommender.search p50", "recommender.search p95", "recommender.search p99"])
        #expect(search[0].samples.count == 30)  // the golden set's 30 queries
        #expect(search[1].samples[0] <= search[2].samples[0] && search[2].samples[0] <= search[3].samples[0])
        let flags = try BenchSuites.run("flags.evaluate", inputs: BenchSuites.Inputs(), root: root, rounds: 1)
        #expect(flags[0].samples.count == 20 && flags[0].samples.allSatisfy { $0 > 0 && $0 < 0.01 })
        let train = try BenchSuites.run("recommender.train", inputs: BenchSuites.Inputs(), root: root, rounds: 1)
        #expect(train.count == 1 && train[0].samples.count == 1)
        expectError(containing: "no suite 'search'") { _ = try BenchSuites.run("search", inputs: BenchSuites.Inputs(), root: root, rounds: 1) }
        expectError(containing: "binary's path is unknown") { _ = try BenchSuites.run("relevance.eval", inputs: BenchSuites.Inputs(), root: root, rounds: 1) }
    }

    @Test("the policy: suites and objectives judged from gates/bench.yml's keys; a typo or an unknown suite is an error")
    func policy() throws {
        let policy = try BenchPolicy(policy: Policy.parse("suites: [flags.evaluate]\nrounds: 1\nslo:\n  \"flags.evaluate p99\": 10ms\n", path: "gates/bench.yml"))
        let result = try Self.gate(policy).evaluate()
        #expect(result.verdict == .pass, "\(result.summary)")
        #expect(result.summary == "1 of 1 objectives met")
        expectError(containing: "suites among") { _ = try BenchPolicy(policy: Policy.parse("suites: [nope]\n", path: "gates/bench.yml")) }
        expectError(containing: "slo.x") { _ = try BenchPolicy(policy: Policy.parse("slo:\n  x: fast\n", path: "gates/bench.yml")) }
        expectError(containing: "nothing to judge") {
            var bare = BenchPolicy()
            bare.current = Fixtures.path("bench/hyperfine.json")
            _ = try Self.gate(bare).evaluate()
        }
    }

    @Test("the commands: run writes results compare reads; ab judges interleaved runs; suite and --instructions work end to end")
    func commands() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try GateBinary.run(["bench", "run", "--runs", "3", "--warmup", "0", "--name", "nothing", "true", "-o", directory + "/a.json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("nothing: 3 runs"))
        let compare = try GateBinary.run(["bench", "compare", "--baseline", directory + "/a.json", "--current", directory + "/a.json",
                                          "--policy", "/dev/null", "--format", "json"])
        #expect(compare.status == 0)
        #expect(compare.stdout.contains("\"gate\": \"bench\""))
        let failing = try GateBinary.run(["bench", "run", "--runs", "2", "exit 7"])
        #expect(failing.status == 2)
        #expect(failing.stderr.contains("exit status 7") || failing.stdout.contains("exit status 7"))
        let ab = try GateBinary.run(["bench", "ab", "--baseline-cmd", "true", "--current-cmd", "true", "--runs", "4", "--warmup", "0",
                                     "--policy", "/dev/null", "--save", directory + "/ab"])
        #expect(ab.status == 0)
        #expect(ab.stdout.contains("inconclusive"))  // 4 runs per side: too few to decide
        #expect(FileManager.default.fileExists(atPath: directory + "/ab.current.json"))
        let suite = try GateBinary.run(["bench", "suite", "relevance.eval", "--rounds", "1", "-o", directory + "/s.json"], in: Fixtures.repositoryRoot)
        #expect(suite.status == 0, "\(suite.stderr)")
        #expect(try BenchImport.read(directory + "/s.json").results.series.first?.samples.count == 5)
        if (try? BenchRunner.valgrind()) != nil {
            let counted = try GateBinary.run(["bench", "run", "--instructions", "true", "-o", directory + "/i.json"])
            #expect(counted.status == 0, "\(counted.stderr)")
            #expect(try BenchImport.read(directory + "/i.json").results.series.first?.kind == .instructions)
        }
        let broken = try GateBinary.run(["bench", "compare", "--baseline", directory + "/a.json", "--current", directory + "/nope.json", "--policy", "/dev/null"])
        #expect(broken.status == 2)
    }

    @Test("a wall-time change past the margin that is not significant passes, and the summary says why")
    func unprovenChangeExplained() {
        // Minimum +15%, but the samples overlap: one-sided Mann-Whitney p is above 0.01.
        let baseline = Self.wall([1.00, 1.30, 1.05, 1.25, 1.10, 1.20, 1.15, 1.18, 1.12, 1.22], name: "command")
        let current = Self.wall([1.15, 1.28, 1.16, 1.24, 1.19, 1.21, 1.17, 1.26, 1.23, 1.20], name: "command")
        let result = Self.gate().judge(baseline: baseline, current: current)
        #expect(result.verdict == .pass)
        #expect(result.summary.contains("command +15.00% passes: Mann-Whitney p = 0.09277"), "\(result.summary)")
        #expect(result.summary.contains("is not below 0.01"))
    }
}
