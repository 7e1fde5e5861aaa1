import GateKit

/// The lines a change adds, per file (new-side paths, as the diff names them).
public struct ChangedLines: Sendable, Equatable {
    /// Added line numbers on the new side, sorted, per repository-relative path.
    public var files: [String: [UInt32]]
    /// Removed lines as diff-cover numbers them — counted on from the hunk's new-side start —
    /// used only to lay a later diff over this one as it does (`merging`).
    public var removed: [String: [UInt32]]

    public init(files: [String: [UInt32]] = [:], removed: [String: [UInt32]] = [:]) {
        self.files = files
        self.removed = removed
    }

    public var lineCount: Int { files.values.reduce(0) { $0 + $1.count } }

    /// This change with a later one laid over it, as diff-cover combines the committed, staged
    /// and unstaged diffs: for each file the later diff touches, the lines it removes leave the
    /// list and the lines it adds join it. Line numbers are not shifted between the stages —
    /// diff-cover does not shift them either, and the figures must be its figures.
    public func merging(_ later: ChangedLines) -> ChangedLines {
        var files = self.files
        for path in Set(later.files.keys).union(later.removed.keys) {
            let removed = Set(later.removed[path] ?? [])
            let kept = (files[path] ?? []).filter { !removed.contains($0) }
            files[path] = Array(Set(kept + (later.files[path] ?? []))).sorted()
        }
        return ChangedLines(files: files.filter { !$0.value.isEmpty })
    }
}

