import Foundation
@testable import GateKit
import GateTestSupport
import Testing

/// Fingerprints, and a result compared with its gate's previous one: new and unchanged
/// findings, new-only, and a baseline that is missing or unusable.
@Suite struct BaselineTests {
    static func finding(_ rule: String, _ message: String, file: String? = "a.json", line: Int? = nil, severity: Severity = .error) -> Finding {
        Finding(severity: severity, rule: rule, message: message, location: file.map { Location(file: $0, line: line) })
    }

    @Test("a fingerprint survives a moved line and a changed figure, and changes with the rule, the file or the identity")
    func fingerprints() {
        let base = Self.finding("coverage/path-minimum", "line coverage 78.57% < 80% (22 of 28 lines covered)", line: 3)
        #expect(base.fingerprint.count == 64)
        #expect(Self.finding("coverage/path-minimum", "line coverage 79.1% < 80% (23 of 29 lines covered)", line: 90).fingerprint == base.fingerprint)
        #expect(Self.finding("coverage/min-line", "line coverage 78.57% < 80% (22 of 28 lines covered)", line: 3).fingerprint != base.fingerprint)
        #expect(Self.finding("coverage/path-minimum", "line coverage 78.57% < 80% (22 of 28 lines covered)", file: "b.json").fingerprint != base.fingerprint)
        #expect(Self.finding("coverage/path-minimum", "line coverage 78.57% > 80%").fingerprint != base.fingerprint)
        var identified = base
        identified.identity = "panel 7"
        #expect(identified.fingerprint != base.fingerprint)
    }

    @Test("numbers are masked whole: decimals, thousands, a trailing full stop kept", arguments: [
        ("78.57% < 80%", "#% < #%"),
        ("1,024 files in 3 dirs.", "# files in # dirs."),
        ("panel 12 'p95', target A", "panel # 'p#', target A"),
        ("version 1.2.3 of x", "version # of x"),
        ("no digits", "no digits"),
    ])
    func masked(text: String, expected: String) {
        #expect(Finding.numbersMasked(text) == expected)
    }

    static func result(_ findings: [Finding], errors tally: Bool = true) -> GateResult {
        let errors = findings.filter { $0.severity == .error }.count
        let measurements = [Measurement(name: "errors", value: Double(errors), threshold: 0, comparison: .atMost,
                                        verdict: errors == 0 ? .pass : .fail, tally: tally ? FindingTally(severity: .error) : nil)]
        return GateResult(gate: "dashboards", verdict: GateResult.verdict(measurements: measurements, findings: findings),
                          summary: "\(errors) errors", measurements: measurements, findings: findings)
    }

    /// Writes `result` as its JSON document and reads it back as a baseline.
    static func saved(_ result: GateResult) throws -> BaselineInput {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(JSONReporter().render(Report(results: [result], isCheck: false)), to: directory + "/dashboards.json")
        return BaselineInput.read(directory: directory, gate: "dashboards")
    }

    @Test("findings the previous result had are unchanged, repeats counted; new-only fails on the new one only, and recounts the errors")
    func newOnly() throws {
        let old = [Self.finding("dashboards/x", "panel 1: bad"), Self.finding("dashboards/x", "panel 2: bad"), Self.finding("dashboards/y", "w", severity: .warning)]
        let baseline = try Self.saved(Self.result(old))
        #expect(baseline.previous?.fingerprints.count == 3)

        let same = ResultBaseline.compare(Self.result(old), with: baseline, newOnly: true)
        #expect(same.verdict == .pass, "\(same.summary)")
        #expect(same.findings.allSatisfy { $0.baseline == .unchanged })
        #expect(same.measurements[0].value == 0 && same.measurements[0].verdict == .pass)
        #expect(same.summary.hasSuffix("new-only: 0 new, 3 already in \(baseline.previous!.path) (those do not count)"))

        // The same message once more (masked numbers make "panel 3" equal "panel 1"): the third is new.
        let more = old + [Self.finding("dashboards/x", "panel 3: bad")]
        let compared = ResultBaseline.compare(Self.result(more), with: baseline, newOnly: true)
        #expect(compared.verdict == .fail)
        #expect(compared.findings.filter { $0.baseline == .new }.count == 1)
        #expect(compared.measurements[0].value == 1)

        let plain = ResultBaseline.compare(Self.result(more), with: baseline, newOnly: false)
        #expect(plain.verdict == .fail && plain.measurements[0].value == 3 && plain.summary == "3 errors")
        #expect(plain.findings.filter { $0.baseline == .unchanged }.count == 3)
    }

