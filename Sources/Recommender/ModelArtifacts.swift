import GateCrypto
import Foundation

/// A trained model on disk: a directory of files and `MANIFEST.sha256`, which lists every
/// other file with its SHA-256 in `sha256sum` format (`sha256sum -c MANIFEST.sha256` checks it
/// too). Loading verifies the manifest before reading anything, and refuses a directory with
/// a missing, altered or unlisted file.
///
/// Files: `model.json` (format version, blend config, ALS parameters and losses, users in
/// row order), `catalog.csv` (the catalog as given), `index.bin` (the BM25 index),
/// `signals.bin` (popularity and freshness per product), `interactions.bin` (the user × product
/// matrix), `user_factors.f32` and `item_factors.f32` (row-major little-endian float32), and
/// `embeddings.csv` / `synonyms.txt` when the model was trained with them.
public enum ModelArtifacts {
    public static let manifestName = "MANIFEST.sha256"
    /// 2: Snowball stemming and stopwords (format 1 indexes used the plural-only stemmer).
    static let formatVersion = 2

    struct Description: Codable {
        var format: Int
        var products: Int
        var config: HybridConfig
        var als: ALSDescription?
        var users: [String]
    }

    struct ALSDescription: Codable {
        var factors: Int
        var regularization: Float
        var alpha: Float
        var iterations: Int
        var conjugateGradientSteps: Int
        var seed: UInt64
        var losses: [Double]
    }

