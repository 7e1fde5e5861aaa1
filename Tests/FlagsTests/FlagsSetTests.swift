import FeatureFlags
import Flags
import Foundation
import GateKit
import GateTestSupport
import Testing

/// `gate flags set`: one value edited in place, the rest of the file byte for byte; the ladder
/// refuses a skip; the finer buckets behind 0.1%.
@Suite("flags set")
struct FlagsSetTests {
    /// A flag file as people write them: comments everywhere, a flow mapping, quoted values,
    /// keys in no particular order, CRLF nowhere and a missing final line break.
    static let file = """
        # Flags for the search service.
        flags:
          # The Phoenix pipeline, behind its ladder.
          phoenix_pipeline_enabled:
            description: "New pipeline: #1 priority"   # quoted, with a '#'
            enabled: true
            rollout_percentage: 5    # step 2 of the ladder
            salt: phoenix_pipeline_salt
          compact: {enabled: true, rollout_percentage: '25', owner: growth}
          killed_before:
            enabled: true
            admin_override_disabled: true   # incident 77
            rollout_percentage: 50
        overrides:
          - {user: user-1, flag: compact, enabled: false, reason: ticket 9, expires_at: 2026-12-01}
        """

    static func edit(_ change: FlagFileEdit.Change, _ flag: String, _ text: String = file) throws -> FlagFileEdit.Outcome {
        try FlagFileEdit.apply(change, flag: flag, to: text, path: "flags.yml")
    }

    /// Lines of `a` that differ from `b`'s, and lines `b` adds (for one added line).
    static func changedLines(_ a: String, _ b: String) -> [String] {
        let old = a.components(separatedBy: "\n"), new = b.components(separatedBy: "\n")
        if new.count == old.count { return zip(old, new).filter { $0 != $1 }.map(\.1) }
        var added = new
        for line in old { if let index = added.firstIndex(of: line) { added.remove(at: index) } }
        return added
    }

    @Test("a rollout, a kill and a restore change only their value; the file reads the same otherwise")
    func roundTrip() throws {
        let rollout = try Self.edit(.rollout(25), "phoenix_pipeline_enabled")
        #expect(Self.changedLines(Self.file, rollout.text) == ["    rollout_percentage: 25    # step 2 of the ladder"])
        #expect(rollout.line == 7 && rollout.before.rolloutPercentage == 5 && rollout.after.rolloutPercentage == 25)

        // A quoted value keeps its quotes; in a flow mapping the neighbours stay.
        let quoted = try Self.edit(.rollout(0.1), "compact")
        #expect(Self.changedLines(Self.file, quoted.text) == ["  compact: {enabled: true, rollout_percentage: '0.1', owner: growth}"])

        // A key the flag lacks is added at its siblings' indentation after `rollout_percentage`.
        let kill = try Self.edit(.kill, "phoenix_pipeline_enabled")
        #expect(Self.changedLines(Self.file, kill.text) == ["    admin_override_disabled: true"])
        #expect(kill.text.components(separatedBy: "\n")[7] == "    admin_override_disabled: true")
        let flowKill = try Self.edit(.kill, "compact")
        #expect(Self.changedLines(Self.file, flowKill.text) == ["  compact: {enabled: true, rollout_percentage: '25', owner: growth, admin_override_disabled: true}"])

        // Restore keeps the comment after the value.
        let restore = try Self.edit(.restore, "killed_before")
        #expect(Self.changedLines(Self.file, restore.text) == ["    admin_override_disabled: false   # incident 77"])

        // Re-read: every other flag and the override are what they were.
        for outcome in [rollout, quoted, kill, flowKill, restore] {
            let before = try FlagFile.parse(Self.file, path: "flags.yml"), after = try FlagFile.parse(outcome.text, path: "flags.yml")
            #expect(after.overrides.map(\.user) == before.overrides.map(\.user))
            for flag in before.flags where flag.name != outcome.after.name {
                var moved = after.flag(named: flag.name)
                moved?.line = flag.line
                #expect(moved == flag)
            }
        }
        // Setting what is already there changes nothing.
        let same = try Self.edit(.rollout(5), "phoenix_pipeline_enabled")
        #expect(!same.changed && same.text == Self.file)
    }