    @Test("new-only leaves a verdict the gate did not derive from its findings (a canary's rollback) as it is")
    func decidedVerdict() throws {
        let trigger = Self.finding("canary/trigger", "error_rate above 0.05 for 5m", severity: .warning)
        let derived = GateResult(gate: "dashboards", verdict: .warn, summary: "hold",
                                 measurements: [Measurement(name: "score", value: 80)], findings: [trigger])
        var decided = derived
        decided.verdict = .fail
        let baseline = try Self.saved(derived)
        #expect(ResultBaseline.compare(derived, with: baseline, newOnly: true).verdict == .pass, "derived: the warning was there before")
        let kept = ResultBaseline.compare(decided, with: baseline, newOnly: true)
        #expect(kept.verdict == .fail && kept.summary == "hold")
        #expect(kept.findings.first?.baseline == .unchanged)
    }

    @Test("a missing, malformed or errored baseline is a note naming it; the verdict is the gate's own", arguments: [
        ("", "no such file"),
        ("{", "invalid JSON"),
        ("{\"schema\": \"gate-result/v1\", \"gate\": \"coverage\", \"verdict\": \"pass\"}", "it is the result of gate 'coverage', not of dashboards"),
        ("{\"schema\": \"gate-result/v1\", \"gate\": \"dashboards\", \"verdict\": \"error\"}", "that run could not judge"),
        ("{\"schema\": \"gate-result/v1\", \"gate\": \"dashboards\", \"verdict\": \"pass\", \"findings\": [{}]}", "a finding has no rule or message"),
    ])
    func unavailable(text: String, reason: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if !text.isEmpty { try Fixtures.write(text, to: directory + "/dashboards.json") }
        let input = BaselineInput.read(directory: directory, gate: "dashboards")
        let failing = Self.result([Self.finding("dashboards/x", "bad")])
        let compared = ResultBaseline.compare(failing, with: input, newOnly: true)
        #expect(compared.verdict == .fail, "every finding counts")
        let note = try #require(compared.findings.first { $0.rule == ResultBaseline.unavailableRule })
        #expect(note.severity == .note)
        #expect(note.message.hasPrefix("no baseline: \(directory)/dashboards.json: "))
        #expect(note.message.contains(reason), "\(note.message)")
        #expect(note.message.hasSuffix("and every finding counts"))
        #expect(compared.findings.first { $0.rule == "dashboards/x" }?.baseline == nil)
    }

    @Test("new-only without --baseline-dir says that every finding counts; an error result is left alone")
    func withoutBaseline() {
        let failing = Self.result([Self.finding("dashboards/x", "bad")])
        let compared = ResultBaseline.compare(failing, with: nil, newOnly: true)
        #expect(compared.verdict == .fail)
        #expect(compared.findings.contains { $0.rule == ResultBaseline.unavailableRule && $0.message.contains("every finding counts") })
        #expect(ResultBaseline.compare(failing, with: nil, newOnly: false) == failing)
        let error = GateResult.error(gate: "dashboards", message: "broken")
        #expect(ResultBaseline.compare(error, with: .unavailable(path: "p", reason: "r"), newOnly: true) == error)
    }

    @Test("reports mark existing findings; JSON and SARIF carry the fingerprint and the baseline state; annotations skip existing ones")
    func rendering() throws {
        let old = [Self.finding("dashboards/x", "panel 1: bad")]
        let compared = ResultBaseline.compare(Self.result(old + [Self.finding("dashboards/z", "new one", line: 4)]), with: try Self.saved(Self.result(old)), newOnly: true)
        let report = Report(results: [compared], isCheck: false)
        let json = JSONReporter().render(report)
        #expect(json.contains("\"baseline\": \"unchanged\"") && json.contains("\"baseline\": \"new\""))
        #expect(json.contains("\"fingerprint\": \"\(old[0].fingerprint)\""))
        let sarif = SARIFReporter(toolVersion: "1").render(report)
        #expect(sarif.contains("\"partialFingerprints\": {\n") && sarif.contains("\"\(SARIFReporter.fingerprintKey)\": \"\(old[0].fingerprint)\""))
        #expect(sarif.contains("\"baselineState\": \"unchanged\"") && sarif.contains("\"baselineState\": \"new\""))
        #expect(TextReporter(color: false).render(report).contains("error (existing)"))
        #expect(MarkdownReporter().render(report).contains("| error (existing) |"))
        let annotations = GitHubActions.annotations(for: [compared])
        #expect(annotations.count == 2)
        #expect(annotations.contains { $0.hasPrefix("::error file=a.json,line=4,title=dashboards/z::new one") })
        #expect(annotations.contains("::notice title=gate::1 finding was already in the baseline and is not annotated; the step summary lists it."))
    }

    @Test("new-only: is a key every policy accepts, true or false")
    func policyKey() throws {
        #expect(try Policy.parse("new-only: true\n", path: "p.yml").flag("new-only") == true)
        try Policy.parse("new-only: false\n", path: "p.yml").requireKnownKeys(["report"])
        #expect(throws: GateError.invalidPolicyValue(path: "p.yml", line: 1, key: "new-only", expected: "true or false")) {
            try Policy.parse("new-only: yes please\n", path: "p.yml").flag("new-only")
        }
    }
}
