import GateKit

/// What can be wrong with coverage inputs; each message names the file (and line) and says
/// what to do.
public enum CoverageError: Error, Equatable, CustomStringConvertible {
    /// The content is neither Cobertura XML nor an LCOV tracefile.
    case unrecognizedFormat(path: String, start: String)
    /// A known format gate does not read yet.
    case unsupportedFormat(path: String, format: String)
    /// XML whose root element is not a coverage format.
    case unexpectedRoot(path: String, line: Int, element: String)
    /// A record that breaks the format's grammar.
    case malformedRecord(path: String, line: Int, problem: String)
    /// A line longer than the parser accepts (bounded memory).
    case lineTooLong(path: String, line: Int, limit: Int)
    /// The file ended inside a record.
    case truncated(path: String, problem: String)
    /// Figures no coverage tool writes, refused before they cost memory (a block spanning
    /// billions of lines).
    case implausible(path: String, problem: String)
    /// A path inside the report climbs out of the directory it is resolved against.
    case pathEscapesRoot(path: String, line: Int?, file: String)
    /// A `--diff` file with no file header: not a unified diff.
    case notADiff(path: String)
    /// The report measured no line at all: nothing to judge, never a pass.
    case noLines(paths: [String])
    /// include/exclude left no measured file.
    case nothingIncluded(paths: [String], examples: [String], globs: [String])
    /// A branch threshold is set but no report carries branch data.
    case noBranchData(paths: [String])

    public var description: String {
        switch self {
        case .unrecognizedFormat(let path, let start):
            "\(path): not a coverage report gate can read (it starts with \"\(Excerpt.quote(start, limit: 40))\"). "
                + "Expected Cobertura XML (<coverage …>) or an LCOV tracefile (TN:/SF: records)."
        case .unsupportedFormat(let path, let format):
            "\(path): \(format) is not read yet. Convert it to Cobertura XML or LCOV (for example "
                + "`llvm-cov export -format=lcov`, `coverage xml`, `gcovr --cobertura`)."
        case .unexpectedRoot(let path, let line, let element):
            "\(path):\(line): the XML root element is <\(element)>; expected <coverage> (Cobertura)."
        case .malformedRecord(let path, let line, let problem):
            "\(path):\(line): \(problem)."
        case .lineTooLong(let path, let line, let limit):
            "\(path):\(line): line is longer than \(limit / (1 << 20)) MiB; no LCOV tracefile or Go profile has such lines, so the file is something else or corrupt."
        case .truncated(let path, let problem):
            "\(path): \(problem). The file looks truncated: check the step that wrote it."
        case .implausible(let path, let problem):
            "\(path): \(problem); no coverage tool writes that, so it is refused rather than expanded."
        case .pathEscapesRoot(let path, let line, let file):
            "\(path)\(line.map { ":\($0)" } ?? ""): the source path '\(file)' climbs out of its source root; "
                + "refusing it. Regenerate the report with paths inside the repository."
        case .notADiff(let path):
            "\(path): not a unified diff (no '+++' or 'diff --git' file header). Write it with `git diff --unified=0 BASE...HEAD > \(path)`."
        case .noLines(let paths):
            "\(paths.joined(separator: ", ")): the report measures no lines, so there is nothing to judge. "
                + "Did the tests run with coverage enabled, over the right sources?"
        case .nothingIncluded(let paths, let examples, let globs):
            "\(paths.joined(separator: ", ")): no measured file is left after include/exclude"
                + (globs.isEmpty ? "" : " (\(globs.joined(separator: "; ")))")
                + " (the reports name files such as \(examples.joined(separator: ", "))). Fix the globs, or map the report paths onto the repository."
        case .noBranchData(let paths):
            "\(paths.joined(separator: ", ")): min-branch is set but the report has no branch data. "
                + "Record branches (coverage.py: `coverage run --branch`; lcov: `--rc lcov_branch_coverage=1`) or remove min-branch."
        }
    }
}
