import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the file names a report records into repository-relative paths.
///
/// Reports name files from the machine that produced them: Cobertura as a `<source>` root plus
/// a relative `filename`, LCOV as an absolute `SF:` path. A path under the repository root
/// becomes relative to it; a relative name that climbs out of its root (`../../etc/passwd`) is
/// refused; anything else is kept as the report wrote it.
struct SourcePathResolver {
    let root: String
    let report: String

    /// - Parameters:
    ///   - name: the file name as recorded.
    ///   - sources: Cobertura `<source>` roots, in document order (empty for LCOV).
    ///   - line: where the name occurs in the report, for the error message.
    func resolve(_ name: String, sources: [String] = [], line: Int? = nil) throws -> String {
        if name.hasPrefix("/") {
            let absolute = RepositoryPath.normalize(name)
            return RepositoryPath.relative(absolute, to: root) ?? absolute
        }
        if RepositoryPath.escapes(name) {
            throw CoverageError.pathEscapesRoot(path: report, line: line, file: name)
        }
        let relative = RepositoryPath.normalize(name)
        var candidates: [String] = []
        for source in sources {
            let base = source.hasPrefix("/") ? source : RepositoryPath.join(root, source)
            let joined = RepositoryPath.join(base, relative)
            if let inside = RepositoryPath.relative(joined, to: root) { candidates.append(inside) }
        }
        if candidates.count > 1, let existing = candidates.first(where: { access(RepositoryPath.join(root, $0), F_OK) == 0 }) {
            return existing
        }
        return candidates.first ?? relative
    }
}