    @Test("JSON flag files stay JSON; CRLF line ends are kept")
    func jsonAndCRLF() throws {
        let json = "{\n  \"flags\": {\n    \"a\": {\"enabled\": true, \"rollout_percentage\": 5}\n  }\n}\n"
        let killed = try Self.edit(.kill, "a", json)
        #expect(killed.text == "{\n  \"flags\": {\n    \"a\": {\"enabled\": true, \"rollout_percentage\": 5, \"admin_override_disabled\": true}\n  }\n}\n")
        _ = try JSONSerialization.jsonObject(with: Data(killed.text.utf8))
        let crlf = "flags:\r\n  f:\r\n    enabled: true\r\n    rollout_percentage: 5\r\n"
        let raised = try Self.edit(.rollout(25), "f", crlf)
        #expect(raised.text == "flags:\r\n  f:\r\n    enabled: true\r\n    rollout_percentage: 25\r\n")
        let added = try Self.edit(.kill, "f", "flags:\n  f:\n    enabled: true")
        #expect(added.text == "flags:\n  f:\n    enabled: true\n    admin_override_disabled: true")
    }

    @Test("an unknown flag, a malformed file and a value that is not a scalar are errors; nothing is written")
    func errors() throws {
        #expect(throws: FlagFileError.self) { try Self.edit(.kill, "missing") }
        #expect(throws: FlagFileError.self) { try Self.edit(.kill, "a", "flags: [unclosed") }
        #expect(throws: FlagFileError.self) { try Self.edit(.rollout(5), "a", "flags:\n  a:\n    rollout_percentage: [5]\n") }
        #expect(throws: FlagFileError.self) { try Self.edit(.rollout(0.001), "phoenix_pipeline_enabled") }
    }

    @Test("the ladder: one step up, any step down, a kill; a skip or an off-ladder value is refused", arguments: [
        (5.0, 25.0, nil), (0, 0.1, nil), (0.1, 5, nil), (0, 5, "the next step up is 0.1%"), (5, 50, "the next step up is 25%"),
        (50, 5, nil), (25, 30, "30% is not a ladder step"),
    ] as [(Double, Double, String?)])
    func ladder(_ from: Double, _ to: Double, _ refusal: String?) {
        let ladder: [Double] = [0, 0.1, 5, 25, 50, 100]
        let before = Flag(name: "f", enabled: true, rolloutPercentage: from)
        var after = before
        after.rolloutPercentage = to
        let why = FlagsSet.refusal(before, after, ladder: ladder)
        #expect(why.map { $0.contains(refusal ?? "-") } ?? (refusal == nil), "\(from) → \(to): \(why ?? "allowed")")
        var killed = before
        killed.adminOverrideDisabled = true
        #expect(FlagsSet.refusal(before, killed, ladder: ladder) == nil)
    }

    @Test("the command writes an allowed step, refuses a skip (exit 1, file unchanged) and writes it when forced")
    func command() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/flags.yml"
        try Self.file.write(toFile: path, atomically: true, encoding: .utf8)
        let ladder = ["--ladder", "0", "0.1", "5", "25", "50", "100"]
        let skip = try GateBinary.run(["flags", "set", path, "--flag", "phoenix_pipeline_enabled", "--rollout", "50"] + ladder, in: directory)
        #expect(skip.status == 1 && skip.stderr.contains("the next step up is 25%"), "\(skip.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.file)
        let step = try GateBinary.run(["flags", "set", path, "--flag", "phoenix_pipeline_enabled", "--rollout", "25"] + ladder, in: directory)
        #expect(step.status == 0 && step.stdout.contains("rollout_percentage 5 → 25"), "\(step.stderr)")
        let forced = try GateBinary.run(["flags", "set", path, "--flag", "phoenix_pipeline_enabled", "--rollout", "100", "--force", "--reason", "incident 12"] + ladder,
                                      in: directory, environment: ["GITHUB_ACTIONS": "true"])
        #expect(forced.status == 0 && forced.stdout.contains("incident 12") && forced.stdout.contains("::warning title=flag phoenix_pipeline_enabled"), "\(forced.stdout)")
        #expect(Self.changedLines(Self.file, try String(contentsOfFile: path, encoding: .utf8)) == ["    rollout_percentage: 100    # step 2 of the ladder"])
        let noReason = try GateBinary.run(["flags", "set", path, "--flag", "compact", "--rollout", "100", "--force"], in: directory)
        #expect(noReason.status == 2 && noReason.stderr.contains("--reason"))
        // The policy's ladder applies when no --ladder is given.
        try "ladder: [0, 10, 100]\n".write(toFile: directory + "/policy.yml", atomically: true, encoding: .utf8)
        let policy = try GateBinary.run(["flags", "set", path, "--flag", "compact", "--rollout", "50", "--policy", directory + "/policy.yml"], in: directory)
        #expect(policy.status == 1 && policy.stderr.contains("50% is not a ladder step (0, 10, 100)"), "\(policy.stderr)")
        let missing = try GateBinary.run(["flags", "set", directory + "/none.yml", "--flag", "a", "--kill"], in: directory)
        #expect(missing.status == 2 && missing.stderr.hasPrefix("error: "))
    }
}

