import Foundation

/// Decimal numbers in text, read as pandas reads them.
public enum DecimalNumber {
    static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A decimal number as pandas reads one: optional sign, digits with at most one point,
    /// optional exponent. Up to 15 significant digits and a power of ten within 10^±22 are
    /// converted exactly by one multiplication or division (Clinger's fast path); anything
    /// else goes to strtod, which rounds correctly too.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> (Double, integer: Bool)? {
        let n = bytes.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0, significant = 0, fractionDigits = 0
        var sawPoint = false
        var integer = true
        while i < n {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                digits += 1
                if significant > 0 || b != 0x30 {
                    significant += 1
                    if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(b - 0x30) }
                }
                if sawPoint { fractionDigits += 1 }
            } else if b == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
                integer = false
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            integer = false
            i += 1
            var exponentNegative = false
            if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var exponentDigits = 0
            while i < n, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[i] - 0x30) }
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard i == n else { return nil }
        let power = exponent - fractionDigits
        if significant <= 15, abs(power) <= 22 {
            var value = Double(mantissa)
            value = power < 0 ? value / powersOfTen[-power] : value * powersOfTen[power]
            return (negative ? -value : value, integer)
        }
        var text = Array(bytes)
        text.append(0)
        let value = text.withUnsafeBufferPointer { strtod(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), nil) }
        return (value, integer)
    }
}
