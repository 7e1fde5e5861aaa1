import Foundation
@testable import Relevance
import Testing

@Suite struct ScoreParsingTests {
    /// strtod on the whole field, as the reader's fallback calls it.
    static func strtodValue(_ text: String) -> Double? {
        var end: UnsafeMutablePointer<CChar>?
        return text.withCString { start in
            let value = strtod(start, &end)
            return end == UnsafeMutablePointer(mutating: start) + text.utf8.count && !text.isEmpty && !value.isNaN ? value : nil
        }
    }

    static func parsed(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer(TRECFiles.parseDouble)
    }

    @Test("the short decimal path gives strtod's value bit for bit; every other shape falls back to strtod")
    func sameAsStrtod() {
        var state: UInt64 = 11
        func next(_ n: UInt64) -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) % n
        }
        var texts = ["0", "-0", "+7", ".5", "5.", "-.25", "999999999999999", "0.000000000000001", "123456789.123456", "1234567890123456",
                     "1e5", "1.5E-3", "0x1p3", "inf", "nan", ".", "-", "1.2.3", "12a", ""]
        for _ in 0..<20_000 {
            let whole = next(1_000_000), fraction = next(1_000_000), places = next(8)
            let sign = ["", "-", "+"][Int(next(3))]
            texts.append(places == 0 ? "\(sign)\(whole)" : "\(sign)\(whole)." + String(String(fraction).prefix(Int(places))))
        }
        for text in texts {
            let ours = Self.parsed(text), reference = Self.strtodValue(text)
            #expect(ours?.bitPattern == reference?.bitPattern, "\(text): \(String(describing: ours)) vs \(String(describing: reference))")
        }
    }
}
