import Foundation

/// Decimal numbers in text, read as pandas reads them.
public enum DecimalNumber {
    /// A decimal number as pandas reads one: optional sign, digits with at most one point,
    /// optional exponent. A mantissa of at most 2^53 (and 19 digits) with a power of ten within
    /// 10^±22 is converted exactly by one multiplication or division (Clinger's fast path);
    /// anything else goes to strtod. Both round correctly, so the value is the one strtod gives.
    @inlinable @inline(__always)
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
        /// Reads a run of digits into the mantissa; how many.
        @inline(__always) func digitRun() -> Int {
            let start = i
            while i < n {
                let digit = bytes[i] &- 0x30
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                i += 1
            }
            return i - start
        }
        var digits = digitRun()
        var fractionDigits = 0
        var integer = true
        if i < n, bytes[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            fractionDigits = digitRun()
            digits += fractionDigits
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
        if digits <= 19, mantissa <= 1 << 53, power >= -22, power <= 22 {
            var value = Double(mantissa)
            let scale = exactPowerOfTen(power < 0 ? -power : power)
            value = power < 0 ? value / scale : value * scale
            return (negative ? -value : value, integer)
        }
        return (slowParse(bytes), integer)
    }

    /// 10^k for 0 ≤ k ≤ 22, each exact in a Double (a switch of literals: a constant table,
    /// no global to initialise on the hot path).
    @inlinable @inline(__always)
    static func exactPowerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    @usableFromInline
    static func slowParse(_ bytes: UnsafeRawBufferPointer) -> Double {
        var text = Array(bytes)
        text.append(0)
        return text.withUnsafeBufferPointer { strtod(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), nil) }
    }
}
