import Foundation
import GateKit

/// A metric catalog: the names a service exports, with their types where the source says.
/// The dashboards and alerts gates both check queries against it, so a renamed metric
/// breaks dashboards and alerts alike.
///
/// Sources: one name per line, or `name type` per line; a Prometheus text exposition (`# TYPE`
/// lines and samples); the JSON of Prometheus' `/api/v1/metadata`; a live Prometheus's names.
public struct MetricCatalog: Sendable {
    public var names: Set<String> = []
    public var types: [String: String] = [:]
    public var source: String

    public init(source: String) { self.source = source }

    static let knownTypes: Set<String> = ["counter", "gauge", "histogram", "gaugehistogram", "summary", "info", "stateset", "unknown", "untyped"]

    /// Reads a catalog file: JSON (`/api/v1/metadata`) when it starts with `{`, text otherwise.
    public static func parse(_ bytes: [UInt8], source: String) throws -> MetricCatalog {
        if bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{") {
            let tree = try JSONTree.parse(bytes, path: source)
            guard case .object(let data)? = tree["data"] else {
                throw GateError.usage("\(source): not a /api/v1/metadata answer (no data object)")
            }
            var catalog = MetricCatalog(source: source)
            for (name, entries) in data {
                catalog.names.insert(name)
                if let type = entries.array?.first?["type"]?.string { catalog.types[name] = type }
            }
            catalog.addSeriesOfHistograms()
            return catalog
        }
        return parse(String(decoding: bytes, as: UTF8.self), source: source)
    }

    /// One name per line, `name type` per line, or a Prometheus text exposition.
    public static func parse(_ text: String, source: String) -> MetricCatalog {
        var catalog = MetricCatalog(source: source)
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count >= 4, parts[1] == "TYPE" {
                    catalog.names.insert(String(parts[2]))
                    catalog.types[String(parts[2])] = String(parts[3])
                }
                continue
            }
            let name = String(line.prefix { $0 != "{" && $0 != " " && $0 != "\t" })
            guard !name.isEmpty else { continue }
            catalog.names.insert(name)
            // `name type`: a type word where an exposition has a sample value.
            let rest = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            if knownTypes.contains(rest) { catalog.types[name] = rest }
        }
        catalog.addSeriesOfHistograms()
        return catalog
    }

    /// A histogram's and a summary's series.
    mutating func addSeriesOfHistograms() {
        for (name, type) in types where type == "histogram" || type == "summary" {
            names.formUnion([name + "_count", name + "_sum"] + (type == "histogram" ? [name + "_bucket"] : []))
        }
    }

    public func contains(_ name: String) -> Bool { names.contains(name) }

    /// A series name's type: its own, or for `_bucket`, `_count` and `_sum` of a histogram or
    /// summary, counter.
    public func type(of name: String) -> String? {
        if let type = types[name] { return type }
        for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) {
            if let base = types[String(name.dropLast(suffix.count))], base == "histogram" || base == "summary" { return "counter" }
        }
        return nil
    }

    /// promlint's conventions, as promtool check metrics applies them.
    public func namingProblems() -> [(name: String, problem: String)] {
        var problems: [(String, String)] = []
        let abbreviations = ["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"]
        let nonBase = ["milliseconds": "seconds", "microseconds": "seconds", "nanoseconds": "seconds", "minutes": "seconds", "hours": "seconds",
                       "days": "seconds", "kilobytes": "bytes", "megabytes": "bytes", "gigabytes": "bytes", "bits": "bytes"]
        for name in names.sorted() {
            let words = name.split(separator: "_").map(String.init)
            if name.contains(where: { $0.isUppercase }) { problems.append((name, "metric names should be written in 'snake_case' not 'camelCase'")) }
            if name.contains(":") { problems.append((name, "metric names should not contain ':'")) }
            if let word = words.first(where: { abbreviations.contains($0) }) { problems.append((name, "metric names should not contain abbreviated units: _\(word)")) }
            if let word = words.first(where: { nonBase[$0] != nil }) { problems.append((name, "use base unit \"\(nonBase[word]!)\" instead of \"\(word)\"")) }
            for kind in ["counter", "gauge", "histogram", "summary"] where words.contains(kind) {
                problems.append((name, "metric names should not include type '\(kind)'"))
            }
            if let type = types[name] {
                if type == "counter", !name.hasSuffix("_total") { problems.append((name, "counter metrics should have \"_total\" suffix")) }
                if type != "counter", type != "untyped", name.hasSuffix("_total") { problems.append((name, "non-counter metrics should not have \"_total\" suffix")) }
            }
        }
        return problems
    }

    /// The catalog a gate's policy names: a file (`catalog`), a live Prometheus
    /// (`catalog-prometheus`), or both merged; the file's digest is added to `inputs`.
    public static func load(file: String?, prometheus: String?, context: GateContext, inputs: inout [InputDigest]) throws -> MetricCatalog? {
        var catalog: MetricCatalog?
        if let path = file {
            let (bytes, read) = try InputFile.readAll(context.resolve(path), expected: "a metric catalog (names, or a Prometheus exposition)", limits: .lines)
            inputs.append(InputDigest(path: path, sha256: read.sha256))
            catalog = try parse(bytes, source: path)
        }
        if let url = prometheus {
            var live = try Self.live(url, environment: context.environment.variables)
            if let file = catalog {
                live.names.formUnion(file.names)
                live.types.merge(file.types) { a, _ in a }
                live.source = file.source + " and " + live.source
            }
            catalog = live
        }
        return catalog
    }

    /// The metric names a live Prometheus has, one request (`PROMETHEUS_TOKEN` as a bearer
    /// token when set; never printed).
    public static func live(_ url: String, environment: [String: String]) throws -> MetricCatalog {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        var headers = ["Accept: application/json"]
        if let token = environment["PROMETHEUS_TOKEN"], !token.isEmpty { headers.append("Authorization: Bearer " + token) }
        let source = "\(base)/api/v1/label/__name__/values"
        switch HTTPClient.get(source, headers: headers, timeout: 10) {
        case .failure(.transport(let reason)):
            throw GateError.toolFailed(command: "GET \(source)", message: "\(reason). Is Prometheus running there?")
        case .failure(.tooLarge(let limit)):
            throw GateError.toolFailed(command: "GET \(source)", message: "the answer is larger than \(limit >> 20) MiB")
        case .success(let response):
            guard response.status == 200,
                  let tree = try? response.body.withUnsafeBytes({ try JSONTree.parse($0) }),
                  tree["status"]?.string == "success", let names = tree["data"]?.array else {
                throw GateError.toolFailed(command: "GET \(source)", message: "HTTP \(response.status), not a label-values answer")
            }
            var catalog = MetricCatalog(source: source)
            catalog.names = Set(names.compactMap(\.string))
            return catalog
        }
    }
}
