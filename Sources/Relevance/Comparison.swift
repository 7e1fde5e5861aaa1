import Foundation
import GateKit

/// Runs compared query by query on the same judgements: every measure per query (trec_eval's,
/// a query missing from a run counting 0), and for every pair of runs and every measure the
/// mean difference, Student's paired t-test and Fisher's randomization test, with the chosen
/// test's p-values corrected for the number of comparisons (Holm by default).
public struct RelevanceComparison: Sendable {
    public enum Test: String, Sendable, CaseIterable { case fisher, ttest }
    public enum Correction: String, Sendable, CaseIterable { case holm, bonferroni, none }

    public struct Options: Sendable {
        public var test = Test.fisher
        public var correction = Correction.holm
        public var alpha = 0.05
        public var permutations = 100_000
        public var seed: UInt64 = 20_261_205
        public init() {}
    }

    /// One pair of runs on one measure: `a` minus `b`.
    public struct Pair: Sendable {
        public var a: Int
        public var b: Int
        public var measure: Int
        public var meanDifference: Double
        public var tTest: PairedTests.TTest
        public var randomization: PairedTests.Randomization
        /// The chosen test's p-value, and after the correction.
        public var p: Double
        public var adjusted: Double
        public var significant: Bool
    }

    public var names: [String]
    public var measures: [Measure]
    public var evaluations: [RelevanceEvaluation]
    public var pairs: [Pair]
    public var options: Options

    public init(qrels: Qrels, runs: [(name: String, run: Run)], measures: [Measure], options: Options = Options()) {
        self.names = runs.map(\.name)
        self.measures = measures
        self.options = options
        evaluations = runs.map { RelevanceEvaluation(qrels: qrels, run: $0.run, measures: measures) }
        var pairs: [Pair] = []
        for a in runs.indices {
            for b in runs.indices where b > a {
                for m in measures.indices {
                    let x = evaluations[a].perQuery.map { $0.values[m] }
                    let y = evaluations[b].perQuery.map { $0.values[m] }
                    let t = PairedTests.tTest(x, y)
                    let r = PairedTests.randomization(x, y, permutations: options.permutations, seed: options.seed)
                    let difference = x.isEmpty ? 0 : zip(x, y).reduce(0) { $0 + $1.0 - $1.1 } / Double(x.count)
                    let p = options.test == .fisher ? r.p : t.p
                    pairs.append(Pair(a: a, b: b, measure: m, meanDifference: difference, tTest: t, randomization: r, p: p, adjusted: p, significant: false))
                }
            }
        }
        let raw = pairs.map(\.p)
        let adjusted: [Double]
        switch options.correction {
        case .holm: adjusted = PairedTests.holm(raw)
        case .bonferroni: adjusted = PairedTests.bonferroni(raw)
        case .none: adjusted = raw
        }
        for index in pairs.indices {
            pairs[index].adjusted = adjusted[index]
            pairs[index].significant = !adjusted[index].isNaN && adjusted[index] < options.alpha
        }
        self.pairs = pairs
    }

    public var queryCount: Int { evaluations.first?.perQuery.count ?? 0 }

    /// The runs a run beats significantly on a measure (letters a, b, … in the table).
    public func beaten(by run: Int, on measure: Int) -> [Int] {
        pairs.filter { $0.measure == measure && $0.significant }.compactMap { pair in
            if pair.a == run && pair.meanDifference > 0 { return pair.b }
            if pair.b == run && pair.meanDifference < 0 { return pair.a }
            return nil
        }.sorted()
    }

    static func letter(_ index: Int) -> String {
        index < 26 ? String(UnicodeScalar(UInt8(97 + index))) : "r\(index + 1)"
    }

    /// The table of means with, beside each, the letters of the runs it beats significantly;
    /// then every pair's figures.
    public var text: String {
        let header = ["#", "run"] + measures.map(\.description)
        var rows: [[String]] = []
        for (index, name) in names.enumerated() {
            rows.append([Self.letter(index), name] + measures.indices.map { m in
                let wins = beaten(by: index, on: m).map(Self.letter).joined()
                return String(format: "%.4f", evaluations[index].means[m]) + (wins.isEmpty ? "" : " " + wins)
            })
        }
        var out = ColumnTable.render(header: header, rows: rows) + "\n"
        let test = options.test == .fisher ? "Fisher's randomization test" : "the paired t-test"
        let correction = options.correction == .none ? "no correction" : options.correction == .holm ? "Holm-corrected" : "Bonferroni-corrected"
        out += "A letter marks a run this one beats: \(test), two-sided, \(correction) over \(pairs.count) comparison\(pairs.count == 1 ? "" : "s"), "
            + "p < \(Measurement.format(options.alpha)), \(queryCount) quer\(queryCount == 1 ? "y" : "ies").\n\n"
        let detailHeader = ["pair", "measure", "difference", "t", "p (t-test)", "p (randomization)", "p adjusted", ""]
        var detail: [[String]] = []
        for pair in pairs {
            let randomization = pair.randomization.exact ? "exact" : "\(pair.randomization.permutations) draws"
            detail.append(["\(Self.letter(pair.a)) - \(Self.letter(pair.b))", measures[pair.measure].description,
                           String(format: "%+.4f", pair.meanDifference), pair.tTest.statistic.isNaN ? "-" : String(format: "%.3f", pair.tTest.statistic),
                           Self.pValue(pair.tTest.p), Self.pValue(pair.randomization.p) + " (\(randomization))", Self.pValue(pair.adjusted),
                           pair.significant ? "significant" : ""])
        }
        let table = ColumnTable.render(header: detailHeader, rows: detail)
        return out + table.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    static func pValue(_ p: Double) -> String {
        if p.isNaN { return "-" }
        return p < 0.0001 ? String(format: "%.1e", p) : String(format: "%.4f", p)
    }

    /// Everything, at full precision (NaN as null).
    public var json: JSONValue {
        func number(_ x: Double) -> JSONValue { x.isNaN ? .null : .number(x) }
        return .object([
            "runs": .array(names.enumerated().map { index, name in
                .object(["name": .string(name), "letter": .string(Self.letter(index)),
                         "means": .object(Dictionary(uniqueKeysWithValues: zip(measures.map(\.description), evaluations[index].means.map(number)))),
                         "missing": .array(evaluations[index].missing.map(JSONValue.string))])
            }),
            "measures": .array(measures.map { .string($0.description) }),
            "queries": .array((evaluations.first?.perQuery ?? []).indices.map { q in
                .object(["query": .string(evaluations[0].perQuery[q].query),
                         "values": .array(evaluations.map { evaluation in
                             .object(Dictionary(uniqueKeysWithValues: zip(measures.map(\.description), evaluation.perQuery[q].values.map(number))))
                         })])
            }),
            "test": .string(options.test.rawValue), "correction": .string(options.correction.rawValue), "alpha": .number(options.alpha),
            "permutations": .integer(options.permutations), "seed": .integer(Int(truncatingIfNeeded: options.seed)),
            "comparisons": .array(pairs.map { pair in
                .object(["a": .string(names[pair.a]), "b": .string(names[pair.b]), "measure": .string(measures[pair.measure].description),
                         "mean_difference": number(pair.meanDifference), "t": number(pair.tTest.statistic), "degrees": .integer(pair.tTest.degrees),
                         "p_ttest": number(pair.tTest.p), "p_randomization": number(pair.randomization.p),
                         "randomization_exact": .bool(pair.randomization.exact), "randomization_permutations": .integer(pair.randomization.permutations),
                         "p_adjusted": number(pair.adjusted), "significant": .bool(pair.significant)])
            }),
        ])
    }
}
