import Dispatch
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
enum GoCoverProfileParser {
    /// A large profile read in parts cut at line ends (`LineRecords.readParts`), every part
    /// in the mode of the profile's first line; nil when that line is not a mode.
    /// Without `keepingRecords`, each file's figures alone (`FileCoverage.counted`), as LCOV
    /// reads them (`LCOVRecords.keepsRecords`): nil also when a file's blocks come back after
    /// another file's, or two names map to one path.
    static func readParts(_ text: UnsafeRawBufferPointer, path: String, resolver: SourcePathResolver, parts: Int,
                          keepingRecords: Bool = true, lastCoreAfter: DispatchGroup? = nil,
                          progress: ReadProgress? = nil) -> CoverageReport? {
        var probe = GoProfileRecords(path: path)
        guard let newline = text.firstIndex(of: 0x0A),
              (try? probe.line(UnsafeRawBufferPointer(rebasing: text[..<newline]).bindMemory(to: UInt8.self))) != nil,
              let mode = probe.mode else { return nil }
        let claims = keepingRecords ? nil : SectionClaims()
        return GoProfileRecords.readParts(text, path: path, resolver: resolver, parts: parts, lastCoreAfter: lastCoreAfter, progress: progress) { path, part in
            var records = GoProfileRecords(path: path)
            records.mode = mode
            records.claims = claims
            records.part = part
            return records
        }
    }
}

/// The blocks of one file: their spans, statements and counts, and how a block met again is
/// found among them (profiles hold millions of blocks; most are met once).
///
/// `go test` writes a file's blocks in source order, and a profile merged from several test
/// binaries repeats them in that order. So while the blocks come in rising order, a new block
/// is one past the last and is added without a look-up; a block met again is first looked for
/// just after the one met before it, then by binary search. Blocks out of order are looked up
/// in an open-addressed index on the span, built when the first of them comes.
struct GoBlockTable {
    /// A block: its span (startLine << 32 | startColumn, endLine << 32 | endColumn), its
    /// statements and its count.
    struct Block {
        var start: UInt64
        var end: UInt64
        var statements: Int
        var count: UInt64
    }

    /// The blocks, in one array (a block added is one append).
    var blocks: [Block] = []
    /// Whether the blocks are in strictly rising order of (start, end); while they are, no index.
    private var rising = true
    /// Where the block after the last one found or added is.
    private var cursor = 0
    private var slots: [Int32] = []

    /// Room for about `expected` blocks (a profile's files are often alike: the previous
    /// file's count spares the growing).
    init(expected: Int = 0) {
        blocks.reserveCapacity(expected)
    }

    /// The block's index, or nil after adding it.
    mutating func find(start: UInt64, end: UInt64, statements count: Int, executions: UInt64) -> Int? {
        if cursor < blocks.count, blocks[cursor].start == start, blocks[cursor].end == end {
            cursor += 1
            return cursor - 1
        }
        if rising {
            if let last = blocks.last, (start, end) <= (last.start, last.end) {
                if let found = search(start, end) {
                    cursor = found + 1
                    return found
                }
                rising = false
            }
        } else if let found = lookUp(start, end) {
            cursor = found + 1
            return found
        }
        blocks.append(Block(start: start, end: end, statements: count, count: executions))
        cursor = blocks.count
        if !rising {
            if blocks.count * 2 > slots.count { index() } else { insert(blocks.count - 1) }
        }
        return nil
    }

    /// Binary search of the rising blocks.
    private func search(_ start: UInt64, _ end: UInt64) -> Int? {
        var low = 0, high = blocks.count
        while low < high {
            let middle = (low + high) / 2
            if (blocks[middle].start, blocks[middle].end) < (start, end) { low = middle + 1 } else { high = middle }
        }
        return low < blocks.count && blocks[low].start == start && blocks[low].end == end ? low : nil
    }