/// Reads unified diffs: `git diff` output (any context size, renames, binary files, mode
/// changes), `diff -u` output, and patches with a mail header or commit message before them.
///
/// Only the new side matters: a `+` line inside a hunk is an added line at the hunk's current
/// new-side line number; context lines advance it, `-` lines do not. Hunks are read by the
/// counts in their `@@ -a,b +c,d @@` header, so a removed line that happens to start with
/// `--- ` is not mistaken for a file header. Text outside hunks is skipped (mail headers, a `-- ` signature), except an added line after
/// a file header, which means a hunk's counts are wrong; a document
/// with no file header at all is not a diff and is an error, as is one cut inside a hunk.
public enum UnifiedDiff {
    public static func parse(_ bytes: [UInt8], source: String) throws -> ChangedLines {
        var files: [String: [UInt32]] = [:]
        var removed: [String: [UInt32]] = [:]
        var currentPath: String?
        var removedLine: UInt32 = 0
        var sawHeader = false
        var oldRemaining = 0, newRemaining = 0
        var newLine: UInt32 = 0
        var lineNumber = 0
        var hunkStart = 0

        func malformed(_ problem: String) -> CoverageError {
            .malformedRecord(path: source, line: lineNumber, problem: problem)
        }

        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = bytes[start..<lineEnd]
            start = end + 1

            if oldRemaining > 0 || newRemaining > 0 {
                switch line.first {
                case UInt8(ascii: "+"):
                    guard newRemaining > 0 else { throw malformed("more added lines than the hunk header at line \(hunkStart) announces") }
                    if let currentPath { files[currentPath, default: []].append(newLine) }
                    newLine += 1
                    newRemaining -= 1
                case UInt8(ascii: "-"):
                    guard oldRemaining > 0 else { throw malformed("more removed lines than the hunk header at line \(hunkStart) announces") }
                    if let currentPath { removed[currentPath, default: []].append(removedLine) }
                    removedLine += 1
                    oldRemaining -= 1
                case UInt8(ascii: " "), nil:
                    guard oldRemaining > 0, newRemaining > 0 else { throw malformed("a context line beyond the hunk announced at line \(hunkStart)") }
                    oldRemaining -= 1
                    newRemaining -= 1
                    newLine += 1
                    removedLine += 1
                case UInt8(ascii: "\\"):
                    break
                default:
                    throw malformed("the hunk announced at line \(hunkStart) ends early: expected ' ', '+' or '-' lines, found \"\(preview(line))\"")
                }
                continue
            }
            if line.first == UInt8(ascii: "\\") { continue }
            if sawHeader, line.first == UInt8(ascii: "+"), !line.starts(with: "+++ ".utf8) {
                throw malformed("an added line outside any hunk: the hunk before it announces fewer lines than it has")
            }
            if line.starts(with: "diff --git ".utf8) {
                sawHeader = true
                currentPath = gitHeaderPath(line)
            } else if line.starts(with: "+++ ".utf8) {
                sawHeader = true
                currentPath = newSidePath(line.dropFirst(4))
            } else if line.starts(with: "@@ ".utf8) {
                guard sawHeader else { throw malformed("a hunk before any file header (+++ or diff --git)") }
                guard let header = hunkHeader(line) else {
                    throw malformed("\"\(preview(line))\" is not a hunk header @@ -a,b +c,d @@")
                }
                (oldRemaining, newRemaining, newLine) = header
                removedLine = newLine
                hunkStart = lineNumber
            }
        }
        if oldRemaining > 0 || newRemaining > 0 {
            throw CoverageError.truncated(path: source, problem: "the diff ends inside the hunk announced at line \(hunkStart)")
        }
        if !sawHeader, bytes.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
            throw CoverageError.notADiff(path: source)
        }
        for path in files.keys { files[path]!.sort() }
        return ChangedLines(files: files, removed: removed)
    }

    /// `@@ -a[,b] +c[,d] @@ …` → (old count, new count, first new line).
    private static func hunkHeader(_ line: ArraySlice<UInt8>) -> (Int, Int, UInt32)? {
        let text = String(decoding: line, as: UTF8.self)
        let fields = text.split(separator: " ")
        guard fields.count >= 4, fields[0] == "@@", fields[3] == "@@",
              fields[1].hasPrefix("-"), fields[2].hasPrefix("+") else { return nil }
        func range(_ field: Substring) -> (start: UInt32, count: Int)? {
            let parts = field.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
            guard let start = UInt32(parts[0]) else { return nil }
            if parts.count == 1 { return (start, 1) }
            guard parts.count == 2, let count = Int(parts[1]), count >= 0 else { return nil }
            return (start, count)
        }
        guard let old = range(fields[1]), let new = range(fields[2]) else { return nil }
        return (old.count, new.count, new.start)
    }

    /// The path after `+++ `: unquoted, its `b/` prefix and any tab-separated timestamp
    /// removed; nil for `/dev/null` (a deleted file).
    private static func newSidePath(_ raw: ArraySlice<UInt8>) -> String? {
        var text = String(decoding: raw, as: UTF8.self)
        if text.hasPrefix("\"") {
            text = unquote(text)
        } else if let tab = text.firstIndex(of: "\t") {
            text = String(text[..<tab])
        }
        if text == "/dev/null" { return nil }
        if text.hasPrefix("b/") { text.removeFirst(2) }
        return RepositoryPath.normalize(text)
    }

    /// The new-side path of `diff --git a/X b/Y`, used until a `+++` line says otherwise (a
    /// binary or mode-only change has none).
    private static func gitHeaderPath(_ line: ArraySlice<UInt8>) -> String? {
        let rest = Array(line.dropFirst("diff --git ".utf8.count))
        let marker = Array(" b/".utf8)
        guard rest.count >= marker.count else { return nil }
        for index in stride(from: rest.count - marker.count, through: 0, by: -1) where Array(rest[index..<(index + marker.count)]) == marker {
            return RepositoryPath.normalize(String(decoding: rest[(index + marker.count)...], as: UTF8.self))
        }
        return nil
    }

    /// Git's C-style quoting: `"b/a \"b\".txt"` → `b/a "b".txt`, octal escapes as bytes.
    static func unquote(_ quoted: String) -> String {
        var bytes: [UInt8] = []
        var input = Array(quoted.utf8.dropFirst())
        if input.last == UInt8(ascii: "\"") { input.removeLast() }
        var index = 0
        while index < input.count {
            let byte = input[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < input.count else {
                bytes.append(byte)
                index += 1
                continue
            }
            let next = input[index + 1]
            switch next {
            case UInt8(ascii: "n"): bytes.append(0x0A); index += 2
            case UInt8(ascii: "t"): bytes.append(0x09); index += 2
            case UInt8(ascii: "0")...UInt8(ascii: "7") where index + 3 < input.count
                && input[(index + 1)...(index + 3)].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }):
                // git writes a byte outside ASCII as three octal digits: `\303\251`.
                let octal = input[(index + 1)...(index + 3)].reduce(0) { $0 * 8 + Int($1) - 48 }
                bytes.append(UInt8(truncatingIfNeeded: octal))
                index += 4
            default:
                bytes.append(next)
                index += 2
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func preview(_ line: ArraySlice<UInt8>) -> String {
        let text = String(decoding: line.prefix(60), as: UTF8.self)
        return line.count > 60 ? text + "…" : text
    }
}
