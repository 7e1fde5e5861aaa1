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

    /// `parse` for the commonest shape — one to eight bytes of digits with at most one point,
    /// no sign or exponent ("30.19", "1328") — read from one eight-byte word: no loop per
    /// digit. Nil for any other text (then `parse`). Eight bytes must be readable at `start`
    /// (the text's `count` bytes, then anything).
    @inlinable @inline(__always)
    public static func parseShort(_ start: UnsafeRawPointer, count n: Int) -> (Double, integer: Bool)? {
        guard n > 0, n <= 8 else { return nil }
        let bits = 8 * n
        let inside: UInt64 = n == 8 ? ~0 : (1 << UInt64(bits)) &- 1
        let word = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self)) & inside
        let other = nonDigits(word) & inside
        var digits = word
        var count = n
        var fraction = 0
        if other != 0 {
            // One point and nothing else: taken out, the digits after it moved down a byte.
            guard other & (other &- 1) == 0 else { return nil }
            let point = other.trailingZeroBitCount >> 3
            guard (word >> UInt64(8 * point)) & 0xFF == 0x2E else { return nil }
            let below: UInt64 = (1 << UInt64(8 * point)) &- 1
            digits = (word & below) | ((word >> UInt64(8 * point + 8)) << UInt64(8 * point))
            count = n - 1
            fraction = count - point
            guard count > 0 else { return nil }
        }
        let mantissa = Double(value(ofDigits: digits, count: count))
        return (fraction == 0 ? mantissa : mantissa / exactPowerOfTen(fraction), other == 0)
    }

    /// `parseShort` for nine to sixteen bytes ("43.135373589", "1700000000123"), read from two
    /// words: the point taken out of the sixteen bytes, the first eight digits and the rest
    /// valued as `parseShort` values them. Nil for any other text, and for a mantissa above
    /// 2^53 (then `parse`, which goes to strtod). Sixteen bytes must be readable at `start`.
    @inlinable @inline(__always)
    public static func parseMedium(_ start: UnsafeRawPointer, count n: Int) -> (Double, integer: Bool)? {
        guard n > 8, n <= 16 else { return nil }
        let low = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self))
        let inside: UInt64 = n == 16 ? ~0 : (1 << UInt64(8 * (n - 8))) &- 1
        let high = UInt64(littleEndian: start.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & inside
        let (otherLow, otherHigh) = (nonDigits(low), nonDigits(high) & inside)
        var (digitsLow, digitsHigh, count, fraction) = (low, high, n, 0)
        if otherLow | otherHigh != 0 {
            // One point and nothing else: taken out, the bytes after it moved down one.
            let other = otherLow | otherHigh
            guard otherLow == 0 || otherHigh == 0, other & (other &- 1) == 0 else { return nil }
            let point = (other.trailingZeroBitCount >> 3) + (otherLow == 0 ? 8 : 0)
            if point < 8 {
                guard (low >> UInt64(8 * point)) & 0xFF == 0x2E else { return nil }
                let below: UInt64 = (1 << UInt64(8 * point)) &- 1
                digitsLow = (low & below) | ((low >> UInt64(8 * point + 8)) << UInt64(8 * point)) | (high << 56)
                digitsHigh = high >> 8
            } else {
                guard (high >> UInt64(8 * (point - 8))) & 0xFF == 0x2E else { return nil }
                let below: UInt64 = (1 << UInt64(8 * (point - 8))) &- 1
                digitsHigh = (high & below) | ((high >> UInt64(8 * (point - 8) + 8)) << UInt64(8 * (point - 8)))
            }
            count = n - 1
            fraction = count - point
        }
        // Eight digits or more: the first eight, then the rest (none to eight).
        let rest = count - 8
        var mantissa = value(ofDigits: digitsLow, count: 8)
        if rest > 0 { mantissa = mantissa &* UInt64(exactPowerOfTen(rest)) &+ value(ofDigits: digitsHigh, count: rest) }
        guard mantissa <= 1 << 53 else { return nil }
        let value = Double(mantissa)
        return (fraction == 0 ? value : value / exactPowerOfTen(fraction), otherLow | otherHigh == 0)
    }

    /// The high bit of each byte of `word` (read little-endian) that is not an ASCII digit, no
    /// other bit set: a digit less 0x30 is below 10, so adding 0x76 to a byte's low seven bits
    /// sets its high bit for any other (no carry crosses bytes), as does a high bit already set.
    @inlinable @inline(__always)
    public static func nonDigits(_ word: UInt64) -> UInt64 {
        let x = word ^ 0x3030_3030_3030_3030
        return (((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
    }

    /// The number the first `count` bytes of `word` spell (1 to 8 ASCII digits, the most
    /// significant the lowest byte): the digits moved to the top of the word (zeros, as
    /// leading zeros, below them), then pairs, fours and the eight combined, each step
    /// multiplying the more significant half by a power of ten and adding the other.
    @inlinable @inline(__always)
    public static func value(ofDigits word: UInt64, count: Int) -> UInt64 {
        var value = (word & 0x0F0F_0F0F_0F0F_0F0F) &<< UInt64(64 - 8 * count)
        value = (value &* 2561) >> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
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
