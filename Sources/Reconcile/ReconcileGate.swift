import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// The reconcile gate's policy: `gates/reconcile.yml`.
///
/// ```yaml
/// a: exports/websocket.csv        # one side of a dual write
/// b: exports/supabase.jsonl       # the other
/// key: [producer, seq]            # columns that identify an event on both sides
/// compare: [user, amount]         # compared columns (default: every column both sides have)
/// columns: {amount_cents: cents}  # a's name → b's name, where they differ
/// tolerance: 0.005                # numbers this close are equal (default 0: equal values)
/// sequence: {column: seq, group: producer}   # gaps in each producer's sequence numbers
/// checksum: false                 # compare a SHA-256 of each row's values instead of columns
/// max-missing: 0                  # zero data loss
/// max-mismatched: 0
/// max-duplicates: 0
/// max-gaps: 0
/// show: 10                        # ids listed per kind in findings (JSON lists all)
/// ```
public struct ReconcilePolicy: Sendable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("a", .path, "One export (CSV or JSON Lines)."),
        PolicyKey("b", .path, "The other export."),
        PolicyKey("key", .list, "The columns that identify a row on both sides (a's names)."),
        PolicyKey("compare", .list, "The columns compared (a's names; default: every column both sides have, the key left out)."),
        PolicyKey("columns", .mapping, "a's column name → b's, where the two sides name a column differently."),
        PolicyKey("tolerance", .number, "Numbers at most this far apart are equal (default 0)."),
        PolicyKey("sequence", .mapping, "{column: NAME, group: NAME}: the missing numbers of each group's sequence, on each side."),
        PolicyKey("checksum", .bool, "Compare a SHA-256 of each row's compared values instead of the values."),
        PolicyKey("max-missing", .number, "Rows (keys) one side has and the other lacks, allowed (default 0: zero data loss)."),
        PolicyKey("max-mismatched", .number, "Rows whose compared values differ, allowed (default 0)."),
        PolicyKey("max-duplicates", .number, "Repeated keys within a side, allowed (default 0)."),
        PolicyKey("max-gaps", .number, "Missing sequence numbers, allowed (default 0)."),
        PolicyKey("show", .number, "Ids listed per kind in findings (default 10; the JSON result lists all)."),
    ]

    public var a: String?
    public var b: String?
    public var key: [String] = []
    public var compare: [String]?
    public var rename: [String: String] = [:]
    public var tolerance = 0.0
    public var sequence: String?
    public var group: String?
    public var checksum = false
    public var maxMissing = 0, maxMismatched = 0, maxDuplicates = 0, maxGaps = 0
    public var show = 10

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.policyKeys.map(\.name))
        a = try policy.string("a")
        b = try policy.string("b")
        key = try policy.strings("key") ?? []
        compare = try policy.strings("compare")
        for entry in try policy.mapping("columns") ?? [] {
            guard case .scalar(let name, _) = entry.value else {
                throw policy.invalid(line: entry.line, key: "columns.\(entry.key)", expected: "b's name for the column")
            }
            rename[entry.key] = name
        }
        tolerance = try policy.number("tolerance", in: 0...Double.greatestFiniteMagnitude) ?? 0
        if let entries = try policy.mapping("sequence") {
            let sub = Policy(path: policy.path, entries: entries)
            try sub.requireKnownKeys(["column", "group"])
            guard let column = try sub.string("column") else {
                throw policy.invalid(line: policy.entry("sequence")?.line, key: "sequence", expected: "{column: NAME, group: NAME}")
            }
            sequence = column
            group = try sub.string("group")
        }
        checksum = try policy.flag("checksum") ?? false
        maxMissing = Int(try policy.number("max-missing", in: 0...1e15) ?? 0)
        maxMismatched = Int(try policy.number("max-mismatched", in: 0...1e15) ?? 0)
        maxDuplicates = Int(try policy.number("max-duplicates", in: 0...1e15) ?? 0)
        maxGaps = Int(try policy.number("max-gaps", in: 0...1e15) ?? 0)
        show = Int(try policy.number("show", in: 0...1e6) ?? 10)
    }
}

