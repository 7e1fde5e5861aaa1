#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A mapped text cut at line boundaries into parts that are read on every core, in file order.
///
/// The line-oriented readers (TREC runs, LCOV, Go profiles) read a large file this way: each
/// part is parsed on its own with its own line numbers, and the caller joins the parts in
/// order — so what comes out is what a one-thread read of the whole text gives.
public struct LineParts: @unchecked Sendable {
    public let text: UnsafeRawBufferPointer
    /// Where each part starts, then the text's end: `bounds[i]..<bounds[i + 1]` is part `i`.
    public let bounds: [Int]

    /// Eight parts for every core, so that the last part to finish (while other work, such as
    /// hashing the file, shares the cores) leaves the other cores idle only briefly.
    public static var defaultCount: Int { ProcessInfo.processInfo.activeProcessorCount * 8 }

    /// Cuts `text` into about `count` parts of equal size, each starting just after a newline;
    /// with `afterLine`, just after a line equal to it (a trailing CR allowed), so a reader
    /// whose records span lines starts every part between records. Fewer parts when no such
    /// line is found past a cut.
    public init(_ text: UnsafeRawBufferPointer, count: Int, afterLine marker: String? = nil) {
        self.text = text
        var bounds = [0]
        let needle = Array((marker ?? "").utf8)
        if let base = text.baseAddress {
            for part in 1..<max(count, 1) {
                let cut = max(text.count * part / count, bounds.last!)
                guard let end = Self.lineEnd(after: cut, marker: needle, in: base, count: text.count) else { break }
                if end > bounds.last!, end < text.count { bounds.append(end) }
            }
        }
        bounds.append(text.count)
        self.bounds = bounds
    }

    /// The offset just past the first newline at or after `start - 1` — with a marker, the
    /// first newline ending a line equal to the marker (a trailing CR allowed).
    private static func lineEnd(after start: Int, marker: [UInt8], in base: UnsafeRawPointer, count: Int) -> Int? {
        var from = max(start - 1, 0)
        while from < count, let hit = memchr(base + from, 0x0A, count - from) {
            let newline = UnsafeRawPointer(hit) - base
            guard !marker.isEmpty else { return newline + 1 }
            // The line after this newline: the marker, an optional CR, a newline.
            var end = newline + 1 + marker.count
            if end <= count, memcmp(base + newline + 1, marker, marker.count) == 0 {
                if end < count, base.load(fromByteOffset: end, as: UInt8.self) == 0x0D { end += 1 }
                if end < count, base.load(fromByteOffset: end, as: UInt8.self) == 0x0A { return end + 1 }
            }
            from = newline + 1
        }
        return nil
    }

    public var count: Int { bounds.count - 1 }

    public subscript(index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: text[bounds[index]..<bounds[index + 1]])
    }

    /// `body` on every part, on every core, the results joined in part order as they come in:
    /// `join(&joined, next)` runs on a thread that has just read a part, while the others read
    /// on — so once the last part is read, little is left to join. Nil when a body throws or
    /// `join` returns false. Each part's pages are given back to the kernel once its body
    /// returns (the body copies out what it keeps), so a mapped file does not add its size to
    /// the peak memory.
    ///
    /// With `lastCoreAfter`, one core's reader starts only once that group is empty: work that
    /// runs on a thread of its own meanwhile (hashing the file) then has a core to itself
    /// rather than a share of one, and does not finish last. When the other readers have
    /// taken every part first, the join does not wait for that work.
    ///
    /// `progress`, when given, learns how far from the start every part has been read (and
    /// its pages given back), for work going through the same mapping meanwhile.
    public func joined<Value>(_ body: @Sendable (Int, UnsafeRawBufferPointer) throws -> Value,
                              join: (inout Value, Value) -> Bool, lastCoreAfter: DispatchGroup? = nil,
                              progress: ReadProgress? = nil) -> Value? {
        withoutActuallyEscaping(join) { join in
            // The held-back reader wakes when the work is done or no part is left for it.
            let wake = DispatchSemaphore(value: 0)
            lastCoreAfter?.notify(queue: .global()) { wake.signal() }
            let order = JoinInOrder<Value>(count: count, join: join, passed: { progress?.passed(self.bounds[$0]) },
                                           noneLeft: { wake.signal() })
            let width = max(min(ProcessInfo.processInfo.activeProcessorCount, count), 1)
            DispatchQueue.concurrentPerform(iterations: width) { reader in
                if reader == width - 1, width > 1, lastCoreAfter != nil { wake.wait() }
                while let index = order.claim() {
                    let part = self[index]
                    let value = try? body(index, part)
                    Self.release(part)
                    order.add(index, value)
                }
            }
            return order.result
        }
    }

    /// Drops the whole pages inside `bytes` from memory (a read-only file mapping reads them
    /// again if touched).
    public static func release(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + bytes.count) / page * page
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, Int32(MADV_DONTNEED)) }
    }
}

