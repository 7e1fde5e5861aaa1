import Foundation
import GateTestSupport
@testable import Recommender
import Testing

/// Synthetic users with planted tastes: 8 groups of 25 items; each user belongs to one group
/// and interacts with 10 of its items (plus 2 random ones). Two of each user's in-group items
/// are held out. Popular items are spread evenly over groups, so popularity cannot tell a
/// user's group — only collaborative filtering can.
private struct Planted {
    var train: [(row: Int, column: Int, value: Float)] = []
    var heldOut: [Int: Set<Int>] = [:]
    let users = 240
    let items = 200

    init() {
        var random = SplitMix64(seed: 11)
        for user in 0..<users {
            let group = user % 8
            var picked = Set<Int>()
            while picked.count < 10 { picked.insert(group * 25 + Int(random.next() % 25)) }
            // Which two are held out is random, so no item is held out more often than others.
            let ordered = picked.sorted().shuffled(using: &random)
            heldOut[user] = Set(ordered.prefix(2))
            for item in ordered.dropFirst(2) { train.append((user, item, Float(1 + random.next() % 4))) }
            for _ in 0..<2 { train.append((user, Int(random.next() % UInt64(items)), 1)) }
        }
    }

    /// Mean recall@10 of held-out items, ranking items the user has not trained on.
    func recall(_ matrix: SparseMatrix, scores: (Int) -> [Float]) -> Double {
        var total = 0.0
        for user in 0..<users {
            let seen = Set(matrix.columns(of: user))
            let ranked = scores(user).enumerated().filter { !seen.contains($0.offset) }
                .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
                .prefix(10).map(\.offset)
            total += Double(Set(ranked).intersection(heldOut[user]!).count) / Double(heldOut[user]!.count)
        }
        return total / Double(users)
    }
}

@Suite("implicit ALS")
struct ALSTests {
    @Test("the training loss falls every iteration")
    func lossDecreases() {
        let planted = Planted()
        let matrix = SparseMatrix(rows: planted.users, columns: planted.items, entries: planted.train)
        let model = ImplicitALS.train(matrix, parameters: .init(factors: 16, regularization: 0.05, alpha: 2, iterations: 12))
        #expect(model.losses.count == 12)
        for (before, after) in zip(model.losses, model.losses.dropFirst()) {
            #expect(after < before, "loss rose from \(before) to \(after)")
        }
        #expect(model.losses.last! < model.losses.first! * 0.9)
    }

    @Test("ALS recovers planted tastes: held-out recall@10 far above popularity's")
    func recoversStructure() {
        let planted = Planted()
        let matrix = SparseMatrix(rows: planted.users, columns: planted.items, entries: planted.train)
        let model = ImplicitALS.train(matrix, parameters: .init(factors: 16, regularization: 0.05, alpha: 2, iterations: 12))
        var popularity = [Float](repeating: 0, count: planted.items)
        for entry in planted.train { popularity[entry.column] += entry.value }
        let alsRecall = planted.recall(matrix) { model.scores(user: $0) }
        let popularityRecall = planted.recall(matrix) { _ in popularity }
        #expect(alsRecall > 0.5, "ALS recall@10 \(alsRecall)")
        #expect(alsRecall > 3 * popularityRecall, "ALS \(alsRecall) vs popularity \(popularityRecall)")
    }

    @Test("the loss computed without visiting unobserved pairs equals the sum over every pair")
    func lossFormula() {
        let matrix = SparseMatrix(rows: 3, columns: 4, entries: [(0, 1, 2), (1, 0, 1), (1, 3, 4), (2, 2, 1), (0, 1, 1)])
        #expect(matrix.values == [3, 1, 4, 1], "repeated cells add up")
        let model = ImplicitALS.train(matrix, parameters: .init(factors: 3, regularization: 0.1, alpha: 0.5, iterations: 2))
        var direct = 0.0
        for user in 0..<3 {
            for item in 0..<4 {
                let r = (matrix.rowStarts[user]..<matrix.rowStarts[user + 1]).first { matrix.columnIndices[$0] == item }.map { Double(matrix.values[$0]) }
                let confidence = 1 + 0.5 * (r ?? 0)
                let preference = r == nil ? 0.0 : 1.0
                let prediction = Double(model.score(user: user, item: item))
                direct += confidence * (preference - prediction) * (preference - prediction)
            }
        }
        direct += 0.1 * (model.userFactors + model.itemFactors).reduce(0.0) { $0 + Double($1 * $1) }
        #expect(abs(model.loss(matrix) - direct) < 1e-4 * direct)
    }
}

