import Foundation
import GateKit

/// A time series from Prometheus: its labels and (time, value) samples, NaN and ±Inf kept.
public struct PrometheusSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var samples: [Sample]

    public struct Sample: Sendable, Equatable {
        public var time: Double
        public var value: Double
        public init(time: Double, value: Double) { (self.time, self.value) = (time, value) }
    }

    public init(labels: [String: String], samples: [Sample]) { (self.labels, self.samples) = (labels, samples) }
}

/// How to reach Prometheus. Credentials come from environment variables and are never
/// printed: errors and reports name the variable, not its value.
public struct PrometheusEndpoint: Sendable {
    public var url: String
    /// Bearer token from this variable (default PROMETHEUS_TOKEN) when it is set.
    public var tokenVariable = "PROMETHEUS_TOKEN"
    /// Basic auth from these variables when both are set.
    public var userVariable = "PROMETHEUS_USER"
    public var passwordVariable = "PROMETHEUS_PASSWORD"
    /// Seconds for one request, connection included.
    public var timeout = 10.0
    /// Attempts after the first on connection errors, timeouts, 429 and 5xx.
    public var retries = 3
    /// First wait between attempts, doubled each time.
    public var backoff = 0.5

    public init(url: String) { self.url = url }
}

public enum PrometheusError: Error, Equatable, CustomStringConvertible {
    case unreachable(url: String, reason: String, attempts: Int)
    case http(url: String, status: Int, detail: String)
    case api(errorType: String, message: String, query: String)
    case malformed(source: String, problem: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason, let attempts):
            "Prometheus at \(url) did not answer after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason). Is it running, and is the URL right?"
        case .http(let url, let status, let detail):
            "Prometheus at \(url) answered HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)")\(status == 401 || status == 403 ? " (check the credentials in PROMETHEUS_TOKEN, or PROMETHEUS_USER and PROMETHEUS_PASSWORD)" : "")."
        case .api(let errorType, let message, let query):
            "Prometheus refused the query (\(errorType): \(message)): \(query)"
        case .malformed(let source, let problem):
            "\(source): not a Prometheus API response (\(problem))."
        }
    }
}

