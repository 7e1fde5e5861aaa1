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

/// A scripted HTTP server on 127.0.0.1 for fault tests: it answers the n-th request with the
/// n-th response of its script (the last one repeats), after that response's delay.
public final class ScriptedHTTPServer: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public var delay: Double = 0
        public init(status: Int, body: String, delay: Double = 0) { (self.status, self.body, self.delay) = (status, body, delay) }
    }

    public let port: Int
    private let listener: Int32
    private let script: [Response]
    private let lock = NSLock()
    public private(set) var requests: [String] = []
    private var stopped = false

    public init(_ script: [Response]) throws {
        self.script = script
        (listener, port) = try listeningSocket()
        Thread.detachNewThread { [self] in serve() }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            lock.lock()
            let index = requests.count
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = read(client, &buffer, buffer.count)
            requests.append(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self))
            let response = script[min(index, script.count - 1)]
            lock.unlock()
            Thread.detachNewThread {
                if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
                let body = Array(response.body.utf8)
                let head = "HTTP/1.1 \(response.status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                let bytes = Array(head.utf8) + body
                _ = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
            }
        }
    }

    public var requestCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return requests.count
    }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
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
/// change a file between downloads; it keeps every request line.
public final class FileHTTPServer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let directory: String
    private let lock = NSLock()
    private var paths: [String] = []

    public init(directory: String) throws {
        self.directory = directory
        (listener, port) = try listeningSocket()
        Thread.detachNewThread { [self] in serve() }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The paths asked for so far, in order.
    public var requestedPaths: [String] {
        lock.lock()
        defer { lock.unlock() }
        return paths
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
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains(where: { $0 == 10 }), request.count < 65536 {
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { break }
            request += buffer.prefix(count)
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : ""
        lock.lock()
        paths.append(path)
        lock.unlock()
        let name = String(path.drop { $0 == "/" })
        var body: [UInt8] = Array("not found\n".utf8)
        var status = "404 Not Found"
        if parts.first == "GET", !name.isEmpty, !name.contains("/"), !name.hasPrefix("."),
           let data = FileManager.default.contents(atPath: directory + "/" + name) {
            body = [UInt8](data)
            status = "200 OK"
        }
        let head = Array("HTTP/1.1 \(status)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        for bytes in [head, body] {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { write(client, $0.baseAddress! + offset, bytes.count - offset) }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
