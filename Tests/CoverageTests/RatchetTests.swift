import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// The ratchet: total coverage may not fall below an earlier result by more than max-drop.
@Suite struct RatchetTests {
    static func run(_ lcov: String, baseline: String? = nil, maxDrop: Double? = nil, in directory: String) throws -> GateResult {
        let name = "r\(UUID().uuidString.prefix(6)).info"
        try Fixtures.write(lcov, to: directory + "/" + name)
        var policy = CoveragePolicy()
        policy.reports = [directory + "/" + name]
        policy.baseline = baseline
        policy.maxDrop = maxDrop.map { Threshold($0) }
        return try CoverageGate(policy: policy, context: GateContext(root: directory)).evaluate()
    }

    static let before = "SF:/r/a.c\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,0\nend_of_record\nSF:/r/b.c\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,1\nend_of_record\n"
    static let after = "SF:/r/a.c\nDA:1,1\nDA:2,0\nDA:3,0\nDA:4,0\nend_of_record\nSF:/r/b.c\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,1\nDA:5,1\nend_of_record\n"

    @Test("a fall beyond max-drop fails and names the files that fell", arguments: [
        (nil as Double?, Verdict.fail), (20.8, Verdict.fail), (21.0, Verdict.warn), (50.0, Verdict.pass),
    ])
    func ratchet(maxDrop: Double?, verdict: Verdict) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = try Self.run(Self.before, in: directory)
        try Fixtures.write(JSONReporter().render(Report(results: [base], isCheck: false)), to: directory + "/baseline.json")
        let result = try Self.run(Self.after, baseline: directory + "/baseline.json", maxDrop: maxDrop, in: directory)
        // 7/8 = 87.5% before, 6/9 = 66.67% after: 20.83 points.
        #expect(result.verdict == verdict)
        let drop = try #require(result.measurements.first { $0.name == "line_coverage_drop" })
        #expect(drop.value == 20.84)
        #expect(drop.threshold == (maxDrop ?? 0))
        let files = result.findings.filter { $0.rule == "coverage/file-drop" }
        #expect(files.map(\.location?.file) == ["/r/a.c"])
        #expect(files.first?.message == "line coverage fell from 75% to 25% (1 → 3 uncovered lines)")
    }

    @Test("a baseline that is not an earlier coverage result is an error", arguments: [
        ("{\"schema\": \"gate-result/v1\", \"gate\": \"sbom\"}", "it is the result of gate 'sbom', not of coverage"),
        ("{\"schema\": \"gate-result/v1\", \"gate\": \"coverage\", \"verdict\": \"error\"}", "that run could not judge"),
        ("{\"schema\": \"gate-result/v1\", \"gate\": \"coverage\", \"verdict\": \"pass\"}", "has no details.totals.lines"),
        ("[1, 2, 3]", "it is not a gate-result/v1 document"),
        ("", "the file is empty"),
    ])
    func invalidBaseline(text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/baseline.json")
        do {
            _ = try Self.run(Self.after, baseline: directory + "/baseline.json", in: directory)
            Issue.record("accepted")
        } catch {
            #expect(String(describing: error).contains("baseline.json"))
            #expect(String(describing: error).contains(message), "\(error)")
        }
    }
}
