import Foundation

/// One product of the catalog.
public struct Product: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String
    public var category: String
    public var brand: String
    public var price: Double?
    /// When the product was listed, seconds since 1970 (for freshness).
    public var createdAt: Double?

    public init(
        id: String, title: String, description: String = "", category: String = "", brand: String = "", price: Double? = nil,
        createdAt: Double? = nil
    ) {
        (self.id, self.title, self.description, self.category, self.brand, self.price) = (id, title, description, category, brand, price)
        self.createdAt = createdAt
    }
}

/// The products to rank, read from CSV with a header naming at least `product_id` and `title`
/// (`description`, `category`, `brand`, `price`, `created_at` optional, other columns ignored).
public struct Catalog: Sendable, Equatable {
    public var products: [Product]

    public init(products: [Product]) {
        self.products = products
    }

    public static func read(csv path: String) throws -> Catalog {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RecommenderError.unreadable(path: path, reason: error.localizedDescription)
        }
        var rows: [(fields: [String], line: Int)] = []
        CSV.forEachLine(text) { bytes, number in
            if number == 1 || !bytes.allSatisfy(CSV.isSpace) { rows.append((CSV.fields(bytes), number)) }
        }
        guard let header = rows.first?.fields, !(header.count == 1 && header[0].isEmpty) else { throw RecommenderError.emptyCatalog(path: path) }
        guard let idColumn = header.firstIndex(of: "product_id"), let titleColumn = header.firstIndex(of: "title") else {
            throw RecommenderError.malformedRow(path: path, line: 1, problem: "the header must name product_id and title")
        }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        let description = column("description"), category = column("category"), brand = column("brand"), price = column("price")
        let created = column("created_at")
        var products: [Product] = []
        var seen: [String: Int] = [:]
        for (fields, number) in rows.dropFirst() {
            let index = number - 1
            guard fields.count == header.count else {
                throw RecommenderError.malformedRow(path: path, line: index + 1, problem: "expected \(header.count) fields as the header names, found \(fields.count)")
            }
            let id = fields[idColumn]
            guard !id.isEmpty else { throw RecommenderError.malformedRow(path: path, line: index + 1, problem: "product_id is empty") }
            if let first = seen[id] {
                throw RecommenderError.malformedRow(path: path, line: index + 1, problem: "product_id '\(id)' already appears at line \(first)")
            }
            seen[id] = index + 1
            var priceValue: Double?
            if let price, !fields[price].isEmpty {
                guard let value = Double(fields[price]), value >= 0 else {
                    throw RecommenderError.malformedRow(path: path, line: index + 1, problem: "price '\(fields[price])' is not a non-negative number")
                }
                priceValue = value
            }
            var createdAt: Double?
            if let created, !fields[created].isEmpty {
                guard let value = InteractionLog.seconds(fields[created]) else {
                    throw RecommenderError.malformedRow(path: path, line: index + 1, problem: "created_at '\(fields[created])' is neither seconds since 1970 nor an ISO 8601 date")
                }
                createdAt = value
            }
            products.append(Product(
                id: id, title: fields[titleColumn], description: description.map { fields[$0] } ?? "",
                category: category.map { fields[$0] } ?? "", brand: brand.map { fields[$0] } ?? "", price: priceValue,
                createdAt: createdAt))
        }
        guard !products.isEmpty else { throw RecommenderError.emptyCatalog(path: path) }
        return Catalog(products: products)
    }
}
