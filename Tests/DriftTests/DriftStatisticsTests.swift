@testable import Drift
import GateKit
import Testing

/// Each figure against the SciPy/NumPy call written beside it (SciPy 1.17.1, NumPy 2.4.6),
/// on samples both sides generate the same way:
///
///     def sample(n, a, b, c, shift=0.0):
///         return [((i * a) % 997) / 97.0 + ((i * b) % 13) * c + shift for i in range(n)]
@Suite struct DriftStatisticsTests {
    static func sample(_ n: Int, _ a: Int, _ b: Int, _ c: Double, shift: Double = 0) -> [Double] {
        (0..<n).map { i in Double((i * a) % 997) / 97.0 + Double((i * b) % 13) * c + shift }
    }

    static let samples: [String: ([Double], [Double])] = [
        "equal": (sample(40, 31, 7, 0.5), sample(40, 37, 5, 0.55)),
        "unequal": (sample(60, 31, 7, 0.5), sample(45, 41, 3, 0.6)),
        "ties": ((0..<30).map { Double($0 % 5) }, (0..<25).map { Double($0 % 7) }),
        "shifted": (sample(200, 31, 7, 0.5), sample(150, 37, 5, 0.5, shift: 1.5)),
        "big_exact": (sample(3000, 31, 7, 0.5), sample(2500, 37, 11, 0.52)),
        "asymp": (sample(300, 31, 7, 0.5), sample(12000, 37, 11, 0.5, shift: 0.3)),
        "asymp_large": (sample(900, 31, 7, 0.5), sample(15000, 29, 3, 0.51)),
        "asymp_tiny": (sample(100, 31, 7, 0.5), sample(20000, 29, 3, 0.51, shift: 0.8)),
    ]

    /// r = stats.ks_2samp(a, b); (r.statistic, r.pvalue, stats.wasserstein_distance(a, b), np.std(a)).
    /// SciPy's method="auto" is exact when max(n₁, n₂) ≤ 10000 (the first five), else
    /// asymptotic: kstwo.sf(D, round(n₁n₂/(n₁+n₂))) (the last three).
    @Test("KS statistic and p-value, Wasserstein distance and std equal SciPy's", arguments: [
        ("equal", 0.05, 0.9999999999897727, 0.26023195876288646, 3.5998433055965853, KolmogorovSmirnov.Method.exact),
        ("unequal", 0.12222222222222222, 0.7990882072519797, 0.6056701030927832, 3.349913555063105, .exact),
        ("ties", 0.24, 0.3528075961690826, 0.76, 1.4142135623730951, .exact),
        ("shifted", 0.15166666666666667, 0.03531909952633032, 1.3281786941580755, 3.607426911126543, .exact),
        ("big_exact", 0.013933333333333334, 0.9503503921356933, 0.12432413745704476, 3.505466904555848, .exact),
        ("asymp", 0.05075000000000002, 0.4234068288429319, 0.4202731958762889, 3.5399849960021728, .asymptotic),
        ("asymp_large", 0.009400000000000075, 0.9999987805857016, 0.06239345017182131, 3.495926800384557, .asymptotic),
        ("asymp_tiny", 0.11535000000000001, 0.12908011131272656, 1.014807793814433, 3.6436964847111453, .asymptotic),
    ])
    func twoSample(name: String, statistic: Double, pValue: Double, wasserstein: Double, std: Double, method: KolmogorovSmirnov.Method) {
        let (a, b) = Self.samples[name]!
        let result = KolmogorovSmirnov.test(sorted: a.sorted(), b.sorted())
        #expect(result.method == method)
        #expect(abs(result.statistic - statistic) < 1e-12)
        #expect(abs(result.pValue - pValue) < 1e-9, "p \(result.pValue) vs SciPy \(pValue)")
        #expect(abs(DriftStatistics.wasserstein(sorted: a.sorted(), b.sorted()) - wasserstein) < 1e-9)
        #expect(abs(DriftStatistics.standardDeviation(a) - std) < 1e-12)
    }

