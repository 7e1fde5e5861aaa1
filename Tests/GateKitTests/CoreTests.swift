import CCurl
import GateKit
import Testing

@Suite struct CoreTests {
    @Test("percentages truncate so a failing value never displays as its threshold", arguments: [
        (69_999, 100_000, 69.99), (2071, 2072, 99.95), (1, 1_000_000, 0.01), (0, 10, 0.0), (10, 10, 100.0), (1, 3, 33.33),
    ])
    func percentDisplay(covered: Int, total: Int, shown: Double) {
        #expect(Percent.display(covered: covered, total: total) == shown)
    }

    @Test("verdicts order pass < warn < fail < error and map to exit codes 0, 0, 1, 2")
    func verdicts() {
        #expect(Verdict.worst([.pass, .warn, .fail]) == .fail)
        #expect(Verdict.worst([.fail, .error]) == .error)
        #expect(Verdict.worst([]) == .pass)
        #expect(Verdict.allCases.map(\.exitCode) == [0, 0, 1, 2])
    }

    @Test("globs: * and ? stay in a segment, ** spans any number of them", arguments: [
        ("Sources/Core/**", "Sources/Core/A.swift", true),
        ("Sources/Core/**", "Sources/Core/Deep/B.swift", true),
        ("Sources/Core/**", "Sources/CoreX/A.swift", false),
        ("**/*.py", "a.py", true),
        ("**/*.py", "pkg/sub/a.py", true),
        ("*.py", "pkg/a.py", false),
        ("src/?.c", "src/a.c", true),
        ("src/?.c", "src/ab.c", false),
        ("./src/a.c", "src/a.c", true),
        ("src/**/test_*.py", "src/test_a.py", true),
        ("src/**/test_*.py", "src/x/y/test_a.py", true),
    ])
    func globs(pattern: String, path: String, matches: Bool) {
        #expect(PathGlob(pattern).matches(path) == matches)
    }

    @Test("repository paths: lexical normalisation, escape detection, relativity")
    func repositoryPaths() {
        #expect(RepositoryPath.normalize("a/./b/../c") == "a/c")
        #expect(RepositoryPath.normalize("/x/../../etc") == "/etc")
        #expect(RepositoryPath.escapes("../../etc/passwd"))
        #expect(RepositoryPath.escapes("a/../../b"))
        #expect(!RepositoryPath.escapes("a/../b"))
        #expect(RepositoryPath.relative("/repo/src/a.c", to: "/repo") == "src/a.c")
        #expect(RepositoryPath.relative("/repository/a.c", to: "/repo") == nil)
    }

    @Test("policy YAML errors name the file and line")
    func policyErrors() {
        #expect(throws: GateError.self) { try Policy.parse("min-line: [1,\n", path: "p.yml") }
        let duplicate = #expect(throws: GateError.self) { try Policy.parse("x: 0\na: 1\na: 2\n", path: "p.yml") }
        #expect(duplicate?.description.hasPrefix("p.yml:") == true)
        #expect(duplicate?.description.hasSuffix(": the key 'a' appears twice") == true)
        #expect(throws: GateError.policySyntax(path: "p.yml", line: 1, message: "a policy must be a mapping of keys to values")) {
            try Policy.parse("- a\n- b\n", path: "p.yml")
        }
        let unknown = GateError.unknownPolicyKey(path: "p.yml", line: 3, key: "min-lines", known: ["min-line", "report"])
        #expect(unknown.description == "p.yml:3: unknown key 'min-lines' (did you mean 'min-line'?). Known keys: min-line, report.")
    }

    @Test("an empty policy file is an empty policy")
    func emptyPolicy() throws {
        #expect(try Policy.parse("", path: "p.yml").entries.isEmpty)
    }

    @Test("libcurl is reachable through the typed setopt wrappers")
    func curlShim() throws {
        let handle = try #require(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        #expect(gate_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 1000) == CURLE_OK)
        #expect(gate_curl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:1/") == CURLE_OK)
        #expect(String(cString: curl_version()).hasPrefix("libcurl/"))
    }
}

@Suite struct NormalizeTests {
    @Test("normalize leaves normal paths alone and rewrites the others", arguments: [
        ("src/a.c", "src/a.c"), ("/abs/a.c", "/abs/a.c"), ("/", "/"), ("", "."), (".", "."), ("./a", "a"),
        ("a//b", "a/b"), ("a/b/", "a/b"), ("a/./b", "a/b"), ("a/../b", "b"), ("../a", "../a"),
        ("a/..", "."), (".hidden/x", ".hidden/x"), ("a/.../b", "a/.../b"), ("/..", "/"), ("a/b/..", "a"),
    ])
    func normalize(path: String, expected: String) {
        #expect(RepositoryPath.normalize(path) == expected)
    }

    @Test("UTC timestamps for JUnit: the epoch, a leap day, the year 2000 turn, before 1970; each reads back to its seconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00"),
        (Int64(951_782_400), "2000-02-29T00:00:00"),
        (Int64(946_684_799), "1999-12-31T23:59:59"),
        (Int64(1_767_225_600), "2026-01-01T00:00:00"),
        (Int64(-1), "1969-12-31T23:59:59"),
    ])
    func utc(seconds: Int64, text: String) {
        #expect(Timestamp.utc(seconds) == text)
        #expect(Timestamp.seconds(text + "Z") == Double(seconds))
    }
}
