import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks for `gate coverage merge`.
public enum CoverageMerge {
    /// A warning when none of a report's files exists under `root`: its paths were recorded
    /// elsewhere and need `--path-map` or `--source-root`. Nil when at least one exists.
    public static func unmatchedWarning(_ report: CoverageReport, path: String, root: String) -> String? {
        guard !report.files.isEmpty else { return nil }
        for file in report.files where access(RepositoryPath.join(root, file.path), F_OK) == 0 { return nil }
        let examples = report.files.prefix(3).map(\.path).joined(separator: ", ")
        return "\(path): none of its \(report.files.count) files exists under \(root) (for example \(examples)); "
            + "map the paths with --path-map FROM=TO or --source-root DIR"
    }
}
