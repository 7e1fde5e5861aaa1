import GateKit

/// The coverage gate: reads one or more reports, merges them, and judges total line and branch
/// coverage and per-path minimums.
///
/// Verdict rules:
/// - `error` when a report is missing, empty, malformed or hostile, when the reports measure no
///   line at all, or when `min-branch` is set and no report has branch data — never a pass on
///   missing data.
/// - `fail` when total line coverage is below `min-line`, total branch coverage below
///   `min-branch`, or any file matching a `paths` glob below that rule's minimum. Each is
///   decided on exact counts, not on the rounded percentage shown.
/// - `warn` when a `paths` rule matches no file in the reports (a renamed folder would
///   otherwise silently drop its rule).
/// - `pass` otherwise.
public struct CoverageGate: Sendable {
    public static let id = "coverage"

    public static let rules: [RuleDescriptor] = [
        RuleDescriptor(id: "coverage/min-line", severity: .error, summary: "Total line coverage is below the minimum.",
                       help: "Total line coverage (covered lines / measured lines over all reports) must reach min-line. Add tests for the uncovered lines or lower the threshold in gates/coverage.yml."),
        RuleDescriptor(id: "coverage/min-branch", severity: .error, summary: "Total branch coverage is below the minimum.",
                       help: "Total branch coverage (taken branch outcomes / branch outcomes) must reach min-branch."),
        RuleDescriptor(id: "coverage/path-minimum", severity: .error, summary: "A file is below the minimum of its path rule.",
                       help: "Every file matching a glob under `paths` must reach that rule's line coverage on its own; the last matching rule applies."),
        RuleDescriptor(id: "coverage/glob-unmatched", severity: .warning, summary: "An include or exclude glob matches no file in the reports.",
                       help: "Fix the glob: a typo or a moved folder silently changes what is counted."),
        RuleDescriptor(id: "coverage/path-unmatched", severity: .warning, summary: "A path rule matches no file in the reports.",
                       help: "A `paths` glob that matches nothing protects nothing: fix the glob or remove the rule."),
        RuleDescriptor(id: "coverage/min-diff", severity: .error, summary: "Coverage of the changed lines is below the minimum.",
                       help: "Diff coverage (covered changed lines / changed lines the reports measure) must reach min-diff. Cover the lines listed as uncovered, or lower min-diff."),
        RuleDescriptor(id: "coverage/uncovered-changed-lines", severity: .error, summary: "Changed lines that no test covers.",
                       help: "These added or modified lines are measured by the coverage reports but were never executed by the tests."),
        RuleDescriptor(id: "coverage/min-combined", severity: .error, summary: "Lines and branches together are covered below the minimum.",
                       help: "coverage.py's headline figure, (covered lines + covered branch outcomes) / (lines + branch outcomes), must reach min-combined."),
        RuleDescriptor(id: "coverage/min-diff-branch", severity: .error, summary: "Changed lines fully covered, branches included, are below the minimum.",
                       help: "As diff-cover's --branch-coverage counts it: a changed line with a branch outcome not taken is not covered. Take the branches listed, or lower min-diff-branch."),
        RuleDescriptor(id: "coverage/partial-changed-line", severity: .error, summary: "A changed line has a branch outcome no test takes.",
                       help: "Add a test that takes the other way through the line."),
        RuleDescriptor(id: "coverage/diff-unmatched", severity: .warning, summary: "No changed file appears in the coverage reports.",
                       help: "The change touches files the reports do not mention, so diff coverage cannot be measured. If the changed files are code, the report paths probably need --path-map or --source-root."),
        RuleDescriptor(id: "coverage/max-drop", severity: .error, summary: "Total line coverage fell more than allowed since the baseline.",
                       help: "Compared with the baseline result, total line coverage may fall by at most max-drop percentage points (0 by default): existing coverage is maintained."),
        RuleDescriptor(id: "coverage/file-drop", severity: .warning, summary: "A file's line coverage fell since the baseline.",
                       help: "Listed so a fall in the total can be traced to the files that caused it."),
        RuleDescriptor(id: "coverage/declared-totals", severity: .note, summary: "The report's own totals disagree with its line records.",
                       help: "gate recomputes totals from the line records; the report header says otherwise, which usually means it was edited or merged by hand."),
    ]

    public var policy: CoveragePolicy
    public var context: GateContext

    public init(policy: CoveragePolicy, context: GateContext) {
        self.policy = policy
        self.context = context
    }

