import Foundation
import GateKit

/// Reads the result formats teams already produce, told apart by their content:
///
/// | format | shape | what becomes a series |
/// | --- | --- | --- |
/// | gate (`gate bench run/ab --output`) | `{"schema": "gate-bench/v1", …}` | as written |
/// | hyperfine `--export-json` | `{"results": [{command, times[]…}]}` | wall samples, seconds |
/// | Google Benchmark JSON | `{"context", "benchmarks": [{run_type…}]}` | iteration rows' `real_time` per run name, converted from `time_unit`; aggregate rows skipped |
/// | pytest-benchmark JSON | `{"machine_info", "benchmarks": [{stats{data[]…}}]}` | `stats.data` (seconds), or `stats.median` alone |
/// | package-benchmark `jmh` | `[{benchmark, primaryMetric{rawData…}}]` | the raw data, bigger-is-better for throughput modes |
/// | github-action-benchmark custom / package-benchmark `jsonSmallerIsBetter` | `[{name, unit, value}]` | one value each |
/// | k6 summary (`--summary-export` or handleSummary JSON) | `{"metrics": {…}}` | trend metrics' med/p(90)/p(95)/max, rates |
public enum BenchImport {
    public static func read(_ path: String, biggerIsBetter: Bool = false) throws -> (results: BenchResults, input: InputDigest) {
        let (bytes, digest) = try InputFile.readAll(path, expected: "a benchmark result (JSON)", limits: .document)
        let document = try JSONTree.foundationValue(bytes, path: path)
        let results = try parse(document, path: path, biggerIsBetter: biggerIsBetter)
        try check(results, path: path)
        return (results, digest)
    }

    /// Every sample is a cost or a rate: finite, not negative, and an instruction count is a
    /// whole number a Double holds exactly (below 2^53). A relative change against a negative
    /// or astronomically large sample means nothing, so such a file is refused, not judged.
    static func check(_ results: BenchResults, path: String) throws {
        for series in results.series {
            for sample in series.samples + series.user + series.system + series.peakKiB {
                guard sample.isFinite, sample >= 0 else {
                    throw BenchError.unreadable(path: path, problem: "'\(Excerpt.quote(series.name))' has the sample \(Measurement.format(sample)); samples are times, counts or rates, never negative")
                }
                if series.kind == .instructions, sample >= 0x1p53 || sample != sample.rounded() {
                    throw BenchError.unreadable(path: path, problem: "'\(Excerpt.quote(series.name))' has the instruction count \(Measurement.format(sample)), not a whole number below 2^53")
                }
            }
        }
    }

    static func parse(_ document: Any, path: String, biggerIsBetter: Bool) throws -> BenchResults {
        func bad(_ problem: String) -> BenchError { .unreadable(path: path, problem: problem) }
        if let object = document as? [String: Any] {
            if object["schema"] as? String == BenchResults.schema { return try gate(object, bad: bad) }
            if let results = object["results"] as? [[String: Any]], results.first?["command"] != nil { return try hyperfine(results, bad: bad) }
            if let benchmarks = object["benchmarks"] as? [[String: Any]] {
                if object["context"] != nil { return try googleBenchmark(benchmarks, bad: bad) }
                if object["machine_info"] != nil { return try pytestBenchmark(benchmarks, bad: bad) }
            }
            if let metrics = object["metrics"] as? [String: Any] { return try k6(metrics, bad: bad) }
        }
        if let array = document as? [[String: Any]], !array.isEmpty {
            if array[0]["primaryMetric"] != nil { return try jmh(array, bad: bad) }
            if array[0]["value"] != nil, array[0]["name"] != nil { return try custom(array, biggerIsBetter: biggerIsBetter, bad: bad) }
        }
        throw BenchError.unknownFormat(path: path)
    }

    private static func number(_ value: Any?) -> Double? {
        guard let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        return double.isFinite ? double : nil
    }

