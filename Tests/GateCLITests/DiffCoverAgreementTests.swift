import Foundation
import GateKit
import GateTestSupport
import Testing

/// Diff coverage and the combined figure against the tools themselves, run live on one
/// change: a git repository of the fixtures' Python shop with a committed change, a staged one
/// and unstaged edits, its report written by coverage.py (--branch), diff-cover reading the
/// same report. The test command installs both tools (GATE_PYTHON_TOOLS); without them a plain
/// `swift test` skips this, CI fails.
@Suite struct DiffCoverAgreementTests {
    static let tools = ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"]
    static var available: Bool {
        tools.map { FileManager.default.isExecutableFile(atPath: $0 + "/bin/diff-cover") } ?? false
            || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// The repository: `main` has the shop without Inventory.release and .export; `feature`
    /// commits release (and exercises it, one branch of it partly), stages export (never
    /// called), and leaves a new pricing function and the call to it unstaged.
    static func repository() throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        let source = Fixtures.path("coverage/python-project")
        try FileManager.default.createDirectory(atPath: directory + "/shop", withIntermediateDirectories: true)
        var inventory = try String(contentsOfFile: source + "/shop/inventory.py", encoding: .utf8)
        let release = try #require(inventory.range(of: "    def release")).lowerBound
        let lowStock = try #require(inventory.range(of: "    def low_stock")).lowerBound
        let releaseText = String(inventory[release..<lowStock])
        let exportStart = try #require(inventory.range(of: "    def export")).lowerBound
        let exportText = String(inventory[exportStart...])
        inventory = inventory.replacingOccurrences(of: releaseText, with: "").replacingOccurrences(of: exportText, with: "")
        while inventory.hasSuffix("\n\n") { inventory.removeLast() }
        let exercise = try String(contentsOfFile: source + "/exercise.py", encoding: .utf8)
        try Fixtures.write(inventory, to: directory + "/shop/inventory.py")
        for name in ["__init__.py", "pricing.py"] {
            try Fixtures.write(try String(contentsOfFile: source + "/shop/" + name, encoding: .utf8), to: directory + "/shop/" + name)
        }
        try Fixtures.write(exercise.replacingOccurrences(of: "inv.release(\"A\", 3)\n", with: ""), to: directory + "/exercise.py")
        let git = ["git", "-c", "user.name=gate", "-c", "user.email=gate@example.invalid", "-c", "commit.gpgsign=false"]
        try Shell.run(["git", "init", "-q", "-b", "main"], in: directory)
        try Shell.run(["git", "add", "-A"], in: directory)
        try Shell.run(git + ["commit", "-q", "-m", "base"], in: directory)
        try Shell.run(["git", "checkout", "-q", "-b", "feature"], in: directory)

        try Fixtures.write(inventory.replacingOccurrences(of: "    def low_stock", with: releaseText + "    def low_stock"), to: directory + "/shop/inventory.py")
        try Fixtures.write(exercise, to: directory + "/exercise.py")
        try Shell.run(git + ["commit", "-q", "-a", "-m", "release"], in: directory)

        let committed = try String(contentsOfFile: directory + "/shop/inventory.py", encoding: .utf8)
        try Fixtures.write(committed + "\n" + exportText, to: directory + "/shop/inventory.py")
        try Shell.run(["git", "add", "shop/inventory.py"], in: directory)

        let pricing = try String(contentsOfFile: directory + "/shop/pricing.py", encoding: .utf8)
        try Fixtures.write(pricing + "\n\ndef surcharge(total, rate):\n    if rate > 0:\n        return total * (1 + rate)\n    return total\n",
                           to: directory + "/shop/pricing.py")
        try Fixtures.write(exercise + "from shop.pricing import surcharge\nassert surcharge(10, 0.5) == 15\n", to: directory + "/exercise.py")

        let bin = try #require(tools) + "/bin/"
        try Shell.run([bin + "coverage", "run", "--branch", "exercise.py"], in: directory)
        try Shell.run([bin + "coverage", "xml", "-q", "-o", "coverage.xml"], in: directory)
        try Fixtures.write(try Shell.run([bin + "coverage", "report", "--precision=2"], in: directory), to: directory + "/report.txt")
        return directory
    }

    /// diff-cover's JSON for the change since main.
    static func diffCover(_ options: [String], in directory: String) throws -> [String: Any] {
        _ = try ProcessRunner.run(try #require(tools) + "/bin/diff-cover",
                                  ["coverage.xml", "--compare-branch=main", "--format", "json:diff-cover.json"] + options, in: directory)
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/diff-cover.json"))) as? [String: Any])
    }

