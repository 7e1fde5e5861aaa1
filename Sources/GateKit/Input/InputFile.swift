import Crypto
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
    /// An empty file is an error unless `allowEmpty` (an empty diff is a valid change).
    ///
    /// - Throws: `GateError.missingInput`, `.notAFile`, `.unreadable`, `.emptyInput` (with
    ///   `expected` in the message), or whatever `consume` throws.
    public static func stream(
        _ path: String,
        expected: String,
        allowEmpty: Bool = false,
        chunkSize: Int = defaultChunkSize,
        consume: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> InputDigest {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw GateError.missingInput(path: path) }
            throw GateError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG || kind == S_IFIFO || kind == S_IFCHR else { throw GateError.notAFile(path: path) }
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
        var total = 0
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
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hashing.update(SendableChunk(bytes: chunk), then: free[index])
            total += count
            try consume(chunk)
            index = 1 - index
        }
        hashing.queue.sync {}
        guard total > 0 || allowEmpty else { throw GateError.emptyInput(path: path, expected: expected) }
        return InputDigest(path: path, sha256: hex(hashing.hasher.finalize()))
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

    /// Starts hashing `file` (kept mapped until the hash is done).
    public init(hashing file: MappedFile, path: String) {
        done.enter()
        DispatchQueue.global().async {
            self.digest = InputFile.digest(of: file.bytes, path: path)
            self.done.leave()
        }
    }

    public var value: InputDigest {
        done.wait()
        return digest!
    }
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