    private static func gate(_ object: [String: Any], bad: (String) -> BenchError) throws -> BenchResults {
        guard let list = object["benchmarks"] as? [[String: Any]] else { throw bad("no benchmarks array") }
        let series = try list.enumerated().map { index, entry -> BenchSeries in
            guard let name = entry["name"] as? String, let kind = (entry["kind"] as? String).flatMap(BenchSeries.Kind.init),
                  let samples = entry["samples"] as? [Any], !samples.isEmpty else {
                throw bad("benchmarks[\(index)] needs name, kind and samples")
            }
            let values = try samples.map { try number($0) ?? { throw bad("benchmarks[\(index)].samples holds a value that is not a finite number") }() }
            var series = BenchSeries(name: name, kind: kind, unit: entry["unit"] as? String ?? "s", samples: values,
                                     smallerIsBetter: entry["smallerIsBetter"] as? Bool ?? true)
            series.user = (entry["user"] as? [Any])?.compactMap(number) ?? []
            series.system = (entry["system"] as? [Any])?.compactMap(number) ?? []
            series.peakKiB = (entry["peakKiB"] as? [Any])?.compactMap(number) ?? []
            return series
        }
        return BenchResults(source: "gate", series: series, interleavedWith: object["interleavedWith"] as? String, valgrind: object["valgrind"] as? String)
    }

    private static func hyperfine(_ results: [[String: Any]], bad: (String) -> BenchError) throws -> BenchResults {
        let series = try results.enumerated().map { index, entry -> BenchSeries in
            guard let command = entry["command"] as? String else { throw bad("results[\(index)] has no command") }
            let times = (entry["times"] as? [Any])?.compactMap(number) ?? []
            let samples = times.isEmpty ? [number(entry["mean"])].compactMap { $0 } : times
            guard !samples.isEmpty else { throw bad("results[\(index)] ('\(command)') has neither times nor mean") }
            if let codes = entry["exit_codes"] as? [Any], codes.contains(where: { number($0).map { $0 != 0 } ?? false }) {
                throw bad("results[\(index)] ('\(command)') has runs that exited non-zero: they are not timings")
            }
            return BenchSeries(name: command, kind: .wallTime, unit: "s", samples: samples)
        }
        return BenchResults(source: "hyperfine", series: series)
    }

