import Foundation
import GateKit
@testable import Relevance
import Testing

/// Docnos of up to 23 bytes live inside the run entry; longer ones as strings. Either way an
/// entry must give back its docno, compare and order as the strings do, and hash as the bytes.
@Suite struct DocumentNameTests {
    static let documents: [String] = {
        var out = ["", "a", "doc7", "clueweb12-0000-00-0000", "clueweb12-0000-00-00000", "clueweb12-0000tw-00-00000",
                   String(repeating: "z", count: 15), String(repeating: "z", count: 16), String(repeating: "y", count: 24),
                   "déjà-vu-αβγ", "\u{7f}\u{1}", String(repeating: "é", count: 12), "MARCO_D1555982", String(repeating: "q", count: 100)]
        for length in 20...26 { out.append(String(repeating: "m", count: length - 1) + "n") }
        return out
    }()

    @Test("every docno length round-trips, compares and orders byte-wise as its string, and hashes as its bytes")
    func roundTrip() {
        let entries = Self.documents.map { Run.Entry(document: $0, score: 1) }
        for (entry, document) in zip(entries, Self.documents) {
            #expect(entry.document == document)
            var copy = document
            #expect(entry.hash == copy.withUTF8(ByteHash.of))
            #expect(copy.withUTF8 { entry.name.equals($0) })
        }
        for (a, x) in zip(entries, Self.documents) {
            for (b, y) in zip(entries, Self.documents) {
                #expect((a == b) == (x == y), "\(x) vs \(y)")
                #expect(DocumentName.precedes(a.name, b.name) == x.utf8.lexicographicallyPrecedes(y.utf8), "\(x) vs \(y)")
            }
        }
        #expect(MemoryLayout<Run.Entry>.stride == 48)
    }
}
