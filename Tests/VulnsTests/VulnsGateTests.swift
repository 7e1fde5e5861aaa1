import Foundation
import GateTestSupport
import Testing

/// `gate vulns` as users run it: the binary, the JSON result.
@Suite("the vulns gate")
struct VulnsGateTests {
    static let rules = Fixtures.path("vulns/rules")
    /// 2026-12-01: after every fixture record was modified.
    static let now = ["SOURCE_DATE_EPOCH": "1796083200"]

    static func run(_ arguments: [String], in directory: String = rules, environment: [String: String] = now) throws -> (ProcessOutput, [String: Any]) {
        let output = try GateBinary.run(["vulns"] + arguments + ["--format", "json"], in: directory, environment: environment)
        let json = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any] ?? [:]
        return (output, json)
    }

    static func findings(_ json: [String: Any], rule: String) -> [[String: Any]] {
        (json["findings"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == rule }
    }

    static func messages(_ json: [String: Any], rule: String) -> [String] {
        findings(json, rule: rule).map { $0["message"] as? String ?? "" }
    }

    @Test("fail-on high: a medium finding passes, a high one fails")
    func failOn() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("edge-pkg==2.0.0rc1\n", to: directory + "/medium.txt")
        try Fixtures.write("epoch-pkg==2.0\n", to: directory + "/high.txt")
        let databases = Fixtures.path("vulns/osv")
        let (medium, mediumJSON) = try Self.run(["medium.txt", "--databases", databases, "--fail-on", "high"], in: directory)
        #expect(medium.status == 0, "\(medium.stdout)")
        #expect(Self.messages(mediumJSON, rule: "vulns/below-threshold").first?.hasPrefix("edge-pkg@2.0.0rc1: TEST-2026-0002, medium 5.4 (CVSS 3.0)") == true)
        let (high, highJSON) = try Self.run(["high.txt", "--databases", databases, "--fail-on", "high"], in: directory)
        #expect(high.status == 1)
        #expect(Self.messages(highJSON, rule: "vulns/vulnerable") == ["epoch-pkg@2.0: TEST-2026-0003, high: Epochs: fixed in 1!0.5; fixed in 1!0.5"])
        // The default, low, fails the medium one too.
        #expect(try Self.run(["medium.txt", "--databases", databases], in: directory).0.status == 1)
    }

    @Test("each finding: package@version, ids and aliases, severity and score, the fix, at the line that pins it; every rule in one run")
    func findings() throws {
        let (output, json) = try Self.run(["requirements.txt", "Cargo.lock", "package-lock.json", "--databases", "../osv", "--fail-on", "high"])
        #expect(output.status == 1)
        let vulnerable = Self.findings(json, rule: "vulns/vulnerable")
        #expect(vulnerable.count == 3)
        let order = try #require(vulnerable.first { ($0["message"] as? String)?.hasPrefix("order-pkg@1.6") == true })
        #expect(order["message"] as? String
            == "order-pkg@1.6: TEST-2026-0001 (CVE-2026-10001), critical 9.8 (CVSS 3.1): Events listed out of order: affected below 1.0 and from 1.5 to 2.0; fixed in 2.0")
        #expect((order["location"] as? [String: Any])?["file"] as? String == "requirements.txt")
        #expect((order["location"] as? [String: Any])?["line"] as? Int == 1)
        #expect(Self.messages(json, rule: "vulns/vulnerable").contains { $0.hasPrefix("limit-crate@1.5.0: TEST-2026-0007, high 7.5 (CVSS 2.0)") })
        #expect(Self.messages(json, rule: "vulns/unknown-severity") == ["plain-pkg@1.0: TEST-2026-0010, severity unknown: No severity is given anywhere in this record.; fixed in 1.1"])
        #expect(Self.messages(json, rule: "vulns/informational") == ["old-crate@0.3.0: TEST-2026-0008, unmaintained: An unmaintained crate"])
        #expect(Self.messages(json, rule: "vulns/not-evaluated").first?.contains("git-pkg@1.0: TEST-2026-0005 could not be evaluated") == true)
        let uncovered = Self.findings(json, rule: "vulns/not-covered")
        #expect(uncovered.map { $0["message"] as? String } == ["1 npm package not checked: the databases hold no npm advisories"])
        #expect((uncovered.first?["location"] as? [String: Any])?["file"] as? String == "package-lock.json")
        #expect(Self.messages(json, rule: "vulns/below-threshold").count == 2)
        // No advisory names clean-pkg; the withdrawn one names order-pkg and edge-pkg.
        let messages = (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(!messages.contains { $0.contains("clean-pkg") })
        #expect(!output.stdout.contains("TEST-2026-0004"))
    }

    @Test("unknown severity fails by default, warns when configured")
    func unknownSeverity() throws {
        let (_, json) = try Self.run(["requirements.txt", "--databases", "../osv", "--unknown-severity", "warn"])
        let finding = try #require(Self.findings(json, rule: "vulns/unknown-severity").first)
        #expect(finding["severity"] as? String == "warning")
    }

    @Test("VEX: OpenVEX not_affected and CycloneDX false_positive suppress with their justification; under_investigation does not")
    func vex() throws {
        let (output, json) = try Self.run(["requirements.txt", "Cargo.lock", "--databases", "../osv", "--vex", "openvex.json", "cyclonedx-vex.json"])
        #expect(Self.messages(json, rule: "vulns/not-affected").sorted() == [
            "last-crate@1.2.3: TEST-2026-0006 (GHSA-test-0006-aaaa): not affected (the crate is built without the affected feature, cyclonedx-vex.json)",
            "order-pkg@1.6: TEST-2026-0001 (CVE-2026-10001): not affected (vulnerable_code_not_in_execute_path: the affected parser is never called, openvex.json)",
        ])
        #expect(Self.messages(json, rule: "vulns/vulnerable").contains { $0.hasPrefix("epoch-pkg@2.0") })
        #expect(output.status == 1)
    }

    @Test("ignore: until its date a note with the reason; expired, an error at the policy line; an entry without expiry is refused")
    func ignore() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/gates", withIntermediateDirectories: true)
        try Fixtures.write("epoch-pkg==2.0\n", to: directory + "/requirements.txt")
        let databases = Fixtures.path("vulns/osv")
        try Fixtures.write("""
            databases: [\(databases)]
            ignore:
              - id: TEST-2026-0003
                reason: only the admin tool uses it
                expires: 2027-01-31
            """, to: directory + "/gates/vulns.yml")
        let (current, currentJSON) = try Self.run(["requirements.txt"], in: directory)
        #expect(current.status == 0, "\(current.stdout)")
        #expect(Self.messages(currentJSON, rule: "vulns/ignored") == ["epoch-pkg@2.0: TEST-2026-0003: ignored until 2027-01-31 (only the admin tool uses it)"])
        let (expired, expiredJSON) = try Self.run(["requirements.txt"], in: directory, environment: ["SOURCE_DATE_EPOCH": "1801440000"])  // 2027-02-01
        #expect(expired.status == 1)
        let finding = try #require(Self.findings(expiredJSON, rule: "vulns/expired-ignore").first)
        #expect(finding["message"] as? String == "epoch-pkg@2.0: TEST-2026-0003: the ignore entry expired on 2027-01-31 (only the admin tool uses it)")
        #expect((finding["location"] as? [String: Any])?["line"] as? Int == 3)
        #expect(Self.messages(expiredJSON, rule: "vulns/vulnerable").count == 1)
        try Fixtures.write("databases: [\(databases)]\nignore:\n  - {id: TEST-2026-0003, reason: later}\n", to: directory + "/gates/vulns.yml")
        let (refused, _) = try Self.run(["requirements.txt"], in: directory)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("gates/vulns.yml:3") && refused.stderr.contains("id, reason and expires on every entry"), "\(refused.stderr)")
    }

    @Test("a malformed record, a missing database or no database at all is exit 2 with the reason")
    func errors() throws {
        let (malformed, _) = try Self.run(["requirements.txt", "--databases", "../osv-malformed"])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("osv-malformed/TEST-2026-0100.json: affected[0].ranges[0].events[0] is not one of introduced, fixed, last_affected or limit"),
                "\(malformed.stderr)")
        let (missing, _) = try Self.run(["requirements.txt", "--databases", "../no-such-db"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no-such-db: no such file"))
        let (none, _) = try Self.run(["requirements.txt"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("databases"))
    }

    @Test("new-only against the base branch's result: a vulnerability already there is existing, an added pin's is new and fails")
    func newOnly() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let databases = Fixtures.path("vulns/osv")
        try Fixtures.write("epoch-pkg==2.0\n", to: directory + "/requirements.txt")
        let base = try GateBinary.run(["vulns", "requirements.txt", "--databases", databases, "--results-dir", "base"], in: directory, environment: Self.now)
        #expect(base.status == 1)
        // Only an upgrade that leaves the advisory in place: the same finding, not a new one.
        try Fixtures.write("epoch-pkg==2.1\n", to: directory + "/requirements.txt")
        let (same, _) = try Self.run(["requirements.txt", "--databases", databases, "--baseline-dir", "base", "--new-only"], in: directory)
        #expect(same.status == 0, "\(same.stdout)")
        try Fixtures.write("epoch-pkg==2.1\norder-pkg==1.6\n", to: directory + "/requirements.txt")
        let (added, json) = try Self.run(["requirements.txt", "--databases", databases, "--baseline-dir", "base", "--new-only"], in: directory)
        #expect(added.status == 1)
        let states = Self.findings(json, rule: "vulns/vulnerable").map { "\(($0["message"] as? String)?.prefix(13) ?? "") \($0["baseline"] as? String ?? "-")" }.sorted()
        #expect(states == ["epoch-pkg@2.1 unchanged", "order-pkg@1.6 new"], "\(states)")
    }

    @Test("gate sbom generate --vulns: a CycloneDX vulnerabilities section from the result, valid by cyclonedx-python-lib",
          .enabled(if: ProcessInfo.processInfo.environment["GATE_SBOM_VALIDATOR"] != nil))
    func sbomSection() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vulns = try GateBinary.run(["vulns", "requirements.txt", "Cargo.lock", "--databases", "../osv", "--vex", "openvex.json",
                                        "--format", "json", "--output", directory + "/vulns.json"], in: Self.rules, environment: Self.now)
        #expect(vulns.status == 1)
        let sbom = try GateBinary.run(["sbom", "generate", "requirements.txt", "Cargo.lock", "--vulns", directory + "/vulns.json",
                                       "--output", directory + "/bom.cdx.json"], in: Self.rules)
        #expect(sbom.status == 0, "\(sbom.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/bom.cdx.json"))) as? [String: Any])
        let entries = try #require(document["vulnerabilities"] as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0["id"] as! String, $0) })
        #expect(byID.keys.sorted() == ["TEST-2026-0001", "TEST-2026-0002", "TEST-2026-0003", "TEST-2026-0006", "TEST-2026-0007", "TEST-2026-0008", "TEST-2026-0010"])
        #expect((byID["TEST-2026-0001"]?["analysis"] as? [String: Any])?["state"] as? String == "not_affected")
        let rating = try #require((byID["TEST-2026-0007"]?["ratings"] as? [[String: Any]])?.first)
        #expect(rating["method"] as? String == "CVSSv2" && rating["score"] as? Double == 7.5 && rating["severity"] as? String == "high")
        #expect(byID["TEST-2026-0001"]?["recommendation"] as? String == "Upgrade to 2.0 or later.")
        #expect((byID["TEST-2026-0010"]?["ratings"] as? [[String: Any]])?.first?["severity"] as? String == "unknown")
        let python = ProcessInfo.processInfo.environment["GATE_SBOM_VALIDATOR"]!
        let output = try Shell.run([python, Fixtures.repositoryRoot + "/scripts/validate_sbom.py", directory + "/bom.cdx.json"], in: directory)
        #expect(output.contains("bom.cdx.json: valid"), "\(output)")
    }

    @Test("max-database-age: a snapshot whose newest record is older warns")
    func stale() throws {
        let (output, json) = try Self.run(["Cargo.lock", "--databases", "../osv", "--max-database-age", "30d"],
                                          environment: ["SOURCE_DATE_EPOCH": "1801440000"])
        #expect(output.status == 1)
        #expect(Self.messages(json, rule: "vulns/stale-database").first?.hasPrefix("the newest advisory was modified 2026-11-30T10:00:00Z, 62 days ago") == true)
    }
}

