import Foundation
import GateKit
import GateTestSupport
@testable import Reconcile
import Testing

/// The two exports of fixtures/reconcile: every difference planted by make_exports.py, which
/// counted them itself (expected.json); and what must never count as one.
@Suite struct ReconcileTests {
    static func result(_ yaml: String) throws -> GateResult {
        try ReconcileGate(policy: ReconcilePolicy(policy: Policy.parse(yaml, path: "policy.yml")), context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
    }

    static let policy = try! String(contentsOfFile: Fixtures.path("reconcile/policy.yml"), encoding: .utf8)

    struct Expected: Decodable {
        var missing_from_a, missing_from_b, duplicate_in_a, duplicate_in_b, mismatched, sequence_gaps_a, sequence_gaps_b: [String]
        var mismatched_columns: [String: [String]]
        var rows_a, rows_b: Int
    }

    static func keys(_ details: JSONValue?, _ kind: String) -> [String] {
        guard case .orderedObject(let members)? = details, let list = members.first(where: { $0.key == kind })?.value, case .array(let items) = list else { return [] }
        return items.compactMap { item in
            guard case .object(let fields) = item, case .string(let key)? = fields["key"] else { return nil }
            return key
        }.sorted()
    }

    @Test("every planted difference is found, each kind on its side, and counted as make_exports.py counted it")
    func planted() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("reconcile/expected.json"))))
        let result = try Self.result(Self.policy)
        #expect(result.verdict == .fail)
        let value = { (name: String) in result.measurements.first { $0.name == name }?.value }
        #expect(value("missing") == Double(expected.missing_from_a.count + expected.missing_from_b.count))
        #expect(value("mismatched") == Double(expected.mismatched.count))
        #expect(value("duplicates") == Double(expected.duplicate_in_a.count + expected.duplicate_in_b.count))
        #expect(value("sequence_gaps") == Double(expected.sequence_gaps_a.count + expected.sequence_gaps_b.count))
        #expect(value("rows_a") == Double(expected.rows_a) && value("rows_b") == Double(expected.rows_b))
        #expect(Self.keys(result.details, "missing_from_b") == expected.missing_from_b)
        #expect(Self.keys(result.details, "missing_from_a") == expected.missing_from_a)
        #expect(Self.keys(result.details, "duplicate_in_a") == expected.duplicate_in_a)
        #expect(Self.keys(result.details, "duplicate_in_b") == expected.duplicate_in_b)
        #expect(Self.keys(result.details, "mismatched") == expected.mismatched)
        // Which column differs, for each mismatched row.
        guard case .orderedObject(let members)? = result.details, case .array(let rows)? = members.first(where: { $0.key == "mismatched" })?.value else {
            Issue.record("no mismatched details")
            return
        }
        for case .object(let row) in rows {
            guard case .string(let key)? = row["key"], case .array(let columns)? = row["columns"] else { continue }
            #expect(columns.compactMap { if case .string(let c) = $0 { c } else { nil } } == expected.mismatched_columns[key], "\(key)")
        }
        // Gaps: each side's ranges, expanded, are exactly the numbers the script found missing.
        for (side, want) in [("gaps_a", expected.sequence_gaps_a), ("gaps_b", expected.sequence_gaps_b)] {
            guard case .array(let ranges)? = members.first(where: { $0.key == side })?.value else {
                Issue.record("no \(side) details")
                continue
            }
            let numbers = ranges.flatMap { range -> [String] in
                guard case .object(let r) = range, case .string(let group)? = r["group"], case .integer(let from)? = r["from"],
                      case .integer(let to)? = r["to"] else { return [] }
                return (from...to).map { "\(group)/\($0)" }
            }
            #expect(numbers.sorted() == want.sorted(), "\(side)")
        }
    }

    @Test("row order, column order, CSV against JSON Lines and 12.5 against 12.500000 against 1.25e1 never count")
    func spellings() throws {
        let result = try Self.result("a: fixtures/reconcile/websocket-clean.csv\nb: fixtures/reconcile/supabase-clean.jsonl\nkey: [producer, seq]\n"
                                     + "columns: {amount: amount_usd}\nsequence: {column: seq, group: producer}\n")
        #expect(result.verdict == .pass, "\(result.findings)")
        #expect(result.summary.hasPrefix("2000 and 2000 rows reconcile"))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("id,v,t\n1,12.5,x\n2,7,y\n", to: directory + "/a.csv")
        try Fixtures.write("t,v,id\ny,7.000,2\nx,1.25e1,1\n", to: directory + "/b.csv")
        let small = try Self.result("a: \(directory)/a.csv\nb: \(directory)/b.csv\nkey: [id]\n")
        #expect(small.verdict == .pass, "\(small.findings)")
    }

    @Test("an export with every field quoted, or with CRLF line ends, reconciles as the plain one does (rows read in place or by the full reader)")
    func quotedAndCRLF() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = try Fixtures.text("reconcile/websocket-clean.csv")
        let quoted = TextLines.of(plain).map { line in
            line.isEmpty ? "" : line.split(separator: ",", omittingEmptySubsequences: false).map { "\"" + $0 + "\"" }.joined(separator: ",")
        }.joined(separator: "\n")
        try Fixtures.write(quoted, to: directory + "/quoted.csv")
        try Fixtures.write(plain.replacingOccurrences(of: "\n", with: "\r\n"), to: directory + "/crlf.csv")
        let policy = "key: [producer, seq]\ncolumns: {amount: amount_usd}\nsequence: {column: seq, group: producer}\n"
        let reference = try Self.result("a: fixtures/reconcile/websocket-clean.csv\nb: fixtures/reconcile/supabase-clean.jsonl\n" + policy)
        for name in ["quoted.csv", "crlf.csv"] {
            let result = try Self.result("a: \(directory)/\(name)\nb: fixtures/reconcile/supabase-clean.jsonl\n" + policy)
            #expect(result.verdict == reference.verdict && result.summary == reference.summary, "\(name)")
            #expect(result.measurements.map(\.value) == reference.measurements.map(\.value), "\(name)")
        }
    }

    @Test("a tolerance makes near numbers equal; text is compared exactly; checksum mode finds the same rows")
    func toleranceAndChecksum() throws {
        let loose = try Self.result(Self.policy + "tolerance: 0.5\n")
        // The four changed amounts moved by 0.5: within the tolerance; the two statuses still differ.
        #expect(loose.measurements.first { $0.name == "mismatched" }?.value == 2)
        let checksum = try Self.result(Self.policy + "checksum: true\n")
        #expect(checksum.measurements.first { $0.name == "mismatched" }?.value == 6)
        #expect(checksum.measurements.first { $0.name == "missing" }?.value == 8)
    }

    @Test("thresholds: differences within max-* warn instead of failing")
    func thresholds() throws {
        let result = try Self.result(Self.policy + "max-missing: 8\nmax-mismatched: 6\nmax-duplicates: 3\nmax-gaps: 16\n")
        #expect(result.verdict == .warn)
    }

    @Test("a key column one side lacks, an empty export, a ragged CSV row, broken JSON: a clear error", arguments: [
        ("key: [nope]", "no column 'nope'"), ("b: /dev/null", "/dev/null"),
    ])
    func badInputs(change: String, message: String) throws {
        let yaml = Self.policy.split(separator: "\n").filter { !$0.hasPrefix(change.split(separator: ":")[0] + ":") }.joined(separator: "\n") + "\n" + change + "\n"
        #expect {
            try Self.result(yaml)
        } throws: { error in
            String(describing: error).contains(message)
        }
    }

    @Test("broken files name their line", arguments: [
        ("id,v\n1,2\n3\n", "a.csv:3"), ("{\"id\": 1}\n{\"id\": \n", "a.jsonl:2"),
    ])
    func broken(text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = message.split(separator: ":")[0]
        try Fixtures.write(text, to: "\(directory)/\(name)")
        try Fixtures.write("id,v\n1,2\n", to: directory + "/b.csv")
        #expect {
            try Self.result("a: \(directory)/\(name)\nb: \(directory)/b.csv\nkey: [id]\n")
        } throws: { error in
            String(describing: error).contains(message)
        }
    }
}
