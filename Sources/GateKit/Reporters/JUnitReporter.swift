/// JUnit XML valid against the strict Apache Ant schema (testsuite `hostname`, `timestamp`,
/// `package`, `id`; `properties`, `system-out` and `system-err` present) and as
/// dorny/test-reporter and mikepenz/action-junit-report read it: one `<testsuite>` per gate,
/// one `<testcase>` per measurement named by the measurement alone, so the name is the same
/// whatever the threshold; a `<failure>` for each failed one with its own figure as message;
/// an `<error>` when the gate could not judge. `time` and `timestamp` are the run's: the
/// figures that differ between runs (`SOURCE_DATE_EPOCH` fixes the timestamp).
public struct JUnitReporter: Reporter {
    public let hostname: String
    /// `YYYY-MM-DDTHH:MM:SS`, UTC.
    public let timestamp: String

    public init(hostname: String = "localhost", timestamp: String = Timestamp.utc(0)) {
        self.hostname = hostname.isEmpty ? "localhost" : hostname
        self.timestamp = timestamp
    }

    public func render(_ report: Report) -> String {
        var suites: [String] = []
        for (index, result) in report.results.enumerated() {
            let classname = "gate.\(result.gate)"
            var cases: [String] = []
            var failures = 0, errors = 0
            func testcase(_ name: String, _ outcome: String? = nil) -> String {
                let head = "    <testcase classname=\"\(Self.escape(classname))\" name=\"\(Self.escape(name))\" time=\"0\""
                return outcome.map { head + ">\n      \($0)\n    </testcase>" } ?? head + "/>"
            }
            for m in result.measurements {
                switch m.verdict {
                case .fail:
                    failures += 1
                    let message = "\(m.name) \(m.comparisonText)"
                    cases.append(testcase(m.name, "<failure type=\"threshold\" message=\"\(Self.escape(message))\">\(Self.escape(message))</failure>"))
                case .error:
                    errors += 1
                    cases.append(testcase(m.name, "<error type=\"error\" message=\"\(Self.escape(result.summary))\"/>"))
                case .pass, .warn:
                    cases.append(testcase(m.name))
                }
            }
            if result.verdict == .error && errors == 0 {
                errors += 1
                cases.append(testcase(result.gate, "<error type=\"error\" message=\"\(Self.escape(result.summary))\"/>"))
            }
            if result.verdict == .fail && failures == 0 {
                failures += 1
                let first = result.findings.first { $0.severity == .error }
                let message = first?.message ?? result.summary
                cases.append(testcase(result.gate, "<failure type=\"\(Self.escape(first?.rule ?? "verdict"))\" message=\"\(Self.escape(message))\">\(Self.escape(message))</failure>"))
            }
            if cases.isEmpty { cases.append(testcase(result.gate)) }
            let seconds = Double(result.durationMs ?? 0) / 1000
            suites.append("  <testsuite name=\"\(Self.escape(result.gate))\" package=\"gate\" id=\"\(index)\" hostname=\"\(Self.escape(hostname))\" "
                + "timestamp=\"\(timestamp)\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\" time=\"\(Self.seconds(seconds))\">\n"
                + "    <properties/>\n" + cases.joined(separator: "\n") + "\n    <system-out/>\n    <system-err/>\n  </testsuite>")
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n" + suites.map { $0 + "\n" }.joined() + "</testsuites>\n"
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
