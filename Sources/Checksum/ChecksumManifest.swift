import Dispatch
import Foundation
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checksum manifest in `sha256sum` format — `<64 hex>  <relative path>` per line, sorted by
/// path — which `sha256sum -c` accepts, plus a JSON sidecar with each file's size.
public struct ChecksumManifest: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var size: Int?
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.path < $1.path }
    }

    /// The manifest text.
    public var text: String {
        entries.map { "\($0.sha256)  \($0.path)\n" }.joined()
    }

    /// The sidecar: `{"files": [{"path", "sha256", "size"}]}`.
    public var sidecar: String {
        JSONValue.orderedObject([("files", .array(entries.map { entry in
            .orderedObject([("path", .string(entry.path)), ("sha256", .string(entry.sha256)), ("size", .integer(entry.size ?? 0))])
        }))]).rendered()
    }

    /// Parses manifest text; `*` (binary mode) before a path is accepted. Absolute paths,
    /// `..` components and malformed lines are errors naming the line.
    public static func parse(_ text: String, path: String) throws -> ChecksumManifest {
        var entries: [Entry] = []
        var seen = Set<String>()
        for (index, line) in TextLines.of(text).enumerated() {
            if line.isEmpty { continue }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else {
                throw GateError.policySyntax(path: path, line: index + 1, message: "expected '<sha256 hex>  <path>'")
            }
            var name = String(parts[1])
            if name.hasPrefix(" ") || name.hasPrefix("*") { name.removeFirst() } else {
                throw GateError.policySyntax(path: path, line: index + 1, message: "expected two spaces (or ' *') between the hash and the path")
            }
            try checkRelative(name, at: "\(path):\(index + 1)")
            guard seen.insert(name).inserted else {
                throw GateError.policySyntax(path: path, line: index + 1, message: "'\(name)' is listed twice")
            }
            entries.append(Entry(path: name, sha256: parts[0].lowercased(), size: nil))
        }
        return ChecksumManifest(entries: entries)
    }

    /// A manifest path must stay inside the root: relative, no `..` component, not empty.
    static func checkRelative(_ name: String, at location: String) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !name.hasPrefix("/"), !components.contains(".."), !components.contains("") else {
            throw GateError.usage("\(location): '\(name)' is not a relative path inside the root (no '..', no leading '/')")
        }
    }

    /// Every regular file under `root` (symlinks must resolve inside it), skipping `excluded`
    /// relative paths; sorted. A FIFO, socket or device is an error, not skipped.
    public static func files(under root: String, excluding excluded: Set<String> = []) throws -> [String] {
        let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: base) else { throw GateError.missingInput(path: root) }
        var result: [String] = []
        // How messages name a file: as the user named the directory, without a doubled slash.
        let shown = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        while let relative = walker.nextObject() as? String {
            let full = base + "/" + relative
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK {
                let target = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
                guard target == base || target.hasPrefix(base + "/") else {
                    throw GateError.usage("\(shown)/\(relative): a symbolic link leading out of the root (to \(target))")
                }
                var targetInfo = stat()
                guard stat(full, &targetInfo) == 0 else { continue }
                let targetKind = targetInfo.st_mode & S_IFMT
                if targetKind == S_IFDIR { continue }
                guard targetKind == S_IFREG else { throw GateError.specialFile(path: "\(shown)/\(relative)") }
            } else if kind == S_IFDIR {
                continue
            } else if kind != S_IFREG {
                // A FIFO, socket or device among the artifacts: not something a release ships,
                // and reading a FIFO would block.
                throw GateError.specialFile(path: "\(shown)/\(relative)")
            }
            if !excluded.contains(relative) { result.append(relative) }
        }
        return result.sorted()
    }

    /// SHA-256 and size of each file, streamed in 1 MiB reads, the files spread over all cores.
    public static func hash(_ relatives: [String], root: String, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Entry] {
        let results = Results(count: relatives.count)
        DispatchQueue.concurrentPerform(iterations: relatives.count) { index in
            do {
                let (digest, size) = try hashFile(root + "/" + relatives[index])
                results.set(index, Entry(path: relatives[index], sha256: digest, size: size))
            } catch {
                results.fail(error)
            }
            if let progress { results.advance(progress, total: relatives.count) }
        }
        if let error = results.error { throw error }
        return results.entries.compactMap { $0 }
    }

    /// The file's SHA-256 (hex) and size, through `InputFile`'s streaming read.
    public static func hashFile(_ path: String) throws -> (String, Int) {
        var size = 0
        let digest = try InputFile.stream(path, expected: "a file", limits: .binary, allowEmpty: true, chunkSize: 1 << 20) { size += $0.count }
        return (digest.sha256, size)
    }
}

/// Collects the parallel hashing's results.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    var entries: [ChecksumManifest.Entry?]
    var error: (any Error)?
    private var done = 0

    init(count: Int) {
        entries = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ entry: ChecksumManifest.Entry) {
        lock.lock(); entries[index] = entry; lock.unlock()
    }

    func fail(_ error: any Error) {
        lock.lock(); if self.error == nil { self.error = error }; lock.unlock()
    }

    func advance(_ progress: @Sendable (Int, Int) -> Void, total: Int) {
        lock.lock(); done += 1; let now = done; lock.unlock()
        progress(now, total)
    }
}