    /// Writes `model` to `directory` (created if needed; files of an earlier model replaced).
    /// - Returns: the names written, manifest last.
    @discardableResult
    public static func write(_ model: RecommenderModel, catalogPath: String, embeddingsPath: String?, synonymsPath: String?,
                             to directory: String) throws -> [String] {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [(String, Data)] = []
        var orderedUsers = [String](repeating: "", count: model.users.count)
        for (user, row) in model.users { orderedUsers[row] = user }
        let als = model.als.map {
            ALSDescription(factors: $0.parameters.factors, regularization: $0.parameters.regularization, alpha: $0.parameters.alpha,
                           iterations: $0.parameters.iterations, conjugateGradientSteps: $0.parameters.conjugateGradientSteps,
                           seed: $0.parameters.seed, losses: $0.losses)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        files.append(("model.json", try encoder.encode(Description(
            format: formatVersion, products: model.catalog.products.count, config: model.config, als: als, users: orderedUsers))))
        files.append(("catalog.csv", try read(catalogPath)))
        if let embeddingsPath { files.append(("embeddings.csv", try read(embeddingsPath))) }
        if let synonymsPath { files.append(("synonyms.txt", try read(synonymsPath))) }

        var index = BinaryWriter()
        let bm25 = model.keyword.index
        var terms = [String](repeating: "", count: bm25.termIDs.count)
        for (term, id) in bm25.termIDs { terms[id] = term }
        index.doubles([bm25.k1, bm25.b, bm25.epsilon])
        index.strings(terms)
        index.integers(bm25.postingStarts)
        index.int32s(bm25.postingDocuments)
        index.int32s(bm25.postingCounts)
        index.doubles(bm25.lengthNorms)
        index.doubles(bm25.idf)
        files.append(("index.bin", index.data))

        var signals = BinaryWriter()
        signals.doubles(model.popularityNormalized)
        signals.doubles(model.freshness)
        files.append(("signals.bin", signals.data))

        if let matrix = model.interactions, let als = model.als {
            var interactions = BinaryWriter()
            interactions.integers([matrix.rows, matrix.columns])
            interactions.integers(matrix.rowStarts)
            interactions.integers(matrix.columnIndices)
            interactions.floats(matrix.values)
            files.append(("interactions.bin", interactions.data))
            var users = BinaryWriter(), items = BinaryWriter()
            users.rawFloats(als.userFactors)
            items.rawFloats(als.itemFactors)
            files.append(("user_factors.f32", users.data))
            files.append(("item_factors.f32", items.data))
        }
        // Remove what an earlier model left that this one does not write.
        let names = Set(files.map(\.0) + [manifestName])
        for existing in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where !names.contains(existing) {
            if ["model.json", "catalog.csv", "index.bin", "signals.bin", "interactions.bin", "user_factors.f32", "item_factors.f32",
                "embeddings.csv", "synonyms.txt"].contains(existing) {
                try manager.removeItem(atPath: directory + "/" + existing)
            }
        }
        var manifest = ""
        for (name, data) in files.sorted(by: { $0.0 < $1.0 }) {
            try data.write(to: URL(fileURLWithPath: directory + "/" + name))
            manifest += "\(hex(SHA256.hash(data: data)))  \(name)\n"
        }
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: directory + "/" + manifestName))
        return files.map(\.0).sorted() + [manifestName]
    }

    /// Loads and verifies a model written by `write`.
    ///
    /// - Throws: `RecommenderError.corruptedArtifact` for a missing or malformed manifest, a
    ///   file whose digest differs, a listed file that is missing, a file not listed, or
    ///   contents that do not parse.
    public static func load(_ directory: String) throws -> RecommenderModel {
        let files = try verified(directory)
        func corrupted(_ problem: String) -> RecommenderError { .corruptedArtifact(path: directory, problem: problem) }
        guard let json = files["model.json"], let description = try? JSONDecoder().decode(Description.self, from: json) else {
            throw corrupted("model.json is missing or not a model description")
        }
        guard description.format == formatVersion else {
            throw corrupted("model.json has format \(description.format); this build reads format \(formatVersion)"
                            + (description.format < formatVersion ? " (its index was tokenized differently)" : ""))
        }
        let catalog = try Catalog.read(csv: directory + "/catalog.csv")
        guard catalog.products.count == description.products else {
            throw corrupted("catalog.csv has \(catalog.products.count) products, model.json says \(description.products)")
        }
        let embeddings = files["embeddings.csv"] != nil ? try Embeddings.read(directory + "/embeddings.csv", catalog: catalog) : nil
        let synonyms = files["synonyms.txt"].map { QueryRewriter.synonymGroups(String(decoding: $0, as: UTF8.self)) } ?? []

        var signals = BinaryReader(files["signals.bin"] ?? Data())
        guard let popularity = signals.doubles(), let freshness = signals.doubles(), signals.atEnd,
              popularity.count == catalog.products.count, freshness.count == catalog.products.count else {
            throw corrupted("signals.bin does not hold one popularity and freshness per product")
        }
        var als: ImplicitALS?
        var interactions: SparseMatrix?
        var users: [String: Int] = [:]
        if let parameters = description.als {
            var reader = BinaryReader(files["interactions.bin"] ?? Data())
            guard let shape = reader.integers(), shape.count == 2, let starts = reader.integers(), let columns = reader.integers(),
                  let values = reader.floats(), reader.atEnd, shape[0] == description.users.count, shape[1] == catalog.products.count,
                  starts.count == shape[0] + 1, starts.first == 0, starts.last == columns.count, columns.count == values.count,
                  zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }), columns.allSatisfy({ $0 >= 0 && $0 < shape[1] }) else {
                throw corrupted("interactions.bin is not a user × product matrix of this catalog")
            }
            interactions = SparseMatrix(rows: shape[0], columns: shape[1], entries: (0..<shape[0]).flatMap { row in
                (starts[row]..<starts[row + 1]).map { (row, columns[$0], values[$0]) }
            })
            let f = parameters.factors
            guard f > 0, let userFactors = BinaryReader.rawFloats(files["user_factors.f32"] ?? Data()),
                  let itemFactors = BinaryReader.rawFloats(files["item_factors.f32"] ?? Data()),
                  userFactors.count == shape[0] * f, itemFactors.count == shape[1] * f else {
                throw corrupted("the factor files do not hold \(f) factors per user and product")
            }
            als = ImplicitALS(
                parameters: .init(factors: f, regularization: parameters.regularization, alpha: parameters.alpha, iterations: parameters.iterations,
                                  conjugateGradientSteps: parameters.conjugateGradientSteps, seed: parameters.seed),
                users: shape[0], items: shape[1], userFactors: userFactors, itemFactors: itemFactors, losses: parameters.losses)
            users = Dictionary(description.users.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        }
        var reader = BinaryReader(files["index.bin"] ?? Data())
        guard let settings = reader.doubles(), settings.count == 3, let terms = reader.strings(), let starts = reader.integers(),
              let documents = reader.int32s(), let counts = reader.int32s(), let norms = reader.doubles(), let idf = reader.doubles(),
              reader.atEnd, norms.count == catalog.products.count,
              let index = BM25Index(k1: settings[0], b: settings[1], epsilon: settings[2], terms: terms, postingStarts: starts,
                                    postingDocuments: documents, postingCounts: counts, lengthNorms: norms, idf: idf) else {
            throw corrupted("index.bin is not a BM25 index of this catalog")
        }
        let model = RecommenderModel(
            catalog: catalog, index: index, config: description.config, embeddings: embeddings, synonymGroups: synonyms,
            popularityNormalized: popularity, freshness: freshness, als: als, users: users, interactions: interactions)
        return model
    }

    /// Reads the manifest and every file, checking each digest; the files' bytes by name.
    static func verified(_ directory: String) throws -> [String: Data] {
        func corrupted(_ problem: String) -> RecommenderError { .corruptedArtifact(path: directory, problem: problem) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RecommenderError.unreadable(path: directory, reason: "no such directory")
        }
        guard let manifest = FileManager.default.contents(atPath: directory + "/" + manifestName) else {
            throw corrupted("\(manifestName) is missing")
        }
        var files: [String: Data] = [:]
        for (number, line) in CSV.lines(String(decoding: manifest, as: UTF8.self)).filter({ !$0.isEmpty }).enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[1].hasPrefix(" "), parts[0].allSatisfy(\.isHexDigit) else {
                throw corrupted("\(manifestName) line \(number + 1) is not '<sha256>  <name>'")
            }
            let name = String(parts[1].dropFirst())
            guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else {
                throw corrupted("\(manifestName) line \(number + 1) names '\(name)', which is not a file of this directory")
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { throw corrupted("\(name) is missing") }
            guard hex(SHA256.hash(data: data)) == parts[0].lowercased() else {
                throw corrupted("\(name) does not match its SHA-256 in \(manifestName)")
            }
            files[name] = data
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        // The manifest's own sidecar and signature (gate checksum create writes them) are not listed.
        for name in present.sorted() where ![manifestName, manifestName + ".json", manifestName + ".sig"].contains(name) && files[name] == nil {
            throw corrupted("\(name) is not listed in \(manifestName)")
        }
        guard files["model.json"] != nil else { throw corrupted("model.json is not listed in \(manifestName)") }
        return files
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecommenderError.unreadable(path: path, reason: "no such file")
        }
        return data
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Length-prefixed little-endian arrays.
struct BinaryWriter {
    var data = Data()

    mutating func count(_ value: Int) {
        withUnsafeBytes(of: UInt64(value).littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func integers(_ values: [Int]) {
        count(values.count)
        for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { data.append(contentsOf: $0) } }
    }

    mutating func int32s(_ values: [Int32]) {
        count(values.count)
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    }

    mutating func doubles(_ values: [Double]) {
        count(values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    }

    mutating func floats(_ values: [Float]) {
        count(values.count)
        rawFloats(values)
    }

    mutating func rawFloats(_ values: [Float]) {
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    }

    mutating func strings(_ values: [String]) {
        count(values.count)
        for value in values {
            count(value.utf8.count)
            data.append(contentsOf: value.utf8)
        }
    }
}

/// Reads what `BinaryWriter` wrote; every read returns nil rather than run past the end.
struct BinaryReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ data: Data) {
        bytes = [UInt8](data)
    }

    var atEnd: Bool { offset == bytes.count }

    mutating func word() -> UInt64? {
        guard bytes.count - offset >= 8 else { return nil }
        var value: UInt64 = 0
        for k in 0..<8 { value |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        offset += 8
        return value
    }

    mutating func count(elementSize: Int) -> Int? {
        guard let value = word(), value <= UInt64((bytes.count - offset) / elementSize) else { return nil }
        return Int(value)
    }

    mutating func integers() -> [Int]? {
        guard let n = count(elementSize: 8) else { return nil }
        return (0..<n).map { _ in Int(Int64(bitPattern: word()!)) }
    }

    mutating func int32s() -> [Int32]? {
        guard let n = count(elementSize: 4) else { return nil }
        return (0..<n).map { _ in
            var value: UInt32 = 0
            for k in 0..<4 { value |= UInt32(bytes[offset + k]) << (8 * UInt32(k)) }
            offset += 4
            return Int32(bitPattern: value)
        }
    }

    mutating func doubles() -> [Double]? {
        guard let n = count(elementSize: 8) else { return nil }
        return (0..<n).map { _ in Double(bitPattern: word()!) }
    }

    mutating func floats() -> [Float]? {
        guard let n = count(elementSize: 4) else { return nil }
        let values = Self.rawFloats(Data(bytes[offset..<(offset + 4 * n)]))
        offset += 4 * n
        return values
    }

    mutating func strings() -> [String]? {
        guard let n = count(elementSize: 8) else { return nil }
        var result: [String] = []
        result.reserveCapacity(n)
        for _ in 0..<n {
            guard let length = count(elementSize: 1) else { return nil }
            result.append(String(decoding: bytes[offset..<(offset + length)], as: UTF8.self))
            offset += length
        }
        return result
    }

    static func rawFloats(_ data: Data) -> [Float]? {
        guard data.count % 4 == 0 else { return nil }
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 4).map { start in
            var value: UInt32 = 0
            for k in 0..<4 { value |= UInt32(bytes[start + k]) << (8 * UInt32(k)) }
            return Float(bitPattern: value)
        }
    }
}