    private func lookUp(_ start: UInt64, _ end: UInt64) -> Int? {
        let mask = slots.count - 1
        var slot = Self.slot(start, end, mask: mask)
        while slots[slot] >= 0 {
            let index = Int(slots[slot])
            if blocks[index].start == start, blocks[index].end == end { return index }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func insert(_ index: Int) {
        let mask = slots.count - 1
        var slot = Self.slot(blocks[index].start, blocks[index].end, mask: mask)
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index)
    }

    /// The index of every block, with room for as many again.
    private mutating func index() {
        var size = 16
        while size < blocks.count * 4 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        for index in blocks.indices { insert(index) }
    }

    /// A span's first slot: both packed halves multiplied, the bits above the low ones kept.
    @inline(__always)
    private static func slot(_ start: UInt64, _ end: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: ((start &* 0x9E37_79B9_7F4A_7C15) ^ (end &* 0xC2B2_AE3D_27D4_EB4F)) >> 20) & mask
    }
}

/// The lines of a Go profile as they are read.
struct GoProfileRecords: LineRecords {
    enum Mode: String { case set, count, atomic }

    private let path: String
    /// `GATE_MAX_LINE_BYTES`, read once (not per line).
    private let maxLineLength = LCOVParser.maxLineLength
    private var lineNumber = 0
    fileprivate(set) var mode: Mode?
    private var fileIndex: [String: Int] = [:]
    private var names: [String] = []
    private var tables: [GoBlockTable] = []
    /// The last block's file, compared byte for byte before any look-up.
    private var lastName: [UInt8] = []
    private var lastIndex = -1
    /// Set for a read of figures alone (`GoCoverProfileParser.readParts`): a file is counted
    /// once another file's blocks begin, its blocks let go — but for the part's first file
    /// and the file being read, which may go on across the cut between two parts.
    var claims: SectionClaims?
    var part = 0
    private var firstFile: Int?
    private var currentFile = -1
    /// Files counted already: their figures and the source lines their blocks span.
    private var counted: [Int: (totals: CoverageTotals, spans: Int)] = [:]