    public func evaluate() throws -> GateResult {
        guard !policy.reports.isEmpty else {
            throw GateError.usage("coverage: no report given. Pass --report FILE or set 'report' in gates/coverage.yml.")
        }
        try policy.validate(hasPreviousResult: context.baseline != nil)
        var reports: [CoverageReport] = []
        var inputs: [PendingDigest] = []
        let root = policy.sourceRoot.map { RepositoryPath.join(context.root, $0) } ?? context.root
        // Line records are read only when a diff asks about lines or reports are merged; else
        // a large report may be read as each file's figures.
        let keepingRecords = policy.diff != nil || policy.diffBase != nil || policy.reports.count > 1
        for path in policy.reports {
            let (report, digest) = try CoverageReportReader.readDeferringDigest(path, root: root, pathMap: policy.pathMap, inHalves: true,
                                                                               keepingRecords: keepingRecords)
            reports.append(report)
            inputs.append(digest)
        }
        var report = CoverageReport.merging(reports)
        // A glob that matches nothing is a typo or a moved folder: warn, as for path rules.
        var unmatchedGlobs: [Finding] = []
        for (key, globs) in [("include", policy.include), ("exclude", policy.exclude)] {
            for glob in globs where !report.files.contains(where: { glob.matches($0.path) }) {
                unmatchedGlobs.append(Finding(severity: .warning, rule: "coverage/glob-unmatched",
                                              message: "the \(key) glob '\(glob)' (\(policy.globSources[key] ?? "--\(key)")) matches no file in the reports",
                                              location: policy.globLocations[key]))
            }
        }
        if !policy.include.isEmpty || !policy.exclude.isEmpty {
            report.files = report.files.filter { policy.counts($0.path) }
        }
        let totals = CoverageTotals(report)
        guard totals.lines.total > 0 else {
            if !policy.include.isEmpty || !policy.exclude.isEmpty {
                throw CoverageError.nothingIncluded(paths: policy.reports, examples: reports.flatMap(\.files).prefix(3).map(\.path),
                                                    globs: ["include", "exclude"].compactMap { key in policy.globSources[key].map { "\(key) at \($0)" } })
            }
            throw CoverageError.noLines(paths: policy.reports)
        }
        if policy.minBranch != nil, !report.hasBranchData { throw CoverageError.noBranchData(paths: policy.reports) }
        var changes: ChangedLines?
        if let diff = policy.diff {
            // `-`: the diff on standard input (`git diff … | gate coverage --diff -`).
            let (bytes, read) = try InputFile.readAll(diff == "-" ? "/dev/stdin" : diff, expected: "a unified diff (git diff)", limits: .lines)
            var digest = read
            digest.path = diff
            inputs.append(PendingDigest(digest))
            changes = try UnifiedDiff.parse(bytes, source: diff == "-" ? "(standard input)" : diff)
        } else if let base = policy.diffBase {
            changes = try gitChanges(since: base)
        }
        var baseline: CoverageBaseline?
        var unusable: String?
        if let path = policy.baseline {
            let loaded = try CoverageBaseline.load(path)
            baseline = loaded.baseline
            inputs.append(PendingDigest(loaded.input))
        } else if let previous = context.baseline?.previous {
            // From --baseline-dir: a result the ratchet cannot read is a note, not an error.
            do { baseline = try CoverageBaseline(previous) } catch { unusable = String(describing: error) }
        }
        var result = judge(report, totals: totals, changes: changes, baseline: baseline)
        if let unusable {
            result.addNote("the ratchet did not run: \(unusable)")
        }
        if !unmatchedGlobs.isEmpty {
            result.findings = (result.findings + unmatchedGlobs).sorted(by: Finding.importanceOrder)
            if result.verdict == .pass { result.verdict = .warn }
            result.summary += "; \(unmatchedGlobs.count) include/exclude glob\(unmatchedGlobs.count == 1 ? "" : "s") matched nothing"
        }
        result.inputs = inputs.map(\.value)
        releaseInBackground(&reports)
        releaseInBackground(&report.files)
        return result
    }

    /// The change as diff-cover sees it: `git diff BASE...HEAD` (committed since the merge base),
    /// then `git diff --cached` (staged) and `git diff` (unstaged) laid over it — or the
    /// committed part alone with diff-committed-only.
    private func gitChanges(since base: String) throws -> ChangedLines {
        var changes = try gitDiff(["\(base)...HEAD"], base: base)
        if !policy.diffCommittedOnly {
            changes = changes.merging(try gitDiff(["--cached"], base: base)).merging(try gitDiff([], base: base))
        }
        return changes
    }

