import FeatureFlags
import Foundation
import GateTestSupport
import Testing

@Suite("flag evaluation")
struct EvaluationTests {
    /// Each vector from Python:
    /// python3 -c "import hashlib; h = hashlib.sha256((USER + SALT).encode()).hexdigest()[:8]; print(h, int(h, 16), int(h, 16) % 100)"
    static let vectors: [(user: String, salt: String, prefix: UInt32, bucket: Int)] = [
        ("", "salt", 1_665_637_078, 78),
        ("user-123", "phoenix_pipeline_salt", 2_570_039_412, 12),
        ("user-1", "", 3_334_638_052, 52),
        ("", "", 3_820_012_610, 10),
        ("Zoë-用户-🚀", "flag_salt", 2_602_558_682, 82),
        (String(repeating: "x", count: 1000), "long", 1_640_699_200, 0),
        (String(repeating: "u", count: 64) + "é", "s", 3_691_231_986, 86),
        ("42", "checkout_v2", 3_476_798_483, 83),
        ("user-123", "phoenix_pipeline_enabled", 3_722_005_248, 48),
        ("ID WITH SPACES", "a b c", 3_058_224_808, 8),
    ]

    @Test("buckets equal Python hashlib's: first 8 hex digits of sha256(user + salt) mod 100", arguments: 0..<10)
    func buckets(_ index: Int) {
        let vector = Self.vectors[index]
        #expect(FlagEvaluator.hashPrefix(user: vector.user, salt: vector.salt) == vector.prefix)
        #expect(FlagEvaluator.bucket(user: vector.user, salt: vector.salt) == vector.bucket)
    }

    static let file = """
        flags:
          rollout:
            enabled: true
            rollout_percentage: 25
            salt: phoenix_pipeline_salt
            variants: {control: 1, treatment: 3}
          killed:
            enabled: true
            rollout_percentage: 100
            admin_override_enabled: true
            admin_override_disabled: true
          forced:
            admin_override_enabled: true
          off:
            enabled: false
            rollout_percentage: 100
        overrides:
          - {user: user-123, flag: rollout, enabled: false, reason: ticket, expires_at: 2026-12-01T00:00:00Z}
          - {user: vip, flag: killed, enabled: true, reason: tester}
        """

    @Test("reasons in order: unexpired user override, admin overrides (kill wins), disabled, rollout")
    func reasons() throws {
        let evaluator = FlagEvaluator(file: try FlagFile.parse(Self.file, path: "flags.yml"))
        let before = FlagFile.date("2026-11-22")!, after = FlagFile.date("2026-12-02")!
        #expect(evaluator.evaluate("rollout", user: "user-123", at: before) == Evaluation(value: false, reason: .userOverride))
        // user-123's bucket for this salt is 12 (< 25): once the override expires the rollout decides.
        let expired = evaluator.evaluate("rollout", user: "user-123", at: after)
        #expect(expired.value && expired.reason == .rolloutIn && expired.bucket == 12)
        #expect(evaluator.evaluate("killed", user: "vip", at: before).reason == .userOverride)
        #expect(evaluator.evaluate("killed", user: "someone", at: before) == Evaluation(value: false, reason: .adminOverride))
        #expect(evaluator.evaluate("forced", user: "someone", at: before) == Evaluation(value: true, reason: .adminOverride))
        #expect(evaluator.evaluate("off", user: "someone", at: before) == Evaluation(value: false, reason: .disabled))
        #expect(evaluator.evaluate("nope", user: "someone", at: before) == Evaluation(value: false, reason: .defaultValue))
        // Buckets for this salt (hashlib): "" → 7 (in at 25%), "user-1" → 27 (out).
        #expect(evaluator.evaluate("rollout", user: "", at: before).bucket == 7)
        #expect(evaluator.evaluate("rollout", user: "", at: before).reason == .rolloutIn)
        #expect(evaluator.evaluate("rollout", user: "user-1", at: before) == Evaluation(value: false, reason: .rolloutOut, bucket: 27, position: 2703))
    }

