import Crypto

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

    /// Streams `path` through `consume`, returning the digest of its bytes.
    ///
    /// - Throws: `GateError.missingInput`, `.notAFile`, `.unreadable`, `.emptyInput` (with
    ///   `expected` in the message), or whatever `consume` throws.
    public static func stream(
        _ path: String,
        expected: String,
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

        var hasher = SHA256()
        var total = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw GateError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            total += count
            try consume(chunk)
        }
        guard total > 0 else { throw GateError.emptyInput(path: path, expected: expected) }
        let hex = hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
        }
        return InputDigest(path: path, sha256: hex.joined())
    }
}