    /// gate's measurement `name` for the same change.
    static func gate(_ options: [String], _ name: String, in directory: String, input: String? = nil) throws -> Double {
        let arguments = ["coverage", "--report", "coverage.xml", "--policy", "/dev/null", "--format", "json"] + options
        let output: ProcessOutput
        if let input {
            try Fixtures.write(input, to: directory + "/stdin.patch")
            output = try ProcessRunner.run("/bin/sh", ["-c", "\"$0\" \"$@\" < stdin.patch", GateBinary.path] + arguments, in: directory)
        } else {
            output = try GateBinary.run(arguments, in: directory)
        }
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let measurement = try #require((document["measurements"] as? [[String: Any]])?.first { $0["name"] as? String == name })
        return try #require(measurement["value"] as? Double)
    }

    /// diff-cover's covered share as gate shows a percentage: exact, then cut to 2 decimals.
    static func share(_ report: [String: Any]) throws -> Double {
        let lines = try #require(report["total_num_lines"] as? Int), violations = try #require(report["total_num_violations"] as? Int)
        return Double((lines - violations) * 10_000 / lines) / 100
    }

    @Test("diff coverage equals diff-cover's: committed + staged + unstaged, with --branch-coverage, committed only, and a diff on stdin",
          .enabled(if: available))
    func agreement() throws {
        let directory = try Self.repository()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let all = try Self.diffCover([], in: directory)
        #expect(all["diff_name"] as? String == "main...HEAD, staged and unstaged changes")
        #expect(Set((all["src_stats"] as? [String: Any])?.keys.map { $0 } ?? []) == ["exercise.py", "shop/inventory.py", "shop/pricing.py"])
        #expect(try Self.gate(["--diff-base", "main"], "diff_line_coverage", in: directory) == Self.share(all))

        let branches = try Self.diffCover(["--branch-coverage"], in: directory)
        #expect(try Self.share(branches) < Self.share(all), "partial branches count")
        #expect(try Self.gate(["--diff-base", "main"], "diff_branch_coverage", in: directory) == Self.share(branches))

        let committed = try Self.diffCover(["--ignore-staged", "--ignore-unstaged"], in: directory)
        #expect(try Self.share(committed) != Self.share(all), "the uncommitted edits change the figure")
        #expect(try Self.gate(["--diff-base", "main", "--diff-committed-only"], "diff_line_coverage", in: directory) == Self.share(committed))

        let patch = try Shell.run(["git", "diff", "--unified=0", "main...HEAD"], in: directory)
        #expect(try Self.gate(["--diff", "-"], "diff_line_coverage", in: directory, input: patch) == Self.share(committed))
    }

    @Test("combined_coverage is coverage.py's TOTAL Cover, and min-combined judges it", .enabled(if: available))
    func combined() throws {
        let directory = try Self.repository()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = try String(contentsOfFile: directory + "/report.txt", encoding: .utf8)
        let total = try #require(report.split(separator: "\n").first { $0.hasPrefix("TOTAL") }?.split(separator: " ").map(String.init))
        let last = try #require(total.last)
        let cover = try #require(Double(last.dropLast()))
        let output = try GateBinary.run(["coverage", "--report", "coverage.xml", "--policy", "/dev/null", "--format", "json"], in: directory)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let totals = try #require((document["details"] as? [String: Any])?["totals"] as? [String: [Int]])
        let lines = try #require(totals["lines"]), branches = try #require(totals["branches"])
        #expect(lines[1] == Int(total[1]) && branches[1] == Int(total[3]), "Stmts and Branch")
        let exact = Double(lines[0] + branches[0]) * 100 / Double(lines[1] + branches[1])
        #expect((exact * 100).rounded() / 100 == cover, "coverage.py shows \(cover)%, gate counts \(exact)%")
        let measured = try Self.gate([], "combined_coverage", in: directory)
        #expect(measured == (exact * 100).rounded(.down) / 100)
        let above = try GateBinary.run(["coverage", "--report", "coverage.xml", "--policy", "/dev/null", "--min-combined", String(cover + 0.1)], in: directory)
        #expect(above.status == 1 && above.stdout.contains("combined coverage"))
        #expect(try GateBinary.run(["coverage", "--report", "coverage.xml", "--policy", "/dev/null", "--min-combined", String(measured)], in: directory).status == 0)
    }
}
