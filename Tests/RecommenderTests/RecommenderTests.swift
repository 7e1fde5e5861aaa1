import Foundation
import GateTestSupport
import Recommender
import Testing

/// BM25 against rank_bm25, the tokenizer, the catalog reader and keyword search.
@Suite struct BM25Tests {
    @Test("BM25 scores equal rank_bm25's BM25Okapi to 1e-9 on every document for every query")
    func agreesWithRankBM25() throws {
        let corpus = try Fixtures.text("recommender/bm25-corpus.txt").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let queries = try Fixtures.text("recommender/bm25-queries.txt").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let expected = try #require(try JSONSerialization.jsonObject(
            with: Data(try Fixtures.text("recommender/bm25-expected.json").utf8)) as? [String: Any])["scores"] as? [[Double]]
        let index = BM25Index(documents: corpus)
        #expect(queries.count == expected?.count)
        for (query, reference) in zip(queries, try #require(expected)) {
            let scores = index.scores(query)
            #expect(scores.count == reference.count)
            for (score, want) in zip(scores, reference) {
                #expect(abs(score - want) <= 1e-9, "\(query): \(score) vs \(want)")
            }
        }
    }
}

@Suite struct TokenizerTests {
    @Test("tokens fold case and diacritics, split on punctuation, and stem plurals", arguments: [
        ("Crème Brûlée Torches!", ["creme", "brulee", "torche"]),
        ("USB-C cables, 2 m", ["usb", "c", "cable", "2", "m"]),
        ("batteries glasses bus shoes", ["battery", "glasse", "bus", "shoe"]),
        ("", []),
    ])
    func tokens(text: String, expected: [String]) {
        #expect(Tokenizer().tokens(text) == expected)
    }
}

@Suite struct CatalogTests {
    @Test("keyword search ranks the repository catalog: the best match first")
    func search() throws {
        let search = KeywordSearch(catalog: try Catalog.read(csv: Fixtures.path("catalog/products.csv")))
        #expect(search.catalog.products.count == 48)
        #expect(search.search("noise cancelling headphones", limit: 3).first?.productID == "p001")
        #expect(search.search("espresso machine", limit: 1).map(\.productID) == ["p017"])
        #expect(search.search("xyzzy", limit: 5).isEmpty)
    }

    @Test("catalog errors name the line", arguments: [
        ("product_id,title\np1,One\np2\n", "catalog.csv:3: expected 2 fields as the header names, found 1"),
        ("id,title\np1,One\n", "catalog.csv:1: the header must name product_id and title"),
        ("product_id,title\np1,One\np1,Again\n", "catalog.csv:3: product_id 'p1' already appears at line 2"),
        ("product_id,title,price\np1,One,cheap\n", "catalog.csv:2: price 'cheap' is not a non-negative number"),
        ("product_id,title\n", "catalog.csv: the catalog has no products"),
        ("", "catalog.csv: the catalog has no products"),
    ])
    func badCatalog(text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/catalog.csv")
        do {
            _ = try Catalog.read(csv: directory + "/catalog.csv")
            Issue.record("accepted")
        } catch {
            #expect(String(describing: error).contains(message), "\(error)")
        }
    }
}

@Suite struct CSVTests {
    @Test("CSV records: quotes hold commas and doubled quotes; spaces around fields are trimmed", arguments: [
        ("a,b,c", ["a", "b", "c"]),
        ("\"a, b\",c", ["a, b", "c"]),
        ("\"say \"\"hi\"\"\", x", ["say \"hi\"", "x"]),
        (" a , \"b\" ,", ["a", "b", ""]),
        ("", [""]),
        ("\"unterminated, field", ["unterminated, field"]),
    ])
    func fields(line: String, expected: [String]) {
        #expect(CSV.fields(line) == expected)
    }
}
