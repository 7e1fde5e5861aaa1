/// A gate's earlier result — the `gate-result/v1` document that `--format json` and
/// `gate check --results-dir` write — read back as a baseline: its measurements, the
/// fingerprints of its findings, and its `details`, which the ratchets (coverage, relevance,
/// bench, sbom) read their figures from.
public struct PreviousResult: Sendable {
    public var path: String
    public var gate: String
    public var measurements: [String: Double]
    /// One per finding, in the document's order.
    public var fingerprints: [String]
    public var details: JSONTree?
    public var input: InputDigest

    /// Reads `path`, which must be a result of `gate` that judged (not an error).
    public static func load(_ path: String, gate: String) throws -> PreviousResult {
        let (bytes, digest) = try InputFile.readAll(path, expected: "a gate result (gate-result/v1 JSON)", limits: .document)
        let document = try JSONTree.parse(bytes, path: path)
        guard document["schema"]?.string == GateResult.schema else {
            throw GateError.invalidBaseline(path: path, problem: "it is not a gate-result/v1 document")
        }
        guard document["gate"]?.string == gate else {
            throw GateError.invalidBaseline(path: path, problem: "it is the result of gate '\(document["gate"]?.string ?? "?")', not of \(gate)")
        }
        guard let verdict = document["verdict"]?.string, verdict != Verdict.error.rawValue else {
            throw GateError.invalidBaseline(path: path, problem: "that run could not judge (verdict error), so it has nothing to compare with")
        }
        var measurements: [String: Double] = [:]
        for measurement in document["measurements"]?.array ?? [] {
            if let name = measurement["name"]?.string, let value = measurement["value"]?.number { measurements[name] = value }
        }
        var fingerprints: [String] = []
        for finding in document["findings"]?.array ?? [] {
            if let stored = finding["fingerprint"]?.string {
                fingerprints.append(stored)
            } else if let rule = finding["rule"]?.string, let message = finding["message"]?.string {
                // A document written before findings carried their fingerprint.
                fingerprints.append(Finding(severity: .note, rule: rule, message: message,
                                            location: finding["location"]?["file"]?.string.map { Location(file: $0) },
                                            identity: finding["identity"]?.string).fingerprint)
            } else {
                throw GateError.invalidBaseline(path: path, problem: "a finding has no rule or message")
            }
        }
        return PreviousResult(path: path, gate: gate, measurements: measurements, fingerprints: fingerprints,
                              details: document["details"], input: digest)
    }
}

/// What `--baseline-dir` gave a gate: its previous result, or why there is none. A ratchet
/// that could not run says so in a note; it never passes silently.
public enum BaselineInput: Sendable {
    case loaded(PreviousResult)
    case unavailable(path: String, reason: String)

    /// `<directory>/<gate>.json`, read.
    public static func read(directory: String, gate: String) -> BaselineInput {
        let path = directory + "/" + gate + ".json"
        do {
            return .loaded(try PreviousResult.load(path, gate: gate))
        } catch GateError.missingInput {
            return .unavailable(path: path, reason: "no such file (the base branch has no saved result of this gate yet)")
        } catch {
            return .unavailable(path: path, reason: String(describing: error))
        }
    }

    public var previous: PreviousResult? {
        if case .loaded(let previous) = self { return previous }
        return nil
    }
}

/// Compares a result with its gate's previous one: each finding is marked new or unchanged
/// (by fingerprint, counting repeats), and with new-only the unchanged ones stop counting —
/// a gate adopted on an old code base fails only on what a change adds. Old findings stay in
/// the report, marked. New-only only re-judges a verdict the gate derived from its
/// measurements and findings (`GateResult.verdict`); a decision such as the canary's stands.
public enum ResultBaseline {
    public static let unavailableRule = "baseline/unavailable"
    public static let descriptor = RuleDescriptor(
        id: unavailableRule, severity: .note, summary: "No earlier result to compare with: a ratchet or new-only did not run.",
        help: "Keep each gate's result on the base branch (--results-dir, or the action's baseline input) and pass that directory as --baseline-dir.")

    public static func compare(_ result: GateResult, with baseline: BaselineInput?, newOnly: Bool) -> GateResult {
        guard result.verdict != .error else { return result }
        var result = result
        guard let baseline else {
            if newOnly {
                result.addNote("new-only needs an earlier result (--baseline-dir DIR): every finding counts")
            }
            return result
        }
        guard case .loaded(let previous) = baseline else {
            if case .unavailable(let path, let reason) = baseline {
                result.addNote("no baseline: \(path): \(reason); nothing was compared with an earlier result"
                               + (newOnly ? ", and every finding counts" : ""))
            }
            return result
        }
        result.inputs.append(previous.input)
        for index in result.measurements.indices {
            result.measurements[index].previous = previous.measurements[result.measurements[index].name]
        }
        var remaining: [String: Int] = [:]
        for fingerprint in previous.fingerprints { remaining[fingerprint, default: 0] += 1 }
        for index in result.findings.indices {
            let fingerprint = result.findings[index].fingerprint
            if let count = remaining[fingerprint], count > 0 {
                remaining[fingerprint] = count - 1
                result.findings[index].baseline = .unchanged
            } else {
                result.findings[index].baseline = .new
            }
        }
        let fresh = result.findings.filter { $0.baseline == .new }
        let unchanged = result.findings.count - fresh.count
        guard newOnly, unchanged > 0 else { return result }
        guard result.rejudge(counting: fresh) else { return result }
        result.summary += " — new-only: \(fresh.count) new, \(unchanged) already in \(previous.path) (those do not count)"
        return result
    }
}

extension GateResult {
    /// Re-judges a verdict the gate derived from its measurements and findings as if only
    /// `counted` had been found: measurements that count findings (`tally`) are recounted.
    /// False, and nothing changed, when the verdict is a decision of its own (the canary's).
    public mutating func rejudge(counting counted: [Finding]) -> Bool {
        guard GateResult.verdict(measurements: measurements, findings: findings) == verdict, !hasDecision else { return false }
        for index in measurements.indices {
            guard let tally = measurements[index].tally else { continue }
            var measurement = measurements[index]
            measurement.value = Double(counted.filter(tally.counts).count)
            measurement.previous = nil  // a different count: not comparable with the previous total
            let failing = measurement.verdict == .pass ? Verdict.fail : measurement.verdict
            let holds = if let threshold = measurement.threshold, let comparison = measurement.comparison {
                comparison.holds(measurement.value, threshold)
            } else {
                measurement.value == 0 || measurement.verdict == .pass
            }
            measurement.verdict = holds ? .pass : failing
            measurements[index] = measurement
        }
        verdict = GateResult.verdict(measurements: measurements, findings: counted)
        return true
    }

    /// Whether the verdict is a decision the gate took (`details.decision`: the canary's
    /// promote/hold/rollback), which findings being regraded or old does not change.
    var hasDecision: Bool {
        if case .object(let details)? = details, case .string? = details["decision"] { return true }
        return false
    }

    /// Adds a note (by default `baseline/unavailable`), keeping the findings in importance order.
    public mutating func addNote(_ message: String, rule: String = ResultBaseline.unavailableRule) {
        findings.append(Finding(severity: .note, rule: rule, message: message))
        findings.sort(by: Finding.importanceOrder)
    }
}