@Suite("content similarity and the hybrid ranker")
struct HybridTests {
    static func catalog() throws -> Catalog {
        try Catalog.read(csv: Fixtures.path("catalog/products.csv"))
    }

    @Test("TF-IDF cosine: 1 with itself, symmetric, 0 without shared terms, and the sublinear-tf formula")
    func tfidf() {
        let catalog = Catalog(products: [
            Product(id: "a", title: "red red shoe"), Product(id: "b", title: "red hat"), Product(id: "c", title: "blue sock"),
        ])
        let search = KeywordSearch(catalog: catalog, titleBoost: 1)
        let content = ContentSimilarity(index: search.index)
        #expect(abs(content.similarity(0, 0) - 1) < 1e-6)
        #expect(abs(content.similarity(0, 1) - content.similarity(1, 0)) < 1e-12)
        #expect(content.similarity(0, 2) == 0)
        // By hand: idf = ln(4/(1+df)) + 1; a = (red: (1+ln 2)·idf2, shoe: idf1), b = (red: idf2, hat: idf1).
        let idf1 = log(4.0 / 2) + 1, idf2 = log(4.0 / 3) + 1
        let a = [(1 + log(2.0)) * idf2, idf1], b = [idf2, idf1]
        let expected = a[0] * b[0] / ((a[0] * a[0] + a[1] * a[1]).squareRoot() * (b[0] * b[0] + b[1] * b[1]).squareRoot())
        #expect(abs(content.similarity(0, 1) - expected) < 1e-6)
    }

    @Test("the ASCII byte path and the Unicode path give the same terms; words past 64 bytes are stemmed too")
    func tokenPaths() {
        let words = ["buses", "classes", "ponies", "toys", "boxes", "generously", "Headphones", "dying", "the", "2.5", "skies",
                     "internationally", "hopping", "Mach", "agreed", "university"]
        for word in words {
            // "é" sends the text down the Unicode (folding) path; it folds to "e".
            #expect(Tokenizer().tokens(word + " é") == Tokenizer().tokens(word) + ["e"], "\(word)")
        }
        let long = String(repeating: "ab", count: 40) + "ing"
        #expect(Tokenizer().tokens(long) == [Porter2.stem(long)] && Porter2.stem(long).count < long.count)
        #expect(Tokenizer().tokens(long + " é") == [Porter2.stem(long), "e"])
    }

