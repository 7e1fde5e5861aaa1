/// One CSV record: its fields as byte ranges of the input (a quoted field with doubled quotes
/// unescaped), and the line it starts on.
public struct CSVRecord {
    public let line: Int
    let bytes: UnsafeRawBufferPointer
    let ranges: [Range<Int>]
    let unescaped: [Int: [UInt8]]

    public var count: Int { ranges.count }

    /// Field `index`'s bytes, valid only inside `body`.
    @inline(__always)
    public func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let escaped = unescaped[index] { return try escaped.withUnsafeBytes(body) }
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
public enum CSVRecords {
    public static func forEach(_ bytes: UnsafeRawBufferPointer, path: String, _ body: (CSVRecord) throws -> Void) throws {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        var fields: [Range<Int>] = []
        var escaped: [Int: [UInt8]] = [:]
        var line = 1
        var lineStart = 0
        var i = 0
        let n = bytes.count
        func fail(_ at: Int, line: Int, lineStart: Int, _ message: String) -> GateError {
            .malformedCSV(path: path, line: line, column: at - lineStart + 1, message: message)
        }
        while i < n {
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            escaped.removeAll(keepingCapacity: true)
            var atRecordEnd = false
            while !atRecordEnd {
                if i < n, bytes[i] == quote {
                    let (openLine, openColumnStart, openAt) = (line, lineStart, i)
                    i += 1
                    let start = i
                    var hasEscapes = false
                    while true {
                        guard i < n else {
                            throw fail(openAt, line: openLine, lineStart: openColumnStart, "a quoted field opened here is never closed (the file ends inside it)")
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
                        var text: [UInt8] = []
                        var k = start
                        while k < end {
                            text.append(bytes[k])
                            k += bytes[k] == quote ? 2 : 1
                        }
                        escaped[fields.count] = text
                    }
                    fields.append(start..<end)
                    guard i >= n || bytes[i] == comma || bytes[i] == lf || bytes[i] == cr else {
                        throw fail(i, line: line, lineStart: lineStart, "text after a closing quote (a quote inside a quoted field is written \"\")")
                    }
                } else {
                    let start = i
                    while i < n, bytes[i] != comma, bytes[i] != lf {
                        if bytes[i] == quote {
                            throw fail(i, line: line, lineStart: lineStart, "a quote inside an unquoted field (quote the whole field and write the quote as \"\")")
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
            if fields.count == 1, fields[0].isEmpty, escaped.isEmpty { continue }  // a blank line
            try body(CSVRecord(line: recordLine, bytes: bytes, ranges: fields, unescaped: escaped))
        }
    }
}
