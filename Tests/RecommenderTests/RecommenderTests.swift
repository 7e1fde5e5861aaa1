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
    @Test("tokens fold case and diacritics, split on punctuation, drop stopwords, keep decimals, and stem (Snowball English)", arguments: [
        ("Crème Brûlée Torches!", ["creme", "brule", "torch"]),
        ("USB-C cables, 2 m", ["usb", "c", "cabl", "2", "m"]),
        ("batteries glasses bus shoes", ["batteri", "glass", "bus", "shoe"]),
        ("the of and a", []),
        ("Mach 2.5 at 3.0. Version 1.2.3, v.2", ["mach", "2.5", "3.0", "version", "1.2.3", "v", "2"]),
        ("", []),
    ])
    func tokens(text: String, expected: [String]) {
        #expect(Tokenizer().tokens(text) == expected)
    }

    @Test("plurals and inflections meet their stems: stresses, stressed and stress; approaches and approach")
    func conflation() {
        let tokenizer = Tokenizer()
        for (a, b) in [("thermal stresses", "thermal stress"), ("processes", "process"), ("approaches", "approach"), ("losses", "loss"),
                       ("stressed", "stress"), ("hoping", "hope"), ("running", "run")] {
            #expect(tokenizer.tokens(a) == tokenizer.tokens(b), "\(a) / \(b)")
        }
        #expect(tokenizer.tokens("uncontrolled") != tokenizer.tokens("controlled"))
    }

    @Test("stopwords: a list of one's own, none, or kept for one call (a field indexed whole)")
    func stopwords() {
        #expect(Tokenizer(stopwords: []).tokens("the who") == ["the", "who"])
        #expect(Tokenizer(stopwords: ["who", "extraordinarily"]).tokens("the who extraordinarily") == ["the"])
        #expect(Tokenizer().tokens("the who", keepStopwords: true) == ["the", "who"])
        #expect(Tokenizer().tokens("no sugar") == ["no", "sugar"])
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
        expectError(containing: message) { _ = try Catalog.read(csv: directory + "/catalog.csv") }
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

@Suite struct InteractionTests {
    static let catalog = Catalog(products: [Product(id: "p1", title: "One"), Product(id: "p2", title: "Two")])

    static func read(_ text: String, name: String = "events.csv") throws -> InteractionLog {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/" + name)
        return try InteractionLog.read(directory + "/" + name, catalog: Self.catalog)
    }

    @Test("CSV and JSONL events read alike; unknown products are counted, not fatal")
    func readsBothFormats() throws {
        let csv = try Self.read("user,product,type,timestamp\nu1,p1,view,100\nu1,p9,click,200\nu2,p2,purchase,2026-11-22T10:00:00Z\n")
        let jsonl = try Self.read("""
            {"user": "u1", "product": "p1", "type": "view", "timestamp": 100}
            {"user": "u1", "product": "p9", "type": "click", "timestamp": 200}
            {"user": "u2", "product": "p2", "type": "purchase", "timestamp": "2026-11-22T10:00:00Z"}
            """, name: "events.jsonl")
        #expect(csv == jsonl)
        #expect(csv.unknownProducts == 1)
        #expect(csv.events.map(\.product) == ["p1", "p2"])
        #expect(csv.events[1].timestamp == 1_795_341_600)
    }

    @Test("malformed events name their line", arguments: [
        ("user,product,type,timestamp\nu1,p1,like,1\n", "events.csv:2: type 'like' is not view, click, cart or purchase"),
        ("user,product,type,timestamp\nu1,p1,view,yesterday\n", "events.csv:2: timestamp 'yesterday' is neither seconds since 1970 nor an ISO 8601 date"),
        ("user,product,type,timestamp\nu1,p1,view\n", "events.csv:2: expected 4 fields as the header names, found 3"),
        ("user,item,type,timestamp\n", "events.csv:1: the header must name user, product, type and timestamp (missing product)"),
        ("user,product,type,timestamp\n,p1,view,1\n", "events.csv:2: user and product must be given"),
    ])
    func malformed(text: String, message: String) throws {
        expectError(containing: message) { _ = try Self.read(text) }
    }

    @Test("popularity weighs events by type and halves every half-life")
    func popularity() {
        let day = 86_400.0
        let events = [
            Interaction(user: "u", product: "p1", kind: .purchase, timestamp: 0),
            Interaction(user: "u", product: "p1", kind: .view, timestamp: 14 * day),
            Interaction(user: "u", product: "p2", kind: .view, timestamp: 28 * day),
        ]
        let scores = Popularity().scores(events, now: 28 * day)
        #expect(scores["p1"] == 8 * 0.25 + 1 * 0.5)
        #expect(scores["p2"] == 1)
    }
}

@Suite struct QueryRewriterTests {
    static let vocabulary = ["headphon": 3, "speaker": 4, "keyboard": 2, "monitor": 2, "mouse": 1, "house": 1, "coffee": 5, "trail": 3,
                             "mop": 1, "control": 6, "unorthodox": 2, "step": 4, "eas": 3]

    @Test("unknown terms are corrected only when one vocabulary term is clearly nearest, and never by an affix", arguments: [
        ("hedphon", "headphon"), ("speakr", "speaker"), ("keybaord", "keyboard"), ("monitr", "monitor"),
        ("mouze", "mouse"), ("bouse", nil), ("xyzzy", nil), ("cofe", nil), ("coffe", "coffee"),
        ("travel", nil), ("cofee", "coffee"), ("mos", nil),
        // Real words the catalog lacks: a prefix added or removed, or too short to judge.
        ("uncontrol", nil), ("orthodox", nil), ("stop", nil), ("els", nil),
        // A transposition is one edit.
        ("speakre", "speaker"),
    ])
    func correction(term: String, expected: String?) {
        #expect(QueryRewriter(vocabulary: Self.vocabulary).correction(for: term) == expected)
    }

    @Test("a term the vocabulary knows is never rewritten; among 20,000 more terms the corrections stay the same")
    func knownTermsStay() {
        var vocabulary = Self.vocabulary
        for n in 0..<20_000 { vocabulary["term\(n)x"] = 1 }
        let rewriter = QueryRewriter(vocabulary: vocabulary)
        #expect(rewriter.rewrite(["mouse", "step", "term17x"]) == ["mouse", "step", "term17x"])
        #expect(rewriter.correction(for: "keybaord") == "keyboard")
        #expect(rewriter.correction(for: "term17xq") == "term17x")
        #expect(rewriter.correction(for: "term1x7") == nil)
    }

    @Test("synonym groups add their other terms; known terms stay as typed")
    func synonyms() {
        let groups = QueryRewriter.synonymGroups("# audio\nheadphones, earphones, headset\nsofa\n")
        #expect(groups == [["headphon", "earphon", "headset"]])
        #expect(QueryRewriter.synonymGroups("# audio\r\nheadphones, earphones, headset\r\nsofa\r\n") == groups)
        let rewriter = QueryRewriter(vocabulary: Self.vocabulary, synonymGroups: groups)
        #expect(rewriter.rewrite(["hedphon", "mouse"]) == ["headphon", "earphon", "headset", "mouse"])
    }

    @Test("keyword search finds the catalog's headphones through a typo and a synonym")
    func searchWithRewriting() throws {
        let catalog = try Catalog.read(csv: Fixtures.path("catalog/products.csv"))
        let search = KeywordSearch(catalog: catalog, synonymGroups: [["earphon", "headphon"]])
        #expect(search.search("noise cancelling hedphones", limit: 1).map(\.productID) == ["p001"])
        #expect(search.search("earphones", limit: 3).map(\.productID).contains("p001"))
    }
}

@Suite struct FreshnessTests {
    @Test("freshness halves every half-life; an undated product gets none")
    func freshness() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("product_id,title,created_at\np1,New,2026-11-22\np2,Old,1790000000\np3,Undated,\n", to: directory + "/c.csv")
        let catalog = try Catalog.read(csv: directory + "/c.csv")
        let now = catalog.products[0].createdAt! + 30 * 86_400
        let freshness = Freshness()
        #expect(freshness.score(catalog.products[0], now: now) == 0.5)
        #expect(freshness.score(catalog.products[1], now: 1_790_000_000) == 1)
        #expect(freshness.score(catalog.products[2], now: now) == 0)
        try Fixtures.write("product_id,title,created_at\np1,New,last week\n", to: directory + "/bad.csv")
        #expect(throws: RecommenderError.malformedRow(path: directory + "/bad.csv", line: 2, problem: "created_at 'last week' is neither seconds since 1970 nor an ISO 8601 date")) {
            try Catalog.read(csv: directory + "/bad.csv")
        }
    }
}
