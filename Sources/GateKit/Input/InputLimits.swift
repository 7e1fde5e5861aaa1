#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a reader accepts before it stops with an error, so that no input — however it was
/// made — costs more time or memory than the model the gate builds from it.
///
/// Every reader goes through `InputFile` with one of the shapes below; the limits come from
/// the environment (set in the workflow, never by the files being read) when a real input is
/// larger than the defaults:
///
/// | variable                  | default | applies to                                              |
/// |---------------------------|---------|---------------------------------------------------------|
/// | `GATE_MAX_LINE_BYTES`     | 1 MiB   | one line of any line-based format (CSV, LCOV, lockfiles) |
/// | `GATE_MAX_DOCUMENT_BYTES` | 512 MiB | a file read whole into memory (JSON, lockfiles, diffs)   |
/// | `GATE_MAX_YAML_BYTES`     | 1 MiB   | a YAML file (policies, flag and experiment files)        |
///
/// Reports read as a stream (Cobertura, JaCoCo, LCOV, TREC runs, CSV data) have no size limit:
/// their memory is that of the model, and a 2 GB report is a real report.
public struct InputLimits: Sendable, Equatable {
    /// The largest file accepted, or nil for a stream whose memory does not grow with it.
    public var maxBytes: Int?
    /// Which variable raises `maxBytes`, for the message.
    public var bytesVariable: String
    /// The longest line accepted, or nil for formats without lines (JSON, XML).
    public var maxLineLength: Int?
    /// Whether the file is text: a UTF-16 or UTF-32 byte-order mark is refused, and a UTF-8 one
    /// is skipped before the reader sees the bytes (the digest still covers them).
    public var isText: Bool

    /// Bytes hashed as they are (artifacts): any size, any content.
    public static let binary = InputLimits(maxBytes: nil, bytesVariable: "", maxLineLength: nil, isText: false)

    /// A markup or JSON report parsed as a stream.
    public static let streamed = InputLimits(maxBytes: nil, bytesVariable: "", maxLineLength: nil, isText: true)

    /// A line-based report parsed as a stream (LCOV, CSV, TREC).
    public static var streamedLines: InputLimits {
        InputLimits(maxBytes: nil, bytesVariable: "", maxLineLength: lineBytes, isText: true)
    }

    /// A JSON document read whole.
    public static var document: InputLimits {
        InputLimits(maxBytes: documentBytes, bytesVariable: documentVariable, maxLineLength: nil, isText: true)
    }

    /// A line-based text read whole (lockfiles, manifests, diffs, catalogs).
    public static var lines: InputLimits {
        InputLimits(maxBytes: documentBytes, bytesVariable: documentVariable, maxLineLength: lineBytes, isText: true)
    }

    /// A YAML file: policies, flag files, experiment results. YAML costs far more memory per
    /// byte than the file (a 6 MB flow mapping took 13 s and 350 MB to build), hence its own, smaller limit.
    public static var yaml: InputLimits {
        InputLimits(maxBytes: yamlBytes, bytesVariable: yamlVariable, maxLineLength: lineBytes, isText: true)
    }

    public static let lineVariable = "GATE_MAX_LINE_BYTES"
    public static let documentVariable = "GATE_MAX_DOCUMENT_BYTES"
    public static let yamlVariable = "GATE_MAX_YAML_BYTES"

    public static var lineBytes: Int { configured(lineVariable, default: 1 << 20) }
    static var documentBytes: Int { configured(documentVariable, default: 512 << 20) }
    static var yamlBytes: Int { configured(yamlVariable, default: 1 << 20) }

    /// A positive byte count from the environment (plain, or with a K, M or G suffix), at most
    /// 1 PiB, else `fallback`. A value that does not read as one is ignored rather than lifting
    /// the limit; so is one past 1 PiB, which no file reaches and whose sums with offsets could
    /// overflow.
    static func configured(_ variable: String, default fallback: Int) -> Int {
        guard let raw = getenv(variable).map({ String(cString: $0) }), let bytes = byteCount(raw) else { return fallback }
        return bytes
    }

