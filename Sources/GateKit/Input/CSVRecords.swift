import CIntrinsics

/// One CSV record: its fields as byte ranges of the input (a quoted field with doubled quotes
/// unescaped), and the line it starts on.
public struct CSVRecord {
    public let line: Int
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline let ranges: [Range<Int>]
    /// Fields that held doubled quotes: their index and their unescaped bytes in `unescaped`.
    @usableFromInline let escapedFields: [(index: Int, range: Range<Int>)]
    @usableFromInline let unescaped: [UInt8]

    @inlinable
    init(line: Int, bytes: UnsafeRawBufferPointer, ranges: [Range<Int>], escapedFields: [(index: Int, range: Range<Int>)], unescaped: [UInt8]) {
        (self.line, self.bytes, self.ranges, self.escapedFields, self.unescaped) = (line, bytes, ranges, escapedFields, unescaped)
    }

    @inlinable public var count: Int { ranges.count }

    /// Field `index`'s bytes, valid only inside `body`. Inlinable, as the reader is, so a
    /// caller's per-field work is specialised into the loop (drift reads millions of fields).
    @inlinable
    public func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if !escapedFields.isEmpty, let escaped = escapedFields.first(where: { $0.index == index }) {
            return try unescaped.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[escaped.range])) }
        }
        return try body(UnsafeRawBufferPointer(rebasing: bytes[ranges[index]]))
    }

    /// Field `index` as text.
    public func string(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }
}

/// CSV as RFC 4180 defines it, read strictly — the one reader every CSV input goes through
/// (golden sets, drift samples). Fields are separated by commas, records by LF or CRLF; a
/// field in double quotes may hold commas, line breaks and doubled quotes. Refused, with
/// line and column: a quote that is never closed, text after a closing quote, a quote inside
/// an unquoted field. Blank lines are skipped. Works on bytes in place: a field is copied
/// only when it holds a doubled quote.
///
/// A cursor rather than a callback, so a caller's loop keeps its state in plain locals (drift
/// updates a column sample per field: through a closure's captured variables that cost 10%
/// more instructions).
public struct CSVRecords {
    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline let path: String
    @usableFromInline var i = 0
    @usableFromInline var line = 1
    @usableFromInline var lineStart = 0
    @usableFromInline var fields: [Range<Int>] = []
    @usableFromInline var escapedFields: [(index: Int, range: Range<Int>)] = []
    @usableFromInline var unescaped: [UInt8] = []

    /// Where the next record (or the blank lines before it) starts: a record read from here
    /// later, on the same bytes, is the same record.
    @inlinable public var offset: Int { i }

    /// Reads `bytes`, which must outlive the reader; `path` names the input in errors.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// What `nextPlain` found.
    public enum PlainLine: Equatable {
        /// A record on line `line`, its fields' bounds written.
        case row(line: Int)
        /// The next record is not one plain line of the asked field count (a quote, another
        /// field count): `next()` reads it, the reader has not moved.
        case other
        /// No record is left.
        case end
    }

    /// The fast path for the common record: one line, no quote in it, exactly `fields` fields.
    /// Field `k` is `bounds[2k] ..< bounds[2k + 1]` (offsets into the bytes; `bounds` holds
    /// 2 × `fields`). Blank lines are skipped; the record read is the one `next()` would read.
    /// One pass over the line, no allocation: drift reads tens of millions of fields this way.
    @inlinable
    public mutating func nextPlain(fields: Int, bounds: UnsafeMutablePointer<Int>) -> PlainLine {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        guard let base = bytes.baseAddress else { return .end }
        let n = bytes.count
        var i = self.i
        while i < n {
            // One pass finds the commas and the line end, 32 bytes at a step; a quote sends the
            // record to the full reader.
            var field = 0, start = i, k = i
            var lineEnd = n
            /// A comma at `at` ends a field; false when the line has more fields than asked.
            @inline(__always) func endField(at: Int) -> Bool {
                guard field + 1 < fields else { return false }
                bounds[2 * field] = start
                bounds[2 * field + 1] = at
                field += 1
                start = at + 1
                return true
            }
            scan: while true {
                if k &+ 32 <= n {
                    // Thirty-two bytes at a step: a bit for each comma, quote and line feed.
                    var hits = UInt64(gate_csv_marks16(base + k)) | UInt64(gate_csv_marks16(base + (k &+ 16))) &<< 16
                    while hits != 0 {
                        let at = k &+ hits.trailingZeroBitCount
                        hits &= hits &- 1
                        let b = base.load(fromByteOffset: at, as: UInt8.self)
                        if b == comma {
                            guard endField(at: at) else { return .other }
                        } else if b == lf {
                            lineEnd = at
                            break scan
                        } else {
                            return .other  // a quote
                        }
                    }
                    k &+= 32
                } else {
                    while k < n {
                        let b = base.load(fromByteOffset: k, as: UInt8.self)
                        if b == lf { lineEnd = k; break scan }
                        if b == comma {
                            guard endField(at: k) else { return .other }
                        } else if b == quote {
                            return .other
                        }
                        k += 1
                    }
                    break scan
                }
            }
            // A carriage return ends the last field only right before the line feed (or the end).
            var end = lineEnd
            if end > start, base.load(fromByteOffset: end - 1, as: UInt8.self) == cr { end -= 1 }
            if field == 0, end == i {  // a blank line
                guard lineEnd < n else { break }
                i = lineEnd + 1
                line += 1
                self.i = i
                lineStart = i
                continue
            }
            guard field + 1 == fields else { return .other }
            bounds[2 * field] = start
            bounds[2 * field + 1] = end
            let recordLine = line
            self.i = lineEnd < n ? lineEnd + 1 : n
            line += 1
            lineStart = self.i
            return .row(line: recordLine)
        }
        self.i = n
        return .end
    }

