import GateKit

/// The tests a column can be judged by, named as Evidently names them.
public enum DriftTest: String, Sendable, CaseIterable {
    case ks, wasserstein, jensenshannon, chisquare, z, psi

    /// Drift when the score is below the threshold (p-values) rather than at or above it.
    var isPValue: Bool { self == .ks || self == .chisquare || self == .z }

    public var defaultThreshold: Double { isPValue ? 0.05 : 0.1 }

    var title: String {
        switch self {
        case .ks: "K-S p-value"
        case .wasserstein: "Wasserstein distance (normed)"
        case .jensenshannon: "Jensen-Shannon distance"
        case .chisquare: "chi-square p-value"
        case .z: "Z-test p-value"
        case .psi: "PSI"
        }
    }

    /// Evidently's default choice: by kind, by the reference's size (up to 1000 values is
    /// "small") and by the number of distinct values in both samples together.
    static func choose(kind: ColumnKind, referenceSize: Int, distinct: Int) -> DriftTest {
        if referenceSize <= 1000 {
            if kind == .numerical && distinct > 5 { return .ks }
            return distinct > 2 ? .chisquare : .z
        }
        if kind == .numerical && distinct > 5 { return .wasserstein }
        return .jensenshannon
    }
}

public enum ColumnKind: String, Sendable { case numerical, categorical }

/// One column's comparison of reference and current values.
public struct ColumnDrift: Sendable {
    public var column: String
    public var kind: ColumnKind
    public var test: DriftTest
    public var threshold: Double
    public var score: Double
    public var drifted: Bool
    /// The KS statistic and the method SciPy uses at these sizes, for KS columns.
    public var statistic: Double?
    public var method: KolmogorovSmirnov.Method?
    public var psi: Double
    public var referenceCount: Int
    public var currentCount: Int
    /// Bins (numerical) or values (categorical) and their shares, for the histogram.
    public var bins: [String]
    public var referenceShares: [Double]
    public var currentShares: [Double]
    /// Categories of the current data absent from the reference, most frequent first.
    public var newCategories: [(value: String, count: Int)]
}

/// Builds a `ColumnDrift` from the two samples, exactly as Evidently's default data-drift
/// preset would (missing values dropped first).
enum ColumnComparison {
    static func compare(_ column: String, kind: ColumnKind, reference: ColumnSample, current: ColumnSample,
                        test chosen: DriftTest?, threshold: Double?) -> ColumnDrift {
        switch kind {
        case .numerical:
            numerical(column, reference: reference, current: current, test: chosen, threshold: threshold)
        case .categorical:
            categorical(column, reference: counts(reference), current: counts(current), test: chosen, threshold: threshold)
        }
    }

    /// A categorical view of a sample: its texts, and its numbers written as text.
    static func counts(_ sample: ColumnSample) -> [String: Int] {
        var counts = sample.categories
        for value in sample.numbers { counts[numberText(value), default: 0] += 1 }
        return counts
    }

