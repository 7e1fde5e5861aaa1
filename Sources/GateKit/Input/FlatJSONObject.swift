/// One line of JSON Lines: an object whose values are strings, numbers, booleans or null,
/// read in place. Booleans come back as the text `true` and `false`.
public struct FlatJSONObject {
    public enum Value {
        case null
        case number(UnsafeRawBufferPointer)
        case text(String)
    }

    let bytes: UnsafeRawBufferPointer
    let line: Int
    var i = 0

    public init(bytes: UnsafeRawBufferPointer, line: Int) {
        (self.bytes, self.line) = (bytes, line)
    }

    public var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }

    /// What is wrong with the line, said as a sentence fragment; the reader adds path and line.
    public struct Problem: Error, Equatable {
        public let message: String
    }

    private func fail(_ problem: String) -> Problem { Problem(message: problem) }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D { i += 1 }
    }

    public mutating func members(_ body: (String, Value) throws -> Void) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { throw fail("a line of JSON Lines must be one JSON object") }
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key in quotes") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after the key '\(key)'") }
                i += 1
                skipSpace()
                guard i < bytes.count else { throw fail("the line ends before the value of '\(key)'") }
                let value: Value
                switch bytes[i] {
                case UInt8(ascii: "\""): value = .text(try string())
                case UInt8(ascii: "n"): try literal("null"); value = .null
                case UInt8(ascii: "t"): try literal("true"); value = .text("true")
                case UInt8(ascii: "f"): try literal("false"); value = .text("false")
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    throw fail("the value of '\(key)' is an object or array; only flat records are read (one scalar per key)")
                default:
                    let start = i
                    while i < bytes.count, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"),
                          bytes[i] != 0x20, bytes[i] != 0x09, bytes[i] != 0x0D { i += 1 }
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
                    guard DecimalNumber.parse(raw) != nil else {
                        throw fail("the value of '\(key)' is not valid JSON: \(String(decoding: raw.prefix(40), as: UTF8.self))")
                    }
                    value = .number(raw)
                }
                try body(key, value)
                skipSpace()
                guard i < bytes.count else { throw fail("the object is not closed with '}'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' after the value of '\(key)'") }
                i += 1
                break
            }
        }
        skipSpace()
        guard i == bytes.count else { throw fail("text after the object's closing '}'") }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard i + expected.count <= bytes.count, Array(bytes[i..<(i + expected.count)]) == expected else {
            throw fail("invalid JSON value (expected \(word))")
        }
        i += expected.count
    }

    private mutating func string() throws -> String {
        do {
            return try JSONTree.string(bytes, at: &i)
        } catch let problem as JSONTree.StringProblem {
            throw fail(problem == .unterminated ? "a string is not closed" : problem.message)
        }
    }
}