    init(path: String) {
        self.path = path
    }

    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, pending: inout [UInt8]) throws {
        let (path, limit, first) = (path, maxLineLength, lineNumber + 1)
        try LineParts.forEachLine(bytes, pending: &pending, maxLength: limit,
                                  tooLong: { CoverageError.lineTooLong(path: path, line: first + $0, limit: limit) },
                                  record: { try plainRecord($0, available: $1) }, { try line($0) })
    }

    /// A block of the last block's file in its plain shape (see `plainBlock`) at `text`, read
    /// forward with its newline, which its count runs up to (so it is not searched for): the
    /// bytes taken, or nil for any other line, one past `available` or one too long.
    @inline(__always)
    private mutating func plainRecord(_ text: UnsafePointer<UInt8>, available count: Int) throws -> (bytes: Int, lines: Int)? {
        let nameCount = lastName.count
        guard lastIndex >= 0, count > nameCount + 12, text[nameCount] == UInt8(ascii: ":"),
              lastName.withUnsafeBytes({ ByteHash.equal($0, UnsafeRawBufferPointer(start: text, count: nameCount)) }) else { return nil }
        // Far from the end, the fields are read with no check against it: they take at most
        // 50 bytes, and the count is read from a 16-byte word.
        let fields = count - nameCount > 80 ? Self.plainFields(text, count, from: nameCount + 1, wide: true)
                                            : Self.plainFields(text, count, from: nameCount + 1, wide: false)
        guard let fields, fields.end < count, fields.end <= maxLineLength else { return nil }
        lineNumber += 1
        try add(lastIndex, start: fields.start, end: fields.spanEnd, statements: fields.statements, count: fields.executions)
        return (fields.end + 1, 1)
    }

    /// `l1.c1,l2.c2 statements count` in plain digits from `start`, then the line's end (its
    /// offset, `end`); nil for anything else. `wide`: at least 80 bytes are readable from
    /// `start`, so no byte is checked against `count`.
    @inline(__always)
    private static func plainFields(_ text: UnsafePointer<UInt8>, _ count: Int, from start: Int, wide: Bool)
        -> (start: UInt64, spanEnd: UInt64, statements: Int, executions: UInt64, end: Int)? {
        var index = start
        func number(_ maxDigits: Int) -> UInt64? {
            wide ? RecordBytes.wideNumber(text, &index, maxDigits: maxDigits) : RecordBytes.number(text, count, &index, maxDigits: maxDigits)
        }
        func expect(_ byte: UInt8) -> Bool {
            guard wide || index < count, text[index] == byte else { return false }
            index &+= 1
            return true
        }
        guard let l1 = number(9), expect(UInt8(ascii: ".")), let c1 = number(9), expect(UInt8(ascii: ",")),
              let l2 = number(9), expect(UInt8(ascii: ".")), let c2 = number(9), expect(0x20),
              let statements = number(9), expect(0x20),
              // The count a word at a time when it can be (its length often changes).
              let executions = wide ? RecordBytes.count(text, &index) ?? number(19) : number(19),
              let end = RecordBytes.lineEnd(text, count, at: index, restAllowed: false),
              l1 > 0, l2 >= l1 else { return nil }
        return (l1 << 32 | c1, l2 << 32 | c2, Int(statements), executions, end)
    }

    /// A later part read on its own, in the same mode: false when the parts disagree on a
    /// block's statements (the one-thread read then reports it with its line).
    mutating func append(_ later: GoProfileRecords) -> Bool {
        for (laterIndex, (name, table)) in zip(later.names, later.tables).enumerated() {
            guard let index = fileIndex[name] else {
                fileIndex[name] = tables.count
                if let figures = later.counted[laterIndex] { counted[tables.count] = figures }
                if laterIndex == later.currentFile { currentFile = tables.count }
                names.append(name)
                tables.append(table)
                continue
            }
            if claims != nil {
                // Only the file read at the cut may go on in the next part.
                guard index == currentFile, laterIndex == later.firstFile, counted[index] == nil, later.counted[laterIndex] == nil else { return false }
                if later.currentFile != laterIndex { currentFile = -1 }
            }
            for block in table.blocks {
                guard merge(index, start: block.start, end: block.end, statements: block.statements, count: block.count) == nil else { return false }
            }
        }
        lineNumber += later.lineNumber
        return true
    }

    /// Adds a block to file `index`, merged as `go tool cover` merges it (`set`: the larger
    /// count; `count`/`atomic`: the sum); when the block is known with other statements, their
    /// number, and nothing is changed.
    private mutating func merge(_ index: Int, start: UInt64, end: UInt64, statements: Int, count: UInt64) -> Int? {
        guard let known = tables[index].find(start: start, end: end, statements: statements, executions: count) else { return nil }
        guard tables[index].blocks[known].statements == statements else { return tables[index].blocks[known].statements }
        let before = tables[index].blocks[known].count
        tables[index].blocks[known].count = mode == .set ? max(before, count) : before.addingReportingOverflow(count).partialValue
        return nil
    }

    func report(resolver: SourcePathResolver) throws -> CoverageReport {
        guard mode != nil else { throw CoverageError.truncated(path: path, problem: "no 'mode:' line was found") }
        // Line records are one per line a block spans: a profile whose blocks span far more
        // lines than it has bytes is not one `go test` wrote, and would only exhaust memory.
        let spans = tables.reduce(counted.values.reduce(0) { $0 + $1.spans }) { $0 + Self.spans($1) }
        let budget = lineNumber * 64 + 1_000_000
        guard spans <= budget else {
            throw CoverageError.implausible(path: path, problem: "its blocks span \(spans) source lines, far more than \(lineNumber) profile lines can describe")
        }
        let resolved = try names.map { try resolver.resolveBySuffix($0) }
        if claims != nil {
            guard Set(resolved).count == resolved.count else { throw RecordsNeeded() }
            var report = CoverageReport(formats: [.goCover], files: names.indices.map { index in
                FileCoverage(path: resolved[index], counted: self.counted[index]?.totals ?? Self.figures(self.tables[index]))
            }, hasBranchData: false, hasFunctionData: false)
            report.lineUnit = "statements"
            return report
        }
        let tables = self.tables
        let built = parallelMap(tables.count) { index in Self.fileCoverage(tables[index], path: resolved[index]) }
        var files: [String: FileCoverage] = [:]
        for result in built {
            let file = try result.get()
            if files[file.path] == nil { files[file.path] = file } else { files[file.path]!.absorb(file) }
        }
        var report = CoverageReport(formats: [.goCover], files: Array(files.values), hasBranchData: false, hasFunctionData: false)
        report.lineUnit = "statements"
        return report
    }

    /// The source lines the blocks of `table` span, counted with repeats.
    private static func spans(_ table: GoBlockTable) -> Int {
        table.blocks.reduce(0) { $0 + Int($1.end >> 32 - $1.start >> 32) + 1 }
    }

    /// A file's figures: statements, as `go tool cover -func` counts them (what
    /// `CoverageTotals` of `fileCoverage` gives — its lines are there for diff coverage only).
    private static func figures(_ table: GoBlockTable) -> CoverageTotals {
        var totals = CoverageTotals()
        totals.lines = statements(table)
        return totals
    }

    private static func statements(_ table: GoBlockTable) -> CoverageCount {
        var statements = CoverageCount()
        for block in table.blocks {
            statements.total += block.statements
            statements.covered += block.count > 0 ? block.statements : 0
        }
        return statements
    }

    /// Statements covered, and each spanned line with the largest count of its blocks.
    private static func fileCoverage(_ table: GoBlockTable, path: String) -> FileCoverage {
        var first = UInt32.max, last: UInt32 = 0, spans = 0
        for block in table.blocks {
            let start = UInt32(block.start >> 32), end = UInt32(block.end >> 32)
            first = min(first, start)
            last = max(last, end)
            spans += Int(end - start) + 1
        }
        var lines: [LineRecord] = []
        if !table.blocks.isEmpty, Int(last - first) < 2 * spans + 4096 {
            // Dense: a slot per line between the first and the last.
            var hits = [UInt64](repeating: 0, count: Int(last - first) + 1)
            var spanned = [Bool](repeating: false, count: hits.count)
            for block in table.blocks {
                let start = Int(UInt32(block.start >> 32) - first), end = Int(UInt32(block.end >> 32) - first)
                let count = block.count
                for line in start...end {
                    hits[line] = max(hits[line], count)
                    spanned[line] = true
                }
            }
            lines.reserveCapacity(hits.count)
            for offset in hits.indices where spanned[offset] {
                lines.append(LineRecord(line: UInt32(offset) + first, hits: hits[offset]))
            }
        } else {
            var hits: [UInt32: UInt64] = [:]
            for block in table.blocks {
                let start = UInt32(block.start >> 32), end = UInt32(block.end >> 32)
                for line in start...end { hits[line] = max(hits[line] ?? 0, block.count) }
            }
            lines = hits.map { LineRecord(line: $0.key, hits: $0.value) }
        }
        var file = FileCoverage(path: path, lines: lines)
        file.summaryLines = statements(table)
        return file
    }

    mutating func line(_ raw: UnsafeBufferPointer<UInt8>) throws {
        lineNumber += 1
        var end = raw.count
        if end > 0, raw[end - 1] == 0x0D { end -= 1 }
        let text = UnsafeBufferPointer(rebasing: raw[0..<end])
        if mode != nil, let block = Self.plainBlock(text) {
            let name = UnsafeBufferPointer(rebasing: text[0..<block.nameEnd])
            let index: Int
            if lastIndex >= 0, name.count == lastName.count,
               lastName.withUnsafeBufferPointer({ memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }) {
                index = lastIndex
            } else if Self.plainName(name) {
                index = fileIndex(String(decoding: name, as: UTF8.self))
                lastName = Array(name)
                lastIndex = index
            } else {
                return try general(String(decoding: text, as: UTF8.self))
            }
            return try add(index, start: block.start, end: block.end, statements: block.statements, count: block.count)
        }
        try general(String(decoding: text, as: UTF8.self))
    }

    private mutating func fileIndex(_ name: String) -> Int {
        if let index = fileIndex[name] { return index }
        fileIndex[name] = tables.count
        names.append(name)
        tables.append(GoBlockTable(expected: min(tables.last?.blocks.count ?? 0, 1 << 16)))
        return tables.count - 1
    }

    private mutating func add(_ index: Int, start: UInt64, end: UInt64, statements: Int, count: UInt64) throws {
        if claims != nil, index != currentFile { try switchFile(to: index) }
        if let earlier = merge(index, start: start, end: end, statements: statements, count: count) {
            throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "the block appears before with \(earlier) statements, here with \(statements)")
        }
    }

    /// A read of figures alone meets the blocks of another file: a file not met before in this
    /// part may be claimed; the file read until now is counted (unless it is the part's first).
    private mutating func switchFile(to index: Int) throws {
        guard let claims, !claims.isAbandoned, counted[index] == nil, index != firstFile,
              claims.claim(names[index], part: part, first: firstFile == nil) else {
            claims?.abandon()
            throw RecordsNeeded()
        }
        if firstFile == nil { firstFile = index }
        if currentFile >= 0, currentFile != firstFile {
            let table = tables[currentFile]
            let spans = Self.spans(table)
            // The bound the whole read is held to, with the lines read so far: never more lenient.
            guard spans <= lineNumber * 64 + 1_000_000 else {
                claims.abandon()
                throw RecordsNeeded()
            }
            counted[currentFile] = (Self.figures(table), spans)
            tables[currentFile] = GoBlockTable()
        }
        currentFile = index
    }

    private mutating func general(_ text: String) throws {
        if text.allSatisfy(\.isWhitespace) { return }
        if text.hasPrefix("mode:") {
            let value = String(text.dropFirst(5)).trimmingWhitespace()
            guard let parsed = Mode(rawValue: value) else {
                throw CoverageError.malformedRecord(
                    path: path, line: lineNumber,
                    problem: "'\(text)' is not a cover mode; expected 'mode: set', 'mode: count' or 'mode: atomic'")
            }
            if let mode, mode != parsed {
                throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "mode '\(Excerpt.quote(value))' after mode '\(mode.rawValue)': profiles of different modes cannot be merged")
            }
            mode = parsed
            return
        }
        guard mode != nil else {
            throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "expected 'mode: set|count|atomic' before any block")
        }
        guard let (file, start, end, statements, count) = Self.block(text) else {
            throw CoverageError.malformedRecord(path: path, line: lineNumber, problem: "\"\(text.prefix(60))\" is not 'file.go:line.col,line.col statements count'")
        }
        lastIndex = -1
        try add(fileIndex(file), start: start, end: end, statements: statements, count: count)
    }

    /// `name:l1.c1,l2.c2 statements count` with a name without spaces and plain digits
    /// everywhere else (nine at most, the count nineteen); nil for anything else, which the
    /// general reading takes.
    @inline(__always)
    static func plainBlock(_ text: UnsafeBufferPointer<UInt8>) -> (nameEnd: Int, start: UInt64, end: UInt64, statements: Int, count: UInt64)? {
        var index = text.count
        func digitsBackward(_ maxDigits: Int) -> UInt64? {
            let end = index
            while index > 0, text[index - 1] >= 48, text[index - 1] <= 57 { index -= 1 }
            guard index < end, end - index <= maxDigits else { return nil }
            var value: UInt64 = 0
            for position in index..<end { value = value * 10 + UInt64(text[position] - 48) }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index > 0, text[index - 1] == byte else { return false }
            index -= 1
            return true
        }
        guard let count = digitsBackward(19), expect(0x20), let statements = digitsBackward(9), expect(0x20),
              let c2 = digitsBackward(9), expect(UInt8(ascii: ".")), let l2 = digitsBackward(9), expect(UInt8(ascii: ",")),
              let c1 = digitsBackward(9), expect(UInt8(ascii: ".")), let l1 = digitsBackward(9), expect(UInt8(ascii: ":")),
              index > 0, l1 > 0, l2 >= l1 else { return nil }
        return (index, l1 << 32 | c1, l2 << 32 | c2, Int(statements), count)
    }

    /// A name the plain reading takes: no space, and not `mode` (a mode line, for the general
    /// reading). Checked once per file, when the name changes.
    static func plainName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        memchr(name.baseAddress!, 0x20, name.count) == nil && !name.elementsEqual("mode".utf8)
    }

    /// The general reading: fields split on spaces, the name may hold spaces.
    private static func block(_ text: String) -> (String, UInt64, UInt64, Int, UInt64)? {
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
        return (file, UInt64(l1) << 32 | UInt64(c1), UInt64(l2) << 32 | UInt64(c2), statements, count)
    }
}
