import GateKit

/// Go cover profiles (`go test -coverprofile`), modes `set`, `count` and `atomic`.
///
/// `mode: …` comes first; then one block per line, `file.go:l1.c1,l2.c2 statements count`.
/// The same block from several test binaries is merged as `go tool cover` merges it (`set`:
/// covered if any run covered it; `count`/`atomic`: counts add up). Totals are what
/// `go tool cover -func` prints, covered statements over statements, and the report says
/// "statements"; the line records (for diff coverage) give each line of a block the largest
/// count of the blocks that cover it. Files are named by import path
/// (`example.com/app/pkg/file.go`): mapped onto the repository by the longest trailing part
/// that exists here, or with `--path-map example.com/app=.`.
final class GoCoverProfileParser: CoverageParser {
    private struct Block: Hashable {
        var file: String
        var startLine: UInt32, startColumn: UInt32, endLine: UInt32, endColumn: UInt32
    }

    private let path: String
    private let resolver: SourcePathResolver
    private var pending: [UInt8] = []
    private var lineNumber = 0
    private var mode: String?
    private var blocks: [Block: (statements: Int, count: UInt64)] = [:]

    init(path: String, resolver: SourcePathResolver) {
        self.path = path
        self.resolver = resolver
    }

    func consume(_ chunk: UnsafeRawBufferPointer) throws {
        for byte in chunk {
            if byte == 0x0A {
                try line(pending)
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > LCOVParser.maxLineLength {
                    throw CoverageError.lineTooLong(path: path, line: lineNumber + 1, limit: LCOVParser.maxLineLength)
                }
            }
        }
    }

    func finish() throws -> CoverageReport {
        if !pending.isEmpty { try line(pending) }
        guard mode != nil else { throw CoverageError.truncated(path: path, problem: "no 'mode:' line was found") }
        var byFile: [String: [(Block, Int, UInt64)]] = [:]
        for (block, value) in blocks { byFile[block.file, default: []].append((block, value.statements, value.count)) }
        var files: [String: FileCoverage] = [:]
        for (name, entries) in byFile {
            var hits: [UInt32: UInt64] = [:]
            var statements = CoverageCount()
            for (block, count, executions) in entries {
                statements.total += count
                if executions > 0 { statements.covered += count }
                for line in block.startLine...max(block.startLine, block.endLine) {
                    hits[line] = max(hits[line] ?? 0, executions)
                }
            }
            let resolved = try resolver.resolveBySuffix(name)
            var file = FileCoverage(path: resolved, lines: hits.map { LineRecord(line: $0.key, hits: $0.value) })
            file.summaryLines = statements
            if files[resolved] == nil { files[resolved] = file } else { files[resolved]!.absorb(file) }
        }
        var report = CoverageReport(formats: [.goCover], files: Array(files.values), hasBranchData: false, hasFunctionData: false)
        report.lineUnit = "statements"
        return report
    }

    private func line(_ raw: [UInt8]) throws {
        lineNumber += 1
        var text = String(decoding: raw, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        if text.allSatisfy(\.isWhitespace) { return }
        if text.hasPrefix("mode:") {
            let value = String(text.dropFirst(5)).trimmingWhitespace()
            guard ["set", "count", "atomic"].contains(value) else {
                throw CoverageError.malformedRecord(
                    path: path, line: lineNumber,
                    problem: "'\(text)' is not a cover mode; expected 'mode: set', 'mode: count' or 'mode: atomic'")
            }
            if let mode, mode != value {
                throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "mode '\(Excerpt.quote(value))' after mode '\(mode)': profiles of different modes cannot be merged")
            }
            mode = value
            return
        }
        guard mode != nil else {
            throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "expected 'mode: set|count|atomic' before any block")
        }
        guard let block = Self.block(text) else {
            throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "\"\(text.prefix(60))\" is not 'file.go:line.col,line.col statements count'")
        }
        if let known = blocks[block.0] {
            guard known.statements == block.1 else {
                throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "the block appears before with \(known.statements) statements, here with \(block.1)")
            }
            let merged = mode == "set" ? max(known.count, block.2) : known.count.addingReportingOverflow(block.2).partialValue
            blocks[block.0] = (known.statements, merged)
        } else {
            blocks[block.0] = (block.1, block.2)
        }
    }

    private static func block(_ text: String) -> (Block, Int, UInt64)? {
        let fields = text.split(separator: " ")
        guard fields.count >= 3, let count = UInt64(fields[fields.count - 1]), let statements = Int(fields[fields.count - 2]), statements >= 0 else {
            return nil
        }
        let location = fields[0..<(fields.count - 2)].joined(separator: " ")
        guard let colon = location.lastIndex(of: ":") else { return nil }
        let file = String(location[..<colon])
        let span = location[location.index(after: colon)...].split(separator: ",")
        guard !file.isEmpty, span.count == 2 else { return nil }
        let start = span[0].split(separator: "."), end = span[1].split(separator: ".")
        guard start.count == 2, end.count == 2,
              let l1 = UInt32(start[0]), let c1 = UInt32(start[1]), let l2 = UInt32(end[0]), let c2 = UInt32(end[1]),
              l1 > 0, l2 >= l1 else { return nil }
        return (Block(file: file, startLine: l1, startColumn: c1, endLine: l2, endColumn: c2), statements, count)
    }
}
