import Foundation
import GateTestSupport
import Testing

@Suite("gate checksum")
struct ChecksumCommandTests {
    @Test("create, sign, verify; a flipped byte exits 1 naming the file; a '../' entry exits 2")
    func roundTrip() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/model", withIntermediateDirectories: true)
        try Fixtures.write("weights", to: directory + "/model/w.bin")
        try Fixtures.write("{}", to: directory + "/model/config.json")
        #expect(try GateBinary.run(["checksum", "keygen", directory + "/k", directory + "/k.pub"]).status == 0)
        let create = try GateBinary.run(["checksum", "create", directory + "/model", "--sign-key", directory + "/k"])
        #expect(create.status == 0)
        #expect(create.stdout.contains("2 files, 9 bytes, signed"))
        let ok = try GateBinary.run(["checksum", "verify", directory + "/model/MANIFEST.sha256", "--verify-key", directory + "/k.pub", "--policy", "/dev/null"])
        #expect(ok.status == 0, "\(ok.stdout)")
        try Fixtures.write("weightz", to: directory + "/model/w.bin")
        let changed = try GateBinary.run(["checksum", "verify", directory + "/model/MANIFEST.sha256", "--policy", "/dev/null"])
        #expect(changed.status == 1)
        #expect(changed.stdout.contains("changed: w.bin"))
        try Fixtures.write("0000000000000000000000000000000000000000000000000000000000000000  ../k\n", to: directory + "/model/MANIFEST.sha256")
        let escape = try GateBinary.run(["checksum", "verify", directory + "/model/MANIFEST.sha256", "--policy", "/dev/null"])
        #expect(escape.status == 2)
        #expect(escape.stderr.contains("'../k' is not a relative path inside the root"))
        let missingDir = try GateBinary.run(["checksum", "create", directory + "/nope"])
        #expect(missingDir.status == 2)
    }
}