    /// stats.kstwo.sf(x, n), one case per branch SciPy's kolmogn takes: Ruben–Gambino ends,
    /// 2·smirnov (x ≥ 0.5 or large n x²), Durbin matrix, Pomeranz (n ≤ 140), Pelz–Good.
    @Test("the one-sample KS survival function equals scipy.stats.kstwo.sf", arguments: [
        (5, 0.3, 0.664), (5, 0.9, 1.9999999999999978e-05), (20, 0.05, 0.9999999767980384), (20, 0.15, 0.7044671549442872),
        (20, 0.3, 0.04306706665851623), (20, 0.6, 2.0483011649719853e-07), (100, 0.05, 0.9532159710635725), (100, 0.1, 0.2526927570063874),
        (100, 0.3, 1.7719869892662917e-08), (140, 0.02, 0.9999999774822331), (141, 0.05, 0.854845693009663), (141, 0.2, 2.0276784223976912e-05),
        (300, 0.03, 0.9424664972633843), (300, 0.06, 0.221275575895042), (300, 0.1, 0.004595673656972621), (1000, 0.01, 0.9999496745370611),
        (1000, 0.03, 0.3226902143914636), (1000, 0.05, 0.013012074781090332), (5000, 0.01, 0.6954557253913853),
        (200_000, 0.002, 0.39995085369038097), (10, 0.96, 2.0971520000000185e-14), (50, 0.015, 1.0),
    ])
    func kolmogorov(n: Int, x: Double, expected: Double) {
        let value = KolmogorovSmirnov.kolmogorovSurvival(n: n, x)
        #expect(abs(value - expected) < 1e-9, "kstwo.sf(\(x), \(n)) = \(expected), got \(value)")
    }

    @Test("Jensen-Shannon distance equals scipy.spatial.distance.jensenshannon(p, q, 2)")
    func jensenShannon() {
        // distance.jensenshannon([0.1, 0.4, 0.5, 0.0], [0.2, 0.2, 0.3, 0.3], 2)
        #expect(abs(DriftStatistics.jensenShannon([0.1, 0.4, 0.5, 0], [0.2, 0.2, 0.3, 0.3]) - 0.45276182867540155) < 1e-12)
        // distance.jensenshannon([3, 9, 1], [2, 2, 8], 2): counts are normalised first
        #expect(abs(DriftStatistics.jensenShannon([3, 9, 1], [2, 2, 8]) - 0.5672453063510483) < 1e-12)
        #expect(DriftStatistics.jensenShannon([1, 2, 3], [1, 2, 3]) == 0)
    }

    @Test("chi-square statistic and p-value equal scipy.stats.chisquare(f_obs, f_exp)")
    func chiSquare() {
        // ref = [40, 35, 25]; obs = [30, 45, 25]; stats.chisquare(obs, [r * sum(obs) / sum(ref) for r in ref])
        let small = DriftStatistics.chiSquare(observed: [30, 45, 25], expected: [40, 35, 25])
        #expect(abs(small.statistic - 5.357142857142858) < 1e-12)
        #expect(abs(small.pValue - 0.06866117151308498) < 1e-9)
        // obs = [130, 45, 25, 300]; ref = [400, 35, 250, 315], scaled the same way
        let scale = 500.0 / 1000.0
        let large = DriftStatistics.chiSquare(observed: [130, 45, 25, 300], expected: [400, 35, 250, 315].map { $0 * scale })
        #expect(abs(large.statistic - 276.6428571428571) < 1e-9)
        #expect(abs(large.pValue - 1.1277895967640113e-59) < 1e-9)
        // A category only the current data has: expected 0, statistic infinite, p 0.
        #expect(DriftStatistics.chiSquare(observed: [5, 5, 1], expected: [6, 5, 0]).pValue == 0)
    }

    @Test("the two-proportion z-test equals Evidently's formula with scipy.stats.norm.cdf")
    func zTest() {
        // p1, p2 = 40/100, 55/120; P = (p1*100 + p2*120) / 220
        // 2 * (1 - norm.cdf(abs((p1 - p2) / np.sqrt(P * (1 - P) * (1/100 + 1/120)))))
        #expect(abs(DriftStatistics.proportionsZTest(referenceSuccesses: 40, referenceCount: 100, currentSuccesses: 55, currentCount: 120) - 0.3844288193282097) < 1e-12)
    }

    @Test("PSI with Evidently's zero filling equals the NumPy computation")
    func psi() {
        // fill(a): np.place(a, a == 0, min(a[a != 0]) / 10**6 if min(a[a != 0]) <= 0.0001 else 0.0001)
        // r, c = fill([0.1, 0.4, 0.5, 0.0]), fill([0.2, 0.2, 0.3, 0.3]); sum((r - c) * np.log(r / c))
        let value = DriftStatistics.psi(DriftStatistics.fillingZeros([0.1, 0.4, 0.5, 0]), DriftStatistics.fillingZeros([0.2, 0.2, 0.3, 0.3]))
        #expect(abs(value - 2.7112189124594908) < 1e-12)
        #expect(DriftStatistics.fillingZeros([0.00005, 0, 0.99995]) == [0.00005, 0.00005 / 1e6, 0.99995])
    }