    /// `git diff --unified=0 BASE...HEAD` in the root: the change since the merge base, as a
    /// pull request shows it.
    private func gitDiff(_ range: [String], base: String) throws -> ChangedLines {
        let arguments = ["diff", "--unified=0", "--no-color", "--no-ext-diff"] + range + ["--"]
        let output = try Subprocess.run("git", arguments, in: context.root)
        guard output.status == 0 else {
            let said = output.stderr.split(separator: "\n").first.map(String.init) ?? "exit status \(output.status)"
            throw GateError.toolFailed(
                command: "git " + arguments.joined(separator: " "),
                message: "\(said). Does '\(base)' exist here? In GitHub Actions, check out with fetch-depth: 0 so the base is present.")
        }
        return try UnifiedDiff.parse(output.stdout, source: "git " + arguments.dropLast().joined(separator: " "))
    }

    /// The verdict on an already-read report; pure, so tests can feed it any model.
    public func judge(
        _ report: CoverageReport, totals: CoverageTotals, changes: ChangedLines? = nil, baseline: CoverageBaseline? = nil,
        inputs: [InputDigest] = []
    ) -> GateResult {
        var measurements: [Measurement] = []
        var findings: [Finding] = []
        // Per-file figures, computed once: path rules, the ratchet, details and the worst-file
        // table all read them.
        let fileTotals = CoverageTotals.perFile(report.files)
        let fileLines = fileTotals.map(\.lines)

        measurements.append(check("line_coverage", totals.lines, policy.minLine, rule: "coverage/min-line", noun: "line", findings: &findings))
        if report.hasBranchData {
            measurements.append(check("branch_coverage", totals.branches, policy.minBranch, rule: "coverage/min-branch", noun: "branch", findings: &findings))
        }
        if report.hasBranchData || policy.minCombined != nil {
            measurements.append(check("combined_coverage", totals.combined, policy.minCombined, rule: "coverage/min-combined", noun: "combined", findings: &findings))
        }
        if report.hasFunctionData, totals.functions.total > 0 {
            measurements.append(Measurement(name: "function_coverage", value: totals.functions.percent, unit: "%"))
        }
        for (index, rule) in policy.paths.enumerated() {
            let matched = report.files.indices.filter { position in
                fileLines[position].total > 0 && policy.paths.lastIndex { $0.glob.matches(report.files[position].path) } == index
            }
            guard !matched.isEmpty else {
                findings.append(Finding(
                    severity: .warning, rule: "coverage/path-unmatched",
                    message: "the path rule '\(rule.glob)' (\(Measurement.format(rule.minLine))%) matches no measured file in the reports",
                    location: rule.origin))
                continue
            }
            var lowest: CoverageCount?
            for position in matched {
                let lines = fileLines[position]
                if lowest == nil || lines.covered * lowest!.total < lowest!.covered * lines.total { lowest = lines }
                guard !lines.meets(rule.minLine) else { continue }
                findings.append(Finding(
                    severity: .error, rule: "coverage/path-minimum",
                    message: "line coverage \(Measurement.format(lines.percent))% < \(Measurement.format(rule.minLine))% required by '\(rule.glob)' (\(lines.covered) of \(lines.total) lines)",
                    location: Location(file: report.files[position].path)))
            }
            let failed = matched.contains { !fileLines[$0].meets(rule.minLine) }
            measurements.append(Measurement(
                name: "min_file_line_coverage[\(rule.glob)]", value: lowest!.percent, unit: "%",
                threshold: rule.minLine, comparison: .atLeast, verdict: failed ? .fail : .pass))
        }
        if let note = declaredMismatch(report, totals: totals) { findings.append(note) }
        let diff = changes.map { DiffCoverage(report: report, changes: $0) }
        if let diff { judgeDiff(diff, branches: report.hasBranchData, measurements: &measurements, findings: &findings) }
        if let baseline {
            judgeDrop(zip(report.files.map(\.path), fileLines), totals: totals, baseline: baseline, measurements: &measurements, findings: &findings)
        }

        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        return GateResult(
            gate: Self.id, verdict: verdict, summary: summary(verdict, totals: totals, report: report, diff: diff, measurements: measurements, findings: findings),
            measurements: measurements, findings: findings, inputs: inputs, rules: Self.rules,
            details: CoverageBaseline.details(report, fileTotals: fileTotals, totals: totals),
            tables: [worstFiles(report, fileLines: fileLines)])
    }

