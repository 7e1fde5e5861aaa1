import Foundation
import GateKit
import GateTestSupport
import Testing

/// Every reporter renders the same result; machine formats are checked against their specs.
@Suite struct ReporterTests {
    static let failing = GateResult(
        gate: "coverage", verdict: .fail,
        summary: "line_coverage 61.53% < 70% — line coverage 61.53% (16/26 lines)",
        measurements: [
            Measurement(name: "line_coverage", value: 61.53, unit: "%", threshold: 70, comparison: .atLeast, verdict: .fail),
            Measurement(name: "branch_coverage", value: 75, unit: "%", threshold: 50, comparison: .atLeast, verdict: .pass),
        ],
        findings: [
            Finding(severity: .warning, rule: "coverage/path-unmatched", message: "rule matches nothing", location: Location(file: "gates/coverage.yml", line: 4)),
            Finding(severity: .error, rule: "coverage/path-minimum", message: "line coverage 40% < 90% | \"quoted\" <b>", location: Location(file: "Sources/A.swift")),
            Finding(severity: .error, rule: "coverage/min-line", message: "line coverage 61.53% < 70%"),
        ],
        inputs: [InputDigest(path: "coverage.xml", sha256: String(repeating: "ab", count: 32))],
        rules: [RuleDescriptor(id: "coverage/min-line", severity: .error, summary: "Total line coverage is below the minimum.", help: "Raise it.")],
        durationMs: 41)

