import Foundation
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a line-oriented report format (LCOV, Go profiles) keeps as it reads: whole lines in,
/// the report out. Being a value, a part of a large file is read into its own, and the parts
/// are joined in file order (`append`).
protocol LineRecords: Sendable {
    init(path: String)
    /// One line, without its newline.
    mutating func line(_ raw: UnsafeBufferPointer<UInt8>) throws
    /// The whole lines of `bytes`, the first joined to `pending`, the rest left there.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, pending: inout [UInt8]) throws
    /// A later part read on its own: what a one-thread read would have after both. False
    /// when the join finds a problem (the one-thread read then names it).
    mutating func append(_ later: Self) -> Bool
    mutating func report(resolver: SourcePathResolver) throws -> CoverageReport
}

/// The streaming parser of a line-oriented format: chunks in, cut into lines.
final class LineReportParser<Records: LineRecords>: CoverageParser {
    private var records: Records
    private var pending: [UInt8] = []
    private let resolver: SourcePathResolver

    init(path: String, resolver: SourcePathResolver) {
        records = Records(path: path)
        self.resolver = resolver
    }

    func consume(_ chunk: UnsafeRawBufferPointer) throws {
        try records.consume(chunk.bindMemory(to: UInt8.self), pending: &pending)
    }

    func finish() throws -> CoverageReport {
        if !pending.isEmpty {
            let last = pending
            try last.withUnsafeBufferPointer { try records.line($0) }
        }
        return try records.report(resolver: resolver)
    }
}

extension LineRecords {
    /// A large report read in `parts` on every core (cut at line ends; with `afterLine`, just
    /// after such lines), each part from the state `start` gives (path, part index), joined in
    /// file order: the report a one-thread read gives. Nil when any part or the join finds
    /// anything wrong — the caller then reads the file on one thread, which names the problem.
    /// `lastCoreAfter` and `progress`: as `LineParts.joined`'s (for the file's hash, computing
    /// meanwhile).
    static func readParts(_ text: UnsafeRawBufferPointer, path: String, resolver: SourcePathResolver, parts: Int,
                          afterLine: String? = nil, lastCoreAfter: DispatchGroup? = nil, progress: ReadProgress? = nil,
                          start: @Sendable (String, Int) -> Self) -> CoverageReport? {
        // Parts are joined as they are read (most of the join then overlaps the reading).
        let read = LineParts(text, count: parts, afterLine: afterLine).joined({ part, bytes -> Self in
            var records = start(path, part)
            var pending: [UInt8] = []
            try records.consume(bytes.bindMemory(to: UInt8.self), pending: &pending)
            if !pending.isEmpty { try pending.withUnsafeBufferPointer { try records.line($0) } }
            return records
        }, join: { $0.append($1) }, lastCoreAfter: lastCoreAfter, progress: progress)
        guard var joined = read else { return nil }
        let report = try? joined.report(resolver: resolver)
        // What was read (tens of thousands of sections or block tables) is freed on another
        // core, not on the way to the result.
        DispatchQueue.global().async { [joined] in _ = joined }
        return report
    }
}

/// A read for figures alone (`FileCoverage.counted`) meets a report whose records are needed
/// to merge a file: the read declines, and the report is read with its records.
struct RecordsNeeded: Error {}

/// Which part of a read without records named each file first, and whether a part found a
/// file named where its records would be needed (then every part stops at its next file).
final class SectionClaims: @unchecked Sendable {
    private let lock = NSLock()
    private var owners: [String: Int] = [:]
    private var firstNames: [Int: String] = [:]
    private var stopped = false

    /// Whether `part` may count `name` (a file it had not named): a file named by no other
    /// part, or one that may go on across the cut between two parts — the first file of
    /// `part` named by the part before, or the first file of the part after. The join of
    /// the parts checks that it really does.
    func claim(_ name: String, part: Int, first: Bool) -> Bool {
        lock.withLock {
            if first { firstNames[part] = name }
            guard let owner = owners[name] else {
                owners[name] = part
                return true
            }
            return (owner == part - 1 && first) || (owner == part + 1 && firstNames[owner] == name)
        }
    }

    func abandon() { lock.withLock { stopped = true } }
    var isAbandoned: Bool { lock.withLock { stopped } }
}