    /// Every record of `bytes`, in order.
    @inlinable
    public static func forEach(_ bytes: UnsafeRawBufferPointer, path: String, _ body: (CSVRecord) throws -> Void) throws {
        var reader = CSVRecords(bytes, path: path)
        while let record = try reader.next() { try body(record) }
    }

    @usableFromInline
    func fail(_ at: Int, line: Int, lineStart: Int, _ message: String) -> GateError {
        .malformedCSV(path: path, line: line, column: at - lineStart + 1, message: message)
    }

    /// The next record, or nil at the end.
    @inlinable
    public mutating func next() throws -> CSVRecord? {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        // The scan works on locals (registers), not on self's stored properties.
        let bytes = self.bytes
        let n = bytes.count
        var (i, line, lineStart) = (self.i, self.line, self.lineStart)
        // Buffers reused from record to record (the previous record has been let go).
        var fields: [Range<Int>] = []
        var escapedFields: [(index: Int, range: Range<Int>)] = []
        var unescaped: [UInt8] = []
        swap(&fields, &self.fields)
        swap(&escapedFields, &self.escapedFields)
        swap(&unescaped, &self.unescaped)
        defer {
            (self.i, self.line, self.lineStart) = (i, line, lineStart)
            swap(&fields, &self.fields)
            swap(&escapedFields, &self.escapedFields)
            swap(&unescaped, &self.unescaped)
        }
        while i < n {
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            if !escapedFields.isEmpty {
                escapedFields.removeAll(keepingCapacity: true)
                unescaped.removeAll(keepingCapacity: true)
            }
            var atRecordEnd = false
            while !atRecordEnd {
                if i < n, bytes[i] == quote {
                    let (openLine, openLineStart, openAt) = (line, lineStart, i)
                    i += 1
                    let start = i
                    var hasEscapes = false
                    while true {
                        guard i < n else {
                            throw self.fail(openAt, line: openLine, lineStart: openLineStart, "a quoted field opened here is never closed (the file ends inside it)")
                        }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n, bytes[i + 1] == quote { hasEscapes = true; i += 2; continue }
                            break
                        }
                        if b == lf { line += 1; lineStart = i + 1 }
                        i += 1
                    }
                    let end = i
                    i += 1
                    if hasEscapes {
                        let first = unescaped.count
                        var k = start
                        while k < end {
                            unescaped.append(bytes[k])
                            k += bytes[k] == quote ? 2 : 1
                        }
                        escapedFields.append((fields.count, first..<unescaped.count))
                    }
                    fields.append(start..<end)
                    guard i >= n || bytes[i] == comma || bytes[i] == lf || bytes[i] == cr else {
                        throw self.fail(i, line: line, lineStart: lineStart, "text after a closing quote (a quote inside a quoted field is written \"\")")
                    }
                } else {
                    let start = i
                    while i < n, bytes[i] != comma, bytes[i] != lf {
                        if bytes[i] == quote {
                            throw self.fail(i, line: line, lineStart: lineStart, "a quote inside an unquoted field (quote the whole field and write the quote as \"\")")
                        }
                        i += 1
                    }
                    var end = i
                    if end > start, bytes[end - 1] == cr, i >= n || bytes[i] == lf { end -= 1 }
                    fields.append(start..<end)
                }
                if i < n, bytes[i] == comma {
                    i += 1
                    continue
                }
                if i < n, bytes[i] == cr { i += 1 }
                if i < n, bytes[i] == lf { i += 1; line += 1; lineStart = i }
                atRecordEnd = true
            }
            if fields.count == 1, fields[0].isEmpty, escapedFields.isEmpty { continue }  // a blank line
            return CSVRecord(line: recordLine, bytes: bytes, ranges: fields, escapedFields: escapedFields, unescaped: unescaped)
        }
        return nil
    }
}
