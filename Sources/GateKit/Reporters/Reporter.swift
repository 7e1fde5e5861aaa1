#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// The reporter for this format; `color` only matters for text, `environment` for JUnit's
    /// timestamp (SOURCE_DATE_EPOCH, else now) and, with `directory` (where the gate ran), for
    /// SARIF's URIs relative to the repository (GITHUB_WORKSPACE, else that directory).
    public func reporter(color: Bool = false, toolVersion: String = GateVersion.current,
                         environment: GateEnvironment = GateEnvironment([:]), directory: String? = nil) -> any Reporter {
        switch self {
        case .text: TextReporter(color: color)
        case .json: JSONReporter()
        case .markdown: MarkdownReporter()
        case .junit:
            JUnitReporter(hostname: Self.hostname(),
                          timestamp: Timestamp.utc(environment.variables["SOURCE_DATE_EPOCH"].flatMap(Int64.init) ?? Int64(time(nil))))
        case .sarif:
            SARIFReporter(toolVersion: toolVersion, root: environment.variables["GITHUB_WORKSPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? directory,
                          base: directory)
        case .html: HTMLReporter()
        }
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
