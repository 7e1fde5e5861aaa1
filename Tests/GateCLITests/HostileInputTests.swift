import Foundation
import GateTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Files a pull request can plant, one per reader class, given to the built binary: each must
/// end in exit 2 with one short line naming the file, within bounded time and memory measured
/// on the child process (CPU time, not wall time: the machines are shared).
@Suite("hostile inputs: exit 2, one short line, bounded time and memory", .serialized)
struct HostileInputTests {
    static let maxCPUSeconds = 5.0
    static let maxPeakBytes = 256 << 20

    /// A scratch directory with `files` written in it (`nil` content: a 1 GB sparse file of
    /// one line, made without writing a gigabyte).
    static func workspace(_ files: [String: String?]) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if let text {
                try Fixtures.write(text, to: path)
            } else {
                _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
                #expect(truncate(path, 1 << 30) == 0)
            }
        }
        return directory
    }

    /// Runs gate and checks the contract for a hostile input.
    static func expectRefused(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                              message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try MeasuredRun.gate(arguments, in: directory, environment: environment)
        let context = "gate \(arguments.joined(separator: " ")): status \(run.status), \(run.cpuSeconds) s CPU, \(run.peakBytes >> 20) MiB; stderr: \(run.stderr.prefix(600))"
        #expect(!run.timedOut, "\(context)", sourceLocation: sourceLocation)
        #expect(run.status == 2, "\(context)", sourceLocation: sourceLocation)
        #expect(run.cpuSeconds < maxCPUSeconds, "\(context)", sourceLocation: sourceLocation)
        #expect(run.peakBytes < maxPeakBytes, "\(context)", sourceLocation: sourceLocation)
        // The sampling saw the process (a gate process holds at least its binary).
        #expect(run.peakBytes > 4 << 20, "\(context)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n").filter { $0.contains(message) }
        #expect(lines.count >= 1, "\(context)", sourceLocation: sourceLocation)
        #expect(lines.allSatisfy { $0.utf8.count < 2_000 }, "\(context)", sourceLocation: sourceLocation)
        #expect(run.stderr.utf8.count + run.stdout.utf8.count < 16_000, "\(context)", sourceLocation: sourceLocation)
    }

    /// A Cobertura report with one measured line, for runs that get as far as the diff.
    static let cobertura = #"<coverage><packages><package name="p"><classes><class name="a" filename="a.c"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>"#

    /// 500 bytes that expand to 9^16 strings if aliases are resolved.
    static let aliasBomb: String = {
        var lines = ["a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]"]
        var previous = "a"
        for name in "bcdefghijklmnop" {
            let alias = Array(repeating: "*\(previous)", count: 9).joined(separator: ",")
            lines.append("\(name): &\(name) [\(alias)]")
            previous = String(name)
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test("a YAML alias bomb as a policy, an experiment file or a flag file is refused at its first anchor")
    func aliasBombs() throws {
        let directory = try Self.workspace([
            "gates/coverage.yml": Self.aliasBomb, "results.yml": Self.aliasBomb, "flags.yml": Self.aliasBomb,
            "rules.yml": Self.aliasBomb, "rules-test.yml": Self.aliasBomb,
            "gates/sbom.yml": "lockfiles: [requirements.txt]\nunknown: warn\n", "requirements.txt": "requests==2.31.0\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.expectRefused(["check"], in: directory, message: "gates/coverage.yml:1: a YAML anchor (&a)")
        // The planted policy stops its own gate only: the others are judged.
        let check = try MeasuredRun.gate(["check", "--color", "never"], in: directory)
        #expect(check.stdout.split(separator: "\n").contains { $0.hasPrefix("sbom ") && ($0.contains(" warn ") || $0.contains(" pass ")) }, "\(check.stdout)")
        try Self.expectRefused(["experiment", "results.yml"], in: directory, message: "results.yml:1: a YAML anchor (&a)")
        try Self.expectRefused(["flags", "lint", "flags.yml"], in: directory, message: "flags.yml:1: a YAML anchor (&a)")
        try Self.expectRefused(["flags", "set", "flags.yml", "--flag", "a", "--kill"], in: directory, message: "flags.yml:1: a YAML anchor (&a)")
        try Self.expectRefused(["alerts", "rules.yml"], in: directory, message: "rules.yml:1: a YAML anchor (&a)")
        try Self.expectRefused(["alerts", "test", "rules-test.yml"], in: directory, message: "rules-test.yml:1: a YAML anchor (&a)")
        // A YAML-valued flag goes through the same reader.
        try Self.expectRefused(["drift", "--current", "c.csv", "--reference", "r.csv", "--columns", "{a: &x {type: numeric}, b: *x}"],
                               in: directory, message: "a YAML anchor (&x)")
    }

    @Test("YAML nested past 64 levels is refused before it is built")
    func deepYAML() throws {
        let deep = "min-line: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        let directory = try Self.workspace(["gates/coverage.yml": deep])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // libyaml's own nesting limit (1,000) meets this before the guard's 64 does.
        try Self.expectRefused(["check"], in: directory, message: "gates/coverage.yml:1: not valid YAML: while parsing Maximum nesting level reached")
    }

    @Test("a 1 GB file of one line stops at the first limit it crosses, in every reader class")
    func oneGigabyteLine() throws {
        let directory = try Self.workspace([
            "gates/coverage.yml": nil, "flags.yml": nil, "results.yml": nil, "current.csv": nil, "reference.csv": "a\n1\n",
            "SHA256SUMS": nil, "requirements.txt": nil, "poetry.lock": nil, "lcov.info": nil, "golden.tsv": nil,
            "boards/big.json": nil, "bench.json": nil, "metrics.prom": nil, "change.patch": nil, "cov.xml": Self.cobertura,
            "rules.yml": nil, "rules-test.yml": nil,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let yaml = "larger than 1 MiB, the limit for"
        let line = ":1: a line longer than 1 MiB"
        let document = ": larger than 512 MiB, the limit for"
        try Self.expectRefused(["check"], in: directory, message: "gates/coverage.yml: \(yaml) a YAML mapping")
        try Self.expectRefused(["flags", "lint", "flags.yml"], in: directory, message: "flags.yml: \(yaml) a flag file")
        try Self.expectRefused(["flags", "set", "flags.yml", "--flag", "a", "--rollout", "5"], in: directory, message: "flags.yml: \(yaml) a flag file")
        try Self.expectRefused(["experiment", "results.yml"], in: directory, message: "results.yml: \(yaml) experiment results")
        try Self.expectRefused(["drift", "--reference", "reference.csv", "--current", "current.csv"], in: directory, message: "current.csv\(line)")
        try Self.expectRefused(["checksum", "verify", "SHA256SUMS"], in: directory, message: "SHA256SUMS\(document)")
        try Self.expectRefused(["sbom", "check", "requirements.txt"], in: directory, message: "requirements.txt\(document)")
        try Self.expectRefused(["sbom", "check", "poetry.lock"], in: directory, message: "poetry.lock\(document)")
        try Self.expectRefused(["coverage", "--report", "lcov.info", "--policy", "/dev/null"], in: directory, message: "lcov.info")
        try Self.expectRefused(["coverage", "--report", "cov.xml", "--policy", "/dev/null", "--diff", "change.patch"], in: directory, message: "change.patch\(document)")
        try Self.expectRefused(["relevance", "--golden", "golden.tsv", "--run", "golden.tsv"], in: directory, message: "golden.tsv")
        try Self.expectRefused(["dashboards", "boards"], in: directory, message: "big.json: larger than 512 MiB")
        try Self.expectRefused(["bench", "compare", "--baseline", "bench.json", "--current", "bench.json"], in: directory, message: "bench.json: larger than 512 MiB")
        try Self.expectRefused(["dashboards", "boards", "--catalog", "metrics.prom"], in: directory, message: "metrics.prom\(document)")
        try Self.expectRefused(["alerts", "rules.yml"], in: directory, message: "rules.yml: \(yaml) a Prometheus rule file")
        try Self.expectRefused(["alerts", "test", "rules-test.yml"], in: directory, message: "rules-test.yml: \(yaml) a rule test file")
        try Self.expectRefused(["alerts", "--catalog", "metrics.prom", "--tests", "cov.xml"], in: directory, message: "metrics.prom\(document)")
    }

    @Test("a limit raised in the environment lets a long line through to the format's own check")
    func raisedLimit() throws {
        let directory = try Self.workspace(["current.csv": "a\n\"" + String(repeating: "9", count: 2 << 20) + "\n", "reference.csv": "a\n1\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["drift", "--reference", "reference.csv", "--current", "current.csv"]
        try Self.expectRefused(arguments, in: directory, message: "current.csv:2: a line longer than 1 MiB")
        try Self.expectRefused(arguments, in: directory, environment: ["GATE_MAX_LINE_BYTES": "4M"],
                               message: "current.csv:2:1: a quoted field opened here is never closed")
    }

    @Test("a 4 MB line is quoted by a few dozen characters at most, whatever reader meets it")
    func hugeLineNotEchoed() throws {
        let long = String(repeating: "y", count: 4 << 20)
        let directory = try Self.workspace([
            "change.patch": "+++ b/a.c\n@@ " + long + "\n", "cov.xml": Self.cobertura, "requirements.txt": "a==" + long + " b\n",
            "unpinned.txt": "a" + long + " b\n",
            "SHA256SUMS": long + "\n", "Cargo.lock": "[[package]]\nname = " + long + "\n", "lcov.info": "TN:\nSF:a\nDA:" + long + "\n",
            "reference.csv": "a\n1\n", "current.csv": "a,b\n" + long + "\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let raised = ["GATE_MAX_LINE_BYTES": "8M"]
        for arguments in [
            ["coverage", "--report", "cov.xml", "--policy", "/dev/null", "--diff", "change.patch"],
            ["sbom", "check", "requirements.txt"], ["sbom", "check", "unpinned.txt"], ["checksum", "verify", "SHA256SUMS"], ["sbom", "check", "Cargo.lock"],
            ["coverage", "--report", "lcov.info", "--policy", "/dev/null"],
            ["drift", "--reference", "reference.csv", "--current", "current.csv"],
        ] {
            try Self.expectRefused(arguments, in: directory, environment: raised, message: arguments.last == "/dev/null" ? "lcov.info" : arguments.last!)
        }
    }

    @Test("a source path of 32,000 segments (LCOV, Cobertura, Go) is mapped in time linear in its length")
    func manySegments() throws {
        let segments = Array(repeating: "s", count: 32_000).joined(separator: "/")
        let directory = try Self.workspace([
            "lcov.info": "TN:\nSF:/\(segments)/a.c\nDA:1,1\nend_of_record\n",
            "cov.xml": #"<coverage><sources><source>/\#(segments)</source></sources><packages><package name="p"><classes><class name="a" filename="\#(segments)/a.c"><lines><line number="1" hits="1"/></lines></class></classes></package></packages></coverage>"#,
            "cover.out": "mode: set\nexample.com/\(segments)/a.go:1.1,2.2 1 1\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for report in ["lcov.info", "cov.xml", "cover.out"] {
            let run = try MeasuredRun.gate(["coverage", "--report", report, "--policy", "/dev/null"], in: directory)
            let context = "\(report): status \(run.status), \(run.cpuSeconds) s CPU, \(run.peakBytes >> 20) MiB; \(run.stderr.prefix(300))"
            #expect(!run.timedOut && run.status < 2, "\(context)")
            #expect(run.cpuSeconds < Self.maxCPUSeconds, "\(context)")
            #expect(run.peakBytes < Self.maxPeakBytes, "\(context)")
        }
    }

    @Test("a FIFO in a manifest or among the artifacts is refused, not read forever or skipped")
    func fifos() throws {
        let directory = try Self.workspace(["artifacts/model.bin": "weights\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(mkfifo(directory + "/artifacts/pipe", 0o600) == 0)
        try Self.expectRefused(["checksum", "create", "artifacts"], in: directory, message: "artifacts/pipe: a FIFO, device or socket")
        try Fixtures.write("\(String(repeating: "0", count: 64))  artifacts/pipe\n", to: directory + "/SHA256SUMS")
        try Self.expectRefused(["checksum", "verify", "SHA256SUMS"], in: directory, message: "artifacts/pipe: a FIFO, device or socket")
        try Fixtures.write("id\n1\n", to: directory + "/a.csv")
        try Self.expectRefused(["reconcile", "a.csv", "artifacts/pipe", "--key", "id"], in: directory, message: "artifacts/pipe: a FIFO, device or socket")
        try Self.expectRefused(["flags", "set", "artifacts/pipe", "--flag", "a", "--kill"], in: directory, message: "artifacts/pipe: a FIFO, device or socket")
        // Standard input is still read: `--diff -`.
    }

    @Test("reconcile: a 4 MB line, an empty export, a header alone, a 1 GB export: exit 2, one short line")
    func reconcileInputs() throws {
        let long = String(repeating: "y", count: 4 << 20)
        let directory = try Self.workspace(["a.csv": "id,v\n1,2\n", "long.csv": "id,v\n1," + long + "\n", "longkey.jsonl": "{\"id\": \"" + long + "\"\n",
                                            "empty.csv": "", "header.csv": "id,v\n", "big.csv": nil])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.expectRefused(["reconcile", "a.csv", "long.csv", "--key", "id"], in: directory, message: "long.csv:2: a line longer than 1 MiB")
        try Self.expectRefused(["reconcile", "a.csv", "longkey.jsonl", "--key", "id"], in: directory, environment: ["GATE_MAX_LINE_BYTES": "8M"],
                               message: "longkey.jsonl")
        try Self.expectRefused(["reconcile", "a.csv", "empty.csv", "--key", "id"], in: directory, message: "empty.csv")
        try Self.expectRefused(["reconcile", "a.csv", "header.csv", "--key", "id"], in: directory, message: "header.csv")
        try Self.expectRefused(["reconcile", "a.csv", "big.csv", "--key", "id"], in: directory, message: "big.csv:1: a line longer than 1 MiB")
    }

    @Test("advisory databases: an alias bomb, a 1 GB record, a FIFO, an empty record, a 1 GB VEX, a zip that is not one")
    func advisoryDatabases() throws {
        let directory = try Self.workspace([
            "requirements.txt": "requests==2.31.0\n", "bomb/PYSEC-1.yaml": Self.aliasBomb, "big/GO-1.json": nil, "yamlbig/PYSEC-2.yaml": nil,
            "empty/GO-2.json": "", "ok/GO-3.json": #"{"id": "GO-3", "modified": "2026-01-01T00:00:00Z"}"#, "vex.json": nil,
            "fake.zip": "PK\u{3}\u{4} not a zip at all\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(mkfifo(directory + "/ok/GO-4.json", 0o600) == 0)
        let run = ["vulns", "requirements.txt", "--databases"]
        try Self.expectRefused(run + ["bomb"], in: directory, message: "bomb/PYSEC-1.yaml:1: a YAML anchor (&a)")
        try Self.expectRefused(run + ["big"], in: directory, message: "big/GO-1.json: larger than 512 MiB")
        try Self.expectRefused(run + ["yamlbig"], in: directory, message: "yamlbig/PYSEC-2.yaml: larger than 1 MiB")
        try Self.expectRefused(run + ["empty"], in: directory, message: "empty/GO-2.json: the file is empty")
        try Self.expectRefused(run + ["ok"], in: directory, message: "ok/GO-4.json: a FIFO, device or socket")
        try Self.expectRefused(run + ["fake.zip"], in: directory, message: "fake.zip: not a zip archive")
        try FileManager.default.removeItem(atPath: directory + "/ok/GO-4.json")
        try Self.expectRefused(run + ["ok", "--vex", "vex.json"], in: directory, message: "vex.json: larger than 512 MiB")
    }

    @Test("instruction counts past 2^53, infinite or negative samples are refused, not trapped or judged",
          arguments: ["1e19", "1e308", "-1e19", "-1", "4.5"])
    func benchSamples(_ sample: String) throws {
        func document(_ value: String) -> String {
            #"{"schema": "gate-bench/v1", "benchmarks": [{"name": "parse", "kind": "instructions", "samples": [\#(value)]}]}"#
        }
        let directory = try Self.workspace(["base.json": document("1000"), "current.json": document(sample)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.expectRefused(["bench", "compare", "--baseline", "base.json", "--current", "current.json"], in: directory,
                               message: "current.json")
    }

    @Test("garbage that used to pass: white-space lockfiles, a Cargo.lock named poetry.lock, an empty or binary go.sum, a white-space diff")
    func silentPasses() throws {
        let cargo = try Fixtures.text("sbom/cargo/Cargo.lock")
        let goMod = try Fixtures.text("sbom/go/go.mod")
        let directory = try Self.workspace([
            "ws/poetry.lock": "  \n\t\n", "uv/uv.lock": "\n\n", "renamed/poetry.lock": cargo, "go/go.mod": goMod, "go/go.sum": "",
            "binary/go.mod": goMod, "binary/go.sum": "\u{1}\u{2}\u{3}PK\u{0}\u{0}", "change.patch": " \n\n", "cov.xml": Self.cobertura,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.expectRefused(["sbom", "check", "ws/poetry.lock"], in: directory, message: "ws/poetry.lock: the file is empty (or only white space)")
        try Self.expectRefused(["sbom", "check", "uv/uv.lock"], in: directory, message: "uv/uv.lock: the file is empty (or only white space)")
        try Self.expectRefused(["sbom", "check", "renamed/poetry.lock"], in: directory, message: "renamed/poetry.lock: not a poetry.lock")
        try Self.expectRefused(["sbom", "check", "go/go.mod"], in: directory, message: "has no h1: line in go.sum")
        try Self.expectRefused(["sbom", "check", "binary/go.mod"], in: directory, message: "binary/go.sum:1: expected 'module version h1:hash'")
        try Self.expectRefused(["coverage", "--report", "cov.xml", "--policy", "/dev/null", "--diff", "change.patch"], in: directory,
                               message: "change.patch: the file is empty (or only white space)")
    }

    @Test("formats misread before: UTF-16 XML, trailing commas, invalid UTF-8, llvm-cov -summary-only")
    func misreadFormats() throws {
        var utf16 = Data([0xFF, 0xFE])
        utf16.append("<?xml version=\"1.0\"?><coverage/>".data(using: .utf16LittleEndian)!)
        let directory = try Self.workspace([
            "lock/package-lock.json": #"{"name": "x", "lockfileVersion": 3, "packages": {"": {"name": "x"},},}"#,
            "summary.json": #"{"data": [{"files": [{"filename": "/a.c", "summary": {"lines": {"count": 1, "covered": 1}}}], "totals": {}}], "type": "llvm.coverage.json.export", "version": "2.0.1"}"#,
            "trailing.json": #"{"data": [{"files": [],}], "type": "llvm.coverage.json.export", "version": "2.0.1"}"#,
            "reference.jsonl": "{\"a\": \"x\"}\n", "boards/ok.json": "{}",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/utf16.xml", contents: utf16)
        var badUTF8 = Data("{\"title\": \"".utf8)
        badUTF8.append(contentsOf: [0xC3, 0x28])
        badUTF8.append(Data("\"}".utf8))
        _ = FileManager.default.createFile(atPath: directory + "/boards/bad.json", contents: badUTF8)
        var badLine = Data("{\"a\": \"".utf8)
        badLine.append(contentsOf: [0xFF, 0xFE, 0x41])
        badLine.append(Data("\"}\n".utf8))
        _ = FileManager.default.createFile(atPath: directory + "/current.jsonl", contents: badLine)

        try Self.expectRefused(["coverage", "--report", "utf16.xml", "--policy", "/dev/null"], in: directory, message: "utf16.xml: UTF-16 text; gate reads UTF-8")
        try Self.expectRefused(["sbom", "check", "lock/package-lock.json"], in: directory, message: "package-lock.json:1:")
        try Self.expectRefused(["coverage", "--report", "trailing.json", "--policy", "/dev/null"], in: directory, message: "trailing.json:1:")
        try Self.expectRefused(["coverage", "--report", "summary.json", "--policy", "/dev/null"], in: directory, message: "made with -summary-only")
        try Self.expectRefused(["dashboards", "boards"], in: directory, message: "bad.json:1:12: invalid JSON: a string that is not valid UTF-8")
        try Self.expectRefused(["drift", "--reference", "reference.jsonl", "--current", "current.jsonl"], in: directory, message: "current.jsonl:1")
    }
}
