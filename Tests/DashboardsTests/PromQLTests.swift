@testable import Dashboards
import Testing

@Suite struct PromQLTests {
    @Test("accepts what Prometheus accepts", arguments: [
        "up", "sum(rate(http_requests_total{job=\"api\"}[5m])) by (code)", "sum by (code) (rate(x[5m]))",
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[5m])))", "a + on(job) group_left(instance) b", "a > bool 2", "1 + 2 * 3 ^ 2",
        "-2 ^ 2", "x offset 5m", "x offset -1h", "x @ 1609746000", "rate(x[5m] @ end())", "max_over_time(rate(x[1m])[10m:])",
        "max_over_time(rate(x[1m])[10m:1m] offset 5m)", "topk(3, x)", "count_values(\"v\", x)", "quantile(0.9, x)", "label_join(x, \"a\", \",\", \"b\", \"c\")",
        "time()", "vector(1)", "{__name__=\"a\", __name__=\"b\"}", "scalar(x) * 2", "{__name__=\"up\"}", "{job=~\".+\"}", "x{a=\"b\",}", "0x1F + 010", "Inf", "-NaN", ".5 + 5.",
        "job:rate:5m", "by{job=\"x\"}", "sum(by)", "offset", "a and b", "a unless on() b", "a or b", "a atan2 b", "x # comment",
        "round(x)", "round(x, 5)", "day_of_week()", "sum(x) without (a,)", "rate(x[1h30m])",
    ])
    func accepts(_ expression: String) {
        #expect(throws: Never.self) { _ = try PromQLParser.parse(expression) }
    }

    @Test("rejects what Prometheus rejects, at the right place", arguments: [
        ("sum(x", 5), ("rate(x)", 0), ("rate(x[5m]", 10), ("x[5]", 2), ("x[1m5h]", 2), ("x[0s]", 2), ("foo(x)", 0), ("{}", 0), ("{job=~\".*\"}", 0),
        ("1 > 2", 2), ("a and 1", 2), ("a + bool b", 2), ("topk(x)", 0), ("sum(x)[5m]", 6), ("x{a=\"b\"", 7), ("\"unterminated", 0), ("1_000", 0),
        ("x offset 5m offset 1m", 12), ("a + on(job) group_left(job) b", 2), ("x !", 2), ("histogram_quantile(x, y)", 0), ("x[5m]", 0),
        ("rate(x[5m]) offset 1m", 12), ("\"a\" + 1", 4), ("x{a=~\"(\"}", 5), ("a{__name__=\"b\"}", 2), ("label_join(x, \"a\")", 0),
    ])
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
}
