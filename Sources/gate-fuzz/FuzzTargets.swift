import Bench
import Canary
import Checksum
import Coverage
import Dashboards
import Drift
import Experiment
import FeatureFlags
import Flags
import Alerts
import GateKit
import PromQL
import Relevance
import Dependencies
import SBOM
import Vulns

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One entry per parser family: each takes the fuzzer's bytes as the file its readers are
/// given (written to a temporary file, so the shared input layer is part of what is fuzzed)
/// and runs every reader of the family on it. A thrown error is a correct answer; a crash, a
/// sanitizer report, a leak or a timeout is not.
enum FuzzTarget: String, CaseIterable {
    case coverage, diff, yaml, lockfile, table, relevance, json, promql, manifest, osv, alerts

    func run(_ bytes: UnsafeRawBufferPointer) {
        let file = FuzzFile.shared
        switch self {
        case .coverage:
            file.write(bytes, name: "report")
            _ = try? CoverageReportReader.read(file.path, root: file.directory)
        case .diff:
            _ = try? UnifiedDiff.parse(Array(bytes), source: "diff")
        case .yaml:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? Policy.parse(text, path: "policy.yml")
            _ = try? ExperimentResults.parse(text, path: "experiment.yml")
            file.write(bytes, name: "flags.yml")
            // A flag file that loads is also edited in place, every flag each way (in memory).
            if let flags = try? FlagsGate.load(file.path, root: file.directory) {
                for flag in flags.flags.prefix(8) {
                    for change in [FlagFileEdit.Change.kill, .restore, .rollout(0.1)] {
                        _ = try? FlagFileEdit.apply(change, flag: flag.name, to: text, path: "flags.yml")
                    }
                }
            }
        case .lockfile:
            // The first byte picks the file name, which picks the reader.
            guard let first = bytes.first else { return }
            let names = Lockfiles.names + ["go.sum"]
            let name = names[Int(first) % names.count]
            let rest = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
            if name == "go.sum" {
                file.write(UnsafeRawBufferPointer(start: nil, count: 0), name: "go.mod", text: "module example.com/m\nrequire example.com/a v1.0.0\n")
                file.write(rest, name: "go.sum")
                _ = try? Lockfiles.read(file.directory + "/go.mod")
            } else {
                file.write(rest, name: name)
                _ = try? Lockfiles.read(file.path)
            }
        case .osv:
            // An advisory as JSON and as YAML; its versions in every scheme; its vectors.
            let record = Array(bytes)
            for yaml in [false, true] {
                guard let advisory = try? OSVReader.record(record, source: "record", yaml: yaml) else { continue }
                let index = AdvisoryIndex([advisory])
                for affected in advisory.affected {
                    for ecosystem in [Ecosystem.pypi, .cargo, .golang] {
                        _ = index.matches(ecosystem: AdvisoryEcosystem(ecosystem)!, name: affected.name, version: affected.versions.first ?? "1.0")
                    }
                }
                for severity in advisory.severity + advisory.affected.flatMap(\.severity) { _ = try? CVSS.score(severity.score) }
            }
        case .table:
            file.write(bytes, name: "data.csv")
            _ = try? DataTable.read(file.path)
        case .relevance:
            file.write(bytes, name: "golden")
            _ = try? GoldenSet.read(file.path)
            _ = try? TRECFiles.readRun(file.path)
        case .json:
            _ = try? JSONTree.parse(Array(bytes), path: "document.json")
            file.write(bytes, name: "bench.json")
            _ = try? BenchImport.read(file.path)
            var warnings: [String] = []
            _ = try? PrometheusClient.parse(Array(bytes), source: "answer.json", query: "up", warnings: &warnings)
        case .promql:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? PromQLParser.parse(text)
            _ = MetricCatalog.parse(text, source: "catalog")
        case .alerts:
            // The bytes as a rule file (read, checked, linted, each expression evaluated over a
            // small store, each template expanded) and as a unit-test file run against it.
            let text = String(decoding: bytes, as: UTF8.self)
            file.write(bytes, name: "rules.yml")
            if let parsed = try? RuleFiles.parse(text, path: "rules.yml") {
                _ = RuleFiles.check(parsed.groups)
                _ = RuleFiles.duplicates(parsed.groups)
                let store = PromSeriesStore()
                for t in 0..<5 { store.append(PromLabels(["__name__": "up", "job": "a"]), Int64(t) * 60_000, Double(t % 2)) }
                let evaluator = PromQLEvaluator(store: store)
                for rule in parsed.groups.flatMap(\.rules) {
                    if let expr = rule.expr, let node = try? PromQLParser.parse(expr) {
                        _ = try? evaluator.instant(node, at: 240_000)
                        _ = LabelSet.of(node)
                    }
                    for pair in rule.labels + rule.annotations {
                        _ = AlertTemplate.expandForAlert(pair.value, name: "f", labels: PromLabels(["job": "a"]), externalLabels: [:], externalURL: "", value: 1, query: nil)
                    }
                }
            }
            _ = try? RuleUnitTests.run(file.path)
        case .manifest:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? ChecksumManifest.parse(text, path: "SHA256SUMS")
            _ = try? SPDXExpression.parse(text)
        }
    }
}

/// The scratch file a target writes its input to: one directory per process.
final class FuzzFile: @unchecked Sendable {
    static let shared = FuzzFile()
    let directory: String
    private(set) var path = ""

    private init() {
        var template = Array("/tmp/gate-fuzz-XXXXXX".utf8CString)
        directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, name: String, text: String? = nil) {
        path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("cannot write \(path)") }
        if let text { _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count - 1) } }
        if let base = bytes.baseAddress, bytes.count > 0 { _ = Glibc.write(fd, base, bytes.count) }
        close(fd)
    }
}

/// The target named by `GATE_FUZZ_TARGET` (libFuzzer passes its own arguments).
let selectedTarget: FuzzTarget = {
    let name = getenv("GATE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileSink.standardError("GATE_FUZZ_TARGET must name a target: \(names)\n")
        exit(2)
    }
    return target
}()

#if FUZZING
/// libFuzzer's callback, for its own `main` when the linker keeps that one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
