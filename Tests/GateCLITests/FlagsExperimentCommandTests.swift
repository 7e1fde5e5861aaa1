import Foundation
import GateTestSupport
import Testing

/// `gate flags …` and `gate experiment` as CI and support run them.
@Suite("gate flags and gate experiment")
struct FlagsExperimentCommandTests {
    @Test("eval prints the value and the reason; an unreadable file is off with ERROR and exit 2")
    func eval() throws {
        let flags = Fixtures.path("flags/flags.yml")
        let override = try GateBinary.run(["flags", "eval", flags, "--flag", "phoenix_pipeline_enabled", "--user", "user-123", "--at", "2026-11-22"])
        #expect(override.status == 0)
        #expect(override.stdout == "phoenix_pipeline_enabled for user-123: off (USER_OVERRIDE)\n")
        let json = try GateBinary.run(["flags", "eval", flags, "--flag", "phoenix_pipeline_enabled", "--user", "user-123", "--at", "2026-12-20", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["reason"] as? String == "ROLLOUT_IN")
        #expect(object["bucket"] as? Int == 12)
        let broken = try Fixtures.temporaryDirectory() + "/flags.yml"
        try Fixtures.write("flags:\n  a:\n    rollout_percentage: 250\n", to: broken)
        let error = try GateBinary.run(["flags", "eval", broken, "--flag", "a", "--user", "u"])
        #expect(error.status == 2)
        #expect(error.stdout.contains("off (ERROR)"))
        #expect(error.stderr.contains("rollout_percentage must be a number from 0 to 100 in steps of 0.01"))
    }

    @Test("lint: a ladder jump fails with exit 1 and a GitHub annotation; a malformed file is exit 2")
    func lint() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("flags:\n  f:\n    enabled: true\n    rollout_percentage: 5\n", to: directory + "/before.yml")
        try Fixtures.write("flags:\n  f:\n    enabled: true\n    rollout_percentage: 50\n", to: directory + "/after.yml")
        let jump = try GateBinary.run(["flags", "lint", "after.yml", "--previous", "before.yml", "--policy", "/dev/null"], in: directory,
                                      environment: ["GITHUB_ACTIONS": "true"])
        #expect(jump.status == 1, "\(jump.stdout)\(jump.stderr)")
        #expect(jump.stderr.contains("::error file=after.yml,line=2"))
        #expect(jump.stdout.contains("f jumps from 5% to 50%; the next step up is 25%"))
        try Fixtures.write("flags:\n  f:\n    rollout_percentage: 101\n", to: directory + "/bad.yml")
        let bad = try GateBinary.run(["flags", "lint", "bad.yml", "--policy", "/dev/null"], in: directory)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yml:3: flag f: rollout_percentage must be a number from 0 to 100 in steps of 0.01 (such as 0.1 or 25), not '101'"))
    }

    @Test("bench counts evaluations; a bad --at or --users is a usage error")
    func benchAndUsage() throws {
        let bench = try GateBinary.run(["flags", "bench", Fixtures.path("flags/flags.yml"), "--users", "200"])
        #expect(bench.status == 0)
        #expect(bench.stdout.hasPrefix("800 evaluations (4 flags × 200 users) in "))
        let at = try GateBinary.run(["flags", "eval", Fixtures.path("flags/flags.yml"), "--flag", "x", "--user", "u", "--at", "yesterday"])
        #expect(at.status == 2)
        #expect(at.stderr.contains("--at 'yesterday' is not a date"))
        let users = try GateBinary.run(["flags", "simulate", Fixtures.path("flags/flags.yml"), "--users", "0"])
        #expect(users.status == 2)
        let both = try GateBinary.run(["flags", "lint", "--previous", "a.yml", "--previous-ref", "main"])
        #expect(both.status == 2)
        let missing = try GateBinary.run(["flags", "bench", "no-such-file.yml"])
        #expect(missing.status == 2)
    }

    @Test("simulate passes on the repository's flags; experiment ships the fixture and stops on a mismatch")
    func simulateAndExperiment() throws {
        let simulate = try GateBinary.run(["flags", "simulate", Fixtures.path("flags/flags.yml"), "--users", "3000", "--format", "json"])
        #expect(simulate.status == 0, "\(simulate.stdout)")
        #expect(simulate.stdout.contains("\"verdict\": \"pass\""))
        let ship = try GateBinary.run(["experiment", Fixtures.path("experiments/checkout-button.yml"), "--policy", "/dev/null"])
        #expect(ship.status == 0)
        #expect(ship.stdout.contains("green ship"))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: Fixtures.path("experiments/checkout-button.yml"), encoding: .utf8)
        try Fixtures.write(text.replacingOccurrences(of: "users: {control: 24890, green: 25110}", with: "users: {control: 24000, green: 26000}"),
                           to: directory + "/srm.yml")
        let stop = try GateBinary.run(["experiment", directory + "/srm.yml", "--policy", "/dev/null"])
        #expect(stop.status == 1)
        #expect(stop.stdout.contains("sample-ratio mismatch"))
        try Fixtures.write(text.replacingOccurrences(of: "green: {users: 25110, conversions: 3264}", with: "green: {users: 0, conversions: 0}"),
                           to: directory + "/zero.yml")
        let zero = try GateBinary.run(["experiment", directory + "/zero.yml", "--policy", "/dev/null"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("metric conversion: variant green has 0 users"))
    }
}
