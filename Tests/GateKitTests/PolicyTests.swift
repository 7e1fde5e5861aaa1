import GateKit
import GateTestSupport
import Testing

/// The policy layer every gate reads through: typed accessors, the command-line overlay, and
/// `rules:`.
@Suite struct PolicyTests {
    static let file = "gates/x.yml"

    @Test("a scalar key given a list or a mapping is an error naming its line, never its first item")
    func scalarRefusesList() throws {
        let policy = try Policy.parse("name: ok\nprometheus: [http://a, http://b]\nwindow: {a: 1}\n", path: Self.file)
        #expect(try policy.string("name") == "ok")
        expectError(containing: "gates/x.yml:2: 'prometheus' must be a single value, not a list.") { _ = try policy.string("prometheus") }
        expectError(containing: "gates/x.yml:3: 'window' must be a single value, not a mapping.") { _ = try policy.duration("window") }
        #expect(try policy.string("absent") == nil)
    }

    @Test("typed accessors: whole numbers, choices, durations, each refusing the wrong shape")
    func typedAccessors() throws {
        let policy = try Policy.parse("k: 10\nhalf: 2.5\nmode: warn\nbad-mode: loud\nwindow: 30m\nlater: soon\n", path: Self.file)
        #expect(try policy.integer("k", in: 1...100) == 10)
        expectError(containing: "gates/x.yml:2: 'half' must be a whole number from 1 to 100.") { _ = try policy.integer("half", in: 1...100) }
        #expect(try policy.choice("mode", ["warn", "fail"]) == "warn")
        expectError(containing: "gates/x.yml:4: 'bad-mode' must be warn, fail or ignore.") { _ = try policy.choice("bad-mode", ["warn", "fail", "ignore"]) }
        #expect(try policy.duration("window") == 1800)
        expectError(containing: "gates/x.yml:6: 'later' must be a duration such as 30m.") { _ = try policy.duration("later") }
    }

    @Test("flags replace the file's entries; errors in a flag's value cite the flag, not the file")
    func overlay() throws {
        let file = try Policy.parse("min-line: 80\ndiff-base: origin/main\ninclude: [a/**]\n", path: Self.file)
        let merged = try file.overlaid(with: [
            PolicyFlag("min-line", "85"), PolicyFlag("diff", "change.patch").replacing("diff-base"),
            PolicyFlag("include", [String]()), PolicyFlag("max-drop", nil as String?), PolicyFlag("new-only", true),
        ])
        #expect(try merged.number("min-line") == 85)
        #expect(merged.entry("diff-base") == nil)
        #expect(try merged.string("diff") == "change.patch")
        #expect(try merged.strings("include") == ["a/**"], "an empty repeated flag leaves the file's list")
        #expect(merged.entry("max-drop") == nil)
        #expect(try merged.flag("new-only") == true)
        #expect(merged.location("min-line") == nil, "a flag has no file location")
        #expect(file.location("min-line") == Location(file: Self.file, line: 1))

        let bad = try file.overlaid(with: [PolicyFlag("min-line", "101")])
        expectError(containing: "--min-line: 'min-line' must be a number from 0 to 100.") { _ = try bad.number("min-line", in: 0...100) }
        expectError(containing: "gates/x.yml:1: 'min-line' must be a number from 0 to 100.") {
            _ = try Policy.parse("min-line: 101\n", path: Self.file).number("min-line", in: 0...100)
        }
    }

    @Test("a flag's YAML value is a mapping or list whose nested errors cite the flag")
    func yamlFlag() throws {
        let merged = try Policy(path: Self.file, entries: []).overlaid(with: [.yaml("groups", "{baseline: {deployment: a}}")])
        let groups = try #require(try merged.mapping("groups"))
        #expect(groups.map(\.key) == ["baseline"])
        #expect(groups.first?.flag == "--groups")
        let nested = Policy(path: Self.file, entries: groups)
        expectError(containing: "--groups: 'baseline' must be a number.") { _ = try nested.number("baseline") }
        expectError(containing: "--groups") { _ = try Policy(path: Self.file, entries: []).overlaid(with: [.yaml("groups", "{a: [1,")]) }
    }

    static let rules = [
        RuleDescriptor(id: "demo/loud", severity: .warning, summary: "Loud.", help: "Quieter."),
        RuleDescriptor(id: "demo/broken", severity: .error, summary: "Broken.", help: "Fix it."),
    ]