    static func parseJSON(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test("JSON follows gate-result/v1 with sorted keys, findings most important first, no duration")
    func json() throws {
        let text = JSONReporter().render(Report(results: [Self.failing], isCheck: false))
        let document = try #require(try Self.parseJSON(text) as? [String: Any])
        #expect(document["schema"] as? String == "gate-result/v1")
        #expect(document["verdict"] as? String == "fail")
        #expect(document["durationMs"] == nil)
        let measurements = try #require(document["measurements"] as? [[String: Any]])
        #expect(measurements[0]["value"] as? Double == 61.53)
        #expect(measurements[0]["threshold"] as? Double == 70)
        #expect(measurements[0]["comparison"] as? String == ">=")
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.map { $0["severity"] as? String } == ["error", "error", "warning"])
        #expect(findings.map { $0["rule"] as? String } == ["coverage/min-line", "coverage/path-minimum", "coverage/path-unmatched"])
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == ["findings", "gate", "inputs", "measurements", "schema", "summary", "verdict"])
        #expect(text == JSONReporter().render(Report(results: [Self.failing], isCheck: false)))
    }

    @Test("integers are written as Swift prints them, extremes included")
    func integers() {
        let values = [0, 7, -7, 10, 99, 100, -100, 1_234_567_890, Int.max, Int.min, Int.min + 1]
        let expected = "[" + values.map(String.init).joined(separator: ", ") + "]\n"
        #expect(JSONValue.integers(values).rendered() == expected)
        #expect(JSONValue.array(values.map(JSONValue.integer)).rendered() == expected)
    }

    @Test("gate check's JSON is an array of result documents")
    func jsonArray() throws {
        let text = JSONReporter().render(Report(results: [Self.failing, .error(gate: "sbom", message: "x")], isCheck: true))
        let array = try #require(try Self.parseJSON(text) as? [[String: Any]])
        #expect(array.map { $0["gate"] as? String } == ["coverage", "sbom"])
    }

    @Test("SARIF carries what GitHub code scanning requires")
    func sarif() throws {
        let text = SARIFReporter(toolVersion: "1.2.3").render(Report(results: [Self.failing], isCheck: false))
        let log = try #require(try Self.parseJSON(text) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        #expect(log["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "gate")
        #expect(driver["semanticVersion"] as? String == "1.2.3")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == ["coverage/min-line", "coverage/path-minimum", "coverage/path-unmatched"])
        for rule in rules {
            #expect(((rule["shortDescription"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            #expect(((rule["help"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
        }
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 3)
        for result in results {
            #expect(result["ruleId"] is String)
            #expect(["error", "warning", "note"].contains(result["level"] as? String))
            #expect(((result["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let physical = try #require(((result["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
            #expect((physical["artifactLocation"] as? [String: Any])?["uri"] is String)
            #expect(((physical["region"] as? [String: Any])?["startLine"] as? Int ?? 0) >= 1)
        }
        // A finding with no location points at the first input so GitHub can show it.
        let first = try #require(results.first?["locations"] as? [[String: Any]])
        let uri = ((first[0]["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String
        #expect(uri == "coverage.xml")
    }

    /// Counts JUnit elements with the project's own XML parser.
    final class JUnitCounter: XMLEventHandler {
        var counts: [String: Int] = [:]
        var suiteAttributes: [String: String] = [:]
        func startElement(_ name: XMLName, attributes: XMLAttributes, line: Int) throws {
            counts[name.string, default: 0] += 1
            if name.equals("testsuite") {
                for key in ["tests", "failures", "errors", "time"] as [StaticString] {
                    suiteAttributes["\(key)"] = attributes.string(key)
                }
            }
        }
        func endElement(_ name: XMLName) throws {}
        func characters(_ bytes: UnsafeBufferPointer<UInt8>) {}
    }

    @Test("JUnit: one testcase per measurement, a failure for each failed one, well-formed and escaped")
    func junit() throws {
        let text = JUnitReporter().render(Report(results: [Self.failing], isCheck: false))
        let counter = JUnitCounter()
        let parser = XMLStreamParser(path: "junit.xml", handler: counter)
        try Array(text.utf8).withUnsafeBytes { try parser.feed($0) }
        try parser.finish()
        #expect(counter.counts["testsuites"] == 1)
        #expect(counter.counts["testsuite"] == 1)
        #expect(counter.counts["testcase"] == 2)
        #expect(counter.counts["failure"] == 1)
        #expect(counter.suiteAttributes == ["tests": "2", "failures": "1", "errors": "0", "time": "0.041"])
        #expect(text.contains("message=\"line_coverage 61.53% &lt; 70%\""))
    }

    @Test("JUnit: a gate that could not judge is an <error>")
    func junitError() throws {
        let text = JUnitReporter().render(Report(results: [.error(gate: "coverage", message: "a.xml: no such file")], isCheck: false))
        #expect(text.contains("<error type=\"error\" message=\"a.xml: no such file\"/>"))
        #expect(text.contains("errors=\"1\""))
    }

    @Test("markdown: a table per gate, cells that cannot break the table or inject HTML")
    func markdown() {
        let text = MarkdownReporter().render(Report(results: [Self.failing], isCheck: false))
        #expect(text.hasPrefix("### ❌ coverage: fail\n"))
        #expect(text.contains("| line_coverage | 61.53% | >= 70% | fail |"))
        #expect(text.contains("line coverage 40% &lt; 90% \\| \"quoted\" &lt;b>"))
        #expect(text.contains("<details open><summary>3 findings</summary>"))
    }

    @Test("text: verdict first, colour only when asked")
    func text() {
        let plain = TextReporter(color: false).render(Report(results: [Self.failing], isCheck: false))
        #expect(plain.hasPrefix("coverage: FAIL  line_coverage 61.53% < 70%"))
        #expect(!plain.contains("\u{1B}["))
        #expect(plain.contains("Sources/A.swift"))
        let colored = TextReporter(color: true).render(Report(results: [Self.failing], isCheck: false))
        #expect(colored.contains("\u{1B}[31;1mFAIL\u{1B}[0m"))
    }
}

@Suite struct HTMLReporterTests {
    @Test("every format renders non-finite values without crashing; the HTML chart leaves them out")
    func nonFinite() {
        let result = GateResult(gate: "g", verdict: .pass, summary: "s", measurements: [
            Measurement(name: "nan", value: .nan, unit: "%"), Measurement(name: "inf", value: .infinity, unit: "%"),
            Measurement(name: "ok", value: 50, unit: "%"),
        ], findings: [])
        for format in ReportFormat.allCases {
            #expect(!format.reporter(color: false).render(Report(results: [result], isCheck: false)).isEmpty)
        }
        let page = HTMLReporter().render(Report(results: [result], isCheck: false))
        #expect(page.components(separatedBy: "<rect").count - 1 == 2)  // one bar: track and fill
    }

    @Test("HTML is one self-contained page: escaped text, an SVG bar per percentage, no remote resource")
    func html() {
        var result = ReporterTests.failing
        result.tables = [ResultTable(title: "Least covered <files>", header: ["File", "Line coverage"], rows: [["a<b>.c", "40%"]])]
        let page = HTMLReporter().render(Report(results: [result], isCheck: false))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(page.components(separatedBy: "<rect ").count - 1 == 4)  // two bars, each on its track
        #expect(page.contains("line coverage 40% &lt; 90% | &quot;quoted&quot; &lt;b&gt;"))
        #expect(page.contains("<h3>Least covered &lt;files&gt;</h3>"))
        #expect(!page.contains("<script"))
        #expect(!page.contains("src=\"http"))
        #expect(!page.contains("href=\"http"))
    }
}
