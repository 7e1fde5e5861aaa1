import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            // Texts only, ASCII on both sides: merged by their bytes; else as strings.
            if reference.numbers.isEmpty, current.numbers.isEmpty, case .ascii(let a) = reference.texts, case .ascii(let b) = current.texts {
                categorical(column, joined: CategoryJoin(a, b), test: chosen, threshold: threshold)
            } else {
                categorical(column, joined: CategoryJoin(counts(reference), counts(current)), test: chosen, threshold: threshold)
            }
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

    private static func categorical(_ column: String, joined: CategoryJoin, test chosen: DriftTest?, threshold: Double?) -> ColumnDrift {
        let keys = joined.keys
        let (n1, n2) = (joined.reference.reduce(0, +), joined.current.reduce(0, +))
        let test = chosen.map { $0 == .ks || $0 == .wasserstein ? DriftTest.jensenshannon : $0 }
            ?? DriftTest.choose(kind: .categorical, referenceSize: n1, distinct: keys.count)
        let referenceShares = joined.reference.map { Double($0) / Double(n1) }
        let currentShares = joined.current.map { Double($0) / Double(n2) }
        var drift = ColumnDrift(
            column: column, kind: .categorical, test: test, threshold: threshold ?? test.defaultThreshold, score: 0, drifted: false,
            psi: DriftStatistics.psi(DriftStatistics.fillingZeros(referenceShares), DriftStatistics.fillingZeros(currentShares)),
            referenceCount: n1, currentCount: n2, bins: keys, referenceShares: referenceShares, currentShares: currentShares,
            newCategories: joined.newCategories)
        switch test {
        case .jensenshannon: drift.score = DriftStatistics.jensenShannon(referenceShares, currentShares)
        case .psi: drift.score = drift.psi
        default:
            drift.score = categoricalPValue(test, reference: Dictionary(uniqueKeysWithValues: zip(keys, joined.reference)),
                                            current: Dictionary(uniqueKeysWithValues: zip(keys, joined.current)))
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

/// Two samples' categories side by side: every value either holds, ascending as Swift orders
/// strings, with its count in each (0 where absent). Two samples of ASCII values, each already
/// in byte order (`SortedTexts`), are merged: one pass, no hashing, no sort — tens of thousands
/// of categories join in a few milliseconds rather than a tenth of a second. Other text goes
/// through sets and dictionaries, which compare as Swift does (canonically equivalent spellings
/// are one value).
struct CategoryJoin {
    var keys: [String] = []
    var reference: [Int] = []
    var current: [Int] = []

    init(_ reference: [String: Int], _ current: [String: Int]) {
        keys = Set(reference.keys).union(current.keys).sorted()
        self.reference = keys.map { reference[$0] ?? 0 }
        self.current = keys.map { current[$0] ?? 0 }
    }

    init(_ reference: SortedTexts, _ current: SortedTexts) {
        let (m, n) = (reference.counts.count, current.counts.count)
        keys.reserveCapacity(max(m, n))
        self.reference.reserveCapacity(max(m, n))
        self.current.reserveCapacity(max(m, n))
        var (i, j) = (0, 0)
        while i < m || j < n {
            let order = j == n ? -1 : i == m ? 1 : reference.order(i, current, j)
            keys.append(order <= 0 ? reference.text(i) : current.text(j))
            self.reference.append(order <= 0 ? reference.counts[i] : 0)
            self.current.append(order >= 0 ? current.counts[j] : 0)
            if order <= 0 { i += 1 }
            if order >= 0 { j += 1 }
        }
    }

    /// The current sample's values the reference lacks, most frequent first (then ascending).
    var newCategories: [(value: String, count: Int)] {
        keys.indices.filter { reference[$0] == 0 && current[$0] > 0 }
            .sorted { (current[$1], $0) < (current[$0], $1) }
            .map { (keys[$0], current[$0]) }
    }
}

/// Sorting byte strings held end to end in one buffer.
enum ByteStrings {
    /// Sorts `order` (indices of strings; string k is bytes[starts[k]..<starts[k + 1]], and
    /// `bytes` has eight readable bytes past the last string) ascending by bytes, a prefix
    /// before the longer string, equal strings by index. A three-way radix quicksort
    /// (Bentley and Sedgewick) on seven bytes at a time: strings sharing long prefixes — ids,
    /// paths — are not compared from their first byte again at every step, as a comparison
    /// sort compares them. Should a planted input make the partitions degenerate, it stops and
    /// leaves the rest to a comparison sort, so the time stays O(n log n) whatever the input.
    static func sort(_ order: inout [Int], bytes: UnsafeRawBufferPointer, starts: [Int]) {
        starts.withUnsafeBufferPointer { sort(&order, bytes: bytes, starts: $0) }
    }

    private static func sort(_ order: inout [Int], bytes: UnsafeRawBufferPointer, starts: UnsafeBufferPointer<Int>) {
        let n = order.count
        guard n > 1, let base = bytes.baseAddress else { return }
        /// String k's seven bytes from `depth` (zeros past its end) above how many bytes it has
        /// from there, at most 8: ordered as the strings' bytes are, a string that ends
        /// before one that goes on; 8 in the low byte means there is more past these seven.
        @inline(__always) func chunk(_ k: Int, _ depth: Int) -> UInt64 {
            let at = starts[k] &+ depth
            let left = starts[k &+ 1] &- at
            guard left > 0 else { return 0 }
            let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) >> 8
            let kept = left >= 7 ? word : word & ~(UInt64.max >> (8 &+ 8 &* UInt64(left)))
            return kept << 8 | UInt64(min(left, 8))
        }
        @inline(__always) func less(_ a: Int, _ b: Int, from depth: Int) -> Bool {
            let (x, y) = (starts[a] &+ depth, starts[b] &+ depth)
            let (m, l) = (starts[a &+ 1] &- x, starts[b &+ 1] &- y)
            let common = min(m, l)
            if common > 0 {
                let compared = memcmp(base + x, base + y, common)
                if compared != 0 { return compared < 0 }
            }
            return m != l ? m < l : a < b
        }
        // Partition steps allowed before giving up: generous for any real input.
        var budget = 16 * n * (Int.bitWidth - n.leadingZeroBitCount) + 4096
        var pending: [(low: Int, count: Int, depth: Int)] = [(0, n, 0)]
        let finished: Bool = order.withUnsafeMutableBufferPointer { order in
            while let (low, count, depth) = pending.popLast() {
                if count < 12 {
                    // Insertion sort by the bytes from `depth` on.
                    for i in (low + 1)..<(low + count) {
                        let k = order[i]
                        var j = i
                        while j > low, less(k, order[j - 1], from: depth) {
                            order[j] = order[j - 1]
                            j -= 1
                        }
                        order[j] = k
                    }
                    continue
                }
                budget -= count
                if budget < 0 { return false }
                // The median of three chunks as the pivot; then < pivot | = pivot | > pivot.
                let (p, q, r) = (chunk(order[low], depth), chunk(order[low + count / 2], depth), chunk(order[low + count - 1], depth))
                let pivot = max(min(p, q), min(max(p, q), r))
                var (lt, i, gt) = (low, low, low + count - 1)
                while i <= gt {
                    let c = chunk(order[i], depth)
                    if c < pivot {
                        order.swapAt(lt, i)
                        lt += 1
                        i += 1
                    } else if c > pivot {
                        order.swapAt(i, gt)
                        gt -= 1
                    } else {
                        i += 1
                    }
                }
                if lt > low { pending.append((low, lt - low, depth)) }
                if gt + 1 < low + count { pending.append((gt + 1, low + count - gt - 1, depth)) }
                if pivot & 0xFF == 8 {
                    pending.append((lt, gt + 1 - lt, depth + 7))
                } else {
                    // Strings that all ended within these bytes are equal: by index.
                    order[lt...gt].sort()
                }
            }
            return true
        }
        if !finished {
            order.sort { less($0, $1, from: 0) }
        }
    }
}
