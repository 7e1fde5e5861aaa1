/// What a reporter renders: the results of one gate, or of every gate `gate check` ran.
public struct Report: Sendable {
    public var results: [GateResult]
    /// True for `gate check`: JSON becomes an array and text ends with a summary table.
    public var isCheck: Bool

    public init(results: [GateResult], isCheck: Bool) {
        self.results = results
        self.isCheck = isCheck
    }

    public var verdict: Verdict { Verdict.worst(results.map(\.verdict)) }
}

/// Renders a report in one output format. One type per format; a gate never prints by itself.
public protocol Reporter: Sendable {
    func render(_ report: Report) -> String
}

/// The formats `--format` accepts.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text
    case json
    case markdown
    case junit
    case sarif
    case html

    /// The reporter for this format; `color` only matters for text.
    public func reporter(color: Bool = false, toolVersion: String = GateVersion.current) -> any Reporter {
        switch self {
        case .text: TextReporter(color: color)
        case .json: JSONReporter()
        case .markdown: MarkdownReporter()
        case .junit: JUnitReporter()
        case .sarif: SARIFReporter(toolVersion: toolVersion)
        case .html: HTMLReporter()
        }
    }
}
