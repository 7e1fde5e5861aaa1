import CCurl
import Foundation
import GateKit

/// A bounded warm-up: `requests` GETs in all, at most `concurrency` in flight and `rate` per
/// second, each with a timeout — never an open-ended load.
public enum Warmup {
    public struct Summary: Sendable {
        public var latencies: [Double]
        public var failures: Int
        public var statuses: [Int: Int]
        public var firstError: String?
        public var elapsed: Double

        public var text: String {
            let sorted = latencies.sorted()
            func ms(_ q: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                let rank = max(Int((Double(sorted.count) * q).rounded(.up)) - 1, 0)
                return String(format: "%.2f ms", sorted[min(rank, sorted.count - 1)] * 1000)
            }
            let codes = statuses.keys.sorted().map { "\($0): \(statuses[$0]!)" }.joined(separator: ", ")
            return "\(latencies.count + failures) requests in \(String(format: "%.2f", elapsed)) s: \(failures) failed\(firstError.map { " (first: \($0))" } ?? "")"
                + "; status \(codes.isEmpty ? "-" : codes); latency p50 \(ms(0.5)), p95 \(ms(0.95)), p99 \(ms(0.99))\n"
        }
    }

    public static func run(url: String, requests: Int, concurrency: Int, rate: Double, timeout: Double) throws -> Summary {
        HTTPClient.prepare()
        let state = WarmupState()
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: concurrency) { _ in
            guard let handle = curl_easy_init() else { return }
            defer { curl_easy_cleanup(handle) }
            while let index = state.next(limit: requests) {
                // Pacing: request i is not sent before start + i / rate.
                if rate > 0 {
                    let due = start + UInt64(Double(index) / rate * 1e9)
                    let now = DispatchTime.now().uptimeNanoseconds
                    if due > now { usleep(UInt32(min((due - now) / 1000, 10_000_000))) }
                }
                gate_curl_setopt_string(handle, CURLOPT_URL, url)
                gate_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
                gate_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                gate_curl_setopt_write_function(handle) { _, size, count, _ in size * count }
                let sent = DispatchTime.now().uptimeNanoseconds
                let code = curl_easy_perform(handle)
                let latency = Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e9
                var status = 0
                _ = withUnsafeMutablePointer(to: &status) { gate_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, $0) }
                if code != CURLE_OK {
                    state.record(latency: nil, status: nil, error: String(cString: curl_easy_strerror(code)))
                } else if status >= 400 {
                    state.record(latency: nil, status: status, error: "HTTP \(status)")
                } else {
                    state.record(latency: latency, status: status, error: nil)
                }
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Summary(latencies: state.latencies, failures: state.failures, statuses: state.statuses, firstError: state.firstError, elapsed: elapsed)
    }
}

private final class WarmupState: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    var latencies: [Double] = []
    var failures = 0
    var statuses: [Int: Int] = [:]
    var firstError: String?

    func next(limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard issued < limit else { return nil }
        issued += 1
        return issued - 1
    }

    func record(latency: Double?, status: Int?, error: String?) {
        lock.lock()
        defer { lock.unlock() }
        if let status { statuses[status, default: 0] += 1 }
        if let latency { latencies.append(latency) } else { failures += 1 }
        if let error, firstError == nil { firstError = error }
    }
}