/// `gate reconcile`: two exports of the same events — a dual write's two sinks — compared by
/// key: rows missing from either side, keys repeated within a side, rows whose values differ
/// (numbers by value, within a tolerance), and gaps in each producer's sequence numbers.
/// Each side is read once into key and value digests (not rows), both at once; the few rows a
/// report shows are read again.
public struct ReconcileGate: Sendable {
    public static let id = "reconcile"
    public static let rules = [
        RuleDescriptor(id: "reconcile/missing", severity: .error, summary: "A row one export has is missing from the other.",
                       help: "Data was lost between the two sinks: replay the missing events from the side that has them."),
        RuleDescriptor(id: "reconcile/mismatch", severity: .error, summary: "A row's compared values differ between the exports.",
                       help: "One sink changed or truncated a value; the differing columns are listed."),
        RuleDescriptor(id: "reconcile/duplicate", severity: .error, summary: "A key appears more than once within one export.",
                       help: "A retried write was stored twice; deduplicate by key."),
        RuleDescriptor(id: "reconcile/sequence-gap", severity: .error, summary: "Sequence numbers are missing within a producer's stream.",
                       help: "Events were lost before either sink: check the producer and the transport."),
    ]

    public var policy: ReconcilePolicy
    public var context: GateContext

    public init(policy: ReconcilePolicy, context: GateContext) {
        (self.policy, self.context) = (policy, context)
    }

    /// A difference found: its kind, and the row(s) it is about (line and offset on each side).
    struct Difference {
        enum Kind: String { case missingFromB = "missing from b", missingFromA = "missing from a", duplicateInA = "duplicate in a",
                                 duplicateInB = "duplicate in b", mismatch }
        var kind: Kind
        var a: EventRows.Row?
        var b: EventRows.Row?
        var lineA: Int32? { a?.line }
        var lineB: Int32? { b?.line }
    }

    public func evaluate() throws -> GateResult {
        guard let pathA = policy.a, let pathB = policy.b else {
            throw GateError.usage("reconcile: pass both exports (gate reconcile A B, or a: and b: in gates/reconcile.yml).")
        }
        guard !policy.key.isEmpty else { throw GateError.usage("reconcile: name the key columns (--key COLUMN, repeatable, or key: in the policy).") }
        // Columns: a's names, and b's through the mapping.
        let headerA = try Self.header(context.resolve(pathA), display: pathA), headerB = try Self.header(context.resolve(pathB), display: pathB)
        let inB = { (name: String) in policy.rename[name] ?? name }
        for (name, renamed) in policy.rename.sorted(by: { $0.key < $1.key }) where !headerA.contains(name) || !headerB.contains(renamed) {
            throw GateError.usage("reconcile: columns maps '\(name)' to '\(renamed)', but "
                                  + (headerA.contains(name) ? "\(pathB) has no column '\(renamed)'" : "\(pathA) has no column '\(name)'") + ".")
        }
        let compared = policy.compare ?? headerA.filter { !policy.key.contains($0) && headerB.contains(inB($0)) && $0 != policy.sequence }
        let wantedA = EventRows.Columns(key: policy.key, compared: compared, sequence: policy.sequence, group: policy.group, checksum: policy.checksum)
        let wantedB = EventRows.Columns(key: policy.key.map(inB), compared: compared.map(inB), sequence: policy.sequence.map(inB),
                                        group: policy.group.map(inB), checksum: policy.checksum)
        let context = context
        // Both sides at once: read, then sort by key (and line, so repeats come in file order).
        let sides = parallelMap(2, width: 2) { index -> (EventRows, [(group: String, from: Int64, to: Int64)]) in
            var rows = try EventRows.read(context.resolve(index == 0 ? pathA : pathB), display: index == 0 ? pathA : pathB,
                                          wanted: index == 0 ? wantedA : wantedB)
            if rows.checksums.isEmpty {
                rows.rows.sort { $0.key != $1.key ? $0.key < $1.key : $0.line < $1.line }
            } else {
                // Checksums travel with their rows.
                let order = rows.rows.indices.sorted { rows.rows[$0].key != rows.rows[$1].key ? rows.rows[$0].key < rows.rows[$1].key : rows.rows[$0].line < rows.rows[$1].line }
                (rows.rows, rows.checksums) = (order.map { rows.rows[$0] }, order.map { rows.checksums[$0] })
            }
            return (rows, Self.gaps(rows))
        }
        let (a, gapsA) = try sides[0].get(), (b, gapsB) = try sides[1].get()
        var differences = Self.join(a, b, checksum: policy.checksum)
        // The rows a report shows are read again, once per side: keys for all, values for the
        // rows whose value digests differ (compared value by value, within the tolerance).
        let offsetsA = Set(differences.compactMap { $0.a?.offset }), offsetsB = Set(differences.compactMap { $0.b?.offset })
        let valuesA = try EventRows.values(context.resolve(pathA), display: pathA, offsets: offsetsA, columns: policy.key + compared)
        let valuesB = try EventRows.values(context.resolve(pathB), display: pathB, offsets: offsetsB, columns: (policy.key + compared).map(inB))
        var differing: [Int: [String]] = [:]
        for candidate in differences where candidate.kind == .mismatch {
            let rowA = valuesA[candidate.a!.offset] ?? [:], rowB = valuesB[candidate.b!.offset] ?? [:]
            let columns = compared.filter { !Self.equal(rowA[$0] ?? "", rowB[inB($0)] ?? "", tolerance: policy.tolerance) }
            differing[candidate.a!.offset] = policy.checksum && columns.isEmpty ? ["(row checksum)"] : columns
        }
        differences.removeAll { $0.kind == .mismatch && differing[$0.a!.offset]?.isEmpty == true }
        return report(a: a, b: b, differences: differences, differing: differing, gaps: (gapsA, gapsB), valuesA: valuesA, valuesB: valuesB)
    }

