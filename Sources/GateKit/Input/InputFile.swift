import GateCrypto
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an input file once, in fixed-size chunks, hashing what it reads.
///
/// Parsers consume the chunks as they arrive, so memory stays bounded by what the parser keeps,
/// not by the file; the SHA-256 recorded in the result is of exactly the bytes that were parsed.
public enum InputFile {
    public static let defaultChunkSize = 1 << 18

    /// The size of `path` when it is a regular file (which, unlike a pipe, can be read twice).
    public static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Streams `path` through `consume`, returning the digest of its bytes.
    ///
    /// `limits` says how large the file and its lines may be and whether it is text (a UTF-8
    /// byte-order mark is then skipped, UTF-16 refused). An empty file is an error unless
    /// `allowEmpty` (an artifact may be empty). FIFOs and devices are read only when
    /// named under /dev (standard input, a shell's process substitution): anything else could
    /// block forever.
    ///
    /// - Throws: `GateError.missingInput`, `.notAFile`, `.specialFile`, `.unreadable`,
    ///   `.emptyInput` (with `expected` in the message), `.inputTooLarge`, `.lineTooLong`,
    ///   `.notUTF8`, or whatever `consume` throws.
    public static func stream(
        _ path: String,
        expected: String,
        limits: InputLimits,
        allowEmpty: Bool = false,
        chunkSize: Int = defaultChunkSize,
        consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> InputDigest {
        let kind = try fileKind(path)
        if kind == S_IFREG, let maxBytes = limits.maxBytes, let size = regularFileSize(path), size > maxBytes {
            throw GateError.inputTooLarge(path: path, limit: maxBytes, variable: limits.bytesVariable, expected: expected)
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw GateError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }

        // Hashing runs on a second thread, one chunk behind the parser: each of two buffers is
        // read, then hashed and parsed at once, and only reused when both are done with it.
        let hashing = ChunkHasher()
        let buffers = (0..<2).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16) }
        let free = (0..<2).map { _ in DispatchSemaphore(value: 1) }
        defer {
            hashing.queue.sync {}
            buffers.forEach { $0.deallocate() }
        }
        var lines = limits.maxLineLength.map { LineLengthCheck(limit: $0) }
        var total = 0
        // Text holding nothing but white space is as empty as an empty file.
        var hasContent = !limits.isText
        var index = 0
        while true {
            let buffer = buffers[index]
            free[index].wait()
            let count = read(fd, buffer.baseAddress, chunkSize)
            let readError = errno
            if count <= 0 {
                free[index].signal()
                if count < 0 && readError == EINTR { continue }
                if count < 0 { throw GateError.unreadable(path: path, reason: String(cString: strerror(readError))) }
                break
            }
            var chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hashing.update(SendableChunk(bytes: chunk), then: free[index])
            if total == 0, limits.isText { chunk = try textStart(chunk, path: path) }
            total += count
            if let maxBytes = limits.maxBytes, total > maxBytes {
                throw GateError.inputTooLarge(path: path, limit: maxBytes, variable: limits.bytesVariable, expected: expected)
            }
            try lines?.check(chunk, path: path)
            if !hasContent { hasContent = chunk.contains { !Self.isWhiteSpace($0) } }
            try consume(chunk)
            index = 1 - index
        }
        hashing.queue.sync {}
        guard hasContent || allowEmpty else { throw GateError.emptyInput(path: path, expected: expected) }
        return InputDigest(path: path, sha256: hex(hashing.hasher.finalize()))
    }

    static func isWhiteSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    /// Reads all of `path` into memory within `limits`: the bytes (after any UTF-8 byte-order
    /// mark) and their digest.
    public static func readAll(_ path: String, expected: String, limits: InputLimits, allowEmpty: Bool = false) throws -> (bytes: [UInt8], digest: InputDigest) {
        var bytes: [UInt8] = []
        if let size = regularFileSize(path), size <= (limits.maxBytes ?? Int.max) { bytes.reserveCapacity(size) }
        let digest = try stream(path, expected: expected, limits: limits, allowEmpty: allowEmpty) { bytes.append(contentsOf: $0) }
        return (bytes, digest)
    }

    /// The file type bits of `path`, refusing what is neither a regular file nor a FIFO or
    /// device named under /dev.
    static func fileKind(_ path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw GateError.missingInput(path: path) }
            throw GateError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR { throw GateError.notAFile(path: path) }
        if kind == S_IFREG { return kind }
        guard (kind == S_IFIFO || kind == S_IFCHR), path.hasPrefix("/dev/") || path.hasPrefix("/proc/self/fd/") else {
            throw GateError.specialFile(path: path)
        }
        return kind
    }

    /// The first chunk of a text file past a UTF-8 byte-order mark; a UTF-16 or UTF-32 mark
    /// is an error rather than a garbled message from the parser.
    static func textStart(_ chunk: UnsafeRawBufferPointer, path: String) throws -> UnsafeRawBufferPointer {
        if chunk.starts(with: [0xEF, 0xBB, 0xBF]) { return UnsafeRawBufferPointer(rebasing: chunk[3...]) }
        if chunk.starts(with: [0xFF, 0xFE, 0, 0]) || chunk.starts(with: [0, 0, 0xFE, 0xFF]) {
            throw GateError.notUTF8(path: path, encoding: "UTF-32")
        }
        if chunk.starts(with: [0xFF, 0xFE]) || chunk.starts(with: [0xFE, 0xFF]) {
            throw GateError.notUTF8(path: path, encoding: "UTF-16")
        }
        return chunk
    }

    /// Whether text holds anything but white space.
    public static func hasContent(_ bytes: UnsafeRawBufferPointer) -> Bool { bytes.contains { !isWhiteSpace($0) } }

    /// Checks mapped bytes of a text file against `limits` as `stream` checks a stream, and
    /// returns them past any UTF-8 byte-order mark.
    public static func checked(_ bytes: UnsafeRawBufferPointer, path: String, expected: String, limits: InputLimits) throws -> UnsafeRawBufferPointer {
        if let maxBytes = limits.maxBytes, bytes.count > maxBytes {
            throw GateError.inputTooLarge(path: path, limit: maxBytes, variable: limits.bytesVariable, expected: expected)
        }
        guard limits.isText else { return bytes }
        let text = try textStart(bytes, path: path)
        if let limit = limits.maxLineLength {
            var lines = LineLengthJumps(limit: limit)
            if let tooLong = lines.advance(text, to: text.count, last: true) { throw lines.error(text, at: tooLong, path: path) }
        }
        guard hasContent(text) else { throw GateError.emptyInput(path: path, expected: expected) }
        return text
    }

    /// `checked` and `digest` in one pass over a mapped file, a stretch at a time, each
    /// stretch's pages given back once read (a file of gigabytes is not all resident at once;
    /// the parse after it reads the pages again from the page cache). A planted over-long line
    /// is found in its stretch, before the rest is hashed. Without `digesting` the digest is empty.
    public static func checkedAndDigested(_ bytes: UnsafeRawBufferPointer, path: String, expected: String, limits: InputLimits,
                                          digesting: Bool = true) throws -> (text: UnsafeRawBufferPointer, input: InputDigest) {
        var ahead = try DigestAhead(bytes, path: path, expected: expected, limits: limits, digesting: digesting, releasing: true)
        let input = try ahead.finish()
        return (ahead.text, input)
    }

    /// `checkedAndDigested` a stretch at a time ahead of a reader that goes through the mapped
    /// file in order: the reader calls `reach` with its offset whenever it passes `next`, and
    /// the text after it is checked for over-long lines and hashed just before the reader gets
    /// there. The pages are faulted in once, and the reader finds them in the cache rather
    /// than read from memory a second time. The check stays more than the line limit ahead of
    /// the reader, so a line the reader starts is known not to be too long.
    public struct DigestAhead {
        /// The file's text, past any UTF-8 byte-order mark.
        public let text: UnsafeRawBufferPointer
        /// The text offset at which the reader calls `reach` again.
        public private(set) var next = 0
        private let bytes: UnsafeRawBufferPointer
        private let path: String
        private let digesting: Bool, releasing: Bool
        private var hasher = SHA256()
        private var lines: LineLengthJumps?
        /// How much of `bytes` is checked and hashed.
        private var checked = 0
        /// How far past the reader the check stays: a stretch, or more than the line limit.
        private let ahead: Int
        static let stretch = 1 << 20

        /// Checks the size, the byte-order mark and that there is content (not the lines yet);
        /// `releasing` gives each stretch's pages back once hashed, for a reader that comes later.
        public init(_ bytes: UnsafeRawBufferPointer, path: String, expected: String, limits: InputLimits,
                    digesting: Bool = true, releasing: Bool = false) throws {
            if let maxBytes = limits.maxBytes, bytes.count > maxBytes {
                throw GateError.inputTooLarge(path: path, limit: maxBytes, variable: limits.bytesVariable, expected: expected)
            }
            text = limits.isText ? try InputFile.textStart(bytes, path: path) : bytes
            guard !limits.isText || InputFile.hasContent(text) else { throw GateError.emptyInput(path: path, expected: expected) }
            lines = limits.maxLineLength.map { LineLengthJumps(limit: $0) }
            ahead = max(Self.stretch, (limits.maxLineLength ?? 0) + 1)
            (self.bytes, self.path, self.digesting, self.releasing) = (bytes, path, digesting, releasing)
        }

        /// Checks and hashes the text to well past `offset`.
        public mutating func reach(_ offset: Int) throws {
            let skipped = bytes.count - text.count
            let target = min(bytes.count, skipped + offset + ahead + Self.stretch / 2)
            while checked < target {
                let end = min(checked + Self.stretch, bytes.count)
                if end > skipped, let tooLong = lines?.advance(text, to: end - skipped, last: end == bytes.count) {
                    throw lines!.error(text, at: tooLong, path: path)
                }
                let stretch = UnsafeRawBufferPointer(rebasing: bytes[checked..<end])
                if digesting { hasher.update(bufferPointer: stretch) }
                if releasing { LineParts.release(stretch) }
                checked = end
            }
            next = checked == bytes.count ? .max : checked - skipped - ahead
        }

        /// The rest of the text checked and hashed; the file's digest (empty without `digesting`).
        public mutating func finish() throws -> InputDigest {
            try reach(text.count)
            return InputDigest(path: path, sha256: digesting ? InputFile.hex(hasher.finalize()) : "")
        }
    }

    /// `body` on each 16 MB stretch of a mapped file (with its offset), in order, each
    /// stretch's pages given back once `body` is done with them — when `releasing`, given the
    /// stretch's end, agrees.
    public static func forEachStretch(of bytes: UnsafeRawBufferPointer, releasing: (Int) -> Bool = { _ in true },
                                      _ body: (Int, UnsafeRawBufferPointer) throws -> Void) rethrows {
        var offset = 0
        while offset < bytes.count {
            let stretch = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(offset + (16 << 20), bytes.count)])
            try body(offset, stretch)
            if releasing(offset + stretch.count) { LineParts.release(stretch) }
            offset += stretch.count
        }
    }

    /// The digest of bytes already in memory (a mapped file).
    public static func digest(of bytes: UnsafeRawBufferPointer, path: String) -> InputDigest {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return InputDigest(path: path, sha256: hex(hasher.finalize()))
    }

    /// Maps a regular file read-only and calls `body` with its bytes; nil when it cannot be
    /// mapped (empty, not a regular file, mmap refused) — the caller then streams it.
    public static func withMappedFile<T>(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
        guard let size = regularFileSize(path), size > 0 else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        defer { munmap(base, size) }
        return try body(UnsafeRawBufferPointer(start: base, count: size))
    }

    /// Lowercase hex of bytes (digests, decoded hashes), from a table rather than a
    /// formatted string per byte.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits: StaticString = "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits.utf8Start[Int(byte >> 4)])
            out.append(digits.utf8Start[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A regular file mapped read-only for as long as anything holds this object, so a hash of it
/// can finish on another thread after its reader has returned.
public final class MappedFile: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer

    /// Nil when the file cannot be mapped (empty, not a regular file, mmap refused).
    public init?(_ path: String) {
        guard let size = InputFile.regularFileSize(path), size > 0 else { return nil }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}

/// An input's digest that may still be computing: a large file is hashed on a spare core
/// while the gate judges what it read, and the result waits for it only when it is built.
public final class PendingDigest: @unchecked Sendable {
    private let done = DispatchGroup()
    private var digest: InputDigest?

    public init(_ digest: InputDigest) { self.digest = digest }

    /// Starts hashing `file` (kept mapped until the hash is done), 16 MB at a time, each
    /// stretch's pages given back once hashed so the mapping does not add the file's size
    /// to the process's memory — with `reader`, a parts read of the same mapping (which gives
    /// back what it reads), a stretch less than `keptAhead` bytes ahead of the read is left
    /// mapped for it rather than have it fault the pages in again.
    public init(hashing file: MappedFile, path: String, reader: ReadProgress? = nil) {
        done.enter()
        DispatchQueue.global().async {
            var hasher = SHA256()
            let releasing: (Int) -> Bool = { end in
                guard let reader else { return true }
                let read = reader.readUpTo
                return end <= read || end - read > PendingDigest.keptAhead
            }
            InputFile.forEachStretch(of: file.bytes, releasing: releasing) { _, stretch in
                hasher.update(bufferPointer: stretch)
            }
            self.digest = InputDigest(path: path, sha256: InputFile.hex(hasher.finalize()))
            self.done.leave()
        }
    }

    /// How far ahead of a reader the hash leaves pages mapped: what it adds to the resident
    /// set at most (the file's own cached pages, not allocated memory).
    public static let keptAhead = 256 << 20

    public var value: InputDigest {
        done.wait()
        return digest!
    }

    /// Empty once the digest is computed (`LineParts.joined`'s `lastCoreAfter`).
    public var computing: DispatchGroup { done }
}

/// The running SHA-256 and the serial queue that feeds it.
private final class ChunkHasher: @unchecked Sendable {
    let queue = DispatchQueue(label: "gate.input.sha256")
    var hasher = SHA256()

    func update(_ chunk: SendableChunk, then done: DispatchSemaphore) {
        queue.async {
            self.hasher.update(bufferPointer: chunk.bytes)
            done.signal()
        }
    }
}

/// A chunk handed to the hashing thread; its buffer is not reused until the thread signals.
private struct SendableChunk: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
