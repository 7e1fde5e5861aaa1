import Dispatch
import Foundation

/// `body(i)` for every `i` in `0..<count`, `width` at a time (default: one per core; more for
/// work that waits on the network), each result in its index's place — a thrown error there
/// too. The gates read files, sort columns and query servers this way.
public func parallelMap<Value>(_ count: Int, width: Int = ProcessInfo.processInfo.activeProcessorCount,
                               _ body: @Sendable (Int) throws -> Value) -> [Result<Value, any Error>] {
    let slots = ParallelSlots<Value>(count: count)
    DispatchQueue.concurrentPerform(iterations: max(min(width, count), 1)) { _ in
        while let index = slots.claim() {
            let result = Result { try body(index) }
            slots.set(index, result)
        }
    }
    return slots.results.map { $0! }
}

private final class ParallelSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var results: [Result<Value, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < results.count else { return nil }
        next += 1
        return next - 1
    }

    func set(_ index: Int, _ result: Result<Value, any Error>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }
}

/// Work started on another core now, its result (or error) waited for when it is asked for:
/// a second input read while the caller reads the first.
public final class Background<Value>: @unchecked Sendable {
    private let done = DispatchGroup()
    private var result: Result<Value, any Error>?

    public init(_ body: @escaping @Sendable () throws -> Value) {
        done.enter()
        DispatchQueue.global().async {
            self.result = Result { try body() }
            self.done.leave()
        }
    }

    public var value: Result<Value, any Error> {
        done.wait()
        return result!
    }
}
