import Foundation
import GateKit
import GateTestSupport
import Testing

/// The contract every registered gate keeps, checked on all of them at once: a new gate that
/// breaks it fails here, not in review.
@Suite struct GateContractTests {
    struct Contract: Decodable {
        struct Rule: Decodable { var id: String; var severity: String }
        var id: String
        var command: [String]
        var keys: [String]
        var rules: [Rule]
    }

    /// Every registered gate, as `gate rules --json` describes it.
    static func contracts() throws -> [Contract] {
        let output = try GateBinary.run(["rules", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        return try JSONDecoder().decode([Contract].self, from: Data(output.stdout.utf8))
    }

    /// Options every command shares, and options that are not policy: reports, and the clock
    /// `gate flags lint --at` sets.
    static let notPolicy: Set<String> = [
        "format", "output", "color", "policy", "results-dir", "baseline-dir", "new-only", "no-new-only", "help", "version", "at",
    ]

    @Test("every policy key has a flag of the same name, and every flag is a policy key")
    func keysAndFlags() throws {
        let contracts = try Self.contracts()
        #expect(contracts.count == 13)
        for contract in contracts {
            let output = try GateBinary.run(contract.command + ["--experimental-dump-help"])
            #expect(output.status == 0)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            let command = try #require(document["command"] as? [String: Any])
            var flags = Set<String>()
            // Hidden options are old spellings kept for a while (`--report` for `--html`).
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool != false {
                if argument["kind"] as? String == "positional" {
                    flags.insert(argument["valueName"] as? String ?? "")
                } else if let preferred = argument["preferredName"] as? [String: Any], preferred["kind"] as? String == "long" {
                    flags.insert(preferred["name"] as? String ?? "")
                }
            }
            let inversions = Set(contract.keys.map { "no-" + $0 })
            let extra = flags.subtracting(contract.keys).subtracting(Self.notPolicy).subtracting(inversions)
            let missing = Set(contract.keys).subtracting(flags)
            #expect(missing.isEmpty, "\(contract.id): policy keys without a flag: \(missing.sorted())")
            #expect(extra.isEmpty, "\(contract.id): flags that are no policy key: \(extra.sorted())")
        }
    }

    /// A policy per gate that gives findings, over the project's fixtures (paths relative to
    /// the repository root; `$TMP` is the test's directory).
    static let scenarios: [String: String] = [
        "coverage": """
            report: fixtures/coverage/python-project/coverage.xml
            paths: {"fixtures/coverage/python-project/shop/**": 99}
            """,
        "relevance": """
            golden: fixtures/golden/golden.csv
            engine: recommender
            catalog: fixtures/catalog/products.csv
            interactions: fixtures/catalog/interactions.csv
            min-ndcg: 0.5
            """,
        "flags": "file: fixtures/flags/flags.yml\nmax-override-days: 0\nstale-days: 0",
        "experiment": "results: fixtures/experiments/checkout-button.yml",
        "sbom": "lockfiles: [fixtures/sbom/npm/package-lock.json]\ndeny: [MIT]",
        "vulns": "lockfiles: [fixtures/vulns/rules/requirements.txt, fixtures/vulns/rules/Cargo.lock]\ndatabases: [fixtures/vulns/osv]\nfail-on: high",
        "checksum": "manifest: $TMP/artifact/MANIFEST.sha256",
        "drift": "reference: fixtures/drift/reference.csv\ncurrent: fixtures/drift/drifted.csv",
        "reconcile": "a: fixtures/reconcile/websocket.csv\nb: fixtures/reconcile/supabase.jsonl\nkey: [producer, seq]\ncolumns: {amount: amount_usd}",
        "bench": "baseline: fixtures/bench/hyperfine.json\ncurrent: fixtures/bench/google-benchmark.json",
        "canary": """
            offline: fixtures/canary
            end: 2026-01-01T00:00:00Z
            groups: {baseline: {deployment: search-baseline}, canary: {deployment: search-canary}}
            metrics:
              - name: error_rate
                query: 'sum(rate(http_requests_total{deployment="{{deployment}}",code=~"5.."}[1m]))'
                triggers: [{above: 0, for: 1m}]
            """,
        "dashboards": "dashboards: [$TMP/boards]",
        "alerts": "rule-files: [fixtures/alerts/lint/flagged.yml]\ncatalog: fixtures/dashboards/metrics.prom",
    ]

    /// Writes the scenarios (each with `extra` appended) as a gates/ directory.
    static func gatesDirectory(_ directory: String, extra: (String) -> String = { _ in "" }) throws -> String {
        let gates = directory + "/gates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: gates, withIntermediateDirectories: true)
        for (id, text) in scenarios {
            try Fixtures.write(text.replacingOccurrences(of: "$TMP", with: directory) + "\n" + extra(id), to: "\(gates)/\(id).yml")
        }
        return gates
    }

    static func inputs(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/artifact", withIntermediateDirectories: true)
        try Fixtures.write("hello\n", to: directory + "/artifact/a.txt")
        try Fixtures.write(String(repeating: "0", count: 64) + "  a.txt\n", to: directory + "/artifact/MANIFEST.sha256")
        try FileManager.default.createDirectory(atPath: directory + "/boards", withIntermediateDirectories: true)
        try Fixtures.write("""
            {"title": "Contract", "uid": "contract", "panels": [
              {"id": 1, "type": "timeseries", "title": "Requests", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
               "targets": [{"refId": "A", "expr": "rate(http_requests_total[5m])"}, {"refId": "B", "expr": "sum(up"}]}]}
            """, to: directory + "/boards/contract.json")
    }

    static func check(_ gates: String) throws -> [[String: Any]] {
        let output = try GateBinary.run(["check", "--gates", gates, "--format", "json"], in: Fixtures.repositoryRoot)
        return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]], "\(output.stderr)")
    }

    static func findings(_ result: [String: Any]) -> [(rule: String, severity: String)] {
        (result["findings"] as? [[String: Any]] ?? []).map { ($0["rule"] as? String ?? "", $0["severity"] as? String ?? "") }
    }

    @Test("every finding cites a rule its gate declares, and rules: turns each gate's rules off and up")
    func rulesDeclaredAndConfigurable() throws {
        let contracts = Dictionary(uniqueKeysWithValues: try Self.contracts().map { ($0.id, $0) })
        #expect(Set(contracts.keys) == Set(Self.scenarios.keys), "every registered gate has a scenario here")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.inputs(directory)

        let results = try Self.check(try Self.gatesDirectory(directory))
        var chosen: [String: (rule: String, severity: String)] = [:]
        for result in results {
            let id = try #require(result["gate"] as? String)
            let declared = Set(try #require(contracts[id]).rules.map(\.id))
            let findings = Self.findings(result)
            #expect(result["verdict"] as? String != "error", "\(id): \(result["summary"] ?? "")")
            #expect(!findings.isEmpty, "\(id): the scenario gives findings")
            for finding in findings {
                #expect(declared.contains(finding.rule), "\(id): '\(finding.rule)' is not a declared rule")
            }
            // The least severe rule found: turning it off and up must both show.
            let order = ["note", "warning", "error"]
            chosen[id] = findings.min { order.firstIndex(of: $0.severity)! < order.firstIndex(of: $1.severity)! }
        }
        #expect(chosen.count == contracts.count)

        let silenced = try Self.check(try Self.gatesDirectory(directory) { "rules:\n  \(chosen[$0]?.rule ?? "none"): off\n" })
        for result in silenced {
            let id = result["gate"] as? String ?? ""
            #expect(result["verdict"] as? String != "error", "\(id): \(result["summary"] ?? "")")
            #expect(!Self.findings(result).contains { $0.rule == chosen[id]?.rule }, "\(id): \(chosen[id]?.rule ?? "") is off")
        }
        let escalated = try Self.check(try Self.gatesDirectory(directory) { "rules:\n  \(chosen[$0]?.rule ?? "none"): error\n" })
        for result in escalated {
            let id = result["gate"] as? String ?? ""
            let regraded = Self.findings(result).filter { $0.rule == chosen[id]?.rule }
            #expect(!regraded.isEmpty && regraded.allSatisfy { $0.severity == "error" }, "\(id): \(chosen[id]?.rule ?? "") is an error")
            #expect(result["verdict"] as? String == "fail", "\(id): an error finding fails the gate")
        }

        let unknown = try Self.check(try Self.gatesDirectory(directory) { "rules:\n  \($0)/no-such-rule: off\n" })
        for result in unknown {
            #expect(result["verdict"] as? String == "error")
            #expect((result["summary"] as? String ?? "").contains("'rules.\(result["gate"] as? String ?? "")/no-such-rule' must be a rule of this gate"))
        }
    }

    /// One value a gate refuses, per gate; written in the policy file and given as the flag.
    static let badValues: [(gate: String, key: String, value: String, message: String)] = [
        ("coverage", "min-line", "101", "'min-line' must be a number from 0 to 100."),
        ("relevance", "min-ndcg", "1.5", "'min-ndcg' must be a number from 0 to 1."),
        ("flags", "stale-days", "-1", "'stale-days' must be a number from 0 to 3650."),
        ("experiment", "alpha", "0.7", "'alpha' must be a number from"),
        ("sbom", "unknown", "maybe", "'unknown' must be warn or fail."),
        ("vulns", "fail-on", "severe", "'fail-on' must be"),
        ("checksum", "manifest", "no-such-manifest.sha256", "no-such-manifest.sha256: no such file."),
        ("drift", "drift-share", "1.5", "'drift-share' must be a number from 0 to 1."),
        ("reconcile", "tolerance", "-1", "'tolerance' must be a number from 0"),
        ("bench", "wall-margin", "-5", "'wall-margin' must be a number from 0 to 100."),
        ("canary", "step", "soon", "'step' must be a duration such as 15s."),
        ("dashboards", "catalog", "no-such-catalog.prom", "no-such-catalog.prom: no such file."),
        ("alerts", "catalog", "no-such-catalog.prom", "no-such-catalog.prom: no such file."),
    ]

    @Test("the same bad value gives the same exit 2 and message from the policy file and from the flag")
    func oneValidationPath() throws {
        let contracts = try Self.contracts()
        #expect(Set(Self.badValues.map(\.gate)) == Set(contracts.map(\.id)))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.inputs(directory)
        for bad in Self.badValues {
            let contract = try #require(contracts.first { $0.id == bad.gate })
            let scenario = try #require(Self.scenarios[bad.gate]).replacingOccurrences(of: "$TMP", with: directory)
            let kept = scenario.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix(bad.key + ":") }.joined(separator: "\n")
            let base = directory + "/\(bad.gate).yml"
            try Fixtures.write(kept + "\n", to: base)
            let inFile = directory + "/\(bad.gate).bad.yml"
            try Fixtures.write(kept + "\n\(bad.key): \(bad.value)\n", to: inFile)
            let fromFile = try GateBinary.run(contract.command + ["--policy", inFile, "--format", "json"], in: Fixtures.repositoryRoot)
            // A key that is the command's positional argument (checksum's manifest) is given as one.
            let flag = bad.gate == "checksum" ? [bad.value] : ["--\(bad.key)=\(bad.value)"]
            let fromFlag = try GateBinary.run(contract.command + ["--policy", base] + flag + ["--format", "json"], in: Fixtures.repositoryRoot)
            #expect(fromFile.status == 2 && fromFlag.status == 2, "\(bad.gate): exit \(fromFile.status) and \(fromFlag.status)")
            let fileMessage = Self.summary(fromFile.stdout), flagMessage = Self.summary(fromFlag.stdout)
            #expect(fileMessage.contains(bad.message), "\(bad.gate): \(fileMessage)")
            #expect(flagMessage.contains(bad.message), "\(bad.gate): \(flagMessage)")
            if fileMessage.contains("' must be") {
                #expect(fileMessage.hasPrefix("\(inFile):"), "the file's error cites the file and line: \(fileMessage)")
                #expect(flagMessage.hasPrefix("--\(bad.key): "), "the flag's error cites the flag: \(flagMessage)")
                #expect(fileMessage.drop { $0 != " " } == flagMessage.drop { $0 != " " })
            } else {
                #expect(fileMessage == flagMessage)
            }
        }
    }

    static func summary(_ json: String) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?["summary"] as? String ?? json
    }

    @Test("gate check runs every policy of a gate: gates/coverage.yml and gates/coverage.api.yml give coverage and coverage[api]")
    func severalPoliciesPerGate() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/gates", withIntermediateDirectories: true)
        try Fixtures.write("report: fixtures/coverage/python-project/coverage.xml\nmin-line: 80\n", to: directory + "/gates/coverage.yml")
        try Fixtures.write("report: fixtures/coverage/c-project/coverage.info\nmin-line: 99\n", to: directory + "/gates/coverage.api.yml")
        let output = try GateBinary.run(["check", "--gates", directory + "/gates", "--results-dir", directory + "/results", "--format", "json"],
                                        in: Fixtures.repositoryRoot)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        #expect(results.map { $0["gate"] as? String } == ["coverage", "coverage[api]"])
        #expect(results.map { $0["verdict"] as? String } == ["pass", "fail"])
        #expect(output.status == 1)
        #expect(FileManager.default.fileExists(atPath: directory + "/results/coverage[api].json"))
        let text = try GateBinary.run(["check", "--gates", directory + "/gates"], in: Fixtures.repositoryRoot)
        #expect(text.stdout.contains("coverage[api]: FAIL"), "\(text.stdout)")
    }

    @Test("gate rules lists every rule with its severity; a mistyped gate is exit 2 with a suggestion")
    func rulesCommand() throws {
        let all = try GateBinary.run(["rules"])
        #expect(all.status == 0)
        #expect(all.stdout.contains("dashboards/rate-interval"))
        let line = try #require(all.stdout.split(separator: "\n").first { $0.hasPrefix("flags/stale ") })
        #expect(line.contains(" warning "), "flags/stale is declared a warning: \(line)")
        let one = try GateBinary.run(["rules", "checksum"])
        #expect(one.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("checksum/") || $0.hasPrefix("baseline/") || $0.hasPrefix("policy/") })
        let typo = try GateBinary.run(["rules", "coverge"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean 'coverage'?"))
    }
}