    static func byteCount(_ text: String) -> Int? {
        var digits = Substring(text.uppercased())
        var scale = 1
        if let last = digits.last, let power = ["K": 10, "M": 20, "G": 30][String(last)] {
            scale = 1 << power
            digits = digits.dropLast()
        }
        guard let count = Int(digits), count > 0, count <= (1 << 50) / scale else { return nil }
        return count * scale
    }

    /// "1 MiB", "512 MiB", "4 KiB", or a byte count.
    public static func describe(_ bytes: Int) -> String {
        for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(unit)"
        }
        return "\(bytes) bytes"
    }
}

/// Checks line lengths across the chunks of a stream, counting lines for the message.
struct LineLengthCheck {
    let limit: Int
    var line = 1
    var run = 0

    init(limit: Int) { self.limit = limit }

    /// Throws when a line in `chunk` (joined with what came before) is longer than the limit.
    mutating func check(_ chunk: UnsafeRawBufferPointer, path: String) throws {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var offset = 0
        while offset < chunk.count {
            // Look no further than the limit allows: a gigabyte without a newline costs the
            // limit, not the gigabyte.
            let window = min(chunk.count - offset, limit - run + 1)
            guard let hit = memchr(base + offset, 0x0A, window) else {
                run += window
                if run > limit { break }
                offset += window
                continue
            }
            let at = UnsafeRawPointer(hit) - base
            run += at - offset
            if run > limit { break }
            run = 0
            line += 1
            offset = at + 1
        }
        if run > limit { throw GateError.lineTooLong(path: path, line: line, limit: limit) }
    }
}

/// The line-length check for text already in memory, which need not see every line: from a
/// line's start it looks for the last newline within the limit (searching back from the
/// limit, eight bytes at a step, it finds one a few bytes back) and goes on from there —
/// every line before that newline is short. A file's check then costs a few steps per
/// megabyte instead of one search per line. Only when a line is too long are the lines
/// before it counted, for the message.
struct LineLengthJumps {
    let limit: Int
    /// Where the first line not yet known to be short starts.
    private(set) var lineStart = 0

    init(limit: Int) { self.limit = limit }

    /// Checks the lines of `text[..<end]` that `end` shows whole, as far as they go; the start of
    /// a too-long line, or nil. At the end of the text, `end` is its count and `last` true.
    mutating func advance(_ text: UnsafeRawBufferPointer, to end: Int, last: Bool) -> Int? {
        guard let base = text.baseAddress else { return nil }
        while lineStart < end {
            let window = min(limit + 1, end - lineStart)
            guard window == limit + 1 || last else { return nil }  // the line may go on in the next stretch
            guard let newline = Self.lastNewline(base, from: lineStart, count: window) else {
                return window > limit ? lineStart : nil
            }
            lineStart = newline + 1
        }
        return nil
    }

    /// The offset of the last line feed in `base[start ..< start + count]`.
    static func lastNewline(_ base: UnsafeRawPointer, from start: Int, count: Int) -> Int? {
        var end = start + count
        while end - start >= 8 {
            let hits = ByteHash.matches(base.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self), 0x0A)
            if hits != 0 { return end - 8 + (63 - hits.leadingZeroBitCount) / 8 }
            end -= 8
        }
        while end > start {
            end -= 1
            if base.load(fromByteOffset: end, as: UInt8.self) == 0x0A { return end }
        }
        return nil
    }

    /// The error for a too-long line starting at `offset` of `text`: its line number counted.
    func error(_ text: UnsafeRawBufferPointer, at offset: Int, path: String) -> GateError {
        let line = 1 + UnsafeRawBufferPointer(rebasing: text[..<offset]).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return GateError.lineTooLong(path: path, line: line, limit: limit)
    }
}
