/// Lexical path arithmetic for paths found inside inputs. Nothing here touches the disk, so a
/// hostile path (`../../etc/passwd`) is judged by its text alone.
public enum RepositoryPath {
    /// `a/./b/../c` → `a/c`; keeps a leading `/`; leading `..` segments of a relative path stay.
    public static func normalize(_ path: String) -> String {
        if isNormal(path) { return path }
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." { parts.removeLast(); continue }
                if absolute { continue }
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// True when `path` has no empty, `.` or `..` segment and no trailing slash: most paths in
    /// reports, checked in one pass over the bytes instead of splitting.
    static func isNormal(_ path: String) -> Bool {
        var copy = path
        return copy.withUTF8 { bytes -> Bool in
            guard !bytes.isEmpty else { return false }
            var segmentLength = 0, dots = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") {
                    if index > 0 && (segmentLength == 0 || dots == segmentLength && dots <= 2) { return false }
                    segmentLength = 0
                    dots = 0
                } else {
                    segmentLength += 1
                    if byte == UInt8(ascii: ".") { dots += 1 }
                }
            }
            if bytes[bytes.count - 1] == UInt8(ascii: "/") { return bytes.count == 1 }
            return !(dots == segmentLength && dots <= 2)
        }
    }

    /// `base/path`, normalised; `path` when it is already absolute.
    public static func join(_ base: String, _ path: String) -> String {
        path.hasPrefix("/") ? normalize(path) : normalize(base + "/" + path)
    }

    /// True when a relative path climbs out of the directory it is resolved against.
    public static func escapes(_ path: String) -> Bool {
        let normalized = normalize(path)
        return !normalized.hasPrefix("/") && (normalized == ".." || normalized.hasPrefix("../"))
    }

    /// `path` relative to `root` when it lies inside it, else nil. Both must be absolute.
    public static func relative(_ path: String, to root: String) -> String? {
        let path = normalize(path), root = normalize(root)
        if root == "/" { return String(path.dropFirst()) }
        if path == root { return "." }
        guard path.hasPrefix(root + "/") else { return nil }
        return String(path.dropFirst(root.count + 1))
    }

    /// The trailing runs of a normalised relative path's segments, longest first —
    /// `a/b/c`, `b/c`, `c` — that could name something on disk: none longer than PATH_MAX.
    /// Slices of the path itself, so a path of many segments costs what its length does,
    /// not its length times its segments.
    public static func trailingRuns(_ path: String, maxLength: Int = 4096) -> [Substring] {
        var runs: [Substring] = []
        var index = path.endIndex
        while index > path.startIndex {
            let start = path[..<index].lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
            if path.utf8.distance(from: start, to: path.endIndex) > maxLength { break }
            if start < index { runs.append(path[start...]) }
            index = start == path.startIndex ? start : path.index(before: start)
        }
        return runs.reversed()
    }
}