    static func header(_ path: String, display: String) throws -> [String] {
        try EventRows.withBytes(path, display: display, digesting: false) { bytes, _ in
            try RowScanner.header(bytes, path: display) ?? RowScanner(bytes, path: display).columns
        }
    }

    /// Numbers by value within `tolerance`; text exactly; missing equals missing.
    static func equal(_ x: String, _ y: String, tolerance: Double) -> Bool {
        if x == y { return true }
        if let p = Canonical.number(x), let q = Canonical.number(y) { return abs(p - q) <= tolerance }
        return false
    }

    /// Both sides in key order, walked together.
    static func join(_ a: EventRows, _ b: EventRows, checksum: Bool) -> [Difference] {
        var differences: [Difference] = []
        let (rowsA, rowsB) = (a.rows, b.rows)
        var i = 0, j = 0
        while i < rowsA.count || j < rowsB.count {
            let key: EventRows.Digest
            if i < rowsA.count, j < rowsB.count { key = min(rowsA[i].key, rowsB[j].key) } else { key = i < rowsA.count ? rowsA[i].key : rowsB[j].key }
            var endA = i, endB = j
            while endA < rowsA.count, rowsA[endA].key == key { endA += 1 }
            while endB < rowsB.count, rowsB[endB].key == key { endB += 1 }
            for k in stride(from: i + 1, to: endA, by: 1) { differences.append(Difference(kind: .duplicateInA, a: rowsA[k])) }
            for k in stride(from: j + 1, to: endB, by: 1) { differences.append(Difference(kind: .duplicateInB, b: rowsB[k])) }
            if endA == i {
                differences.append(Difference(kind: .missingFromA, b: rowsB[j]))
            } else if endB == j {
                differences.append(Difference(kind: .missingFromB, a: rowsA[i]))
            } else {
                let differ = checksum ? a.checksums[i] != b.checksums[j] : rowsA[i].values != rowsB[j].values
                if differ { differences.append(Difference(kind: .mismatch, a: rowsA[i], b: rowsB[j])) }
            }
            (i, j) = (endA, endB)
        }
        return differences
    }

