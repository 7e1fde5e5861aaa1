import Foundation

/// One thing a user did with a product.
public struct Interaction: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case view, click, cart, purchase
    }

    public var user: String
    public var product: String
    public var kind: Kind
    /// Seconds since 1970.
    public var timestamp: Double

    public init(user: String, product: String, kind: Kind, timestamp: Double) {
        (self.user, self.product, self.kind, self.timestamp) = (user, product, kind, timestamp)
    }
}

/// Interaction events read from CSV (`user,product,type,timestamp` header) or JSONL (one
/// object a line with those keys). Timestamps are seconds since 1970 or ISO 8601 dates.
/// Events for products the catalog does not have are counted and skipped, not fatal: event
/// logs outlive products.
public struct InteractionLog: Sendable, Equatable {
    public var events: [Interaction]
    /// Events skipped because their product is not in the catalog.
    public var unknownProducts: Int

    public static func read(_ path: String, catalog: Catalog) throws -> InteractionLog {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RecommenderError.unreadable(path: path, reason: error.localizedDescription)
        }
        let known = Set(catalog.products.map(\.id))
        let lines = CSV.lines(text)
        let isJSONL = lines.first { !$0.allSatisfy(\.isWhitespace) }?.first == "{"
        var events: [Interaction] = []
        var unknown = 0
        var columns: [String: Int] = [:]
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let number = index + 1
            let fields: [String: String]
            if isJSONL {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw RecommenderError.malformedRow(path: path, line: number, problem: "not a JSON object")
                }
                fields = object.mapValues { value in (value as? String) ?? "\(value)" }
            } else if columns.isEmpty {
                let header = CSV.fields(line)
                for name in ["user", "product", "type", "timestamp"] where !header.contains(name) {
                    throw RecommenderError.malformedRow(path: path, line: number, problem: "the header must name user, product, type and timestamp (missing \(name))")
                }
                columns = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                continue
            } else {
                let values = CSV.fields(line)
                guard values.count == columns.count else {
                    throw RecommenderError.malformedRow(path: path, line: number, problem: "expected \(columns.count) fields as the header names, found \(values.count)")
                }
                fields = columns.mapValues { values[$0] }
            }
            guard let user = fields["user"], !user.isEmpty, let product = fields["product"], !product.isEmpty else {
                throw RecommenderError.malformedRow(path: path, line: number, problem: "user and product must be given")
            }
            guard let kind = fields["type"].flatMap(Interaction.Kind.init(rawValue:)) else {
                throw RecommenderError.malformedRow(path: path, line: number, problem: "type '\(fields["type"] ?? "")' is not view, click, cart or purchase")
            }
            guard let time = fields["timestamp"].flatMap(Self.seconds) else {
                throw RecommenderError.malformedRow(path: path, line: number, problem: "timestamp '\(fields["timestamp"] ?? "")' is neither seconds since 1970 nor an ISO 8601 date")
            }
            guard known.contains(product) else {
                unknown += 1
                continue
            }
            events.append(Interaction(user: user, product: product, kind: kind, timestamp: time))
        }
        return InteractionLog(events: events, unknownProducts: unknown)
    }

    static func seconds(_ text: String) -> Double? {
        if let value = Double(text), value.isFinite { return value }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}

/// Popularity: each event weighs by its type (a purchase more than a view) and decays
/// exponentially with age, halving every `halfLife` seconds:
/// popularity(p) = Σ weight(type) · 2^(−(now − t) / halfLife).
public struct Popularity: Sendable {
    public var weights: [Interaction.Kind: Double]
    public var halfLife: Double

    public init(weights: [Interaction.Kind: Double] = [.view: 1, .click: 2, .cart: 4, .purchase: 8], halfLife: Double = 14 * 86_400) {
        self.weights = weights
        self.halfLife = halfLife
    }

    /// Scores per product at time `now`; events from the future count at full weight.
    public func scores(_ events: [Interaction], now: Double) -> [String: Double] {
        var scores: [String: Double] = [:]
        for event in events {
            let age = max(0, now - event.timestamp)
            scores[event.product, default: 0] += (weights[event.kind] ?? 0) * exp2(-age / halfLife)
        }
        return scores
    }
}

/// Freshness: 1 for a product listed now, halving every `halfLife` seconds of age; 0 for a
/// product with no listing date (it earns no freshness boost rather than an invented one).
public struct Freshness: Sendable {
    public var halfLife: Double

    public init(halfLife: Double = 30 * 86_400) {
        self.halfLife = halfLife
    }

    public func score(_ product: Product, now: Double) -> Double {
        guard let created = product.createdAt else { return 0 }
        return exp2(-max(0, now - created) / halfLife)
    }
}
