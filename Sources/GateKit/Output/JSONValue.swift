/// A JSON document built in memory and written with sorted keys and fixed formatting, so the same
/// value always produces the same bytes (Foundation's encoder does not promise number formatting).
public indirect enum JSONValue: Sendable, Equatable {
    case object([String: JSONValue])
    /// An object whose members are already in key order (no dictionary, no sort): for large
    /// maps built from sorted data. Keys must be unique and sorted as `String <` sorts them.
    case orderedObject([(key: String, value: JSONValue)])
    case array([JSONValue])
    /// An array of integers, rendered on one line like any array of scalars; one allocation
    /// instead of one per element, for large tables of counts.
    case integers([Int])
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case null

    /// Two-space indented text with keys sorted (String order: byte order for NFC text), arrays
    /// of scalars on one line, and a trailing newline.
    public func rendered() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(to: &out, indent: 0)
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(to out: inout [UInt8], indent: Int) {
        switch self {
        case .object(let members):
            guard !members.isEmpty else { Self.append("{}", to: &out); return }
            Self.append("{\n", to: &out)
            let keys = members.keys.sorted()
            for (index, key) in keys.enumerated() {
                Self.pad(&out, indent + 2)
                Self.writeString(key, to: &out)
                Self.append(": ", to: &out)
                members[key]!.write(to: &out, indent: indent + 2)
                Self.append(index == keys.count - 1 ? "\n" : ",\n", to: &out)
            }
            Self.pad(&out, indent)
            out.append(UInt8(ascii: "}"))
        case .orderedObject(let members):
            guard !members.isEmpty else { Self.append("{}", to: &out); return }
            Self.append("{\n", to: &out)
            for (index, member) in members.enumerated() {
                Self.pad(&out, indent + 2)
                Self.writeString(member.key, to: &out)
                Self.append(": ", to: &out)
                member.value.write(to: &out, indent: indent + 2)
                Self.append(index == members.count - 1 ? "\n" : ",\n", to: &out)
            }
            Self.pad(&out, indent)
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            guard !items.isEmpty else { Self.append("[]", to: &out); return }
            if items.allSatisfy(\.isScalar) {
                out.append(UInt8(ascii: "["))
                for (index, item) in items.enumerated() {
                    if index > 0 { Self.append(", ", to: &out) }
                    item.write(to: &out, indent: indent)
                }
                out.append(UInt8(ascii: "]"))
                return
            }
            Self.append("[\n", to: &out)
            for (index, item) in items.enumerated() {
                Self.pad(&out, indent + 2)
                item.write(to: &out, indent: indent + 2)
                Self.append(index == items.count - 1 ? "\n" : ",\n", to: &out)
            }
            Self.pad(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .integers(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { Self.append(", ", to: &out) }
                Self.writeInteger(value, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let text):
            Self.writeString(text, to: &out)
        case .number(let value):
            out.append(contentsOf: (value.isFinite ? Measurement.format(value) : "null").utf8)
        case .integer(let value):
            Self.writeInteger(value, to: &out)
        case .bool(let value):
            Self.append(value ? "true" : "false", to: &out)
        case .null:
            Self.append("null", to: &out)
        }
    }

    private var isScalar: Bool {
        switch self {
        case .object, .orderedObject, .array: false
        default: true
        }
    }

    private static func pad(_ out: inout [UInt8], _ count: Int) {
        let spaces: StaticString = "                                "
        var left = count
        while left > 0 {
            let chunk = min(left, spaces.utf8CodeUnitCount)
            out.append(contentsOf: UnsafeBufferPointer(start: spaces.utf8Start, count: chunk))
            left -= chunk
        }
    }

    /// Punctuation and keywords, copied from static memory.
    @inline(__always)
    private static func append(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Decimal digits straight into the buffer: the large count tables are mostly integers.
    private static func writeInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: buffer[index...])
        }
    }

    private static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escaping: copy them whole.
        var copy = text
        let plain = copy.withUTF8 { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): Self.append("\\\"", to: &out)
            case UInt8(ascii: "\\"): Self.append("\\\\", to: &out)
            case 0x0A: Self.append("\\n", to: &out)
            case 0x0D: Self.append("\\r", to: &out)
            case 0x09: Self.append("\\t", to: &out)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                Self.append("\\u00", to: &out)
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.rendered() == rhs.rendered()
    }
}
