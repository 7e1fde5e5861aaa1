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
/// becomes relative to it. An absolute path from another machine (another checkout directory,
/// a CI runner) is mapped by its longest trailing run of directories that exists under the
/// root — `/home/runner/work/app/app/src/a.py` becomes `src/a.py` when `src/` is here — the way
/// Codecov fixes paths. A relative name that climbs out of its root (`../../etc/passwd`) is
/// refused; anything else is kept as the report wrote it.
final class SourcePathResolver {
    let root: String
    let report: String
    let pathMap: [PathMapping]
    private var directoryExists: [String: Bool] = [:]
    private var foreignDirectories: [String: String?] = [:]

    private var sourceBases: [String: String?] = [:]

    init(root: String, report: String, pathMap: [PathMapping] = []) {
        self.root = RepositoryPath.normalize(root)
        self.report = report
        self.pathMap = pathMap
    }

    /// A resolver with the same settings and empty caches, for another thread.
    func copy() -> SourcePathResolver {
        SourcePathResolver(root: root, report: report, pathMap: pathMap)
    }

    /// The name after the first `--path-map` rule whose prefix it starts with.
    private func mapped(_ name: String) -> String {
        for rule in pathMap {
            if let replaced = rule.apply(name) { return replaced }
        }
        return name
    }

    /// - Parameters:
    ///   - name: the file name as recorded.
    ///   - sources: Cobertura `<source>` roots, in document order (empty for LCOV).
    ///   - line: where the name occurs in the report, for the error message.
    func resolve(_ recorded: String, sources: [String] = [], line: Int? = nil) throws -> String {
        let name = mapped(recorded)
        if name.hasPrefix("/") {
            let absolute = RepositoryPath.normalize(name)
            if let inside = RepositoryPath.relative(absolute, to: root) { return inside }
            // Normalised: "/", or "/" and segments joined by single slashes. A file in "/" is
            // in no directory that could be here.
            guard let slash = absolute.utf8.lastIndex(of: UInt8(ascii: "/")), slash > absolute.startIndex else { return absolute }
            let file = absolute[absolute.utf8.index(after: slash)...]
            if let directory = localDirectory(forForeign: String(absolute[absolute.utf8.index(after: absolute.startIndex)..<slash])) {
                return directory.isEmpty ? String(file) : directory + "/" + file
            }
            return absolute
        }
        if RepositoryPath.escapes(name) {
            throw CoverageError.pathEscapesRoot(path: report, line: line, file: name)
        }
        let relative = RepositoryPath.normalize(name)
        var candidates: [String] = []
        for source in sources {
            guard let base = localBase(of: source) else { continue }
            candidates.append(base.isEmpty ? relative : RepositoryPath.normalize(base + "/" + relative))
        }
        if candidates.count > 1, let existing = candidates.first(where: { access(RepositoryPath.join(root, $0), F_OK) == 0 }) {
            return existing
        }
        return candidates.first ?? relative
    }

    /// A path named by package (Go import paths, JaCoCo package folders): after `--path-map`,
    /// the longest trailing part of it that is a file under the root; as recorded otherwise.
    func resolveBySuffix(_ recorded: String, under sourceRoots: [String] = []) throws -> String {
        let name = mapped(recorded)
        if RepositoryPath.escapes(name) { throw CoverageError.pathEscapesRoot(path: report, line: nil, file: name) }
        for sourceRoot in sourceRoots {
            let candidate = RepositoryPath.normalize(sourceRoot + "/" + name)
            if access(root + "/" + candidate, F_OK) == 0 { return candidate }
        }
        let normalized = RepositoryPath.normalize(name)
        for candidate in RepositoryPath.trailingRuns(normalized) where mayExist(candidate) && access(root + "/" + candidate, F_OK) == 0 {
            return String(candidate)
        }
        return normalized
    }

