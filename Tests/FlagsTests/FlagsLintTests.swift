import FeatureFlags
import Flags
import Foundation
import GateKit
import GateTestSupport
import Testing

@Suite("flag-policy gate")
struct FlagsLintTests {
    static let now = FlagFile.date("2026-11-22")!

    static func lint(_ current: String, previous: String?, policy: FlagsPolicy = FlagsPolicy()) throws -> [Finding] {
        let file = try FlagFile.parse(current, path: "flags.yml")
        let before = try previous.map { try FlagFile.parse($0, path: "before.yml") }
        return FlagsGate(policy: policy, context: GateContext(root: "/"), now: now).check(file, previous: before)
    }

    @Test("one ladder step up passes; two steps, or off the ladder, fail; any step down passes", arguments: [
        (5, 25, nil), (0, 5, nil), (25, 100, "flags/ladder-jump"), (0, 25, "flags/ladder-jump"), (100, 0, nil), (50, 5, nil),
        (5, 10, "flags/off-ladder"),
    ] as [(Int, Int, String?)])
    func ladder(_ from: Int, _ to: Int, _ rule: String?) throws {
        let findings = try Self.lint("flags:\n  f:\n    enabled: true\n    rollout_percentage: \(to)\n",
                                     previous: "flags:\n  f:\n    enabled: true\n    rollout_percentage: \(from)\n")
        #expect(findings.map(\.rule) == (rule.map { [$0] } ?? []), "\(from) → \(to)")
        if rule == "flags/ladder-jump" {
            #expect(findings.first?.message == "f jumps from \(from)% to \(to)%; the next step up is \(from == 0 ? 5 : 50)%")
            #expect(findings.first?.location == Location(file: "flags.yml", line: 2))
        }
    }

    @Test("enabling a disabled flag at 25% or forcing it on is a jump; the kill switch is a rollback")
    func effectiveLevels() throws {
        let before = "flags:\n  f:\n    enabled: false\n    rollout_percentage: 25\n"
        #expect(try Self.lint("flags:\n  f:\n    enabled: true\n    rollout_percentage: 25\n", previous: before).map(\.rule) == ["flags/ladder-jump"])
        #expect(try Self.lint("flags:\n  f:\n    rollout_percentage: 25\n    admin_override_enabled: true\n", previous: before).map(\.rule) == ["flags/ladder-jump"])
        let on = "flags:\n  f:\n    enabled: true\n    rollout_percentage: 100\n"
        #expect(try Self.lint("flags:\n  f:\n    enabled: true\n    rollout_percentage: 100\n    admin_override_disabled: true\n", previous: on).isEmpty)
    }

    @Test("a new flag must start disabled at 0%")
    func newFlags() throws {
        let findings = try Self.lint("flags:\n  old: {}\n  fresh:\n    enabled: true\n    rollout_percentage: 5\n  quiet: {}\n", previous: "flags:\n  old: {}\n")
        #expect(findings.map(\.rule) == ["flags/new-flag-enabled"])
        #expect(findings.first?.message.hasPrefix("fresh is new and must start disabled at 0%") == true)
    }

    @Test("overrides: a reason, an expiry within the limit; expired ones reported")
    func overrides() throws {
        let text = """
            flags:
              f: {}
            overrides:
              - {user: a, flag: f, enabled: true, reason: tester, expires_at: 2026-12-01}
              - {user: b, flag: f, enabled: true, expires_at: 2026-12-01}
              - {user: c, flag: f, enabled: true, reason: forever}
              - {user: d, flag: f, enabled: true, reason: too long, expires_at: 2027-06-01}
              - {user: e, flag: f, enabled: true, reason: done, expires_at: 2026-11-01}
            """
        let findings = try Self.lint(text, previous: nil)
        #expect(findings.map(\.rule) == ["flags/override-reason", "flags/override-expiry", "flags/override-expiry", "flags/override-expired"])
        #expect(findings.map { $0.location?.line } == [5, 6, 7, 8])
        #expect(findings[2].message == "the override of f for d expires in 191 days, more than 30")
        #expect(findings[3].severity == .warning)
    }

