import Foundation
@testable import Drift
import GateKit
import GateTestSupport
import Testing

/// Declared expectations on the fixture events (fixtures/expectations): every expectation is
/// broken by planted rows whose counts and first lines make_events.py counted on its own.
@Suite struct ExpectationsTests {
    static func result(_ yaml: String, current: String? = nil) throws -> GateResult {
        var policy = try DriftPolicy(policy: Policy.parse(yaml, path: "policy.yml"))
        if let current { policy.current = current }
        return try DriftGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
    }

    static let policy = try! String(contentsOfFile: Fixtures.path("expectations/policy.yml"), encoding: .utf8)

    struct Expected: Decodable {
        var violations: Int
        var first_rows: [Int]
    }

    @Test("each expectation counts its planted rows, in CSV and in JSON Lines (any key order, numbers spelled any way)",
          arguments: ["events.csv", "events.jsonl"])
    func plantedViolations(file: String) throws {
        let expected = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("expectations/expected.json"))))
        let result = try Self.result(Self.policy, current: "fixtures/expectations/" + file)
        #expect(result.verdict == .fail)
        // A CSV line is its row's number plus the header's line; a JSON line is its row's.
        let offset = file.hasSuffix(".csv") ? 1 : 0
        for (name, want) in expected {
            let measured = result.measurements.first { $0.name == "violations[\(name)]" }
            #expect(measured?.value == Double(want.violations), "\(name): \(String(describing: measured?.value)) vs \(want.violations)")
            let finding = try #require(result.findings.first { $0.message.hasPrefix("expected \(name): ") }, "\(name)")
            let lines = finding.message.matches(of: #/line (\d+) '/#).map { Int($0.1)! }
            #expect(lines == want.first_rows.map { $0 + offset }, "\(name)")
            #expect(finding.location?.line == want.first_rows.first.map { $0 + offset })
        }
        #expect(result.measurements.first { $0.name == "expectations_failed" }?.value == Double(expected.count))
        #expect(result.summary.hasPrefix("\(expected.count) of 11 expectations failed (user: not null; price: min 0;"))
    }

    @Test("expectations that hold pass on the current file alone, numbers compared by value however written")
    func holding() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("id,price,code\na,12.5,X-1\nb,12.500000,X-2\nc,1.25e1,X-3\nd,0,X-4\n", to: directory + "/data.csv")
        let yaml = """
            current: \(directory)/data.csv
            expect: {min-rows: 4, max-rows: 4, no-duplicate-rows: true, unique: [id]}
            columns:
              price: {not-null: true, min: 0, max: 12.5, below: 12.6}
              code: {pattern: "X-[0-9]", min-length: 3, max-length: 3, unique: true, allowed: [X-1, X-2, X-3, X-4]}
            """
        let result = try Self.result(yaml)
        #expect(result.verdict == .pass, "\(result.findings)")
        #expect(result.summary == "13 expectations held (4 rows)")
        // The exclusive bounds exclude their value; the inclusive ones include it.
        let strict = try Self.result(yaml.replacingOccurrences(of: "below: 12.6", with: "below: 12.5, above: 0"))
        #expect(strict.measurements.first { $0.name == "violations[price: below 12.5]" }?.value == 3)
        #expect(strict.measurements.first { $0.name == "violations[price: above 0]" }?.value == 1)
    }

    @Test("type: integer breaks on fractions and text, not on whole numbers however written")
    func integers() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("n\n1\n2.5\nx\n4.0\n1e3\n\n", to: directory + "/data.csv")
        let result = try Self.result("current: \(directory)/data.csv\ncolumns:\n  n: {type: integer}\n")
        #expect(result.measurements.first { $0.name == "violations[n: a whole number]" }?.value == 2)
        #expect(result.findings.first { $0.rule == "drift/expectation" }?.message.contains("line 3 '2.5', line 4 'x'") == true)
    }

    @Test("row count against the reference's: a volume anomaly beyond rows-within fails, within it passes")
    func volume() throws {
        let base = "reference: fixtures/drift/reference.csv\ncurrent: fixtures/drift/current.csv\nignore: [event_time]\n"
        // 1,500 current rows against 2,000: −25%.
        let tight = try Self.result(base + "expect: {rows-within: 0.2}\n")
        #expect(tight.verdict == .fail)
        #expect(tight.findings.contains { $0.rule == "drift/expectation" && $0.message.contains("within ±20% of the reference's 2000 (-25%)") })
        #expect(tight.summary.hasPrefix("1 of 1 expectations failed (rows: within ±20%"))
        let loose = try Self.result(base + "expect: {rows-within: 0.3}\n")
        #expect(loose.verdict == .pass)
        #expect(!loose.findings.contains { $0.rule == "drift/expectation" })
    }

    @Test("a bad pattern, rows-within without a reference, an unknown key: clear errors", arguments: [
        ("current: fixtures/drift/current.csv\ncolumns:\n  device: {pattern: \"[a-\"}\n", "columns.device.pattern"),
        ("current: fixtures/drift/current.csv\nexpect: {rows-within: 0.2}\n", "give the reference too"),
        ("current: fixtures/drift/current.csv\nexpect: {max-row: 3}\n", "max-row"),
    ])
    func badPolicies(yaml: String, message: String) throws {
        #expect {
            try Self.result(yaml)
        } throws: { error in
            String(describing: error).contains(message)
        }
    }
}