    /// A `<source>` root as a directory relative to the root ("" for the root itself), mapped
    /// from another machine if need be; nil when it lies outside the repository.
    private func localBase(of recorded: String) -> String? {
        if let known = sourceBases[recorded] { return known }
        let source = mapped(recorded)
        let base = source.hasPrefix("/") ? RepositoryPath.normalize(source) : RepositoryPath.join(root, source)
        var local: String?
        if let inside = RepositoryPath.relative(base, to: root) {
            local = inside == "." ? "" : inside
        } else {
            local = localDirectory(forForeign: String(base.dropFirst()))
        }
        sourceBases[recorded] = local
        return local
    }

    /// The longest trailing run of `directory`'s components that is a directory under the
    /// root; nil when none is.
    private func localDirectory(forForeign directory: String) -> String? {
        if let known = foreignDirectories[directory] { return known }
        var found: String?
        if let rootNames {
            // Only a run whose first segment is a name in the root can be there: the segments
            // are looked up as bytes, and the file system asked about those runs alone (a
            // report from another machine names thousands of directories, each with a dozen
            // trailing runs, almost none of them here).
            for start in Self.segmentStarts(directory, named: rootNames) {
                let candidate = String(directory[directory.utf8.index(directory.startIndex, offsetBy: start)...])
                if isDirectory(candidate) {
                    found = candidate
                    break
                }
            }
        } else {
            for candidate in RepositoryPath.trailingRuns(directory) where isDirectory(String(candidate)) {
                found = String(candidate)
                break
            }
        }
        foreignDirectories[directory] = found
        return found
    }

    /// Where the segments of `path` (relative, normalised) that are in `names` start, first to
    /// last — its trailing runs that may exist, longest first — none of a run longer than
    /// PATH_MAX (as `RepositoryPath.trailingRuns`).
    private static func segmentStarts(_ path: String, named names: Set<String>) -> [Int] {
        var path = path
        return path.withUTF8 { bytes in
            var starts: [Int] = []
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                if end > start, bytes.count - start <= 4096,
                   names.contains(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) {
                    starts.append(start)
                }
                start = end + 1
            }
            return starts
        }
    }

    /// The names in the root directory, read once (nil when it cannot be read).
    private lazy var rootNames: Set<String>? = {
        guard let directory = opendir(root.isEmpty ? "." : root) else { return nil }
        defer { closedir(directory) }
        var names: Set<String> = []
        while let entry = readdir(directory) {
            names.insert(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return names
    }()

    /// False when `relative`'s first component is not a name in the root: it cannot be there,
    /// and the file system is not asked.
    private func mayExist(_ relative: Substring) -> Bool {
        guard let rootNames else { return true }
        return rootNames.contains(String(relative.prefix { $0 != "/" }))
    }

    private func isDirectory(_ relative: String) -> Bool {
        if let known = directoryExists[relative] { return known }
        var info = stat()
        let exists = stat(root + "/" + relative, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
        directoryExists[relative] = exists
        return exists
    }
}

/// `--path-map FROM=TO`: a recorded path starting with FROM starts with TO instead, to move
/// reports made on another machine (`/home/runner/work/app/app=.`).
public struct PathMapping: Sendable, Equatable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// Parses `FROM=TO`.
    public init(flag: String) throws {
        guard let equals = flag.firstIndex(of: "="), equals != flag.startIndex else {
            throw GateError.usage("--path-map '\(flag)': expected FROM=TO, for example '/home/runner/work/app/app=.'.")
        }
        from = String(flag[..<equals])
        to = String(flag[flag.index(after: equals)...])
    }

    /// The mapped path, or nil when `path` does not start with `from` (as whole segments).
    func apply(_ path: String) -> String? {
        let prefix = from.hasSuffix("/") ? String(from.dropLast()) : from
        guard path == prefix || path.hasPrefix(prefix + "/") else { return nil }
        let rest = path.dropFirst(prefix.count).drop { $0 == "/" }
        if to.isEmpty || to == "." { return rest.isEmpty ? "." : String(rest) }
        return rest.isEmpty ? to : (to.hasSuffix("/") ? to : to + "/") + rest
    }
}