    @Test("stale: on for everyone and older than stale-days; past its expiry")
    func stale() throws {
        let findings = try Self.lint("""
            flags:
              old:
                enabled: true
                rollout_percentage: 100
                created: 2026-01-01
              young:
                enabled: true
                rollout_percentage: 100
                created: 2026-11-10
              ending:
                expiry: 2026-11-01
            """, previous: nil)
        #expect(findings.map(\.rule) == ["flags/stale", "flags/expired"])
        #expect(findings.allSatisfy { $0.severity == .warning })
    }

    @Test("the repository's flag files pass, with references checked in its source fixture")
    func repository() throws {
        var policy = FlagsPolicy()
        policy.file = "fixtures/flags/flags.yml"
        policy.previous = "fixtures/flags/flags-previous.yml"
        policy.sources = ["fixtures/flags/src/**"]
        let result = try FlagsGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), now: Self.now).evaluate()
        #expect(result.verdict == .warn, "\(result.findings)")
        #expect(result.findings.map(\.rule) == ["flags/stale"])
        #expect(result.inputs.count == 2)
    }

    @Test("references: checked but undefined fails, defined but unchecked warns")
    func references() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/Sources/App", withIntermediateDirectories: true)
        try Fixtures.write("flags:\n  used: {}\n  unused: {}\n", to: root + "/flags.yml")
        try Fixtures.write("if flags.isEnabled(\"used\") {}\n\nlet x = flags.variant('ghost')\n", to: root + "/Sources/App/main.swift")
        var policy = FlagsPolicy()
        policy.file = "flags.yml"
        policy.sources = ["Sources/**"]
        let result = try FlagsGate(policy: policy, context: GateContext(root: root), now: Self.now).evaluate()
        #expect(result.verdict == .fail)
        let byRule = Dictionary(grouping: result.findings, by: \.rule)
        #expect(byRule["flags/undefined-reference"]?.first?.location == Location(file: "Sources/App/main.swift", line: 3))
        #expect(byRule["flags/unreferenced"]?.first?.message.hasPrefix("unused is defined") == true)
        #expect(byRule["flags/no-previous"]?.count == 1)
    }

    @Test("previous-ref reads the file at a git ref; a ref that does not exist is an error")
    func previousRef() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Shell.run(["git", "init", "-q", "-b", "main"], in: root)
        try Fixtures.write("flags:\n  f:\n    enabled: true\n    rollout_percentage: 5\n", to: root + "/flags.yml")
        try Shell.run(["git", "add", "flags.yml"], in: root)
        try Shell.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "flags"], in: root)
        try Fixtures.write("flags:\n  f:\n    enabled: true\n    rollout_percentage: 50\n", to: root + "/flags.yml")
        var policy = FlagsPolicy()
        policy.file = "flags.yml"
        policy.previousRef = "HEAD"
        let result = try FlagsGate(policy: policy, context: GateContext(root: root), now: Self.now).evaluate()
        #expect(result.verdict == .fail)
        #expect(result.findings.map(\.rule) == ["flags/ladder-jump"])
        policy.previousRef = "no-such-branch"
        #expect(throws: GateError.self) { try FlagsGate(policy: policy, context: GateContext(root: root), now: Self.now).evaluate() }
    }

    @Test("simulation: observed shares match the percentages and rollouts are sticky")
    func simulate() throws {
        let file = try FlagFile.load(Fixtures.path("flags/flags.yml"))
        let result = FlagsSimulation(file: file, users: 4_000).evaluate()
        #expect(result.verdict == .pass, "\(result.summary)")
        #expect(result.measurements.count == 3)
        #expect(result.measurements.allSatisfy { $0.value >= 0.001 })
    }

    @Test("a bad ladder or reference pattern in the policy is an error naming the key")
    func badPolicy() throws {
        for (text, key) in [("ladder: [0, 50, 25, 100]", "ladder"), ("reference-pattern: 'no group'", "reference-pattern"), ("ladders: [0]", "ladders")] {
            let policy = try Policy.parse(text, path: "gates/flags.yml")
            do {
                _ = try FlagsPolicy(policy: policy)
                Issue.record("accepted \(text)")
            } catch {
                #expect(String(describing: error).contains(key), "\(error)")
            }
        }
    }
}
