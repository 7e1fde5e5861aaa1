import Foundation
import GateKit
import Recommender

/// A golden set: graded query–product pairs (0 irrelevant … 4 perfect), optionally with
/// "this product must rank in the top k" assertions, and the query texts a ranking engine
/// needs. Read from CSV with a header (`query_id,query,product_id,grade,top_k`; `query` and
/// `top_k` optional), from JSON (an array of objects with the same keys), or from TREC qrels.
public struct GoldenSet: Sendable, Equatable {
    public struct Assertion: Sendable, Equatable {
        public var query: String
        public var product: String
        public var topK: Int
        public var line: Int
    }

    public var qrels: Qrels
    public var assertions: [Assertion]
    public var queryTexts: [String: String]

    public static func read(_ path: String) throws -> (golden: GoldenSet, input: InputDigest) {
        // The opening bytes (past any byte-order mark) decide; the read stops after them.
        struct Enough: Error {}
        var firstLine: [UInt8] = []
        _ = try? InputFile.stream(path, expected: "a golden set", limits: .streamed) { chunk in
            firstLine.append(contentsOf: chunk.prefix(256 - firstLine.count))
            if firstLine.count >= 256 { throw Enough() }
        }
        let opening = String(decoding: firstLine, as: UTF8.self).trimmingCharacters(in: " \t\r\n")
        if opening.hasPrefix("query_id,") { return try readCSV(path) }
        if opening.hasPrefix("[") { return try readJSON(path) }
        let (qrels, digest) = try TRECFiles.readQrels(path)
        return (GoldenSet(qrels: qrels, assertions: [], queryTexts: [:]), digest)
    }

    /// `[{"query_id": "q01", "query": "…", "product_id": "p001", "grade": 4, "top_k": 3}, …]`
    static func readJSON(_ path: String) throws -> (golden: GoldenSet, input: InputDigest) {
        let (bytes, digest) = try InputFile.readAll(path, expected: "a golden set JSON array", limits: .document)
        guard let rows = try JSONTree.foundationValue(bytes, path: path) as? [Any] else {
            throw RelevanceError.malformedLine(path: path, line: 1, problem: "not a JSON array of {query_id, product_id, grade} objects")
        }
        var builder = Builder(path: path)
        for (index, value) in rows.enumerated() {
            let at = "[\(index)]"
            guard let row = value as? [String: Any] else {
                throw RelevanceError.malformedLine(path: path, line: 1, problem: "\(at) is not an object")
            }
            let unknown = Set(row.keys).subtracting(["query_id", "query", "product_id", "grade", "top_k"])
            guard unknown.isEmpty else {
                throw RelevanceError.malformedLine(path: path, line: 1, problem: "\(at) has unknown keys \(unknown.sorted().joined(separator: ", "))")
            }
            func text(_ key: String) -> String? { (row[key] as? String) ?? (row[key] as? NSNumber).map { "\($0)" } }
            try builder.add(query: text("query_id") ?? "", text: text("query") ?? "", product: text("product_id") ?? "",
                            grade: text("grade") ?? "", topK: text("top_k") ?? "", line: 1, at: at + ".")
        }
        return (try builder.golden(), digest)
    }

    /// Collects rows from either format with the same checks.
    struct Builder {
        let path: String
        var queries: [String: [String: Int]] = [:]
        var texts: [String: String] = [:]
        var assertions: [Assertion] = []

        mutating func add(query: String, text: String, product: String, grade gradeText: String, topK: String, line: Int, at: String = "") throws {
            guard !query.isEmpty, !product.isEmpty else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "\(at)query_id and \(at)product_id must not be empty")
            }
            guard let grade = Int(gradeText), (0...4).contains(grade) else {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "\(at)grade '\(gradeText)' is not 0 (irrelevant) to 4 (perfect)")
            }
            if queries[query]?[product] != nil {
                throw RelevanceError.malformedLine(path: path, line: line, problem: "product '\(product)' is graded twice for query '\(query)'")
            }
            queries[query, default: [:]][product] = grade
            if !text.isEmpty { texts[query] = text }
            if !topK.isEmpty {
                guard let k = Int(topK), k > 0 else {
                    throw RelevanceError.malformedLine(path: path, line: line, problem: "\(at)top_k '\(topK)' is not a positive number")
                }
                assertions.append(Assertion(query: query, product: product, topK: k, line: line))
            }
        }

        func golden() throws -> GoldenSet {
            guard !queries.isEmpty else { throw RelevanceError.noRecords(path: path, expected: "graded query–product pairs") }
            return GoldenSet(qrels: Qrels(queries: queries), assertions: assertions, queryTexts: texts)
        }
    }

    /// CSV through the strict reader every gate uses (`CSVRecords`): a quoted field may hold
    /// commas and line breaks; an unclosed quote is an error with its line and column.
    static func readCSV(_ path: String) throws -> (golden: GoldenSet, input: InputDigest) {
        let (bytes, digest) = try InputFile.readAll(path, expected: "a golden set CSV", limits: .lines)
        var header: [String] = []
        var columns: (query: Int, product: Int, grade: Int, text: Int?, top: Int?)?
        var builder = Builder(path: path)
        try bytes.withUnsafeBytes { buffer in
            try CSVRecords.forEach(buffer, path: path) { record in
                let fields = (0..<record.count).map { record.string($0).trimmingCharacters(in: " \t") }
                guard let found = columns else {
                    header = fields
                    func column(_ name: String) -> Int? { header.firstIndex(of: name) }
                    guard let query = column("query_id"), let product = column("product_id"), let grade = column("grade") else {
                        throw RelevanceError.malformedLine(path: path, line: record.line, problem: "the header must name query_id, product_id and grade (and may name query and top_k)")
                    }
                    columns = (query, product, grade, column("query"), column("top_k"))
                    return
                }
                guard fields.count == header.count else {
                    throw RelevanceError.malformedLine(path: path, line: record.line, problem: "expected \(header.count) fields as the header names, found \(fields.count)")
                }
                try builder.add(
                    query: fields[found.query], text: found.text.map { fields[$0] } ?? "", product: fields[found.product],
                    grade: fields[found.grade], topK: found.top.map { fields[$0] } ?? "", line: record.line)
            }
        }
        return (try builder.golden(), digest)
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