@Suite("rollout positions")
struct RolloutPositionTests {
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The documented scheme in Python's hashlib: position = (first 8 hex digits mod 100) × 100
    /// + (next 8 hex digits mod 100); in at 0.1% when position < 10.
    @Test("0.1% lets in exactly the users the documented scheme names (Python's hashlib)", .enabled(if: python != nil))
    func tenthOfAPercent() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = """
            import hashlib
            for i in range(50000):
                h = hashlib.sha256(("user-%d" % i + "phoenix_pipeline_salt").encode()).hexdigest()
                if int(h[:8], 16) % 100 * 100 + int(h[8:16], 16) % 100 < 10:
                    print("user-%d" % i)
            """
        let expected = try Shell.run([Self.python!, "-c", script], in: directory).split(separator: "\n").map(String.init)
        let flag = Flag(name: "phoenix", enabled: true, rolloutPercentage: 0.1, salt: "phoenix_pipeline_salt")
        let evaluator = FlagEvaluator(file: FlagFile(path: "f", flags: [flag]))
        let found = (0..<50_000).map { "user-\($0)" }.filter { evaluator.evaluate("phoenix", user: $0, at: 0).value }
        #expect(found == expected)
        // About one in a thousand: 50 expected; a binomial 99.9% range.
        #expect((28...75).contains(found.count), "\(found.count)")
    }

    @Test("no user of a whole-percent rollout changes side: in exactly when bucket < p, and every 0.1% user is in at 1%")
    func wholePercentagesUnchanged() {
        let users = (0..<20_000).map { "u\($0)" }
        let tenth = FlagEvaluator(file: FlagFile(path: "f", flags: [Flag(name: "f", enabled: true, rolloutPercentage: 0.1, salt: "s")]))
        for percentage in [1, 5, 25, 50, 99] {
            let evaluator = FlagEvaluator(file: FlagFile(path: "f", flags: [Flag(name: "f", enabled: true, rolloutPercentage: Double(percentage), salt: "s")]))
            for user in users {
                let result = evaluator.evaluate("f", user: user, at: 0)
                #expect(result.value == (FlagEvaluator.bucket(user: user, salt: "s") < percentage))
                if tenth.evaluate("f", user: user, at: 0).value { #expect(result.value) }
            }
        }
    }

    @Test("percentages: hundredths parse, finer steps and values outside 0–100 do not; text has no trailing zeros")
    func percentages() throws {
        #expect(Percentage.hundredths(0.1) == 10 && Percentage.hundredths(12.34) == 1234 && Percentage.hundredths(100) == 10_000)
        #expect(Percentage.hundredths(0.001) == nil && Percentage.hundredths(-1) == nil && Percentage.hundredths(.nan) == nil)
        #expect([0.1, 25, 12.5, 0.05].map(Percentage.text) == ["0.1", "25", "12.5", "0.05"])
        #expect(try FlagFile.parse("flags:\n  f:\n    rollout_percentage: 0.1\n", path: "f").flags[0].rolloutPercentage == 0.1)
        #expect(throws: FlagFileError.self) { try FlagFile.parse("flags:\n  f:\n    rollout_percentage: 0.125\n", path: "f") }
    }
}
