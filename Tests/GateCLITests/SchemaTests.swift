import Foundation
import GateKit
import GateTestSupport
import Testing

/// gate's SARIF and JUnit, from real runs of several gates, against the formats' own schemas
/// (../shared/schemas: SARIF 2.1.0 with check-jsonschema, the strict Ant JUnit XSD with
/// xmllint), and what code scanning needs beyond the schema: fingerprints, relative URIs, the
/// tool's version, a description for every rule.
@Suite struct SchemaTests {
    static let schemas = Fixtures.repositoryRoot + "/../shared/schemas"
    static let checkJSONSchema = ProcessInfo.processInfo.environment["GATE_CHECK_JSONSCHEMA"]
    static var available: Bool {
        (FileManager.default.fileExists(atPath: schemas + "/JUnit.xsd") && checkJSONSchema != nil
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint")) || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// A repository with five gates: coverage under its per-path minimum, a dashboard with two
    /// defects, the signed model, an SBOM with an unknown license, and a relevance gate that
    /// cannot judge (no golden set).
    static func workspace() throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        let board = try Fixtures.text("dashboards/service-health.json")
            .replacingOccurrences(of: "sum by (code) (rate(", with: "sum by (code) (ratez(")
            .replacingOccurrences(of: "\"id\": 3,", with: "\"id\": 2,")
        let files = [
            "gates/coverage.yml": "report: \(Fixtures.path("coverage/python-project/coverage.xml"))\nmin-line: 50\npaths:\n  \"**/inventory.py\": 80\n",
            "gates/dashboards.yml": "dashboards: [boards]\ncatalog: \(Fixtures.path("dashboards/metrics.prom"))\ndatasources: [prometheus]\n",
            "gates/checksum.yml": "manifest: \(Fixtures.path("model/MANIFEST.sha256"))\nverify-key: \(Fixtures.path("keys/fixture-signing.pub"))\n",
            "gates/sbom.yml": "lockfiles: [package-lock.json]\nallow: [MIT]\n",
            "gates/relevance.yml": "golden: missing.csv\nrun: missing.run\n",
            "boards/service-health.json": board,
            "package-lock.json": "{\"name\": \"app\", \"lockfileVersion\": 3, \"packages\": {\"\": {\"name\": \"app\"}, \"node_modules/x\": {\"version\": \"1.0.0\", \"license\": \"WTFPL\"}}}\n",
        ]
        for (path, text) in files {
            try FileManager.default.createDirectory(atPath: (directory + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Fixtures.write(text, to: directory + "/" + path)
        }
        return directory
    }

    @Test("SARIF validates against SARIF 2.1.0; every result has a fingerprint and a relative URI or none; every rule a description", .enabled(if: available))
    func sarif() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let check = try GateBinary.run(["check", "--format", "sarif", "--output", "check.sarif"], in: directory)
        #expect(check.status == 2, "relevance cannot judge: \(check.stderr)")
        // An absolute report outside the repository: its findings get no location at all.
        let outside = try GateBinary.run(["coverage", "--report", Fixtures.path("coverage/python-project/coverage.xml"), "--min-line", "90",
                                          "--policy", "/dev/null", "--format", "sarif", "--output", "outside.sarif"], in: directory)
        #expect(outside.status == 1)
        for file in ["check.sarif", "outside.sarif"] {
            let validated = try ProcessRunner.run(try #require(Self.checkJSONSchema), ["--schemafile", Self.schemas + "/sarif-schema-2.1.0.json", file], in: directory)
            #expect(validated.status == 0, "\(file): \(validated.stdout)\(validated.stderr)")
        }

        let log = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/check.sarif"))) as? [String: Any])
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect(runs.count == 5)
        var results = 0
        for run in runs {
            let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
            #expect(driver["version"] as? String == GateVersion.current)
            let rules = try #require(driver["rules"] as? [[String: Any]])
            for rule in rules {
                let id = try #require(rule["id"] as? String)
                #expect((rule["shortDescription"] as? [String: Any])?["text"] as? String != id, "\(id) has a description")
            }
            for result in run["results"] as? [[String: Any]] ?? [] {
                results += 1
                let fingerprint = (result["partialFingerprints"] as? [String: Any])?[SARIFReporter.fingerprintKey] as? String
                #expect(fingerprint?.count == 64)
                for location in result["locations"] as? [[String: Any]] ?? [] {
                    let uri = try #require(((location["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String)
                    #expect(!uri.hasPrefix("/") && !uri.contains(".."), "\(uri)")
                }
            }
        }
        #expect(results >= 4)
        let uris = String(decoding: try Data(contentsOf: URL(fileURLWithPath: directory + "/check.sarif")), as: UTF8.self)
        #expect(uris.contains("\"uri\": \"boards/service-health.json\"") && uris.contains("\"uri\": \"package-lock.json\""))

        let lone = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/outside.sarif"))) as? [String: Any])
        let loneResults = try #require(((lone["runs"] as? [[String: Any]])?.first)?["results"] as? [[String: Any]])
        #expect(!loneResults.isEmpty && loneResults.allSatisfy { $0["locations"] == nil })
    }

    @Test("JUnit validates against the strict Ant schema: hostname, timestamp from SOURCE_DATE_EPOCH, one short-named testcase per measurement", .enabled(if: available))
    func junit() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let check = try GateBinary.run(["check", "--format", "junit", "--output", "TEST-gate.xml"], in: directory, environment: ["SOURCE_DATE_EPOCH": "1767225600"])
        #expect(check.status == 2)
        let single = try GateBinary.run(["dashboards", "--format", "junit", "--output", "dashboards.xml"], in: directory)
        #expect(single.status == 1)
        for file in ["TEST-gate.xml", "dashboards.xml"] {
            let validated = try ProcessRunner.run("/usr/bin/xmllint", ["--noout", "--schema", Self.schemas + "/JUnit.xsd", file], in: directory)
            #expect(validated.status == 0, "\(file): \(validated.stderr)")
        }
        let text = try String(contentsOfFile: directory + "/TEST-gate.xml", encoding: .utf8)
        #expect(text.contains("timestamp=\"2026-01-01T00:00:00\""))
        #expect(text.contains("<testcase classname=\"gate.coverage\" name=\"line_coverage\" time=\"0\"/>"))
        #expect(text.contains("<failure type=\"threshold\" message=\"errors 2 &gt; 0\">errors 2 &gt; 0</failure>"))
        #expect(text.contains("<error type=\"error\" message=\"missing.csv: no such file."), "the gate that could not judge")
        #expect(!text.contains(">="), "no threshold in a testcase name")
    }
}
