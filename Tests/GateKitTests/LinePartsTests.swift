import Foundation
import GateKit
import GateTestSupport
import Testing

/// A mapped file cut into parts read on every core and joined in part order: whatever the cut
/// and whichever thread finishes first, the join sees the parts in order.
@Suite struct LinePartsTests {
    /// A file of numbered lines of varied length, mapped (parts give their pages back as they
    /// are read, which only a file mapping reads again).
    static func mapped(lines: Int) throws -> (file: MappedFile, lines: [String], directory: String) {
        let directory = try Fixtures.temporaryDirectory()
        let lines = (0..<lines).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }
        try Fixtures.write(lines.joined(separator: "\n") + "\n", to: directory + "/lines.txt")
        return (MappedFile(directory + "/lines.txt")!, lines, directory)
    }

    /// The lines of a part.
    static func lines(_ bytes: UnsafeRawBufferPointer) -> [String] {
        bytes.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("parts joined as they come in give the lines in order, for any number of parts, with or without a core held back")
    func joinedInOrder() throws {
        let (file, expected, directory) = try Self.mapped(lines: 5_000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for count in [1, 2, 3, 16, 64, 1_000] {
            for holdBack in [false, true] {
                // A core held back until other work (here, a short wait) is done.
                let waited = DispatchGroup()
                waited.enter()
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { waited.leave() }
                let joined = LineParts(file.bytes, count: count).joined({ part, bytes in
                    // The first parts finish last.
                    usleep(UInt32(max(0, 5 - part) * 1_000))
                    return Self.lines(bytes)
                }, join: { joined, next in
                    joined += next
                    return true
                }, lastCoreAfter: holdBack ? waited : nil)
                let inOrder = joined == expected
                #expect(inOrder, "\(count) parts, held back: \(holdBack): \(joined?.count ?? -1) lines")
            }
        }
    }

    @Test("a core held back for work that outlasts the read does not hold the join back once the other cores have taken every part")
    func heldBackReaderNotWaitedFor() throws {
        let (file, expected, directory) = try Self.mapped(lines: 5_000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for count in [1, 2, 16] {
            // The work is done only after the join returns (or, were the join to wait for it,
            // after a minute: the group is then empty when the join returns).
            let work = DispatchGroup(), release = DispatchSemaphore(value: 0)
            work.enter()
            DispatchQueue.global().async {
                _ = release.wait(timeout: .now() + .seconds(60))
                work.leave()
            }
            let joined = LineParts(file.bytes, count: count).joined({ _, bytes in Self.lines(bytes) }, join: { joined, next in
                joined += next
                return true
            }, lastCoreAfter: work)
            #expect(work.wait(timeout: .now()) == .timedOut, "\(count) parts: the join waited for the held-back work")
            release.signal()
            let inOrder = joined == expected
            #expect(inOrder, "\(count) parts")
            work.wait()
        }
    }

    struct PartFailed: Error {}

    @Test("a part that fails, or a join that refuses, makes the whole join nil")
    func failures() throws {
        let (file, _, directory) = try Self.mapped(lines: 2_000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let parts = LineParts(file.bytes, count: 8)
        #expect(parts.count == 8)
        let thrown = parts.joined({ part, bytes -> [String] in
            if part == 5 { throw PartFailed() }
            return Self.lines(bytes)
        }, join: { $0 += $1; return true })
        #expect(thrown == nil)
        let refused = parts.joined({ _, bytes in Self.lines(bytes) }, join: { joined, next in
            joined += next
            return joined.count < 1_000
        })
        #expect(refused == nil)
        let whole = parts.joined({ _, bytes in Self.lines(bytes) }, join: { $0 += $1; return true })
        #expect(whole?.count == 2_000)
    }

    @Test("a file hashed while its parts are read (pages left to the read) has the digest of the file; the read's progress reaches its end")
    func hashedWhileRead() throws {
        let (file, expected, directory) = try Self.mapped(lines: 400_000)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/lines.txt"))
        let reference = data.withUnsafeBytes { InputFile.digest(of: $0, path: "lines.txt") }
        for holdBack in [false, true] {
            let progress = ReadProgress()
            let digest = PendingDigest(hashing: file, path: "lines.txt", reader: progress)
            let parts = LineParts(file.bytes, count: 16)
            let joined = parts.joined({ _, bytes in Self.lines(bytes) }, join: { joined, next in
                joined += next
                return true
            }, lastCoreAfter: holdBack ? digest.computing : nil, progress: progress)
            let inOrder = joined == expected
            #expect(inOrder)
            #expect(digest.value == reference)
            #expect(progress.readUpTo == file.bytes.count)
        }
    }
}