    /// Per group, the numbers missing between its smallest and largest: (group, first, last).
    static func gaps(_ rows: EventRows) -> [(group: String, from: Int64, to: Int64)] {
        let sorted = rows.sequences.sorted { $0.group != $1.group ? $0.group < $1.group : $0.number < $1.number }
        var gaps: [(String, Int64, Int64)] = []
        for index in sorted.indices.dropFirst() where sorted[index].group == sorted[index - 1].group {
            let (previous, number) = (sorted[index - 1].number, sorted[index].number)
            if number > previous + 1 { gaps.append((rows.groupNames[sorted[index].group] ?? "", previous + 1, number - 1)) }
        }
        return gaps.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
    }

    func report(a: EventRows, b: EventRows, differences: [Difference], differing: [Int: [String]],
                gaps: ([(group: String, from: Int64, to: Int64)], [(group: String, from: Int64, to: Int64)]),
                valuesA: [Int: [String: String]], valuesB: [Int: [String: String]]) -> GateResult {
        let inB = { (name: String) in policy.rename[name] ?? name }
        func key(_ difference: Difference) -> String {
            if let row = difference.a, let values = valuesA[row.offset] { return policy.key.map { values[$0] ?? "" }.joined(separator: "/") }
            if let row = difference.b, let values = valuesB[row.offset] { return policy.key.map { values[inB($0)] ?? "" }.joined(separator: "/") }
            return "?"
        }
        var findings: [Finding] = []
        var measurements: [Measurement] = []
        var details: [(key: String, value: JSONValue)] = []
        func count(_ kinds: [Difference.Kind]) -> [Difference] { differences.filter { kinds.contains($0.kind) } }

        let missing = count([.missingFromA, .missingFromB]), duplicates = count([.duplicateInA, .duplicateInB])
        let mismatched = count([.mismatch]).sorted { $0.lineA! < $1.lineA! }
        let gapCount = (gaps.0 + gaps.1).reduce(0) { $0 + Int($1.to - $1.from + 1) }
        for (name, value, limit) in [("missing", missing.count, policy.maxMissing), ("mismatched", mismatched.count, policy.maxMismatched),
                                     ("duplicates", duplicates.count, policy.maxDuplicates), ("sequence_gaps", gapCount, policy.maxGaps)] {
            measurements.append(Measurement(name: name, value: Double(value), threshold: Double(limit), comparison: .atMost,
                                            verdict: value <= limit ? .pass : .fail))
        }
        measurements.append(Measurement(name: "rows_a", value: Double(a.rows.count)))
        measurements.append(Measurement(name: "rows_b", value: Double(b.rows.count)))

        for (kind, rule, limit, file, lineOf) in [
            (Difference.Kind.missingFromB, "reconcile/missing", policy.maxMissing, a.path, { (d: Difference) in d.lineA }),
            (.missingFromA, "reconcile/missing", policy.maxMissing, b.path, { (d: Difference) in d.lineB }),
            (.duplicateInA, "reconcile/duplicate", policy.maxDuplicates, a.path, { (d: Difference) in d.lineA }),
            (.duplicateInB, "reconcile/duplicate", policy.maxDuplicates, b.path, { (d: Difference) in d.lineB }),
        ] {
            let found = differences.filter { $0.kind == kind }.sorted { (lineOf($0) ?? 0) < (lineOf($1) ?? 0) }
            details.append((kind.rawValue.replacingOccurrences(of: " ", with: "_"),
                            .array(found.map { .object(["key": .string(key($0)), "line": .integer(Int(lineOf($0) ?? 0))]) })))
            guard !found.isEmpty else { continue }
            let total = kind == .missingFromA || kind == .missingFromB ? missing.count : duplicates.count
            let listed = found.prefix(policy.show).map { "\(key($0)) (line \(lineOf($0) ?? 0))" }.joined(separator: ", ")
            let what: String
            switch kind {
            case .missingFromB: what = "\(found.count) row\(found.count == 1 ? "" : "s") of \(a.path) missing from \(b.path)"
            case .missingFromA: what = "\(found.count) row\(found.count == 1 ? "" : "s") of \(b.path) missing from \(a.path)"
            default: what = "\(found.count) repeated key\(found.count == 1 ? "" : "s") in \(file)"
            }
            findings.append(Finding(severity: total > limit ? .error : .warning, rule: rule,
                                    message: what + ": " + listed + (found.count > policy.show ? ", …" : ""),
                                    location: Location(file: file, line: lineOf(found[0]).map(Int.init))))
        }
        details.append(("mismatched", .array(mismatched.map { difference in
            .object(["key": .string(key(difference)), "line_a": .integer(Int(difference.lineA!)), "line_b": .integer(Int(difference.lineB!)),
                     "columns": .array((differing[difference.a!.offset] ?? []).map { .string($0) })])
        })))
        if !mismatched.isEmpty {
            let listed = mismatched.prefix(policy.show).map { difference -> String in
                let columns = differing[difference.a!.offset] ?? []
                let shown = columns.prefix(3).map { column -> String in
                    guard let x = valuesA[difference.a!.offset]?[column], let y = valuesB[difference.b!.offset]?[inB(column)] else { return column }
                    return "\(column) '\(Excerpt.quote(x, limit: 30))' vs '\(Excerpt.quote(y, limit: 30))'"
                }
                return "\(key(difference)) (\(shown.joined(separator: ", ")); lines \(difference.lineA!), \(difference.lineB!))"
            }.joined(separator: "; ")
            findings.append(Finding(severity: mismatched.count > policy.maxMismatched ? .error : .warning, rule: "reconcile/mismatch",
                                    message: "\(mismatched.count) row\(mismatched.count == 1 ? "" : "s") differ: \(listed)" + (mismatched.count > policy.show ? "; …" : ""),
                                    location: Location(file: a.path, line: Int(mismatched[0].lineA!))))
        }
        for (side, found) in [(a.path, gaps.0), (b.path, gaps.1)] {
            details.append(("gaps_" + (side == a.path ? "a" : "b"), .array(found.map {
                .object(["group": .string($0.group), "from": .integer(Int($0.from)), "to": .integer(Int($0.to))])
            })))
            guard !found.isEmpty else { continue }
            let numbers = found.reduce(0) { $0 + Int($1.to - $1.from + 1) }
            let listed = found.prefix(policy.show).map { "\($0.group.isEmpty ? "" : $0.group + " ")\($0.from == $0.to ? "\($0.from)" : "\($0.from)–\($0.to)")" }
                .joined(separator: ", ")
            findings.append(Finding(severity: gapCount > policy.maxGaps ? .error : .warning, rule: "reconcile/sequence-gap",
                                    message: "\(numbers) sequence number\(numbers == 1 ? "" : "s") missing in \(side): \(listed)" + (found.count > policy.show ? ", …" : ""),
                                    location: Location(file: side)))
        }
        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        let summary = differences.isEmpty && gapCount == 0
            ? "\(a.rows.count) and \(b.rows.count) rows reconcile: nothing missing, nothing different"
            : "\(missing.count) missing, \(mismatched.count) mismatched, \(duplicates.count) duplicate\(duplicates.count == 1 ? "" : "s"), \(gapCount) sequence gap\(gapCount == 1 ? "" : "s") (\(a.rows.count) rows in \(a.path), \(b.rows.count) in \(b.path))"
        return GateResult(gate: Self.id, verdict: verdict, summary: summary, measurements: measurements, findings: findings,
                          inputs: [a.input, b.input], rules: Self.rules, details: .orderedObject(details.sorted { $0.key < $1.key }))
    }
}

extension ReconcileGate: Gate {
    public static var policyKeys: [PolicyKey] { ReconcilePolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try ReconcileGate(policy: ReconcilePolicy(policy: policy), context: context).evaluate()
    }
}