/// The pieces the line readers' plain records are read with, from the bytes of a line or of a
/// chunk (a record read with its newline, `LineParts.forEachLine`'s `record`).
enum RecordBytes {
    /// Plain digits at `index` (one to `maxDigits`), read and stepped over; nil when there are
    /// none. More than `maxDigits` leave a digit where every caller wants something else.
    @inline(__always)
    static func number(_ text: UnsafePointer<UInt8>, _ count: Int, _ index: inout Int, maxDigits: Int) -> UInt64? {
        let start = index
        let stop = min(count, start + maxDigits)
        var value: UInt64 = 0
        // Most numbers are short: their digits one at a time, a long one's after the first
        // four eight at a step (a count of 10¹² is common in a long test run).
        while index < min(stop, start + 4), text[index] &- 48 < 10 {
            value = value &* 10 &+ UInt64(text[index] &- 48)
            index += 1
        }
        guard index == start + 4 else { return index > start ? value : nil }
        while index + 8 <= stop, let digits = eightDigits(UnsafeRawPointer(text + index).loadUnaligned(as: UInt64.self)) {
            value = value &* 100_000_000 &+ digits
            index += 8
        }
        while index < stop, text[index] &- 48 < 10 {
            value = value &* 10 &+ UInt64(text[index] &- 48)
            index += 1
        }
        return value
    }

    /// `number` with nothing checked against the end: `maxDigits` + 1 bytes at `index` must be
    /// readable (a record far from the end of its bytes).
    @inline(__always)
    static func wideNumber(_ text: UnsafePointer<UInt8>, _ index: inout Int, maxDigits: Int) -> UInt64? {
        let start = index
        var value: UInt64 = 0
        while index &- start < maxDigits, text[index] &- 48 < 10 {
            value = value &* 10 &+ UInt64(text[index] &- 48)
            index &+= 1
        }
        return index > start ? value : nil
    }

    /// Plain digits at `index` (one to 15), stepped over: one digit as it is, more a word at a
    /// time — a count whose length varies from record to record then costs no mispredicted
    /// loop exit. Nil when there are none or more; sixteen bytes at `index` must be readable.
    @inline(__always)
    static func count(_ text: UnsafePointer<UInt8>, _ index: inout Int) -> UInt64? {
        // One digit (most counts of most reports): read as it is.
        if text[index + 1] &- 48 >= 10 {
            guard text[index] &- 48 < 10 else { return nil }
            index += 1
            return UInt64(text[index - 1] &- 48)
        }
        let word = UInt64(littleEndian: UnsafeRawPointer(text + index).loadUnaligned(as: UInt64.self))
        let next = UInt64(littleEndian: UnsafeRawPointer(text + index + 8).loadUnaligned(as: UInt64.self))
        let first = DecimalNumber.nonDigits(word).trailingZeroBitCount >> 3
        guard first > 0 else { return nil }
        if first < 8 {
            index += first
            return DecimalNumber.value(ofDigits: word, count: first)
        }
        let second = DecimalNumber.nonDigits(next).trailingZeroBitCount >> 3
        guard second < 8 else { return nil }
        index += 8 + second
        let high = DecimalNumber.value(ofDigits: word, count: 8)
        return second == 0 ? high : high &* powersOfTen[second] &+ DecimalNumber.value(ofDigits: next, count: second)
    }

    private static let powersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]

    /// The number eight bytes spell when all are ASCII digits (the first the most significant).
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64? {
        let word = UInt64(littleEndian: word)
        guard DecimalNumber.nonDigits(word) == 0 else { return nil }
        return DecimalNumber.value(ofDigits: word, count: 8)
    }

    /// `byte` at `index`, stepped over.
    @inline(__always)
    static func expect(_ byte: UInt8, _ text: UnsafePointer<UInt8>, _ count: Int, _ index: inout Int) -> Bool {
        guard index < count, text[index] == byte else { return false }
        index += 1
        return true
    }

    /// Where the line of a record whose fields end at `index` ends: `count` for a line handed
    /// on alone (its CR already cut), else the offset of its newline, a CR allowed before it;
    /// with `restAllowed`, also after a comma and anything but a newline. Nil when something
    /// else follows.
    @inline(__always)
    static func lineEnd(_ text: UnsafePointer<UInt8>, _ count: Int, at index: Int, restAllowed: Bool) -> Int? {
        guard index < count else { return count }
        switch text[index] {
        case 0x0A:
            return index
        case 0x0D:
            return index + 1 < count && text[index + 1] == 0x0A ? index + 1 : nil
        case UInt8(ascii: ",") where restAllowed:
            // What follows (a checksum) is short: looked through here, eight bytes at a step,
            // before a search is called.
            var end = index + 1
            while end + 8 <= min(count, index + 64) {
                let newlines = ByteHash.matches(UnsafeRawPointer(text + end).loadUnaligned(as: UInt64.self), 0x0A)
                if newlines != 0 { return end + newlines.trailingZeroBitCount >> 3 }
                end += 8
            }
            guard end < count, let newline = memchr(text + end, 0x0A, count - end) else { return count }
            return text.distance(to: newline.assumingMemoryBound(to: UInt8.self))
        default:
            return nil
        }
    }
}
