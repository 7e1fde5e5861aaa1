import Foundation
import GateTestSupport
import Testing
@testable import Alerts

@Suite("rule files as promtool check rules reads them")
struct RuleFileTests {
    static let corpus = Fixtures.path("alerts/check")
    static let promtool = "/usr/bin/promtool"

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".yml") }.sorted()
    }

    /// gate's verdict and rule count for one file: nil count when it refuses the file.
    static func judge(_ name: String) -> (accepted: Bool, rules: Int?) {
        let path = corpus + "/" + name
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let parsed = try? RuleFiles.parse(text, path: name) else {
            return (false, nil)
        }
        let problems = RuleFiles.check(parsed.groups)
        return (problems.isEmpty, problems.isEmpty ? parsed.groups.reduce(0) { $0 + $1.rules.count } : nil)
    }

    @Test("every file of the corpus: accepted or refused as promtool 2.42 does, with the same rule count",
          .enabled(if: FileManager.default.isExecutableFile(atPath: promtool)))
    func agreesWithPromtool() throws {
        let names = try Self.files()
        #expect(names.count >= 14)
        for name in names {
            let output = try ProcessRunner.run(Self.promtool, ["check", "rules", name], in: Self.corpus)
            let theirs = output.status == 0
            let count = output.stdout.split(separator: "\n").first { $0.contains("SUCCESS:") }
                .flatMap { line in line.split(separator: " ").compactMap { Int($0) }.first }
            let ours = Self.judge(name)
            #expect(ours.accepted == theirs, "\(name): gate \(ours.accepted ? "accepts" : "refuses"), promtool \(theirs ? "accepts" : "refuses"): \(output.stdout)")
            #expect(ours.rules == count, "\(name): \(String(describing: ours.rules)) rules, promtool \(String(describing: count))")
        }
    }

    @Test("every problem promtool lists, at its positions and in its words (templates included), and its count of duplicate rules",
          .enabled(if: FileManager.default.isExecutableFile(atPath: promtool)))
    func sameProblemsAsPromtool() throws {
        let folders = ["alerts/check", "alerts/lint", "alerts/rules", "alerts/unit"]
        var compared = 0
        for folder in folders {
            let directory = Fixtures.path(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".yml") && !$0.hasSuffix("-test.yml") }).sorted() {
                let output = try ProcessRunner.run(Self.promtool, ["check", "rules", name], in: directory)
                let text = output.stdout + output.stderr
                let source = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                let parsed: (groups: [PrometheusRuleGroup], ignoredDocuments: Int)
                do {
                    parsed = try RuleFiles.parse(source, path: name)
                } catch let error as RuleFileError {
                    // A file promtool cannot load at all: one message, which names the same problem.
                    #expect(output.status == 1 && text.contains(error.message), "\(folder)/\(name): \(error.message) vs \(text)")
                    continue
                } catch {
                    // Not YAML: both refuse it.
                    #expect(output.status == 1, "\(folder)/\(name): \(error) vs \(text)")
                    continue
                }
                // promtool: "FILE: L:C: L:C: group …" — positions and words compared.
                let theirs = Set(text.split(separator: "\n").filter { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) })
                let ours = Set(RuleFiles.check(parsed.groups).map(\.description))
                #expect(ours == theirs, "\(folder)/\(name)")
                let duplicates = text.firstMatch(of: #/lint error (\d+) duplicate rule/#).map { Int($0.output.1)! } ?? 0
                #expect(RuleFiles.duplicates(parsed.groups).count == duplicates, "\(folder)/\(name)")
                compared += 1
            }
        }
        #expect(compared >= 15)
    }

    @Test("the problems promtool lists, in its words, at the lines it gives")
    func messages() throws {
        func problems(_ name: String) throws -> [String] {
            let text = try String(contentsOfFile: Self.corpus + "/" + name, encoding: .utf8)
            return RuleFiles.check(try RuleFiles.parse(text, path: name).groups).map(\.description)
        }
        // Positions as promtool prints them: both name nodes, 0:0 for a missing field.
        #expect(try problems("invalid-both-names.yml") == ["4:17: 5:16: group \"g\", rule 1, \"X\": only one of 'record' and 'alert' must be set"])
        #expect(try problems("invalid-no-expr.yml") == ["0:0: group \"g\", rule 1, \"NoExpr\": field 'expr' must be set in rule"])
        #expect(try problems("invalid-expr.yml") == ["5:15: group \"g\", rule 1, \"BadExpr\": could not parse expression: 1:16: parse error: unclosed left parenthesis"])
        #expect(try problems("invalid-record-name.yml") == ["4:17: group \"g\", rule 1, \"job x\": invalid recording rule name: job x"])
        #expect(try problems("invalid-label-name.yml") == ["group \"g\", rule 1, \"A\": invalid label name: bad-label"])
        #expect(try problems("invalid-repeated-group.yml") == ["4:5: groupname: \"g\" is repeated in the same file"])
        expectError(containing: "invalid-unknown-key.yml:6: field severity not found in type rulefmt.RuleNode") {
            _ = try RuleFiles.parse(try String(contentsOfFile: Self.corpus + "/invalid-unknown-key.yml", encoding: .utf8), path: "invalid-unknown-key.yml")
        }
        expectError(containing: "not a valid duration string: \"5 minutes\"") {
            _ = try RuleFiles.parse(try String(contentsOfFile: Self.corpus + "/invalid-duration.yml", encoding: .utf8), path: "invalid-duration.yml")
        }
    }

    @Test("a plain file is read to its first document, as Prometheus loads it; a PrometheusRule manifest from every document")
    func documents() throws {
        let plain = try RuleFiles.parse(try String(contentsOfFile: Self.corpus + "/valid-multidoc.yml", encoding: .utf8), path: "valid-multidoc.yml")
        #expect(plain.groups.map(\.name) == ["cache"])
        #expect(plain.ignoredDocuments == 1)
        let manifest = """
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata: {name: search}
            spec:
              groups:
                - name: search
                  rules:
                    - alert: A
                      expr: up == 0
            ---
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata: {name: cache}
            spec:
              groups:
                - name: cache
                  rules: []
            """
        let read = try RuleFiles.parse(manifest, path: "rules.yaml")
        #expect(read.groups.map(\.name) == ["search", "cache"])
        #expect(read.ignoredDocuments == 0)
        #expect(read.groups.first?.rules.first?.exprPosition?.line == 9)
    }

    @Test("Prometheus durations", arguments: [("5m", true), ("1h30m", true), ("0", true), ("1d2h", true), ("250ms", true),
                                              ("5 minutes", false), ("1m1h", false), ("", false), ("5", false), ("1.5h", false)])
    func durations(_ row: (String, Bool)) {
        #expect(RuleFiles.isDuration(row.0) == row.1, "\(row.0)")
    }
}
