import Foundation
import GateKit
import GateTestSupport
import Testing

/// Workflow commands, step summary and step outputs in GitHub's documented syntax.
@Suite struct GitHubActionsTests {
    static func finding(_ severity: Severity, _ index: Int) -> Finding {
        Finding(severity: severity, rule: "coverage/path-minimum", message: "file \(index)", location: Location(file: "src/f\(index).c", line: index, endLine: index + 2))
    }

    @Test("annotations carry file, line, endLine and title, with GitHub's escaping")
    func annotationSyntax() {
        let finding = Finding(severity: .error, rule: "coverage/min-line", message: "50% < 70%\nsecond line",
                              location: Location(file: "dir,with:odd%name.c", line: 3, endLine: 9))
        let lines = GitHubActions.annotations(for: [GateResult(gate: "coverage", verdict: .fail, summary: "s", findings: [finding])])
        #expect(lines == ["::error file=dir%2Cwith%3Aodd%25name.c,line=3,endLine=9,title=coverage/min-line::50%25 < 70%25%0Asecond line"])
    }

    @Test("at most 10 errors and 10 warnings: the most important first, then how many were left out")
    func annotationCap() {
        let findings = (1...25).map { Self.finding(.error, $0) } + (1...4).map { Self.finding(.warning, $0) }
        let lines = GitHubActions.annotations(for: [GateResult(gate: "coverage", verdict: .fail, summary: "s", findings: findings)])
        let errors = lines.filter { $0.hasPrefix("::error") }
        #expect(errors.count == 10)
        #expect(errors[0].contains("file=src/f1.c,line=1,"))
        #expect(errors[9] == "::error title=gate::16 more errors not shown here; the step summary and the JSON or SARIF report list them all.")
        #expect(lines.filter { $0.hasPrefix("::warning") }.count == 4)
    }

    @Test("a gate that could not judge is an error annotation")
    func errorResultAnnotation() {
        let lines = GitHubActions.annotations(for: [.error(gate: "coverage", message: "a.xml: no such file")])
        #expect(lines == ["::error title=gate coverage::a.xml: no such file"])
    }

    @Test("outputs: name=value lines and the summary in a heredoc whose delimiter is not in the value")
    func outputs() {
        let result = GateResult(gate: "coverage", verdict: .fail, summary: "line_coverage 61.53% < 70%",
                                measurements: [Measurement(name: "line_coverage", value: 61.53, unit: "%", verdict: .fail)])
        let text = GitHubActions.outputs(for: Report(results: [result], isCheck: false), delimiter: "ghadelimiter_test")
        #expect(text == """
            verdict=fail
            exit-code=1
            findings=0
            coverage-verdict=fail
            coverage-line-coverage=61.53
            summary<<ghadelimiter_test
            coverage: fail — line_coverage 61.53% < 70%
            ghadelimiter_test

            """)
        let hostile = GateResult(gate: "coverage", verdict: .pass, summary: "ghadelimiter_test\nverdict=pass")
        let guarded = GitHubActions.outputs(for: Report(results: [hostile], isCheck: false), delimiter: "ghadelimiter_test")
        let lines = guarded.split(separator: "\n", omittingEmptySubsequences: false)
        let open = try! #require(lines.first { $0.hasPrefix("summary<<") })
        let delimiter = open.dropFirst("summary<<".count)
        #expect(delimiter != "ghadelimiter_test")
        #expect(lines.filter { $0 == delimiter }.count == 1)
    }

    @Test("under GITHUB_ACTIONS the publisher appends the step summary and outputs, never truncating them")
    func publisherWritesFiles() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let summary = directory + "/summary.md", outputs = directory + "/outputs", report = directory + "/report.json"
        try Fixtures.write("earlier step\n", to: summary)
        try Fixtures.write("earlier=1\n", to: outputs)
        let environment = GateEnvironment(["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": outputs])
        let printed = Collected()
        let publisher = ResultPublisher(format: .json, outputPath: report, color: .never, environment: environment,
                                        standardOutput: printed.append, standardError: printed.append)
        try publisher.publish(Report(results: [ReporterTests.failing], isCheck: false))
        #expect(printed.text.hasPrefix("::error title=coverage/min-line::"))
        let summaryText = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(summaryText.hasPrefix("earlier step\n### ❌ coverage: fail"))
        let outputText = try String(contentsOfFile: outputs, encoding: .utf8)
        #expect(outputText.hasPrefix("earlier=1\nverdict=fail\nexit-code=1\n"))
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("\"schema\": \"gate-result/v1\""))
    }

    @Test("the step summary is cut at a line boundary under GitHub's 1 MiB limit")
    func summaryBudget() throws {
        let findings = (1...3000).map { Finding(severity: .error, rule: "r", message: String(repeating: "x", count: 400) + "\($0)") }
        let results = (1...6).map { GateResult(gate: "g\($0)", verdict: .fail, summary: "s", findings: findings) }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let summary = directory + "/summary.md"
        let publisher = ResultPublisher(format: .json, outputPath: directory + "/r.json", color: .never,
                                        environment: GateEnvironment(["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]),
                                        standardOutput: { _ in }, standardError: { _ in })
        try publisher.publish(Report(results: results, isCheck: true))
        let size = try FileManager.default.attributesOfItem(atPath: summary)[.size] as? Int ?? 0
        #expect(size <= ResultPublisher.stepSummaryBudget)
        #expect(size > ResultPublisher.stepSummaryBudget / 2)
        #expect(try String(contentsOfFile: summary, encoding: .utf8).hasSuffix("the JSON or SARIF report has everything._\n"))
    }

    @Test("colour: --color wins, then NO_COLOR, then FORCE_COLOR, then the terminal", arguments: [
        (ColorChoice.always, ["NO_COLOR": "1"], false, true),
        (ColorChoice.never, ["FORCE_COLOR": "1"], true, false),
        (ColorChoice.auto, ["NO_COLOR": "1", "FORCE_COLOR": "1"], true, false),
        (ColorChoice.auto, ["NO_COLOR": ""], true, true),
        (ColorChoice.auto, ["FORCE_COLOR": "1"], false, true),
        (ColorChoice.auto, ["FORCE_COLOR": "0"], false, false),
        (ColorChoice.auto, ["TERM": "dumb"], true, false),
        (ColorChoice.auto, [:], false, false),
    ])
    func color(choice: ColorChoice, variables: [String: String], terminal: Bool, expected: Bool) {
        #expect(choice.enabled(environment: GateEnvironment(variables), isTerminal: terminal) == expected)
    }
}

/// Collects what a publisher prints, so tests keep workflow commands out of the real log.
final class Collected: @unchecked Sendable {
    private(set) var text = ""
    func append(_ more: String) { text += more }
}
