import Foundation
import GateTestSupport
import Testing

/// `--diff-base` runs git in a real repository.
@Suite struct DiffBaseTests {
    static func repository() throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        let git = ["git", "-c", "user.name=gate", "-c", "user.email=gate@example.invalid", "-c", "commit.gpgsign=false"]
        try Shell.run(["git", "init", "-q", "-b", "main"], in: directory)
        try FileManager.default.createDirectory(atPath: directory + "/src", withIntermediateDirectories: true)
        try Fixtures.write("int a;\nint b;\n", to: directory + "/src/a.c")
        try Shell.run(["git", "add", "-A"], in: directory)
        try Shell.run(git + ["commit", "-q", "-m", "base"], in: directory)
        try Fixtures.write("int a;\nint b;\nint c;\nint d;\nint e;\n", to: directory + "/src/a.c")
        try Shell.run(git + ["commit", "-q", "-a", "-m", "change"], in: directory)
        // Recorded on another machine: the paths map onto this checkout by their src/ directory.
        try Fixtures.write("SF:/ci/elsewhere/src/a.c\nDA:1,1\nDA:2,1\nDA:3,1\nDA:4,0\nDA:5,0\nend_of_record\n", to: directory + "/lcov.info")
        return directory
    }

    @Test("the change since the merge base is judged: 1 of 3 added lines covered")
    func judgesCommittedChange() throws {
        let directory = try Self.repository()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try GateBinary.run(["coverage", "--report", "lcov.info", "--diff-base", "HEAD~1", "--min-diff", "50", "--format", "json"], in: directory)
        #expect(output.status == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("\"summary\": \"diff_line_coverage 33.33% < 50% — diff coverage 33.33% (1 of 3 changed lines covered)"))
        #expect(output.stdout.contains("\"file\": \"src/a.c\""))
        #expect(try GateBinary.run(["coverage", "--report", "lcov.info", "--diff-base", "HEAD~1", "--min-diff", "33"], in: directory).status == 0)
    }

    @Test("a base ref that does not exist is an error that says so")
    func missingBase() throws {
        let directory = try Self.repository()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try GateBinary.run(["coverage", "--report", "lcov.info", "--diff-base", "origin/no-such-branch"], in: directory)
        #expect(output.status == 2)
        #expect(output.stderr.contains("Does 'origin/no-such-branch' exist here?"))
        let option = try GateBinary.run(["coverage", "--report", "lcov.info", "--diff-base=--output=/tmp/x"], in: directory)
        #expect(option.status == 2)
    }

    @Test("a --diff file that is not a diff exits 2")
    func notADiff() throws {
        let directory = try Self.repository()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("just some notes\n", to: directory + "/notes.txt")
        let output = try GateBinary.run(["coverage", "--report", "lcov.info", "--diff", "notes.txt"], in: directory)
        #expect(output.status == 2)
        #expect(output.stderr.contains("notes.txt: not a unified diff"))
    }
}