    private func judgeDiff(_ diff: DiffCoverage, branches: Bool, measurements: inout [Measurement], findings: inout [Finding]) {
        let lines = diff.lines
        if lines.total == 0 {
            if diff.changedFileCount > 0 && diff.files.isEmpty {
                let examples = diff.filesWithoutData.prefix(3).joined(separator: ", ")
                findings.append(Finding(
                    severity: .warning, rule: "coverage/diff-unmatched",
                    message: "none of the \(diff.changedFileCount) changed file\(diff.changedFileCount == 1 ? "" : "s") appears in the coverage reports (for example \(examples)); diff coverage was not measured. If they are code, map the report paths (--path-map, --source-root)."))
            }
            return
        }
        let failed = policy.minDiff.map { !lines.meets($0.value) } ?? false
        for file in diff.files {
            for range in file.uncovered {
                let span = range.lowerBound == range.upperBound ? "line \(range.lowerBound) is" : "lines \(range.lowerBound)–\(range.upperBound) are"
                findings.append(Finding(
                    severity: failed ? .error : .note, rule: "coverage/uncovered-changed-lines",
                    message: "changed \(span) not covered by any test",
                    location: Location(file: file.path, line: Int(range.lowerBound), endLine: Int(range.upperBound))))
            }
        }
        measurements.insert(check("diff_line_coverage", lines, policy.minDiff, rule: "coverage/min-diff", noun: "diff", findings: &findings), at: 0)
        guard branches || policy.minDiffBranch != nil else { return }
        let full = diff.fullyCovered
        if let threshold = policy.minDiffBranch {
            let failedBranches = !full.meets(threshold.value)
            for file in diff.files {
                for partial in file.partial {
                    findings.append(Finding(
                        severity: failedBranches ? .error : .note, rule: "coverage/partial-changed-line",
                        message: "changed line \(partial.line) takes \(partial.taken) of its \(partial.total) branch outcomes",
                        location: Location(file: file.path, line: Int(partial.line))))
                }
            }
        }
        measurements.insert(check("diff_branch_coverage", full, policy.minDiffBranch, rule: "coverage/min-diff-branch", noun: "diff-branch", findings: &findings), at: 1)
    }

    /// The ratchet: the drop in total line coverage since the baseline, in percentage points,
    /// judged against max-drop (0 when unset); files whose coverage fell are listed.
    private func judgeDrop(
        _ fileLines: Zip2Sequence<[String], [CoverageCount]>, totals: CoverageTotals, baseline: CoverageBaseline,
        measurements: inout [Measurement], findings: inout [Finding]
    ) {
        func exact(_ count: CoverageCount) -> Double { count.total == 0 ? 0 : Double(count.covered) * 100 / Double(count.total) }
        let allowed = policy.maxDrop?.value ?? 0
        let drop = exact(baseline.lines) - exact(totals.lines)
        let failed = drop > allowed + 1e-9
        let shown = (max(drop, 0) * 100).rounded(.up) / 100
        if failed {
            findings.append(Finding(
                severity: .error, rule: "coverage/max-drop",
                message: "line coverage fell \(Measurement.format(shown)) point\(shown == 1 ? "" : "s"), from \(Measurement.format(baseline.lines.percent))% to \(Measurement.format(totals.lines.percent))%; at most \(Measurement.format(allowed)) allowed",
                location: policy.maxDrop?.origin))
        }
        measurements.append(Measurement(name: "line_coverage_drop", value: shown, unit: "points", threshold: allowed,
                                        comparison: .atMost, verdict: failed ? .fail : .pass))
        for (path, now) in fileLines {
            guard let before = baseline.files[path], before.total > 0 else { continue }
            let fileDrop = exact(before) - exact(now)
            guard fileDrop > 1e-9 else { continue }
            findings.append(Finding(
                severity: fileDrop > allowed + 1e-9 ? .warning : .note, rule: "coverage/file-drop",
                message: "line coverage fell from \(Measurement.format(before.percent))% to \(Measurement.format(now.percent))% (\(before.total - before.covered) → \(now.total - now.covered) uncovered lines)",
                location: Location(file: path)))
        }
    }