    static func numberText(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    private static func numerical(_ column: String, reference: ColumnSample, current: ColumnSample, test chosen: DriftTest?, threshold: Double?) -> ColumnDrift {
        let (a, b) = (reference.numbers, current.numbers)  // ascending
        // Only "more than 5" (the test) and "more than 20" (the bins) are asked: counting stops at 21.
        let distinctPooled = distinctCount(a, b, atMost: 21)
        let test = chosen ?? DriftTest.choose(kind: .numerical, referenceSize: a.count, distinct: distinctPooled)
        let referenceDistinct = distinctCount(a, [], atMost: 21)
        let integers = reference.integersOnly && current.integersOnly
        // Evidently's binning: a histogram over Sturges bins when the reference has more than
        // 20 distinct values, else one bin per value.
        let (bins, referenceCounts, currentCounts): ([String], [Int], [Int])
        if referenceDistinct > 20 {
            let edges = DriftStatistics.sturgesEdges(sorted: a, b, integers: integers)
            bins = (0..<(edges.count - 1)).map { "\(Measurement.format(edges[$0]))–\(Measurement.format(edges[$0 + 1]))" }
            referenceCounts = DriftStatistics.histogram(sorted: a, edges: edges)
            currentCounts = DriftStatistics.histogram(sorted: b, edges: edges)
        } else {
            let values = distinctValues(a, b)
            bins = values.map(numberText)
            referenceCounts = valueCounts(a, values)
            currentCounts = valueCounts(b, values)
        }
        let referenceShares = referenceCounts.map { Double($0) / Double(a.count) }
        let currentShares = currentCounts.map { Double($0) / Double(b.count) }
        var drift = ColumnDrift(
            column: column, kind: .numerical, test: test, threshold: threshold ?? test.defaultThreshold, score: 0, drifted: false,
            psi: DriftStatistics.psi(DriftStatistics.fillingZeros(referenceShares), DriftStatistics.fillingZeros(currentShares)),
            referenceCount: a.count, currentCount: b.count, bins: bins, referenceShares: referenceShares, currentShares: currentShares,
            newCategories: [])
        switch test {
        case .ks:
            let result = KolmogorovSmirnov.test(sorted: a, b)
            (drift.score, drift.statistic, drift.method) = (result.pValue, result.statistic, result.method)
        case .wasserstein:
            drift.score = DriftStatistics.normedWasserstein(reference: a, current: b)
        case .jensenshannon:
            drift.score = DriftStatistics.jensenShannon(referenceShares, currentShares)
        case .psi:
            drift.score = drift.psi
        case .chisquare, .z:
            let values = distinctValues(a, b)
            let keys = values.map(numberText)
            let ref = Dictionary(uniqueKeysWithValues: zip(keys, valueCounts(a, values)))
            let cur = Dictionary(uniqueKeysWithValues: zip(keys, valueCounts(b, values)))
            drift.score = categoricalPValue(test, reference: ref, current: cur)
        }
        drift.drifted = test.isPValue ? drift.score < drift.threshold : drift.score >= drift.threshold
        return drift
    }

    private static func categorical(_ column: String, reference: [String: Int], current: [String: Int], test chosen: DriftTest?, threshold: Double?) -> ColumnDrift {
        let keys = Set(reference.keys).union(current.keys).sorted()
        let (n1, n2) = (reference.values.reduce(0, +), current.values.reduce(0, +))
        let test = chosen.map { $0 == .ks || $0 == .wasserstein ? DriftTest.jensenshannon : $0 }
            ?? DriftTest.choose(kind: .categorical, referenceSize: n1, distinct: keys.count)
        let referenceShares = keys.map { Double(reference[$0] ?? 0) / Double(n1) }
        let currentShares = keys.map { Double(current[$0] ?? 0) / Double(n2) }
        var drift = ColumnDrift(
            column: column, kind: .categorical, test: test, threshold: threshold ?? test.defaultThreshold, score: 0, drifted: false,
            psi: DriftStatistics.psi(DriftStatistics.fillingZeros(referenceShares), DriftStatistics.fillingZeros(currentShares)),
            referenceCount: n1, currentCount: n2, bins: keys, referenceShares: referenceShares, currentShares: currentShares,
            newCategories: current.filter { reference[$0.key] == nil }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { ($0.key, $0.value) })
        switch test {
        case .jensenshannon: drift.score = DriftStatistics.jensenShannon(referenceShares, currentShares)
        case .psi: drift.score = drift.psi
        default: drift.score = categoricalPValue(test, reference: reference, current: current)
        }
        drift.drifted = test.isPValue ? drift.score < drift.threshold : drift.score >= drift.threshold
        return drift
    }

    /// chi-square (expected = reference counts scaled to the current size) or, for at most
    /// two values, the two-proportion z-test; p = 1 when both samples hold one and the same value.
    static func categoricalPValue(_ test: DriftTest, reference: [String: Int], current: [String: Int]) -> Double {
        let keys = Set(reference.keys).union(current.keys).sorted()
        let (n1, n2) = (reference.values.reduce(0, +), current.values.reduce(0, +))
        if test == .z || keys.count < 2 {
            let (r, c) = (reference.filter { $0.value > 0 }, current.filter { $0.value > 0 })
            if r.count == 1, c.count == 1, r.keys.first == c.keys.first { return 1 }
            guard let first = keys.first else { return 1 }
            return DriftStatistics.proportionsZTest(
                referenceSuccesses: n1 - (reference[first] ?? 0), referenceCount: n1,
                currentSuccesses: n2 - (current[first] ?? 0), currentCount: n2)
        }
        let scale = Double(n2) / Double(n1)
        return DriftStatistics.chiSquare(
            observed: keys.map { Double(current[$0] ?? 0) },
            expected: keys.map { Double(reference[$0] ?? 0) * scale }).pValue
    }

    /// How many distinct values ascending `a` and `b` hold together, counted up to `limit`.
    static func distinctCount(_ a: [Double], _ b: [Double], atMost limit: Int = .max) -> Int {
        var (i, j, count) = (0, 0, 0)
        var last: Double?
        while i < a.count || j < b.count, count < limit {
            let x = j >= b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            if x != last { count += 1; last = x }
            if j >= b.count || (i < a.count && a[i] <= b[j]) { i += 1 } else { j += 1 }
        }
        return count
    }

    static func distinctValues(_ a: [Double], _ b: [Double]) -> [Double] {
        var values: [Double] = []
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            let takeA = j >= b.count || (i < a.count && a[i] <= b[j])
            let x = takeA ? a[i] : b[j]
            if values.last != x { values.append(x) }
            if takeA { i += 1 } else { j += 1 }
        }
        return values
    }

    /// Counts of each of `values` (ascending, covering every element) in ascending `x`.
    static func valueCounts(_ x: [Double], _ values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: values.count)
        var k = 0
        for value in x {
            while values[k] < value { k += 1 }
            counts[k] += 1
        }
        return counts
    }
}