/// The Prometheus HTTP API over libcurl: instant and range queries with a timeout, retries
/// with exponential backoff on connection errors, timeouts, 429 and 5xx, then an error.
public final class PrometheusClient: @unchecked Sendable {
    public let endpoint: PrometheusEndpoint
    /// Warnings Prometheus attached to answers, for the report. Queries run on several
    /// threads at once (`parallelMap` over the metrics), so they are collected under a lock.
    public var warnings: [String] { lock.withLock { collected } }
    private var collected: [String] = []
    private let lock = NSLock()
    private let environment: [String: String]
    /// Waits between attempts (tests shorten them).
    var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }

    public init(endpoint: PrometheusEndpoint, environment: [String: String] = [:]) {
        self.endpoint = endpoint
        self.environment = environment
    }

    /// `query_range`: every series the query returns over [start, end] at `step` seconds.
    public func queryRange(_ query: String, start: Double, end: Double, step: Double) throws -> [PrometheusSeries] {
        let body = try get("/api/v1/query_range", ["query": query, "start": Self.number(start), "end": Self.number(end), "step": Self.number(step)], query: query)
        var found: [String] = []
        defer { lock.withLock { collected += found } }
        return try Self.parse(body, source: "\(endpoint.url) query_range", query: query, warnings: &found)
    }

    /// `query` at one instant.
    public func query(_ query: String, at time: Double) throws -> [PrometheusSeries] {
        let body = try get("/api/v1/query", ["query": query, "time": Self.number(time)], query: query)
        var found: [String] = []
        defer { lock.withLock { collected += found } }
        return try Self.parse(body, source: "\(endpoint.url) query", query: query, warnings: &found)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private func get(_ path: String, _ parameters: [String: String], query: String) throws -> [UInt8] {
        let base = endpoint.url.hasSuffix("/") ? String(endpoint.url.dropLast()) : endpoint.url
        var headers = ["Accept: application/json"]
        if let token = environment[endpoint.tokenVariable], !token.isEmpty { headers.append("Authorization: Bearer " + token) }
        var userPassword: String?
        if let user = environment[endpoint.userVariable], let password = environment[endpoint.passwordVariable] { userPassword = user + ":" + password }
        var attempt = 0
        while true {
            attempt += 1
            let failure: PrometheusError
            switch HTTPClient.get(base + path, query: parameters, headers: headers, userPassword: userPassword, timeout: endpoint.timeout) {
            case .failure(.tooLarge(let limit)):
                throw PrometheusError.unreachable(url: endpoint.url, reason: "the answer was larger than \(limit >> 20) MiB", attempts: attempt)
            case .failure(.transport(let reason)):
                failure = .unreachable(url: endpoint.url, reason: reason, attempts: attempt)
            case .success(let response) where response.status == 429 || response.status >= 500:
                failure = .http(url: endpoint.url, status: response.status, detail: Self.errorDetail(response.body))
            case .success(let response) where response.status >= 400 && response.status != 400 && response.status != 422:
                throw PrometheusError.http(url: endpoint.url, status: response.status, detail: Self.errorDetail(response.body))
            case .success(let response):
                // 200, and Prometheus's 400/422 with an error body the parser reports.
                return response.body
            }
            guard attempt <= endpoint.retries else { throw failure }
            sleep(endpoint.backoff * pow(2, Double(attempt - 1)))
        }
    }

    /// The `error` of an error body, else its first line, short and free of credentials.
    static func errorDetail(_ body: [UInt8]) -> String {
        if let object = (try? JSONTree.foundationValue(body, path: "answer")) as? [String: Any], let message = object["error"] as? String {
            return String(message.prefix(200))
        }
        return String(String(decoding: body.prefix(200), as: UTF8.self).split(separator: "\n").first ?? "")
    }

    /// Parses an API answer: matrix, vector or scalar; values as strings, NaN and ±Inf
    /// included; `status: error` with `errorType` and `error`; `warnings` kept.
    public static func parse(_ body: [UInt8], source: String, query: String, warnings: inout [String]) throws -> [PrometheusSeries] {
        guard let object = (try? JSONTree.foundationValue(body, path: source)) as? [String: Any] else {
            throw PrometheusError.malformed(source: source, problem: body.isEmpty ? "an empty body" : "not a JSON object: \(String(decoding: body.prefix(60), as: UTF8.self))")
        }
        if let more = object["warnings"] as? [String] { warnings += more }
        guard let status = object["status"] as? String else { throw PrometheusError.malformed(source: source, problem: "no status") }
        if status == "error" {
            throw PrometheusError.api(errorType: object["errorType"] as? String ?? "unknown", message: object["error"] as? String ?? "", query: query)
        }
        guard status == "success", let data = object["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw PrometheusError.malformed(source: source, problem: "status '\(status)' without data.resultType")
        }
        func sample(_ pair: Any?) throws -> PrometheusSeries.Sample {
            guard let pair = pair as? [Any], pair.count == 2, let time = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String,
                  let value = Self.value(text) else {
                throw PrometheusError.malformed(source: source, problem: "a sample that is not [time, \"value\"]")
            }
            return .init(time: time, value: value)
        }
        switch type {
        case "matrix", "vector":
            guard let result = data["result"] as? [[String: Any]] else { throw PrometheusError.malformed(source: source, problem: "data.result is not a list") }
            return try result.map { entry in
                let labels = entry["metric"] as? [String: String] ?? [:]
                if type == "matrix" {
                    guard let values = entry["values"] as? [Any] else { throw PrometheusError.malformed(source: source, problem: "a matrix series without values") }
                    return PrometheusSeries(labels: labels, samples: try values.map(sample))
                }
                return PrometheusSeries(labels: labels, samples: [try sample(entry["value"])])
            }
        case "scalar":
            return [PrometheusSeries(labels: [:], samples: [try sample(data["result"])])]
        default:
            throw PrometheusError.malformed(source: source, problem: "result type '\(type)' (expected matrix, vector or scalar)")
        }
    }

    /// Prometheus writes sample values as strings: decimals, "NaN", "+Inf", "-Inf".
    static func value(_ text: String) -> Double? {
        switch text {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }
}