    private func check(
        _ name: String, _ count: CoverageCount, _ threshold: Threshold?, rule: String, noun: String, findings: inout [Finding]
    ) -> Measurement {
        guard let threshold else { return Measurement(name: name, value: count.percent, unit: "%") }
        let holds = count.meets(threshold.value)
        if !holds {
            findings.append(Finding(
                severity: .error, rule: rule,
                message: "\(noun) coverage \(Measurement.format(count.percent))% < \(Measurement.format(threshold.value))% (\(count.covered) of \(count.total) \(Self.unit(noun)) covered)",
                location: threshold.origin))
        }
        return Measurement(name: name, value: count.percent, unit: "%", threshold: threshold.value,
                           comparison: .atLeast, verdict: holds ? .pass : .fail)
    }

    /// The ten files with the lowest line coverage, most uncovered lines first among equals;
    /// picked in one pass, since a report may have a hundred thousand files.
    private func worstFiles(_ report: CoverageReport, fileLines: [CoverageCount]) -> ResultTable {
        func worse(_ a: Int, _ b: Int) -> Bool {
            let x = fileLines[a], y = fileLines[b]
            let left = x.covered * y.total, right = y.covered * x.total
            if left != right { return left < right }
            if x.total - x.covered != y.total - y.covered { return x.total - x.covered > y.total - y.covered }
            return report.files[a].path < report.files[b].path
        }
        var worst: [Int] = []
        for index in fileLines.indices where fileLines[index].total > 0 && fileLines[index].covered < fileLines[index].total {
            if worst.count == 10, !worse(index, worst[9]) { continue }
            let position = worst.firstIndex { worse(index, $0) } ?? worst.count
            worst.insert(index, at: position)
            if worst.count > 10 { worst.removeLast() }
        }
        return ResultTable(
            title: "Least covered files", header: ["File", "Line coverage", "Uncovered \(report.lineUnit)"],
            rows: worst.map { index in
                let lines = fileLines[index]
                return [report.files[index].path, "\(Measurement.format(lines.percent))%", "\(lines.total - lines.covered) of \(lines.total)"]
            })
    }

    private static func unit(_ noun: String) -> String {
        switch noun {
        case "line": "lines"
        case "diff": "changed lines"
        case "diff-branch": "changed lines with every branch taken"
        case "combined": "lines and branch outcomes"
        default: "branch outcomes"
        }
    }

    private func declaredMismatch(_ report: CoverageReport, totals: CoverageTotals) -> Finding? {
        guard let declared = report.declared, report.formats == [.cobertura],
              let valid = declared.linesValid, let covered = declared.linesCovered,
              valid != totals.lines.total || covered != totals.lines.covered else { return nil }
        return Finding(
            severity: .note, rule: "coverage/declared-totals",
            message: "the report declares \(covered) of \(valid) lines covered; its line records give \(totals.lines.covered) of \(totals.lines.total) (gate uses the records)",
            location: policy.reports.first.map { Location(file: $0, line: 1) })
    }

    private func summary(
        _ verdict: Verdict, totals: CoverageTotals, report: CoverageReport, diff: DiffCoverage?, measurements: [Measurement], findings: [Finding]
    ) -> String {
        var parts: [String] = []
        if let diff {
            let lines = diff.lines
            parts.append(lines.total == 0
                ? "no coverable changed lines"
                : "diff coverage \(Measurement.format(lines.percent))% (\(lines.covered) of \(lines.total) changed lines covered)")
        }
        let noun = report.lineUnit == "lines" ? "line" : String(report.lineUnit.dropLast())
        parts += ["\(noun) coverage \(Measurement.format(totals.lines.percent))% (\(totals.lines.covered)/\(totals.lines.total) \(report.lineUnit))"]
        if report.hasBranchData {
            parts.append("branch \(Measurement.format(totals.branches.percent))% (\(totals.branches.covered)/\(totals.branches.total))")
        }
        var text = parts.joined(separator: ", ")
        let failed = measurements.filter { $0.verdict == .fail }
        if !failed.isEmpty {
            text = failed.map { "\($0.name) \($0.comparisonText)" }.joined(separator: "; ") + " — " + text
        }
        if findings.contains(where: { $0.rule == "coverage/diff-unmatched" }) { text += "; no changed file is in the reports" }
        let unmatched = findings.filter { $0.rule == "coverage/path-unmatched" }.count
        if unmatched > 0 { text += "; \(unmatched) path rule\(unmatched == 1 ? "" : "s") matched nothing" }
        return text
    }
}

extension CoverageGate: Gate {
    public static var policyKeys: [PolicyKey] { CoveragePolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try CoverageGate(policy: CoveragePolicy(policy: policy), context: context).evaluate()
    }
}