    @Test("term ids: first-appearance order, stable across the table's growth, the same for equal bytes")
    func termTable() {
        var table = TermTable(capacity: 4)
        let words = (0..<10_000).map { "term\($0)" }
        for (index, word) in words.enumerated() { #expect(table.id(word) == index) }
        #expect(table.count == 10_000)
        for (index, word) in words.enumerated().reversed() where index % 97 == 0 { #expect(table.id(word) == index) }
        #expect(table.terms == words)
        #expect(table.id("") == 10_000)
        #expect(table.id("") == 10_000)
    }

    @Test("field boosts and BM25's k1 and b come from the config")
    func keywordSettings() throws {
        let catalog = Catalog(products: [
            Product(id: "a", title: "kettle", description: "steel body"), Product(id: "b", title: "steel kettle"),
        ] + (try Self.catalog()).products)
        var config = HybridConfig()
        config.fieldBoosts.description = 0
        let noDescription = RecommenderModel(catalog: catalog, config: config)
        #expect(noDescription.keyword.search("body", limit: 5).isEmpty)
        #expect(RecommenderModel(catalog: catalog).keyword.search("body", limit: 5).map(\.productID) == ["a"])
        config = HybridConfig()
        config.bm25 = .init(k1: 0.5, b: 0)
        let tuned = RecommenderModel(catalog: catalog, config: config).keyword.search("steel", limit: 5)
        let plain = RecommenderModel(catalog: catalog).keyword.search("steel", limit: 5)
        try #require(tuned.count >= 2 && plain.count == tuned.count)
        #expect(tuned[0].score != plain[0].score)
    }

    @Test("embeddings replace TF-IDF for product similarity; a malformed line is named")
    func embeddings() throws {
        let catalog = Catalog(products: [Product(id: "a", title: "x"), Product(id: "b", title: "y")])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("product_id,v1,v2\na,1,0\nb,1,1\nzzz,0,1\n", to: directory + "/e.csv")
        let vectors = try Embeddings.read(directory + "/e.csv", catalog: catalog)
        let content = ContentSimilarity(index: KeywordSearch(catalog: catalog).index, embeddings: vectors)
        #expect(abs(content.similarity(0, 1) - 0.5.squareRoot()) < 1e-6)
        try Fixtures.write("a,1,0\nb,1\n", to: directory + "/bad.csv")
        #expect(throws: RecommenderError.malformedRow(path: directory + "/bad.csv", line: 2, problem: "1 dimensions where the first vector has 2")) {
            try Embeddings.read(directory + "/bad.csv", catalog: catalog)
        }
    }

    @Test("an interaction log written with CRLF line ends reads as the one with LF")
    func crlfInteractions() throws {
        let catalog = try Self.catalog()
        let log = try InteractionLog.read(Fixtures.path("catalog/interactions.csv"), catalog: catalog)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try Fixtures.text("catalog/interactions.csv").replacingOccurrences(of: "\n", with: "\r\n")
        try Fixtures.write(text, to: directory + "/interactions.csv")
        let crlf = try InteractionLog.read(directory + "/interactions.csv", catalog: catalog)
        #expect(crlf == log && log.events.count > 100)
    }

    @Test("every result's breakdown adds up: blended = Σ weight · signal, score = λ·blended − penalty")
    func breakdownAddsUp() throws {
        let catalog = try Self.catalog()
        let log = try InteractionLog.read(Fixtures.path("catalog/interactions.csv"), catalog: catalog)
        let model = RecommenderModel(catalog: catalog, interactions: log, als: .init(factors: 8, iterations: 5))
        let results = HybridRanker(model: model).search("wireless headphones", user: "u03", limit: 10)
        #expect(results.count >= 5)
        for result in results {
            let b = try #require(result.breakdown)
            let w = b.weights
            #expect(abs(b.blended - (w.relevance * b.relevance + w.popularity * b.popularity + w.freshness * b.freshness + w.affinity * b.affinity)) < 1e-12)
            #expect(abs(result.score - (model.config.diversity * b.blended - b.diversityPenalty)) < 1e-12)
            #expect(b.relevance == max(b.keywordNormalized, b.semantic))
        }
        #expect(results[0].productID == "p001")
    }

    @Test("the bounded heap keeps exactly the best candidates of a full sort, ties by product id")
    func boundedTop() throws {
        let catalog = try Self.catalog()
        var config = HybridConfig()
        config.diversity = 1
        let all = HybridRanker(model: RecommenderModel(catalog: catalog, config: config)).search("wireless bluetooth steel trail", limit: 100)
        #expect(all.count >= 10)
        for count in [1, 3, 7] {
            config.candidates = count
            let bounded = HybridRanker(model: RecommenderModel(catalog: catalog, config: config)).search("wireless bluetooth steel trail", limit: 100)
            #expect(bounded.map(\.productID) == all.prefix(count).map(\.productID))
        }
    }

    @Test("recommendations without a query: ALS for a warm user, popularity for a cold one, nothing already seen")
    func recommend() throws {
        let catalog = try Self.catalog()
        let log = try InteractionLog.read(Fixtures.path("catalog/interactions.csv"), catalog: catalog)
        let model = RecommenderModel(catalog: catalog, interactions: log, als: .init(factors: 8, iterations: 5))
        let warm = try #require(model.users.keys.sorted().first { model.interactionCount(of: $0) >= 5 })
        let results = HybridRanker(model: model).recommend(user: warm, limit: 5)
        #expect(results.count == 5)
        let seen = model.seenProducts(of: warm)
        #expect(results.allSatisfy { result in !seen.contains(catalog.products.firstIndex { $0.id == result.productID }!) })
        #expect(results.contains { $0.breakdown?.affinitySource == "als" })
        let cold = HybridRanker(model: model).recommend(user: "someone-new", limit: 3)
        #expect(cold.allSatisfy { $0.breakdown?.affinitySource == "popularity (cold user)" })
        #expect(cold.first?.breakdown?.relevance == 0)
    }

    @Test("blend settings no ranking could mean are refused", arguments: ["weight", "category weight", "diversity", "candidates", "bm25", "boosts"])
    func badConfig(_ name: String) {
        var config = HybridConfig()
        #expect(throws: Never.self) { try config.validated(path: "blend.yml") }
        switch name {
        case "weight": config.weights.popularity = -1
        case "category weight": config.categoryWeights["x"] = .init(relevance: .nan)
        case "diversity": config.diversity = 1.5
        case "candidates": config.candidates = 0
        case "bm25": config.bm25.b = 2
        default: config.fieldBoosts = .init(title: 0, category: 0, brand: 0, description: 0)
        }
        #expect(throws: RecommenderError.self, "\(name)") { try config.validated(path: "blend.yml") }
    }

    @Test("per-category weights apply to that category's products only")
    func categoryWeights() throws {
        var config = HybridConfig()
        config.categoryWeights["audio"] = .init(relevance: 0.5, popularity: 0, freshness: 0, affinity: 0)
        let model = RecommenderModel(catalog: try Self.catalog(), config: config)
        let results = HybridRanker(model: model).search("wireless", limit: 20)
        let categories = Dictionary(uniqueKeysWithValues: model.catalog.products.map { ($0.id, $0.category) })
        #expect(results.contains { categories[$0.productID] == "audio" } && results.contains { categories[$0.productID] != "audio" })
        for result in results {
            #expect(result.breakdown?.weights.relevance == (categories[result.productID] == "audio" ? 0.5 : 1))
        }
    }

    @Test("MMR: a near-duplicate falls below a different product when diversity is on")
    func diversity() {
        let catalog = Catalog(products: [
            Product(id: "a", title: "trail running shoe", description: "lightweight trail running shoe grip"),
            Product(id: "b", title: "trail running shoe", description: "lightweight trail running shoe grip"),
            Product(id: "c", title: "running sock", description: "cushioned sock"),
        ])
        var config = HybridConfig()
        config.diversity = 1
        let plain = HybridRanker(model: RecommenderModel(catalog: catalog, config: config)).search("running shoe", limit: 3)
        #expect(plain.map(\.productID) == ["a", "b", "c"])
        config.diversity = 0.5
        let diverse = HybridRanker(model: RecommenderModel(catalog: catalog, config: config)).search("running shoe", limit: 3)
        #expect(diverse.map(\.productID) == ["a", "c", "b"])
        #expect(diverse[2].breakdown!.diversityPenalty > 0.49)
    }

    @Test("cold start: few interactions → popularity stands in; a product nobody touched → content similarity")
    func coldStart() throws {
        let catalog = try Self.catalog()
        let log = try InteractionLog.read(Fixtures.path("catalog/interactions.csv"), catalog: catalog)
        let model = RecommenderModel(catalog: catalog, interactions: log, als: .init(factors: 8, iterations: 5))
        let cold = try #require(model.users.keys.first { model.interactionCount(of: $0) < 5 })
        let warm = try #require(model.users.keys.sorted().first { model.interactionCount(of: $0) >= 5 })
        let coldResults = HybridRanker(model: model).search("headphones", user: cold, limit: 5)
        #expect(coldResults.allSatisfy { $0.breakdown?.affinitySource == "popularity (cold user)" && $0.breakdown?.affinity == $0.breakdown?.popularity })
        let untouched = try #require(catalog.products.indices.first { !model.productHasInteractions[$0] })
        let (value, source) = model.affinity(for: warm)(untouched)
        #expect(source == "content (new product)")
        #expect(value >= 0 && value <= 1)
        #expect(HybridRanker(model: model).search("headphones", user: "nobody", limit: 1).first?.breakdown?.affinitySource == "popularity (cold user)")
    }
}

@Suite("trained model artifacts")
struct ArtifactTests {
    static func trained() throws -> (directory: String, model: RecommenderModel) {
        let catalog = try Catalog.read(csv: Fixtures.path("catalog/products.csv"))
        let log = try InteractionLog.read(Fixtures.path("catalog/interactions.csv"), catalog: catalog)
        let model = RecommenderModel(catalog: catalog, interactions: log, als: .init(factors: 8, iterations: 4))
        let directory = try Fixtures.temporaryDirectory() + "/model"
        try ModelArtifacts.write(model, catalogPath: Fixtures.path("catalog/products.csv"), embeddingsPath: nil, synonymsPath: nil, to: directory)
        return (directory, model)
    }

