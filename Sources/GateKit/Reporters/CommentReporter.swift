/// The pull-request comment: what a reviewer needs at a glance, and no more — the verdict of
/// each gate, the figures that moved since the base branch's results with their change, the
/// findings to look at (new ones when there is a baseline, else the errors and warnings)
/// with links to their lines, and a link to the run, whose step summary has everything.
///
/// The first line is hidden and carries the state the comment modes need (verdict, moved
/// figures, new findings); `gate comment` puts a hidden marker naming the comment above it, to
/// find and update its own comment instead of adding another. GitHub refuses comments over
/// 65,536 characters; this one stays far below by listing `findingLimit` findings at most.
public struct CommentReporter: Reporter {
    public static let findingLimit = 15

    /// Where links point: `<server>/<repository>/blob/<commit>/<path>#L<line>` for findings,
    /// `<server>/<repository>/actions/runs/<run>` for the run. Without them the comment has
    /// plain paths and no run link.
    public struct Links: Sendable, Equatable {
        public var server: String
        public var repository: String
        public var commit: String?
        public var run: String?

        public init(server: String, repository: String, commit: String?, run: String?) {
            (self.server, self.repository, self.commit, self.run) = (server, repository, commit, run)
        }

        /// From GitHub Actions' environment (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA —
        /// the commit the job checked out, so line numbers match — and GITHUB_RUN_ID).
        public init?(environment: GateEnvironment) {
            let variables = environment.variables
            guard let repository = variables["GITHUB_REPOSITORY"], !repository.isEmpty else { return nil }
            self.init(server: variables["GITHUB_SERVER_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://github.com",
                      repository: repository, commit: variables["GITHUB_SHA"], run: variables["GITHUB_RUN_ID"])
        }
    }

    public let links: Links?

    public init(links: Links? = nil) {
        self.links = links
    }

    /// The hidden first line of the comment named `key`.
    public static func marker(key: String) -> String { "<!-- gate:comment \(key) -->" }

    /// The marker line a run link sits on: left out when comparing a new body with the old.
    public static let runLinkPrefix = "<sub>Full report"

    public func render(_ report: Report) -> String {
        let moved = report.results.flatMap { result in result.measurements.filter { !$0.deltaText.isEmpty }.map { (result.gate, $0) } }
        let compared = report.results.contains { result in result.findings.contains { $0.baseline != nil } }
        // With a baseline the new findings only: the old ones are counted, and listed in the step summary.
        let listed = report.results.flatMap { result in
            result.findings.filter { $0.severity >= .warning && $0.baseline != .unchanged }.map { (result.gate, $0) }
        }
        let existing = report.results.reduce(0) { $0 + $1.findings.filter { $0.severity >= .warning && $0.baseline == .unchanged }.count }
        var out = ["<!-- gate:state verdict=\(report.verdict.rawValue) moved=\(moved.count) new=\(compared ? listed.count : 0) -->"]
        let failing = report.results.filter { $0.verdict >= .fail }.count
        let headline = report.verdict == .pass ? "every gate passed"
            : report.verdict == .warn ? "passed with warnings"
            : "\(failing) of \(report.results.count) gate\(report.results.count == 1 ? "" : "s") \(failing == 1 ? "does" : "do") not pass"
        out.append("### \(MarkdownReporter.icon(report.verdict)) gate: \(headline)")
        out.append("")
        out.append("| Gate | Verdict | Summary |")
        out.append("| --- | --- | --- |")
        for result in report.results {
            out.append("| \(MarkdownReporter.cell(result.gate)) | \(MarkdownReporter.icon(result.verdict)) \(result.verdict.rawValue) | \(MarkdownReporter.cell(result.summary)) |")
        }
        if !moved.isEmpty {
            out += ["", "**Changed since the base branch**", ""]
            for (gate, measurement) in moved.prefix(Self.findingLimit) {
                out.append("- \(gate) · \(measurement.name) \(measurement.displayValue) \(measurement.deltaText)")
            }
            if moved.count > Self.findingLimit { out.append("- … and \(moved.count - Self.findingLimit) more") }
        }
        if !listed.isEmpty {
            out += ["", compared ? "**New findings**" : "**Findings**", ""]
            for (gate, finding) in listed.prefix(Self.findingLimit) {
                let place = place(finding.location)
                out.append("- \(MarkdownReporter.icon(finding.severity == .error ? .fail : .warn)) \(place.isEmpty ? "" : place + " ")\(MarkdownReporter.cell(finding.message)) `\(gate): \(finding.rule)`")
            }
            if listed.count > Self.findingLimit { out.append("- … and \(listed.count - Self.findingLimit) more in the step summary") }
        } else if compared {
            out += ["", "No new findings since the base branch."]
        }
        if existing > 0 {
            out += ["", "\(existing) finding\(existing == 1 ? " was" : "s were") already there on the base branch (not listed here)."]
        }
        if let links, let run = links.run {
            out += ["", "\(Self.runLinkPrefix): [the run's summary](\(links.server)/\(links.repository)/actions/runs/\(run))</sub>"]
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func place(_ location: Location?) -> String {
        guard let location else { return "" }
        let text = "`\(MarkdownReporter.cell(TextReporter.place(location)))`"
        guard let links, let commit = links.commit, !location.file.hasPrefix("/") else { return text }
        return "[\(text)](\(links.server)/\(links.repository)/blob/\(commit)/\(SARIFReporter.uri(location.file))\(location.line.map { "#L\($0)" } ?? ""))"
    }
}
