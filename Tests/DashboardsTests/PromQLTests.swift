@testable import Dashboards
@testable import PromQL
import Foundation
import GateTestSupport
import Testing

@Suite struct PromQLTests {
    static let accepted = [
        "up", "sum(rate(http_requests_total{job=\"api\"}[5m])) by (code)", "sum by (code) (rate(x[5m]))",
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))", "a + on(job) group_left(instance) b", "a > bool 2", "1 + 2 * 3 ^ 2",
        "-2 ^ 2", "x offset 5m", "x offset -1h", "x @ 1609746000", "rate(x[5m] @ end())", "max_over_time(rate(x[1m])[10m:])",
        "max_over_time(rate(x[1m])[10m:1m] offset 5m)", "topk(3, x)", "count_values(\"v\", x)", "quantile(0.9, x)", "label_join(x, \"a\", \",\", \"b\", \"c\")",
        "time()", "vector(1)", "{__name__=\"a\", __name__=\"b\"}", "scalar(x) * 2", "{__name__=\"up\"}", "{job=~\".+\"}", "x{a=\"b\",}", "0x1F + 010", "Inf", "-NaN", ".5 + 5.",
        "job:rate:5m", "by{job=\"x\"}", "sum(by)", "offset", "a and b", "a unless on() b", "a or b", "a atan2 b", "x # comment",
        "round(x)", "round(x, 5)", "day_of_week()", "sum(x) without (a,)", "rate(x[1h30m])",
        // Valid at the top level of a query, though not of a range query (which the
        // dashboard gate checks for each target by its kind).
        "x[5m]", "rate(x[5m])[30m:1m]", "\"a\"", "'single'", "`raw`", "\"esc\\\"aped\"",
    ]

    static let rejected: [(String, Int)] = [
        ("sum(x", 5), ("rate(x)", 5), ("rate(x[5m]", 10), ("x[5]", 2), ("x[1m5h]", 2), ("x[0s]", 2), ("foo(x)", 0), ("{}", 0), ("{job=~\".*\"}", 0),
        ("1 > 2", 2), ("a and 1", 0), ("a + bool b", 2), ("topk(x)", 0), ("sum(x)[5m]", 6), ("x{a=\"b\"", 7), ("\"unterminated", 0), ("1_000", 0),
        ("x offset 5m offset 1m", 0), ("a + on(job) group_left(job) b", 2), ("x !", 2), ("histogram_quantile(x, y)", 19),
        ("rate(x[5m]) offset 1m", 0), ("\"a\" + 1", 0), ("x{a=~\"(\"}", 2), ("a{__name__=\"b\"}", 0), ("label_join(x, \"a\")", 0),
        ("sum(x))", 7), ("x)", 2), ("(x", 2), ("x]", 1), ("x}", 1), ("x{", 2), ("sum(", 4), ("{a=\"b\"", 6), ("x @", 3),
        ("\"a", 0), ("'a", 0), ("`a", 0), ("x[5m:", 5), ("1 +", 3), ("x offset", 8),
        ("sum(x) by (a) by (b)", 14), ("x @ foo", 4), ("-\"a\"", 0), ("count_values(1, x)", 13), ("topk(\"a\", x)", 5), ("a + on(job) b[5m]", 12),
        ("x[5m] + 1", 0), ("1 + x[5m]", 4), ("sum(x[5m])", 4), ("abs(\"a\")", 4), ("x{a=b}", 4), ("x{=\"a\"}", 2), ("rate(x[5m:1m:1m])", 12),
        ("sum without(a) (x) by (b)", 19), ("x @ start", 9), ("vector(\"a\")", 7), ("x offset 5m @ 1 offset 1m", 0),
    ]

    @Test("accepts what Prometheus accepts", arguments: accepted)
    func accepts(_ expression: String) {
        #expect(throws: Never.self) { _ = try PromQLParser.parse(expression) }
    }

    @Test("rejects what Prometheus rejects, at the right place", arguments: rejected)
    func rejects(_ expression: String, _ offset: Int) {
        do {
            _ = try PromQLParser.parse(expression)
            Issue.record("accepted: \(expression)")
        } catch let error as PromQLError {
            #expect(error.offset == offset, "\(expression): \(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// promtool's verdict on every expression of the corpus — `nil` when it parses, else the
    /// 0-based offset of its `line:column` — from one `promtool check rules` over a rule per
    /// expression.
    static func promtoolVerdicts(_ expressions: [String]) throws -> [Int?] {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rules = expressions.enumerated().map { ["record": "r\($0.offset)", "expr": $0.element] }
        let document = try JSONSerialization.data(withJSONObject: ["groups": [["name": "corpus", "rules": rules]]], options: [.sortedKeys])
        try document.write(to: URL(fileURLWithPath: directory + "/rules.json"))
        let run = try ProcessRunner.run(promtool!, ["check", "rules", directory + "/rules.json"], in: directory)
        var verdicts = [Int?](repeating: nil, count: expressions.count)
        // `…: group "corpus", rule 3, "r2": could not parse expression: 1:8: parse error: …`
        let pattern = try NSRegularExpression(pattern: #"rule ([0-9]+), "r[0-9]+": could not parse expression: ([0-9]+):([0-9]+):"#)
        for line in (run.stdout + run.stderr).split(separator: "\n").map(String.init) {
            guard let match = pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                  let rule = Int(line[Range(match.range(at: 1), in: line)!]), let column = Int(line[Range(match.range(at: 3), in: line)!]) else { continue }
            verdicts[rule - 1] = column - 1
        }
        return verdicts
    }

    @Test("every verdict and error position equals promtool's", .enabled(if: promtool != nil))
    func agreesWithPromtool() throws {
        let expressions = Self.accepted + Self.rejected.map(\.0)
        let theirs = try Self.promtoolVerdicts(expressions)
        #expect(theirs.prefix(Self.accepted.count).allSatisfy { $0 == nil }, "promtool rejects part of the accepted corpus: the test itself is wrong")
        for (expression, expected) in zip(expressions, theirs) {
            let ours: Int?
            do {
                _ = try PromQLParser.parse(expression)
                ours = nil
            } catch let error as PromQLError {
                ours = error.offset
            }
            #expect(ours == expected, "\(expression): gate \(ours.map { "rejects at \($0)" } ?? "accepts"), promtool \(expected.map { "rejects at \($0)" } ?? "accepts")")
        }
    }
}
