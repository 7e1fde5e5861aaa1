#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers a report: the chosen format to stdout or `--output`, and under GitHub Actions the
/// annotations, the step-summary section and the step outputs.
///
/// Workflow commands (annotations) go to stderr, which the runner reads as it reads stdout:
/// they belong in the job log, never in the report, whether that is a file given by
/// `--output` or a redirected stdout (`gate … > report.txt`, a machine format piped on).
/// Colour follows the terminal too; a workflow that wants it in the log sets FORCE_COLOR.
public struct ResultPublisher: Sendable {
    /// GitHub refuses step summaries over 1 MiB; stay under it with room for other steps.
    public static let stepSummaryBudget = 900 * 1024

    public var format: ReportFormat
    public var outputPath: String?
    public var color: ColorChoice
    public var environment: GateEnvironment
    /// Where standard output and standard error go; tests collect them instead.
    public var standardOutput: @Sendable (String) -> Void
    public var standardError: @Sendable (String) -> Void

    public init(
        format: ReportFormat, outputPath: String?, color: ColorChoice, environment: GateEnvironment,
        standardOutput: @escaping @Sendable (String) -> Void = FileSink.standardOutput,
        standardError: @escaping @Sendable (String) -> Void = FileSink.standardError
    ) {
        self.format = format
        self.outputPath = outputPath
        self.color = color
        self.environment = environment
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    public func publish(_ report: Report) throws {
        let toTerminal = outputPath == nil && isatty(STDOUT_FILENO) != 0
        let colored = format == .text && outputPath == nil
            && color.enabled(environment: environment, isTerminal: toTerminal)
        var directory: String?
        if let path = getcwd(nil, 0) {
            directory = String(cString: path)
            free(path)
        }
        let rendered = format.reporter(color: colored, environment: environment, directory: directory).render(report)
        if let outputPath {
            try FileSink.write(rendered, to: outputPath, append: false)
        } else {
            standardOutput(rendered)
        }
        guard environment.isGitHubActions else { return }

        let annotations = GitHubActions.annotations(for: report.results)
        if !annotations.isEmpty {
            standardError(annotations.joined(separator: "\n") + "\n")
        }
        if let summaryPath = environment.stepSummaryPath {
            try FileSink.write(Self.bounded(MarkdownReporter().render(report)), to: summaryPath, append: true)
        }
        if let outputsPath = environment.outputPath {
            try FileSink.write(GitHubActions.outputs(for: report), to: outputsPath, append: true)
        }
        if let commentPath = environment.commentPath {
            try FileSink.write(CommentReporter(links: CommentReporter.Links(environment: environment)).render(report), to: commentPath, append: false)
        }
    }

    /// Markdown cut at a line boundary to fit the step-summary budget.
    static func bounded(_ markdown: String) -> String {
        guard markdown.utf8.count > stepSummaryBudget else { return markdown }
        var kept = ""
        var size = 0
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            size += line.utf8.count + 1
            if size > stepSummaryBudget - 200 { break }
            kept += line + "\n"
        }
        return kept + "\n_The summary was cut to stay under GitHub's 1 MiB limit; the JSON or SARIF report has everything._\n"
    }
}

/// Small POSIX file writes, so the output layer does not need Foundation.
public enum FileSink {
    public static func write(_ text: String, to path: String, append: Bool) throws {
        let flags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else {
            throw GateError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        try writeAll(fd, text, path: path)
    }

    public static func standardOutput(_ text: String) {
        try? writeAll(STDOUT_FILENO, text, path: "<stdout>")
    }

    public static func standardError(_ text: String) {
        try? writeAll(STDERR_FILENO, text, path: "<stderr>")
    }

    private static func writeAll(_ fd: Int32, _ text: String, path: String) throws {
        var text = text
        try text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Platform.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw GateError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
                }
                offset += written
            }
        }
    }
}
