import Foundation

/// A TCP port nothing listens on right now (bound, read, released).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A TCP socket listening on 127.0.0.1 at a port the kernel chose, and that port.
func listeningSocket() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    guard withUnsafeMutablePointer(to: &address, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }) == 0,
          listen(fd, 16) == 0 else {
        close(fd)
        throw POSIXError(.EADDRINUSE)
    }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// GET http://127.0.0.1:port/path over a plain socket: the whole answer, or nil.
public func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 { break }
        answer += buffer.prefix(count)
    }
    return String(decoding: answer, as: UTF8.self)
}

/// An HTTP/1.1 server on 127.0.0.1 for tests: each connection's request (head and a
/// Content-Length body, bounded) goes to `handler` with its arrival index, on its own thread;
/// every request is kept.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        /// The target as sent, query included.
        public var path: String
        /// The request line and headers, as sent.
        public var head: String
        public var body: [UInt8]
        public var text: String { head + "\r\n\r\n" + String(decoding: body, as: UTF8.self) }

        /// A header's value (name case-insensitive), or nil.
        public func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var delay: Double
        public init(status: Int, body: [UInt8], delay: Double = 0) { (self.status, self.body, self.delay) = (status, body, delay) }
        public init(status: Int, text: String, delay: Double = 0) { self.init(status: status, body: Array(text.utf8), delay: delay) }
    }

    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request, Int) -> Response
    private let lock = NSLock()
    private var received: [Request] = []

    public init(_ handler: @escaping @Sendable (Request, Int) -> Response) throws {
        self.handler = handler
        (listener, port) = try listeningSocket()
        Thread.detachNewThread { [self] in serve() }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request so far, in arrival order.
    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            Thread.detachNewThread { [self] in answer(client) }
        }
    }

    private func answer(_ client: Int32) {
        defer { close(client) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var expected = 0
        while bytes.count < 16 << 20 {
            if let end = headEnd, bytes.count >= end + 4 + expected { break }
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer.prefix(count)
            if headEnd == nil, let end = Self.find([13, 10, 13, 10], in: bytes) {
                headEnd = end
                let head = String(decoding: bytes[..<end], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    expected = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        let end = headEnd ?? bytes.count
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let line = head.split(separator: "\r\n").first.map { $0.split(separator: " ") } ?? []
        let request = Request(method: line.first.map(String.init) ?? "", path: line.count > 1 ? String(line[1]) : "",
                              head: head, body: headEnd.map { Array(bytes[min($0 + 4, bytes.count)...]) } ?? [])
        lock.lock()
        let index = received.count
        received.append(request)
        lock.unlock()
        let response = handler(request, index)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        let reason = response.status < 300 ? "OK" : "X"
        let out = Array("HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n\r\n".utf8) + response.body
        var offset = 0
        while offset < out.count {
            let written = out.withUnsafeBytes { write(client, $0.baseAddress! + offset, out.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] && Array(bytes[start..<start + needle.count]) == needle {
            return start
        }
        return nil
    }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A scripted HTTP server on 127.0.0.1 for fault tests: it answers the n-th request with the
/// n-th response of its script (the last one repeats), after that response's delay.
public final class ScriptedHTTPServer: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public var delay: Double = 0
        public init(status: Int, body: String, delay: Double = 0) { (self.status, self.body, self.delay) = (status, body, delay) }
    }

    private let server: LoopbackHTTPServer

    public init(_ script: [Response]) throws {
        server = try LoopbackHTTPServer { _, index in
            let response = script[min(index, script.count - 1)]
            return .init(status: response.status, text: response.body, delay: response.delay)
        }
    }

    public var port: Int { server.port }
    public var url: String { server.url }
    /// Each request as sent: request line, headers, body.
    public var requests: [String] { server.requests.map(\.text) }
    public var requestCount: Int { server.requests.count }
    public func stop() { server.stop() }
}

/// A real Prometheus on 127.0.0.1 over a TSDB backfilled from OpenMetrics text with
/// `promtool tsdb create-blocks-from openmetrics`; stopped (and its directory removed) by `stop`.
public final class PrometheusServer: @unchecked Sendable {
    public let url: String
    private let process: Process
    private let directory: String

    public init(openMetrics: String) throws {
        directory = try Fixtures.temporaryDirectory()
        try Fixtures.write(openMetrics, to: directory + "/data.om")
        try Fixtures.write("global:\n  scrape_interval: 1h\n", to: directory + "/prometheus.yml")
        _ = try Shell.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", directory + "/data.om", directory + "/tsdb"], in: directory)
        let port = freePort()
        url = "http://127.0.0.1:\(port)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary("prometheus"))
        process.arguments = [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/tsdb",
            "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Ready when /-/ready answers 200 (a few seconds at most).
        for _ in 0..<300 {
            if httpGet(port: port, path: "/-/ready")?.contains("Ready") == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw POSIXError(.ETIMEDOUT)
    }

    public static func binary(_ name: String) -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") + ["/usr/bin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return "/usr/bin/" + name
    }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: binary("prometheus")) && FileManager.default.isExecutableFile(atPath: binary("promtool"))
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A file server on 127.0.0.1 for release tests: GET /<name> answers the file <name> of its
/// directory (200), anything else 404. It reads the directory at each request, so a test can
/// change a file between downloads.
public final class FileHTTPServer: @unchecked Sendable {
    private let server: LoopbackHTTPServer

    public init(directory: String) throws {
        server = try LoopbackHTTPServer { request, _ in
            let name = String(request.path.drop { $0 == "/" })
            guard request.method == "GET", !name.isEmpty, !name.contains("/"), !name.hasPrefix("."),
                  let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                return .init(status: 404, text: "not found\n")
            }
            return .init(status: 200, body: [UInt8](data))
        }
    }

    public var url: String { server.url }
    /// The paths asked for so far, in order.
    public var requestedPaths: [String] { server.requests.map(\.path) }
    public func stop() { server.stop() }
}

/// The part of GitHub's REST API the pull-request comment uses, on 127.0.0.1 and in memory:
/// list a pull request's comments (pages of `per_page`), create one, edit one. `failNext`
/// answers the next requests with those statuses first; `readOnly` refuses writes with 403,
/// as GitHub does for a fork's token. Every request is kept.
public final class FakeGitHubAPI: @unchecked Sendable {
    public struct Comment: Sendable, Equatable {
        public var id: Int
        public var body: String
        public var userType: String
    }

    public let repository: String
    public let pullRequest: Int
    public var readOnly = false
    private let lock = NSLock()
    private var stored: [Comment]
    private var nextID = 1000
    private var failures: [Int] = []
    private var server: LoopbackHTTPServer!

    public init(repository: String = "owner/app", pullRequest: Int = 7, comments: [(body: String, userType: String)] = []) throws {
        (self.repository, self.pullRequest) = (repository, pullRequest)
        stored = comments.enumerated().map { Comment(id: 100 + $0.offset, body: $0.element.body, userType: $0.element.userType) }
        server = try LoopbackHTTPServer { [unowned self] request, _ in handle(request) }
    }

    public var url: String { server.url }
    public var requests: [LoopbackHTTPServer.Request] { server.requests }
    public var comments: [Comment] { locked { stored } }
    public func failNext(_ statuses: [Int]) { locked { failures += statuses } }
    public func stop() { server.stop() }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        locked {
            if !failures.isEmpty {
                let status = failures.removeFirst()
                return .init(status: status, text: "{\"message\": \"Server Error\"}")
            }
            let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
            let query = request.path.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            let comments = "/repos/\(repository)/issues/\(pullRequest)/comments"
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["body"] as? String
            switch (request.method, path) {
            case ("GET", comments):
                var page = 1, perPage = 30
                for pair in query.split(separator: "&") {
                    let parts = pair.split(separator: "=")
                    if parts.count == 2, parts[0] == "page" { page = Int(parts[1]) ?? 1 }
                    if parts.count == 2, parts[0] == "per_page" { perPage = Int(parts[1]) ?? 30 }
                }
                let slice = stored.dropFirst((page - 1) * perPage).prefix(perPage)
                let list = slice.map { ["id": $0.id, "body": $0.body, "user": ["login": $0.userType == "Bot" ? "github-actions[bot]" : "someone", "type": $0.userType]] as [String: Any] }
                return .init(status: 200, body: [UInt8]((try? JSONSerialization.data(withJSONObject: list)) ?? Data()))
            case ("POST", comments):
                if readOnly { return .init(status: 403, text: "{\"message\": \"Resource not accessible by integration\"}") }
                guard let body else { return .init(status: 422, text: "{\"message\": \"Invalid request\"}") }
                nextID += 1
                stored.append(Comment(id: nextID, body: body, userType: "Bot"))
                return .init(status: 201, text: "{\"id\": \(nextID)}")
            case ("PATCH", let other) where other.hasPrefix("/repos/\(repository)/issues/comments/"):
                if readOnly { return .init(status: 403, text: "{\"message\": \"Resource not accessible by integration\"}") }
                guard let id = Int(other.split(separator: "/").last ?? ""), let index = stored.firstIndex(where: { $0.id == id }), let body else {
                    return .init(status: 404, text: "{\"message\": \"Not Found\"}")
                }
                stored[index].body = body
                return .init(status: 200, text: "{\"id\": \(id)}")
            default:
                return .init(status: 404, text: "{\"message\": \"Not Found\"}")
            }
        }
    }
}