    static func result() -> GateResult {
        let findings = [
            Finding(severity: .warning, rule: "demo/loud", message: "one"),
            Finding(severity: .warning, rule: "demo/loud", message: "two"),
            Finding(severity: .error, rule: "demo/broken", message: "three"),
        ]
        let errors = Measurement(name: "errors", value: 1, threshold: 0, comparison: .atMost, verdict: .fail, tally: FindingTally(severity: .error))
        return GateResult(gate: "demo", verdict: .fail, summary: "3 findings", measurements: [errors], findings: findings)
    }

    @Test("rules: turns a rule off or regrades it, recounting what counts findings and re-judging the verdict")
    func ruleSettings() throws {
        func settings(_ text: String) throws -> RuleSettings {
            try RuleSettings(policy: Policy.parse(text, path: Self.file), rules: Self.rules)
        }
        let off = try settings("rules:\n  demo/broken: off\n").apply(to: Self.result())
        #expect(off.findings.map(\.message) == ["one", "two"])
        #expect(off.measurements[0].value == 0 && off.verdict == .warn)
        let up = try settings("rules:\n  loud: error\n").apply(to: Self.result())
        #expect(up.findings.allSatisfy { $0.severity == .error })
        #expect(up.measurements[0].value == 3 && up.verdict == .fail)
        let down = try settings("rules: {broken: note, loud: note}\n").apply(to: Self.result())
        #expect(down.verdict == .pass)
        expectError(containing: "gates/x.yml:2: 'rules.demo/lound' must be a rule of this gate (did you mean 'demo/loud'?)") {
            _ = try settings("rules:\n  demo/lound: off\n")
        }
        expectError(containing: "gates/x.yml:2: 'rules.loud' must be off, note, warning or error.") { _ = try settings("rules:\n  loud: loudest\n") }
        #expect(try settings("").isEmpty)
    }
}

@Suite struct NumberTextTests {
    @Test("figures print with significant digits, never binary noise", arguments: [
        (3.3599999999999996e-41, 4, "3.36e-41"), (0.000001, 4, "1e-6"), (0.0123456, 3, "0.0123"), (81.69, 15, "81.69"),
        (0.1 + 0.2, 15, "0.3"), (-2.5e20, 4, "-2.5e20"), (1234.5678, 6, "1234.57"), (9.99996, 4, "10"), (0.5, 4, "0.5"),
    ])
    func significant(value: Double, digits: Int, text: String) {
        #expect(Measurement.significantText(value, digits: digits) == text)
    }

    @Test("Measurement.format keeps integers whole and fractions to 15 significant digits")
    func format() {
        #expect(Measurement.format(80) == "80")
        #expect(Measurement.format(Measurement.significant(3.36e-41)) == "3.36e-41")
        #expect(Measurement.format(0.8792) == "0.8792")
    }
}

@Suite struct RenamedKeyTests {
    @Test("an old key name is read as the new one with a note; both at once is an error; a flag wins over the file")
    func renamed() throws {
        let renames = ["report": "html"]
        let old = try Policy.parse("report: out.html\n", path: "gates/drift.yml").renamingKeys(renames)
        #expect(try old.policy.string("html") == "out.html")
        #expect(old.notes == ["gates/drift.yml:1: 'report' is now 'html'; the old name still works but will be removed"])
        expectError(containing: "gates/drift.yml:2: 'report' must be left out: 'html' is given too") {
            _ = try Policy.parse("html: a.html\nreport: b.html\n", path: "gates/drift.yml").renamingKeys(renames)
        }
        let file = try Policy.parse("html: a.html\n", path: "gates/drift.yml")
        let oldFlag = try file.overlaid(with: [PolicyFlag("report", "b.html")]).renamingKeys(renames)
        #expect(try oldFlag.policy.string("html") == "b.html")
        #expect(oldFlag.notes == ["--report is now --html; the old name still works but will be removed"])
        let newFlag = try Policy.parse("report: a.html\n", path: "gates/drift.yml").overlaid(with: [PolicyFlag("html", "c.html")]).renamingKeys(renames)
        #expect(try newFlag.policy.string("html") == "c.html")
        #expect(try Policy.parse("html: a.html\n", path: "p").renamingKeys([:]).notes.isEmpty)
    }
}