    @Test("Sturges bin edges and histogram counts equal NumPy's")
    func histogram() {
        let a = Self.sample(3000, 31, 7, 0.5), b = Self.sample(2500, 37, 11, 0.52, shift: 0.2)
        // edges = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
        let edges = DriftStatistics.sturgesEdges(sorted: a.sorted(), b.sorted(), integers: false)
        #expect(edges.count == 15)
        #expect(edges[0] == 0.0 && edges[1] == 1.191222385861561 && edges[13] == 15.485891016200291 && edges[14] == 16.677113402061853)
        // np.histogram(a, edges)[0], np.histogram(b, edges)[0]
        #expect(DriftStatistics.histogram(sorted: a.sorted(), edges: edges) == [46, 109, 177, 239, 302, 343, 348, 347, 335, 281, 213, 150, 84, 26])
        #expect(DriftStatistics.histogram(sorted: b.sorted(), edges: edges) == [27, 77, 134, 181, 234, 280, 292, 291, 286, 242, 193, 135, 88, 40])
        // Integer data (int64 in NumPy): width at least 1.
        // np.histogram_bin_edges(np.concatenate([[i % 97 for i in range(5000)], [(i*7) % 89 for i in range(3000)]]), bins="sturges")
        let ia = (0..<5000).map { Double($0 % 97) }.sorted(), ib = (0..<3000).map { Double(($0 * 7) % 89) }.sorted()
        let integerEdges = DriftStatistics.sturgesEdges(sorted: ia, ib, integers: true)
        #expect(integerEdges.count == 15 && integerEdges[1] == 6.857142857142857)
    }

    @Test("a numerical column as Evidently judges it: normed Wasserstein, JS and PSI on Sturges bins")
    func numericalColumn() {
        let a = Self.sample(3000, 31, 7, 0.5), b = Self.sample(2500, 37, 11, 0.52, shift: 0.2)
        var reference = ColumnSample(), current = ColumnSample()
        reference.numbers = a.sorted()
        current.numbers = b.sorted()
        reference.integersOnly = false
        let drift = ColumnComparison.compare("x", kind: .numerical, reference: reference, current: current, test: nil, threshold: nil)
        #expect(drift.test == .wasserstein)  // more than 1000 reference values, more than 5 distinct
        // stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
        #expect(abs(drift.score - 0.0924016544443161) < 1e-9)
        #expect(!drift.drifted)
        // ra, cb = np.histogram(a, edges)[0] / len(a), np.histogram(b, edges)[0] / len(b); PSI as above
        #expect(abs(drift.psi - 0.011428888383210331) < 1e-9)
        let js = ColumnComparison.compare("x", kind: .numerical, reference: reference, current: current, test: .jensenshannon, threshold: nil)
        // distance.jensenshannon(ra, cb, 2)
        #expect(abs(js.score - 0.045234355167512265) < 1e-9)
    }

    @Test("Evidently's default test by kind, reference size and distinct values", arguments: [
        (ColumnKind.numerical, 1000, 6, DriftTest.ks), (.numerical, 1000, 5, .chisquare), (.numerical, 1000, 2, .z),
        (.numerical, 1001, 6, .wasserstein), (.numerical, 1001, 5, .jensenshannon),
        (.categorical, 1000, 3, .chisquare), (.categorical, 1000, 2, .z), (.categorical, 1001, 40, .jensenshannon),
    ])
    func defaultTest(kind: ColumnKind, size: Int, distinct: Int, expected: DriftTest) {
        #expect(DriftTest.choose(kind: kind, referenceSize: size, distinct: distinct) == expected)
    }

