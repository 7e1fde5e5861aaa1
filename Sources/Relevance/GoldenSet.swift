import GateKit

/// A golden set: graded query–product pairs (0 irrelevant … 4 perfect), optionally with
/// "this product must rank in the top k" assertions, and the query texts a ranking engine
/// needs. Read from CSV with a header (`query_id,query,product_id,grade,top_k`; `query` and
/// `top_k` optional) or from TREC qrels.
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
        var firstLine: [UInt8] = []
        _ = try? InputFile.stream(path, expected: "a golden set") { chunk in
            if firstLine.isEmpty { firstLine = Array(chunk.prefix(256)) }
        }
        if String(decoding: firstLine, as: UTF8.self).hasPrefix("query_id,") { return try readCSV(path) }
        let (qrels, digest) = try TRECFiles.readQrels(path)
        return (GoldenSet(qrels: qrels, assertions: [], queryTexts: [:]), digest)
    }

    static func readCSV(_ path: String) throws -> (golden: GoldenSet, input: InputDigest) {
        var bytes: [UInt8] = []
        let digest = try InputFile.stream(path, expected: "a golden set CSV") { bytes.append(contentsOf: $0) }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let header = CSVLine.fields(String(lines[0]))
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let queryColumn = column("query_id"), let productColumn = column("product_id"), let gradeColumn = column("grade") else {
            throw RelevanceError.malformedLine(path: path, line: 1, problem: "the header must name query_id, product_id and grade (and may name query and top_k)")
        }
        let textColumn = column("query"), topColumn = column("top_k")
        var queries: [String: [String: Int]] = [:]
        var texts: [String: String] = [:]
        var assertions: [Assertion] = []
        for (index, raw) in lines.enumerated().dropFirst() {
            let lineNumber = index + 1
            var text = String(raw)
            if text.hasSuffix("\r") { text.removeLast() }
            if text.trimmingCharacters(in: " \t").isEmpty { continue }
            let fields = CSVLine.fields(text)
            guard fields.count == header.count else {
                throw RelevanceError.malformedLine(path: path, line: lineNumber, problem: "expected \(header.count) fields as the header names, found \(fields.count)")
            }
            let query = fields[queryColumn], product = fields[productColumn]
            guard !query.isEmpty, !product.isEmpty else {
                throw RelevanceError.malformedLine(path: path, line: lineNumber, problem: "query_id and product_id must not be empty")
            }
            guard let grade = Int(fields[gradeColumn]), (0...4).contains(grade) else {
                throw RelevanceError.malformedLine(path: path, line: lineNumber, problem: "grade '\(fields[gradeColumn])' is not 0 (irrelevant) to 4 (perfect)")
            }
            if queries[query]?[product] != nil {
                throw RelevanceError.malformedLine(path: path, line: lineNumber, problem: "product '\(product)' is graded twice for query '\(query)'")
            }
            queries[query, default: [:]][product] = grade
            if let textColumn, !fields[textColumn].isEmpty { texts[query] = fields[textColumn] }
            if let topColumn, !fields[topColumn].isEmpty {
                guard let k = Int(fields[topColumn]), k > 0 else {
                    throw RelevanceError.malformedLine(path: path, line: lineNumber, problem: "top_k '\(fields[topColumn])' is not a positive number")
                }
                assertions.append(Assertion(query: query, product: product, topK: k, line: lineNumber))
            }
        }
        guard !queries.isEmpty else { throw RelevanceError.noRecords(path: path, expected: "graded query–product pairs") }
        return (GoldenSet(qrels: Qrels(queries: queries), assertions: assertions, queryTexts: texts), digest)
    }
}

/// One CSV record (RFC 4180: fields in double quotes may hold commas and doubled quotes).
enum CSVLine {
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { current.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(current); current = "" } else { current.append(next) }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.isEmpty {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields.map { $0.trimmingCharacters(in: " \t") }
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