    static let timeUnits: [String: Double] = ["ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1]

    private static func googleBenchmark(_ rows: [[String: Any]], bad: (String) -> BenchError) throws -> BenchResults {
        var order: [String] = []
        var samples: [String: [Double]] = [:]
        for (index, row) in rows.enumerated() {
            if row["run_type"] as? String == "aggregate" { continue }
            if row["error_occurred"] as? Bool == true {
                throw bad("benchmarks[\(index)] ('\(row["name"] as? String ?? "?")') reported an error: \(row["error_message"] as? String ?? "")")
            }
            guard let name = (row["run_name"] as? String) ?? (row["name"] as? String), let time = number(row["real_time"]) else {
                throw bad("benchmarks[\(index)] needs name and real_time")
            }
            let unit = row["time_unit"] as? String ?? "ns"
            guard let scale = timeUnits[unit] else { throw bad("benchmarks[\(index)] has time_unit '\(unit)'") }
            if samples[name] == nil { order.append(name) }
            samples[name, default: []].append(time * scale)
        }
        guard !order.isEmpty else { throw bad("no iteration rows (only aggregates?)") }
        return BenchResults(source: "google-benchmark", series: order.map { BenchSeries(name: $0, kind: .wallTime, unit: "s", samples: samples[$0]!) })
    }

    private static func pytestBenchmark(_ rows: [[String: Any]], bad: (String) -> BenchError) throws -> BenchResults {
        let series = try rows.enumerated().map { index, row -> BenchSeries in
            guard let name = (row["fullname"] as? String) ?? (row["name"] as? String), let stats = row["stats"] as? [String: Any] else {
                throw bad("benchmarks[\(index)] needs name and stats")
            }
            let data = (stats["data"] as? [Any])?.compactMap(number) ?? []
            let samples = data.isEmpty ? [number(stats["median"])].compactMap { $0 } : data
            guard !samples.isEmpty else { throw bad("benchmarks[\(index)] ('\(name)') has neither stats.data nor stats.median") }
            return BenchSeries(name: name, kind: data.isEmpty ? .value : .wallTime, unit: "s", samples: samples)
        }
        return BenchResults(source: "pytest-benchmark", series: series)
    }

    private static func jmh(_ rows: [[String: Any]], bad: (String) -> BenchError) throws -> BenchResults {
        let series = try rows.enumerated().map { index, row -> BenchSeries in
            guard let name = row["benchmark"] as? String, let metric = row["primaryMetric"] as? [String: Any] else {
                throw bad("[\(index)] needs benchmark and primaryMetric")
            }
            let raw = ((metric["rawData"] as? [[Any]]) ?? []).flatMap { $0.compactMap(number) }
            let samples = raw.isEmpty ? [number(metric["score"])].compactMap { $0 } : raw
            guard !samples.isEmpty else { throw bad("[\(index)] ('\(name)') has no rawData or score") }
            let mode = row["mode"] as? String ?? ""
            return BenchSeries(name: name, kind: .value, unit: metric["scoreUnit"] as? String ?? "", samples: samples,
                               smallerIsBetter: mode != "thrpt")
        }
        return BenchResults(source: "jmh", series: series)
    }

    private static func custom(_ rows: [[String: Any]], biggerIsBetter: Bool, bad: (String) -> BenchError) throws -> BenchResults {
        let series = try rows.enumerated().map { index, row -> BenchSeries in
            guard let name = row["name"] as? String, let value = number(row["value"]) else {
                throw bad("[\(index)] needs name and a numeric value")
            }
            return BenchSeries(name: name, kind: .value, unit: row["unit"] as? String ?? "", samples: [value], smallerIsBetter: !biggerIsBetter)
        }
        return BenchResults(source: "custom", series: series)
    }

    /// k6: trend metrics (durations in ms, smaller is better) give `name med`, `name p(90)`,
    /// `name p(95)` and `name max`; rates give `name` (a share: failed requests smaller is better,
    /// checks bigger). Both the `--summary-export` shape (values at the top) and handleSummary's
    /// (under `values`) are read.
    private static func k6(_ metrics: [String: Any], bad: (String) -> BenchError) throws -> BenchResults {
        var series: [BenchSeries] = []
        for name in metrics.keys.sorted() {
            guard let metric = metrics[name] as? [String: Any] else { continue }
            let values = metric["values"] as? [String: Any] ?? metric
            let type = metric["type"] as? String
            if type == "trend" || (type == nil && values["p(95)"] != nil) {
                let unit = (metric["contains"] as? String) == "time" || type == nil ? "ms" : ""
                for statistic in ["med", "p(90)", "p(95)", "max"] {
                    if let value = number(values[statistic]) {
                        series.append(BenchSeries(name: "\(name) \(statistic)", kind: .value, unit: unit, samples: [value]))
                    }
                }
            } else if type == "rate" || (type == nil && values["passes"] != nil), let rate = number(values["rate"] ?? values["value"]) {
                series.append(BenchSeries(name: name, kind: .value, unit: "share", samples: [rate], smallerIsBetter: name != "checks"))
            }
        }
        guard !series.isEmpty else { throw bad("a k6 summary with no trend or rate metric") }
        return BenchResults(source: "k6", series: series)
    }
}

extension BenchResults {
    public static let schema = "gate-bench/v1"

    /// The JSON `gate bench run --output` writes and `BenchImport` reads back.
    public var document: JSONValue {
        var members: [String: JSONValue] = [
            "schema": .string(Self.schema),
            "benchmarks": .array(series.map { s in
                var members: [String: JSONValue] = [
                    "name": .string(s.name), "kind": .string(s.kind.rawValue), "unit": .string(s.unit),
                    "smallerIsBetter": .bool(s.smallerIsBetter), "samples": .array(s.samples.map(JSONValue.number)),
                ]
                if !s.user.isEmpty { members["user"] = .array(s.user.map(JSONValue.number)) }
                if !s.system.isEmpty { members["system"] = .array(s.system.map(JSONValue.number)) }
                if !s.peakKiB.isEmpty { members["peakKiB"] = .array(s.peakKiB.map(JSONValue.number)) }
                return .object(members)
            }),
        ]
        if let interleavedWith { members["interleavedWith"] = .string(interleavedWith) }
        if let valgrind { members["valgrind"] = .string(valgrind) }
        return .object(members)
    }
}
