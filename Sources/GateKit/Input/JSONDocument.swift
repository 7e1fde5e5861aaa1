import Foundation

extension JSONTree {
    /// Parses `bytes` as the JSON document `path`: any parse error becomes `GateError.malformedJSON`
    /// with its line and column, and nesting is bounded — the one way gates read JSON.
    public static func parse(_ bytes: [UInt8], path: String, keepingDepth: Int = .max) throws -> JSONTree {
        do {
            return try bytes.withUnsafeBytes { try JSONTree.parse($0, keepingDepth: keepingDepth) }
        } catch let error as ParseError {
            throw GateError.malformedJSON(path: path, line: error.line, column: error.column, message: error.message)
        }
    }

    /// The document as Foundation values (`[String: Any]`, `[Any]`, `NSNumber`, `String`,
    /// `NSNull`), for readers that navigate it by casts; parsed by `parse(_:path:)`.
    public static func foundationValue(_ bytes: [UInt8], path: String) throws -> Any {
        try parse(bytes, path: path).foundationValue
    }

    public var foundationValue: Any {
        switch self {
        case .object(let members):
            var object: [String: Any] = [:]
            object.reserveCapacity(members.count)
            for member in members where object[member.key] == nil { object[member.key] = member.value.foundationValue }
            return object
        case .array(let items): return items.map(\.foundationValue)
        case .string(let text): return text
        case .number(let number):
            // Whole numbers as integers, as JSON parsers hand them over (a grade of 4 is "4").
            return number == number.rounded() && abs(number) < 9e15 ? NSNumber(value: Int64(number)) : NSNumber(value: number)
        case .bool(let flag): return NSNumber(value: flag)
        case .null: return NSNull()
        }
    }
}