/// Old lockfiles pinning real packages at versions with published advisories, judged against
/// the real OSV snapshots in ../shared/osv: gate's findings must be exactly those an
/// independent computation gives (scripts/osv-reference.py: `packaging` orders PEP 440,
/// `semver` SemVer, the OSV schema's pseudo-code evaluates the ranges).
@Suite("real advisories, independent agreement")
struct VulnsAgreementTests {
    static let shared = Fixtures.repositoryRoot + "/../shared/osv"
    static let tools = ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"]
    static var available: Bool { tools != nil && FileManager.default.fileExists(atPath: shared) }

    @Test("PyPI (requirements.txt, poetry.lock), crates.io (Cargo.lock), Go (go.mod) against PyPA, RustSec and the Go database",
          .enabled(if: available), arguments: [
              ("python/requirements.txt", "PyPI", "pypa/vulns"), ("poetry/poetry.lock", "PyPI", "pypa/vulns"),
              ("rust/Cargo.lock", "crates.io", "rustsec/crates"), ("go/go.mod", "Go", "go/data/osv"),
          ])
    func agreement(_ row: (String, String, String)) throws {
        let projects = Fixtures.path("vulns/projects")
        let database = Self.shared + "/" + row.2
        let output = try GateBinary.run(["vulns", row.0, "--databases", database, "--format", "json"], in: projects)
        #expect(output.status == 1, "\(output.stderr)")
        let json = try #require((try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any])
        let details = try #require(json["details"] as? [String: Any])
        let found = (details["vulnerabilities"] as? [[String: Any]] ?? []).map {
            "\($0["package"] as! String) \($0["version"] as! String) \($0["id"] as! String) \($0["fixed"] as? String ?? "-")"
        }.sorted()
        // The pins, as name==version, for the reference.
        let packages = (details["packages"] as? [[String: Any]] ?? []).map { "\($0["name"] as! String)==\($0["version"] as! String)" }
        #expect(!packages.isEmpty)
        let reference = try ProcessRunner.run(Self.tools! + "/bin/python", [Fixtures.repositoryRoot + "/scripts/osv-reference.py", row.1, database] + packages,
                                              in: projects)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = reference.stdout.split(separator: "\n").map(String.init).sorted()
        #expect(found.count >= 10)
        #expect(found == expected, "only gate: \(Set(found).subtracting(expected).sorted()); only reference: \(Set(expected).subtracting(found).sorted())")
    }
}