extension LineParts {
    /// Each whole line of `bytes`, without its newline, to `body` — the first joined to
    /// `pending` (the end of the previous chunk); what follows the last newline is left in
    /// `pending`. A line longer than `maxLength` throws `tooLong(lines)` before it is handed
    /// on, `lines` being how many lines this call handed on before it.
    @inlinable @inline(__always)
    public static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, pending: inout [UInt8], maxLength: Int,
                                   tooLong: (Int) -> any Error, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try forEachLine(bytes, pending: &pending, maxLength: maxLength, tooLong: tooLong, record: { _, _ in nil }, body)
    }

    /// As `forEachLine`, with `record` offered each line that starts in `bytes` before its end
    /// is searched for: given the line's start and the bytes left, it reads that line — and
    /// as many whole lines after it as it likes — itself, and returns how many bytes and lines
    /// it took (newlines included; each line at most `maxLength + 1` bytes), or nil to leave
    /// the line to `body`. A reader whose common records end where their last field does then
    /// never searches for their newlines, and reads a run of them in one loop of its own.
    @inlinable @inline(__always)
    public static func forEachLine(_ bytes: UnsafeBufferPointer<UInt8>, pending: inout [UInt8], maxLength: Int,
                                   tooLong: (Int) -> any Error, record: (UnsafePointer<UInt8>, Int) throws -> (bytes: Int, lines: Int)?,
                                   _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let base = bytes.baseAddress else { return }
        var start = 0, lines = 0
        if !pending.isEmpty {
            guard let found = memchr(base, 0x0A, bytes.count) else {
                // A tail that is already too long is refused before it is copied.
                if pending.count + bytes.count > maxLength { throw tooLong(0) }
                pending.append(contentsOf: bytes)
                return
            }
            let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: newline))
            if pending.count > maxLength { throw tooLong(0) }
            try pending.withUnsafeBufferPointer { try body($0) }
            pending.removeAll(keepingCapacity: true)
            start = newline + 1
            lines = 1
        }
        while start < bytes.count {
            if let used = try record(base + start, bytes.count - start) {
                start += used.bytes
                lines += used.lines
                continue
            }
            guard let found = memchr(base + start, 0x0A, bytes.count - start) else { break }
            let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if newline - start > maxLength { throw tooLong(lines) }
            try body(UnsafeBufferPointer(start: base + start, count: newline - start))
            start = newline + 1
            lines += 1
        }
        if bytes.count - start > maxLength { throw tooLong(lines) }
        pending.append(contentsOf: UnsafeBufferPointer(start: base + start, count: bytes.count - start))
    }
}

/// The parts' results joined in part order by whichever thread adds the one the join waits
/// for (one thread joins at a time; the others leave theirs and go on reading).
private final class JoinInOrder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private let join: (inout Value, Value) -> Bool
    private var waiting: [Value?]
    private var next = 0
    private var joining = false
    private var failed = false
    private var joined: Value?
    private var claimed = 0

    /// Told the index of the first part not yet joined, whenever it moves.
    private let passed: (Int) -> Void
    /// Told once no part is left to claim (all taken, or the join failed).
    private var noneLeft: (() -> Void)?

    init(count: Int, join: @escaping (inout Value, Value) -> Bool, passed: @escaping (Int) -> Void, noneLeft: @escaping () -> Void) {
        waiting = Array(repeating: nil, count: count)
        self.join = join
        self.passed = passed
        self.noneLeft = noneLeft
    }

    /// The next part to read (in order), nil once all are taken or the join failed.
    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard !failed, claimed < waiting.count else { return nil }
        claimed += 1
        if claimed == waiting.count { tellNoneLeft() }
        return claimed - 1
    }

    /// `noneLeft`, the first time (the lock held).
    private func tellNoneLeft() {
        noneLeft?()
        noneLeft = nil
    }

    /// Part `index`'s value, nil when it failed.
    func add(_ index: Int, _ value: Value?) {
        lock.lock()
        if let value { waiting[index] = value } else { failed = true; tellNoneLeft() }
        guard !joining else { return lock.unlock() }
        joining = true
        while !failed, next < waiting.count, let value = waiting[next] {
            waiting[next] = nil
            next += 1
            lock.unlock()
            var joinedWell = true
            if joined == nil { joined = value } else { joinedWell = join(&joined!, value) }
            passed(next)
            lock.lock()
            if !joinedWell { failed = true; tellNoneLeft() }
        }
        joining = false
        lock.unlock()
    }

    /// The whole join, once every part is added.
    var result: Value? {
        lock.withLock { failed || next < waiting.count ? nil : joined }
    }
}

/// How far from the start of a mapped file a parts read has got: every part before the
/// offset has been read and its pages given back. Work going through the same mapping at the
/// same time (the file's hash) gives back only pages the read has passed, and leaves the
/// others mapped for it.
public final class ReadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var offset = 0

    public init() {}

    func passed(_ offset: Int) { lock.withLock { self.offset = max(self.offset, offset) } }

    /// Every byte before this offset has been read.
    public var readUpTo: Int { lock.withLock { offset } }
}