    @Test("a file that cannot be loaded turns every flag off with reason ERROR")
    func loadError() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("flags:\n  a:\n    rollout_percentage: 101\n", to: directory + "/f.yml")
        let evaluation = FlagEvaluator(loading: directory + "/f.yml").evaluate("a", user: "u")
        #expect(!evaluation.value && evaluation.reason == .error)
        #expect(evaluation.message?.contains("rollout_percentage must be a number from 0 to 100 in steps of 0.01 (such as 0.1 or 25), not '101'") == true)
        #expect(FlagEvaluator(loading: directory + "/missing.yml").evaluate("a", user: "u").reason == .error)
    }

    @Test("rollout is monotonic: a user in at p is in at every higher p; shares follow the percentage")
    func monotonic() {
        var inAt = [Int](repeating: 0, count: 101)
        for index in 0..<5_000 {
            let user = "user-\(index)"
            var wasIn = false
            for percentage in 0...100 {
                var flag = Flag(name: "f", enabled: true, rolloutPercentage: Double(percentage), salt: "s")
                flag.line = 1
                let isIn = FlagEvaluator(file: FlagFile(path: "x", flags: [flag])).evaluate("f", user: user, at: 0).value
                #expect(!(wasIn && !isIn), "\(user) left the rollout at \(percentage)%")
                wasIn = isIn
                if isIn { inAt[percentage] += 1 }
            }
        }
        #expect(inAt[0] == 0 && inAt[100] == 5_000)
        #expect(abs(Double(inAt[25]) / 5_000 - 0.25) < 0.03)
    }

    @Test("variants follow their weights and do not depend on the rollout bucket")
    func variants() throws {
        let evaluator = FlagEvaluator(file: try FlagFile.parse(Self.file.replacingOccurrences(of: "rollout_percentage: 25", with: "rollout_percentage: 100"), path: "f"))
        var counts: [String: Int] = [:]
        for index in 0..<8_000 {
            let evaluation = evaluator.evaluate("rollout", user: "u\(index)", at: 0)
            counts[evaluation.variant ?? "none", default: 0] += 1
        }
        #expect(counts["none"] == nil)
        #expect(abs(Double(counts["treatment"] ?? 0) / 8_000 - 0.75) < 0.02)
    }
}

@Suite("flag files")
struct FlagFileTests {
    @Test("YAML and JSON with the same structure read alike")
    func json() throws {
        let yaml = try FlagFile.parse("flags:\n  a:\n    enabled: true\n    rollout_percentage: 5\n    created: 2026-11-01\n", path: "f.yml")
        let json = try FlagFile.parse(#"{"flags": {"a": {"enabled": true, "rollout_percentage": 5, "created": "2026-11-01"}}}"#, path: "f.json")
        #expect(yaml.flags.map(\.rolloutPercentage) == json.flags.map(\.rolloutPercentage))
        #expect(yaml.flags[0].created == json.flags[0].created)
        #expect(yaml.flags[0].salt == "a", "the salt defaults to the flag name")
    }

    @Test("bad flag files name the line and the flag", arguments: [
        ("flags:\n  a: {}\n  a: {}\n", "'a' is defined twice"),
        ("flags:\n  a:\n    rollout_percentage: 101\n", "f.yml:3: flag a: rollout_percentage must be a number from 0 to 100 in steps of 0.01 (such as 0.1 or 25), not '101'"),
        ("flags:\n  a:\n    rollout_percentage: -1\n", "not '-1'"),
        ("flags:\n  a:\n    rolout_percentage: 5\n", "f.yml:3: flag a: unknown key 'rolout_percentage'"),
        ("flags:\n  a:\n    created: 2026-13-45\n", "f.yml:3: flag a: created '2026-13-45' is not a date"),
        ("flags:\n  a:\n    enabled: yes please\n", "enabled must be true or false"),
        ("flags:\n  a: {}\noverrides:\n  - {user: u, flag: b, enabled: true}\n", "names the flag 'b', which is not defined"),
        ("flags:\n  a: {}\noverrides:\n  - {user: u, flag: a, enabled: true, expires_at: soon}\n", "expires_at 'soon' is not a date"),
        ("flags:\n  a:\n    variants: {x: -1}\n", "variant 'x' needs a weight ≥ 0"),
        ("flag:\n  a: {}\n", "unknown top-level key 'flag'"),
        ("- just\n- a list\n", "a flag file is a mapping"),
        ("flags: {a: [unclosed\n", "neither YAML nor JSON"),
    ])
    func bad(_ text: String, _ expected: String) {
        do {
            _ = try FlagFile.parse(text, path: "f.yml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(String(describing: error).contains(expected), "\(error)")
        }
    }
}
