/// JUnit XML as dorny/test-reporter and mikepenz/action-junit-report read it: one `<testsuite>`
/// per gate, one `<testcase>` per measurement, a `<failure>` for each failed one and an
/// `<error>` when the gate could not judge. `time` is the run's duration: the one figure here
/// that differs between runs, because the format expects it.
public struct JUnitReporter: Reporter {
    public init() {}

    public func render(_ report: Report) -> String {
        var suites: [String] = []
        var totals = (tests: 0, failures: 0, errors: 0, time: 0.0)
        for result in report.results {
            var cases: [String] = []
            var failures = 0, errors = 0
            let seconds = Double(result.durationMs ?? 0) / 1000
            for m in result.measurements {
                let name = m.threshold == nil ? m.name : "\(m.name) \(m.displayThreshold)"
                var testcase = "    <testcase classname=\"gate.\(Self.escape(result.gate))\" name=\"\(Self.escape(name))\" time=\"0\""
                switch m.verdict {
                case .fail:
                    failures += 1
                    let message = "\(m.name) \(m.comparisonText)"
                    testcase += ">\n      <failure type=\"threshold\" message=\"\(Self.escape(message))\">\(Self.escape(result.summary))</failure>\n    </testcase>"
                case .error:
                    errors += 1
                    testcase += ">\n      <error message=\"\(Self.escape(result.summary))\"/>\n    </testcase>"
                case .pass, .warn:
                    testcase += "/>"
                }
                cases.append(testcase)
            }
            if result.verdict == .error && errors == 0 {
                errors += 1
                cases.append("    <testcase classname=\"gate.\(Self.escape(result.gate))\" name=\"\(Self.escape(result.gate))\" time=\"0\">\n      <error message=\"\(Self.escape(result.summary))\"/>\n    </testcase>")
            }
            if result.verdict == .fail && failures == 0 {
                failures += 1
                cases.append("    <testcase classname=\"gate.\(Self.escape(result.gate))\" name=\"\(Self.escape(result.gate))\" time=\"0\">\n      <failure message=\"\(Self.escape(result.summary))\"/>\n    </testcase>")
            }
            if cases.isEmpty {
                cases.append("    <testcase classname=\"gate.\(Self.escape(result.gate))\" name=\"\(Self.escape(result.gate))\" time=\"0\"/>")
            }
            totals.tests += cases.count
            totals.failures += failures
            totals.errors += errors
            totals.time += seconds
            suites.append("  <testsuite name=\"\(Self.escape(result.gate))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\" time=\"\(Self.seconds(seconds))\">\n"
                + cases.joined(separator: "\n") + "\n  </testsuite>")
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"gate\" tests=\"\(totals.tests)\" failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" skipped=\"0\" time=\"\(Self.seconds(totals.time))\">\n"
            + suites.joined(separator: "\n") + (suites.isEmpty ? "" : "\n") + "</testsuites>\n"
    }

    private static func seconds(_ value: Double) -> String {
        String(Double(Int((value * 1000).rounded())) / 1000)
    }

    static func escape(_ text: String) -> String { XMLText.escape(text) }
}

/// Escaping for XML attribute values and text.
public enum XMLText {
    /// `&`, `<`, `>`, quotes and newlines escaped; control characters XML 1.0 forbids dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            case _ where scalar.value < 0x20: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