    @Test("a saved model loads and ranks exactly as the trained one")
    func roundTrip() throws {
        let (directory, model) = try Self.trained()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The manifest rewritten with CRLF line ends loads the same.
        let manifests = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sha256") }
        for name in manifests {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        let loaded = try ModelArtifacts.load(directory)
        for (query, user) in [("wireless headphones", "u03"), ("coffee grinder", "u55"), ("tent", nil)] {
            #expect(HybridRanker(model: loaded).search(query, user: user, limit: 10) == HybridRanker(model: model).search(query, user: user, limit: 10))
        }
        #expect(loaded.als?.userFactors == model.als?.userFactors)
    }

    @Test("a changed, missing, unlisted or escaping file is refused", arguments: ["flip", "truncate", "delete", "extra", "traversal", "no-manifest"])
    func corrupted(_ damage: String) throws {
        let (directory, _) = try Self.trained()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let factors = directory + "/item_factors.f32"
        switch damage {
        case "flip":
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: factors)))
            bytes[5] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: factors))
        case "truncate":
            let data = try Data(contentsOf: URL(fileURLWithPath: factors))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: factors))
        case "delete":
            try FileManager.default.removeItem(atPath: factors)
        case "extra":
            try Fixtures.write("x", to: directory + "/notes.txt")
        case "traversal":
            let manifest = try String(contentsOfFile: directory + "/MANIFEST.sha256", encoding: .utf8)
            try Fixtures.write(manifest + String(repeating: "0", count: 64) + "  ../../etc/passwd\n", to: directory + "/MANIFEST.sha256")
        default:
            try FileManager.default.removeItem(atPath: directory + "/MANIFEST.sha256")
        }
        #expect(throws: RecommenderError.self) { try ModelArtifacts.load(directory) }
        do {
            _ = try ModelArtifacts.load(directory)
        } catch let error as RecommenderError {
            guard case .corruptedArtifact = error else { Issue.record("expected corruptedArtifact, got \(error)"); return }
        }
    }

    @Test("a manifest that matches but factors of the wrong size is still refused")
    func inconsistentButHashed() throws {
        let (directory, _) = try Self.trained()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data([0, 0, 0, 0]).write(to: URL(fileURLWithPath: directory + "/item_factors.f32"))
        // Re-hash so only the structure check can catch it.
        let manifest = try String(contentsOfFile: directory + "/MANIFEST.sha256", encoding: .utf8).split(separator: "\n").map { line -> String in
            guard line.hasSuffix("item_factors.f32") else { return String(line) }
            return "df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119  item_factors.f32"
        }
        try Fixtures.write(manifest.joined(separator: "\n") + "\n", to: directory + "/MANIFEST.sha256")
        #expect(throws: RecommenderError.corruptedArtifact(path: directory, problem: "the factor files do not hold 8 factors per user and product")) {
            try ModelArtifacts.load(directory)
        }
    }
}
