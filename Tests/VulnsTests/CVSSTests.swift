import Foundation
import GateTestSupport
import Testing
@testable import Vulns

@Suite("CVSS base scores")
struct CVSSTests {
    @Test("v3.1, v3.0 and v2 vectors score as the specifications' formulas give", arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8), ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N", 5.4), ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1), ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0), ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N/E:U/RL:O", 1.6),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5), ("AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3), ("AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2),
        ("(AV:N/AC:L/Au:N/C:N/I:N/A:C)", 7.8),
    ])
    func knownScores(_ row: (String, Double)) throws {
        let score = try #require(try CVSS.score(row.0))
        #expect(score.base == row.1, "\(row.0)")
    }

    @Test("ratings: none, low, medium, high, critical at 0.1, 4.0, 7.0, 9.0")
    func ratings() {
        #expect([0.0, 0.1, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0].map { SeverityLevel(score: $0) }
            == [.none, .low, .low, .medium, .medium, .high, .high, .critical, .critical])
        #expect(SeverityLevel(stated: "MODERATE") == .medium)
        #expect(SeverityLevel(stated: "whatever") == nil)
    }

    @Test("malformed vectors are errors; v4 is not scored here", arguments: [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:N/AC:L/Au:N/C:P/I:P", "nonsense",
    ])
    func malformed(_ vector: String) {
        #expect(throws: CVSS.Problem.self) { _ = try CVSS.score(vector) }
    }

    /// Every CVSS v2/v3 vector in the real advisory snapshots, scored by the `cvss` package
    /// (Red Hat's implementation of the same specifications) and by gate.
    @Test("every vector in ../shared/osv scores as the cvss package scores it",
          .enabled(if: ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"] != nil
                   && FileManager.default.fileExists(atPath: Fixtures.repositoryRoot + "/../shared/osv")))
    func agreesWithReference() throws {
        let shared = Fixtures.repositoryRoot + "/../shared/osv"
        var vectors = Set<String>()
        for database in ["go/data/osv", "rustsec/crates", "pypa/vulns"] {
            for record in try OSVReader.load(shared + "/" + database).records {
                for entry in record.severity + record.affected.flatMap(\.severity) where entry.type == "CVSS_V3" || entry.type == "CVSS_V2" {
                    vectors.insert(entry.score)
                }
            }
        }
        #expect(vectors.count > 100)
        let sorted = vectors.sorted()
        let script = """
            import sys
            from cvss import CVSS2, CVSS3
            for v in sys.stdin.read().split():
                print(CVSS3(v).scores()[0] if v.startswith("CVSS:3") else CVSS2(v).scores()[0])
            """
        let list = try Fixtures.temporaryDirectory() + "/vectors.txt"
        try Fixtures.write(sorted.joined(separator: "\n"), to: list)
        let tools = ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"]!
        let output = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" -c \"$1\" < \"$2\"", tools + "/bin/python", script, list], in: Fixtures.repositoryRoot)
        #expect(output.status == 0, "\(output.stderr)")
        let reference = output.stdout.split(separator: "\n").map { Double($0)! }
        #expect(reference.count == sorted.count)
        var disagreements: [String] = []
        for (vector, expected) in zip(sorted, reference) {
            let ours = try CVSS.score(vector)?.base
            if ours != expected { disagreements.append("\(vector): \(ours.map { String($0) } ?? "nil") vs \(expected)") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }
}
