import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Diff coverage as diff-cover computes it, and unified diffs as git writes them.
@Suite struct DiffCoverageTests {
    static func parse(_ text: String) throws -> ChangedLines {
        try UnifiedDiff.parse(Array(text.utf8), source: "change.patch")
    }

    @Test("diff coverage equals diff-cover's figures on the same report and diff")
    func agreesWithDiffCover() throws {
        let (report, _) = try CoverageReportReader.read(Fixtures.path("coverage/python-project/coverage.xml"), root: Fixtures.repositoryRoot)
        let changes = try UnifiedDiff.parse(
            Array(try Fixtures.text("coverage/python-project/changes.patch").utf8), source: "changes.patch")
        let diff = DiffCoverage(report: report, changes: changes)
        let expected = try #require(try JSONSerialization.jsonObject(
            with: Data(try Fixtures.text("coverage/python-project/diff-cover.json").utf8)) as? [String: Any])
        #expect(diff.lines.total == expected["total_num_lines"] as? Int)
        #expect(diff.lines.total - diff.lines.covered == expected["total_num_violations"] as? Int)
        #expect(Int(Double(diff.lines.covered) * 100 / Double(diff.lines.total)) == expected["total_percent_covered"] as? Int)
        #expect(changes.lineCount == expected["num_changed_lines"] as? Int)
        let perFile = try #require(expected["src_stats"] as? [String: [String: Any]])
        #expect(Set(diff.files.map(\.path)) == Set(perFile.keys))
        for file in diff.files {
            let stats = try #require(perFile[file.path])
            let violations = file.uncovered.flatMap { Array($0) }.map(Int.init)
            #expect(violations == stats["violation_lines"] as? [Int])
            #expect(file.lines.covered == (stats["covered_lines"] as? [Int])?.count)
        }
        #expect(diff.filesWithoutData == ["fixtures/coverage/python-project/README.md"])
    }

    @Test("git diff with context, renames, deletions, binary files and quoted names")
    func gitDiffShapes() throws {
        let changes = try Self.parse("""
            From 1234 Mon Sep 17 00:00:00 2001
            Subject: [PATCH] a change

            --- a/ignored-in-message-is-fine
            diff --git a/src/a.c b/src/a.c
            index 1..2 100644
            --- a/src/a.c
            +++ b/src/a.c
            @@ -1,4 +1,5 @@
             int a;
            -int b;
            +int b2;
            +int c;
             int d;
            -- not a header, a removed line
            +--- not a header either, an added line
            \\ No newline at end of file
            diff --git a/old.c b/new.c
            similarity index 90%
            rename from old.c
            rename to new.c
            --- a/old.c
            +++ b/new.c
            @@ -10 +10,2 @@
            -x
            +y
            +z
            diff --git a/gone.c b/gone.c
            deleted file mode 100644
            --- a/gone.c
            +++ /dev/null
            @@ -1 +0,0 @@
            -gone
            diff --git a/logo.png b/logo.png
            Binary files a/logo.png and b/logo.png differ
            diff --git "a/dir/sp ace\\"q.c" "b/dir/sp ace\\"q.c"
            --- "a/dir/sp ace\\"q.c"
            +++ "b/dir/sp ace\\"q.c"
            @@ -0,0 +1 @@
            +int q;

            """)
        #expect(changes.files["src/a.c"] == [2, 3, 5])
        #expect(changes.files["new.c"] == [10, 11])
        #expect(changes.files["gone.c"] == nil)
        #expect(changes.files["logo.png"] == nil)
        #expect(changes.files["dir/sp ace\"q.c"] == [1])
    }

    @Test("staged and unstaged diffs are laid over the committed one as diff-cover lays them: removals numbered from the new side")
    func laidOver() throws {
        let committed = try Self.parse("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -2,0 +3,3 @@\n+x\n+y\n+z\n")
        #expect(committed.files == ["a.py": [3, 4, 5]])
        // diff-cover numbers a removed line from the hunk's new-side start (+4), not its old one (-9).
        let staged = try Self.parse("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -9 +4,0 @@\n-y\n")
        #expect(staged.removed == ["a.py": [4]] && staged.files.isEmpty)
        let unstaged = try Self.parse("diff --git a/b.py b/b.py\n--- a/b.py\n+++ b/b.py\n@@ -0,0 +1,2 @@\n+p\n+q\n"
                                      + "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -7,0 +7 @@\n+w\n")
        let merged = committed.merging(staged).merging(unstaged)
        #expect(merged.files == ["a.py": [3, 5, 7], "b.py": [1, 2]])
        #expect(merged.lineCount == 5)
    }

    @Test("CRLF diffs and `diff -u` headers with timestamps")
    func plainDiff() throws {
        let changes = try Self.parse("--- a.txt\t2026-01-01 00:00:00\r\n+++ b.txt\t2026-01-02 00:00:00\r\n@@ -1 +1,2 @@\r\n a\r\n+b\r\n")
        #expect(changes.files == ["b.txt": [2]])
    }

    @Test("an empty diff is a change with nothing in it")
    func emptyDiff() throws {
        #expect(try Self.parse("").files.isEmpty)
    }

    @Test("text that is not a diff, a bad hunk header, a truncated hunk: errors naming the line", arguments: [
        ("hello world\nthis is not a patch\n", "change.patch: not a unified diff"),
        ("+++ b/a.c\n@@ -1 +1 @@@\n+x\n", "change.patch:2: \"@@ -1 +1 @@@\" is not a hunk header"),
        ("@@ -1 +1 @@\n+x\n", "change.patch:1: a hunk before any file header"),
        ("+++ b/a.c\n@@ -1,2 +1,3 @@\n a\n+b\n", "change.patch: the diff ends inside the hunk announced at line 2"),
        ("+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n+c\n", "change.patch:5: an added line outside any hunk"),
        ("+++ b/a.c\n@@ -1,2 +1,2 @@\n-a\n+b\nstray text\n", "change.patch:5: the hunk announced at line 2 ends early"),
    ])
    func malformed(text: String, message: String) {
        #expect(throws: (any Error).self) { try Self.parse(text) }
        do { _ = try Self.parse(text) } catch { #expect(String(describing: error).contains(message), "\(error)") }
    }

    static func gate(_ report: String, diff: String, minDiff: Double? = nil) throws -> GateResult {
        let directory = try Fixtures.temporaryDirectory()
        try Fixtures.write(report, to: directory + "/lcov.info")
        try Fixtures.write(diff, to: directory + "/change.patch")
        var policy = CoveragePolicy()
        policy.reports = [directory + "/lcov.info"]
        policy.diff = directory + "/change.patch"
        policy.minDiff = minDiff.map { Threshold($0) }
        return try CoverageGate(policy: policy, context: GateContext(root: "/repo")).evaluate()
    }

    static let report = "SF:/repo/src/a.c\nDA:1,1\nDA:2,0\nDA:3,0\nDA:5,0\nDA:6,4\nend_of_record\n"

    @Test("uncovered changed lines become findings; ranges skip unmeasured lines only")
    func findings() throws {
        let result = try Self.gate(Self.report, diff: "+++ b/src/a.c\n@@ -0,0 +1,6 @@\n+a\n+b\n+c\n+d\n+e\n+f\n", minDiff: 50)
        #expect(result.verdict == .fail)
        #expect(result.measurements.first?.name == "diff_line_coverage")
        #expect(result.measurements.first?.value == 40)
        let ranges = result.findings.filter { $0.rule == "coverage/uncovered-changed-lines" }
        #expect(ranges.map(\.location) == [Location(file: "src/a.c", line: 2, endLine: 5)])
        #expect(ranges.map(\.severity) == [.error])
        #expect(result.summary.contains("diff coverage 40% (2 of 5 changed lines covered)"))
    }

    @Test("a passing diff keeps its uncovered ranges as notes")
    func passingDiffNotes() throws {
        let result = try Self.gate(Self.report, diff: "+++ b/src/a.c\n@@ -0,0 +1,2 @@\n+a\n+b\n", minDiff: 50)
        #expect(result.verdict == .pass)
        #expect(result.findings.map(\.severity) == [.note])
    }

    @Test("an empty or white-space-only diff is an error, not a pass with no coverable changed lines", arguments: ["", "\n", "  \n\t\r\n"])
    func emptyDiffRefused(_ text: String) throws {
        expectError(containing: "change.patch: the file is empty (or only white space); expected a unified diff") {
            _ = try Self.gate(Self.report, diff: text, minDiff: 70)
        }
    }

    @Test("changed files that no report mentions warn instead of passing at 100%")
    func unmatchedChange() throws {
        let result = try Self.gate(Self.report, diff: "+++ b/lib/other.c\n@@ -0,0 +1 @@\n+x\n", minDiff: 70)
        #expect(result.verdict == .warn)
        #expect(result.findings.map(\.rule) == ["coverage/diff-unmatched"])
        #expect(result.findings[0].message.contains("none of the 1 changed file appears in the coverage reports (for example lib/other.c)"))
    }

    @Test("min-diff without a change, or two changes, is a usage error")
    func diffUsage() throws {
        var policy = CoveragePolicy()
        policy.reports = [Fixtures.path("coverage/c-project/coverage.info")]
        policy.minDiff = Threshold(70)
        #expect(throws: GateError.self) { try CoverageGate(policy: policy, context: GateContext(root: "/repo")).evaluate() }
        policy.diff = "a.patch"
        policy.diffBase = "origin/main"
        #expect(throws: GateError.self) { try CoverageGate(policy: policy, context: GateContext(root: "/repo")).evaluate() }
    }
}