    /// 0: too short to be counted (radix passes); 1: long, few distinct values (counted);
    /// 2: long, just past the counted path's limit of 32,768 distinct values (radix passes);
    /// 3: long, whole numbers from -5,000 to 95,000 (counted by value); 4: the same with one
    /// negative zero among them (radix passes, which keep it before the zeros).
    @Test("radix and counting sorts order negative, zero, tiny and huge values as a comparison sort does", arguments: [0, 1, 2, 3, 4])
    func radixSort(shape: Int) {
        var values = (0..<(shape == 0 ? 50_000 : 200_000)).map { i -> Double in
            if shape >= 3 { return Double((i * 7919) % 100_001) - 5000 }
            let x = Double((i * 7919) % (shape == 2 ? 32_769 : 10007)) - 5000
            if shape == 2 { return x / 3 }
            return i % 3 == 0 ? x * 1e-300 : (i % 5 == 0 ? x * 1e300 : x / 7)
        }
        if shape < 3 { values += [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude] }
        if shape == 4 { values.insert(-0.0, at: 1234) }
        var bits = values.map(\.bitPattern)
        #expect(bits.withUnsafeMutableBufferPointer { RadixSort.sortWholeNumbers($0) } == (shape == 3))
        if shape != 3 { #expect(bits == values.map(\.bitPattern)) }
        bits = values.map(\.bitPattern)
        #expect(bits.withUnsafeMutableBufferPointer { RadixSort.sortFewDistinct($0) } == (shape < 2))
        var sorted = values
        RadixSort.sort(&sorted)
        #expect(sorted.map(\.bitPattern) == values.sorted { $0 < $1 || ($0 == $1 && $0.sign == .minus && $1.sign == .plus) }.map(\.bitPattern))
    }

    @Test("values counted by their bytes give the counts a dictionary of strings gives, through every growth of the table")
    func textCounts() {
        var numbers = TestNumbers(state: 5)
        func next(_ bound: Int) -> Int { numbers.next(bound) }
        var counter = TextCounter()
        var expected: [String: Int] = [:]
        #expect(counter.isEmpty)
        for _ in 0..<60_000 {
            // Values of 1 to 70 bytes: many sharing a long prefix, some differing only in length.
            let value = next(3) == 0 ? String(repeating: "a", count: 1 + next(20)) : "catalog/department-\(next(9))/category-\(next(5_000))"
            let isNew = Array(value.utf8).withUnsafeBytes { counter.add($0) }
            #expect(isNew == (expected[value] == nil))
            expected[value, default: 0] += 1
        }
        #expect(!counter.isEmpty && counter.dictionary == expected)
    }

    /// `addSoon` counts a value four calls later, once the table is large enough to fetch ahead:
    /// the counts after `flush()` are those `add` gives, through growth of the table and with
    /// plain `add`s mixed in, on values read in place from one buffer as the CSV reader's are.
    @Test("values counted a few calls later, fetched ahead, give the counts counted at once")
    func textCountsFetchedAhead() {
        var numbers = TestNumbers(state: 9)
        var values: [String] = []
        for _ in 0..<40_000 {
            values.append(numbers.next(4) == 0 ? "ua-\(numbers.next(3))" : "catalog/department-\(numbers.next(9))/category-\(numbers.next(20_000))")
        }
        let text = Array(values.joined().utf8)
        var later = TextCounter(), atOnce = TextCounter()
        var expected: [String: Int] = [:]
        text.withUnsafeBytes { all in
            var offset = 0
            for (index, value) in values.enumerated() {
                let bytes = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + value.utf8.count)])
                offset += bytes.count
                if index % 7 == 0 { later.add(bytes) } else { later.addSoon(bytes) }
                atOnce.add(bytes)
                expected[value, default: 0] += 1
            }
            #expect(!later.isEmpty)
            later.flush()
            later.flush()
        }
        let sameLater = later.dictionary == expected, sameAtOnce = atOnce.dictionary == expected
        #expect(sameLater, "counted later: counts differ")
        #expect(sameAtOnce, "counted at once: counts differ")
        var one = TextCounter()
        Array("a".utf8).withUnsafeBytes { one.addSoon($0); one.flush() }
        #expect(one.dictionary == ["a": 1])
    }

    /// Runs of ties from 1 to 5,000 long, in either sample or both: the distance stepping
    /// over runs by galloping is, bit for bit, the one stepping value by value.
    @Test("the Wasserstein distance over long runs of ties equals the value-by-value sum exactly")
    func wassersteinTies() {
        var numbers = TestNumbers(state: 21)
        func sample(_ values: Int) -> [Double] {
            var out: [Double] = []
            for value in 0..<values {
                let run = [1, 2, 63, 64, 65, 200, 5_000][numbers.next(7)]
                out += Array(repeating: Double(value) * 0.5, count: numbers.next(3) == 0 ? 0 : run)
            }
            return out
        }
        let (u, v) = (sample(300), sample(280))
        var (i, j) = (0, 0)
        var sum = CompensatedSum()
        var previous = min(u[0], v[0])
        while i < u.count || j < v.count {
            let x = j >= v.count || (i < u.count && u[i] <= v[j]) ? u[i] : v[j]
            sum.add(abs(Double(i) / Double(u.count) - Double(j) / Double(v.count)) * (x - previous))
            while i < u.count && u[i] <= x { i += 1 }
            while j < v.count && v[j] <= x { j += 1 }
            previous = x
        }
        #expect(DriftStatistics.wasserstein(sorted: u, v).bitPattern == sum.value.bitPattern)
        #expect(sum.value > 0)
    }

    /// 0: ASCII ids sharing long prefixes (many a prefix of another), some in one sample only:
    /// counted, sorted by their bytes and merged; 1: the same with a few accented values, one
    /// of them spelt decomposed in one sample and precomposed in the other (joined as strings,
    /// where the two spellings are one value).
    @Test("categories merged by their bytes give the keys, counts and new values the string join gives", arguments: [0, 1])
    func categoryJoin(shape: Int) {
        var numbers = TestNumbers(state: 11)
        func sample(_ size: Int, _ spread: Int) -> [String: Int] {
            var counts: [String: Int] = [:]
            for _ in 0..<size {
                let id = numbers.next(spread)
                let value = id % 50 == 0 ? "id-\(id)" : id % 7 == 0 ? "catalog/department-\(id % 7)/category-\(id / 10)" : "catalog/department-\(id % 7)/category-\(id)"
                counts[value, default: 0] += 1
            }
            return counts
        }
        var reference = sample(20_000, 3_000), current = sample(20_000, 3_500)
        if shape == 1 {
            reference["caf\u{E9}"] = 5
            current["cafe\u{301}"] = 7
            current["na\u{EF}ve"] = 2
        }
        func counted(_ counts: [String: Int]) -> TextCounts {
            var counter = TextCounter()
            // Met in an order unlike the sorted one: by the values' bytes read backwards.
            for (value, count) in counts.sorted(by: { $0.key.utf8.reversed().lexicographicallyPrecedes($1.key.utf8.reversed()) }) {
                for _ in 0..<count { Array(value.utf8).withUnsafeBytes { _ = counter.add($0) } }
            }
            return counter.counts
        }
        let (a, b) = (counted(reference), counted(current))
        #expect(a.dictionary == reference && b.dictionary == current)
        #expect(a.total == reference.values.reduce(0, +))
        let joined: CategoryJoin
        if case .ascii(let x) = a, case .ascii(let y) = b {
            #expect(shape == 0)
            joined = CategoryJoin(x, y)
        } else {
            #expect(shape == 1)
            joined = CategoryJoin(a.dictionary, b.dictionary)
        }
        let keys = Set(reference.keys).union(current.keys).sorted()
        #expect(joined.keys == keys)
        #expect(joined.reference == keys.map { reference[$0] ?? 0 })
        #expect(joined.current == keys.map { current[$0] ?? 0 })
        let expectedNew = current.filter { reference[$0.key] == nil }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        #expect(joined.newCategories.map(\.value) == expectedNew.map(\.key))
        #expect(joined.newCategories.map(\.count) == expectedNew.map(\.value))
        #expect(!expectedNew.isEmpty)
        if shape == 1 { #expect(joined.keys.filter { $0.hasPrefix("caf") }.count == 1) }
    }

    /// 0: short strings over three bytes (NUL among them), many equal, many prefixes of
    /// others; 1: ids sharing a 30-byte prefix; 2: "a", "aa", "aaa", …, shuffled — each level
    /// of the radix sort peels off one string, which exhausts its budget and hands the rest to
    /// the comparison sort.
    @Test("byte strings sort as their byte arrays compare, prefixes first, equal ones by index", arguments: [0, 1, 2])
    func byteStrings(shape: Int) {
        var numbers = TestNumbers(state: 3)
        let strings: [[UInt8]] = (0..<(shape == 2 ? 3_000 : 20_000)).map { i in
            switch shape {
            case 0: return (0..<numbers.next(12)).map { _ in [0, 0x61, 0x62][numbers.next(3)] }
            case 1: return Array("catalog/department-17/category-\(numbers.next(100_000))".utf8)
            default: return Array(repeating: 0x61, count: 1 + (i * 1_777) % 3_000)
            }
        }
        var bytes: [UInt8] = []
        var starts = [0]
        for string in strings {
            bytes += string
            starts.append(bytes.count)
        }
        bytes += Array(repeating: 0xFF, count: 8)
        var order = Array(strings.indices)
        bytes.withUnsafeBytes { ByteStrings.sort(&order, bytes: $0, starts: starts) }
        let expected = strings.indices.sorted { a, b in
            strings[a].lexicographicallyPrecedes(strings[b]) || (strings[a] == strings[b] && a < b)
        }
        #expect(order == expected)
    }
}

/// A deterministic stream of numbers for generated test inputs.
struct TestNumbers {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
