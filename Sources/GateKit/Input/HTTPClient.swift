import CCurl

/// HTTP over libcurl, for the gates that talk to a server (the canary's Prometheus queries,
/// the dashboard gate's live metric catalog, the pull-request comment): a timeout, no
/// redirects, no signals, a bounded body. Retrying is the caller's business.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public enum Failure: Error, Equatable {
        /// No answer: connection refused, timeout, DNS, TLS … (`reason` is libcurl's).
        case transport(reason: String)
        /// The body passed `limit` bytes.
        case tooLarge(limit: Int)
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// libcurl's one-time initialisation, for callers that drive easy handles themselves.
    public static func prepare() { _ = globalInit }

    /// A GET; `query` is encoded (`key=value&…`, keys sorted) and appended to `url`.
    public static func get(_ url: String, query: [String: String] = [:], headers: [String] = [], userPassword: String? = nil,
                           timeout: Double, limit: Int = 256 << 20) -> Result<Response, Failure> {
        send("GET", url, query: query, headers: headers, userPassword: userPassword, timeout: timeout, limit: limit)
    }

    /// `method` (GET, POST, PATCH …) with `body` when given.
    public static func send(_ method: String, _ url: String, query: [String: String] = [:], headers: [String] = [], body: [UInt8]? = nil,
                            userPassword: String? = nil, timeout: Double, limit: Int = 256 << 20) -> Result<Response, Failure> {
        _ = globalInit
        guard let handle = curl_easy_init() else { return .failure(.transport(reason: "libcurl could not start")) }
        defer { curl_easy_cleanup(handle) }
        var full = url
        if !query.isEmpty {
            full += "?" + query.keys.sorted().map { key -> String in
                let value = query[key]!
                let escaped = curl_easy_escape(handle, value, Int32(value.utf8.count)).map { pointer -> String in
                    defer { curl_free(pointer) }
                    return String(cString: pointer)
                } ?? ""
                return key + "=" + escaped
            }.joined(separator: "&")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let buffer = BodyBuffer(limit: limit)
        gate_curl_setopt_string(handle, CURLOPT_URL, full)
        gate_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        gate_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, 5) * 1000))
        gate_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        gate_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        if list != nil { gate_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)) }
        if let userPassword { gate_curl_setopt_string(handle, CURLOPT_USERPWD, userPassword) }
        if method != "GET" { gate_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method) }
        if let body {
            // COPYPOSTFIELDS: libcurl keeps its own copy, of the size set first.
            gate_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            (body + [0]).withUnsafeBytes { gate_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
        }
        gate_curl_setopt_write_function(handle) { data, size, count, context in
            let buffer = Unmanaged<BodyBuffer>.fromOpaque(context!).takeUnretainedValue()
            let total = size * count
            guard buffer.bytes.count + total <= buffer.limit else { return 0 }
            data.map { buffer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: $0, count: total)) }
            return total
        }
        gate_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(buffer).toOpaque())
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            return .failure(code == CURLE_WRITE_ERROR ? .tooLarge(limit: limit) : .transport(reason: String(cString: curl_easy_strerror(code))))
        }
        var status = 0
        _ = withUnsafeMutablePointer(to: &status) { gate_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, $0) }
        return .success(Response(status: status, body: buffer.bytes))
    }
}

private final class BodyBuffer {
    let limit: Int
    var bytes: [UInt8] = []
    init(limit: Int) { self.limit = limit }
}
