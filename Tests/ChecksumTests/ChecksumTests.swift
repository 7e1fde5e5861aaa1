import Foundation
import GateKit
import GateTestSupport
@testable import Checksum
import Testing

@Suite("checksum manifests")
struct ChecksumTests {
    /// A directory with a few files, nested ones and a file of 3 MiB (more than one read).
    static func artifacts() throws -> String {
        let root = try Fixtures.temporaryDirectory() + "/model"
        try FileManager.default.createDirectory(atPath: root + "/weights/layer 1", withIntermediateDirectories: true)
        try Fixtures.write("{\"name\": \"m\"}\n", to: root + "/config.json")
        try Fixtures.write("vocab\n", to: root + "/weights/layer 1/vocab.txt")
        _ = FileManager.default.createFile(atPath: root + "/weights/big.bin", contents: Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        return root
    }

    static func verify(_ root: String, key: String? = nil) throws -> GateResult {
        var policy = ChecksumPolicy()
        policy.manifest = root + "/MANIFEST.sha256"
        policy.verifyKey = key
        return try ChecksumGate(policy: policy, context: GateContext(root: "/")).evaluate()
    }

    @Test("create writes what sha256sum -c accepts, and a sidecar with sizes; verify passes")
    func create() throws {
        let root = try Self.artifacts()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let manifest = try ChecksumGate.create(root: root, manifest: root + "/MANIFEST.sha256", signKey: nil)
        #expect(manifest.entries.map(\.path) == ["config.json", "weights/big.bin", "weights/layer 1/vocab.txt"])
        let check = try Shell.run(["sha256sum", "-c", "MANIFEST.sha256"], in: root)
        #expect(check.contains("weights/big.bin: OK") && check.contains("weights/layer 1/vocab.txt: OK"))
        let sidecar = try String(contentsOfFile: root + "/MANIFEST.sha256.json", encoding: .utf8)
        #expect(sidecar.contains("\"size\": 3145728"))
        #expect(try Self.verify(root).verdict == .pass)
    }

    @Test("a manifest written with CRLF line ends reads as the one with LF (as sha256sum -c reads it)")
    func crlfManifest() throws {
        let root = try Self.artifacts()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let written = try ChecksumGate.create(root: root, manifest: root + "/MANIFEST.sha256", signKey: nil)
        let text = try String(contentsOfFile: root + "/MANIFEST.sha256", encoding: .utf8)
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(crlf.utf8.filter { $0 == 0x0D }.count == written.entries.count)
        let parsed = try ChecksumManifest.parse(crlf, path: "m")
        #expect(parsed.entries.map(\.path) == written.entries.map(\.path) && parsed.entries.map(\.sha256) == written.entries.map(\.sha256))
        try crlf.write(toFile: root + "/MANIFEST.sha256", atomically: true, encoding: .utf8)
        #expect(try Self.verify(root).verdict == .pass)
    }

    @Test("a flipped byte, a deleted file and an added file are each named", arguments: ["flip", "delete", "add"])
    func tampered(_ damage: String) throws {
        let root = try Self.artifacts()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        _ = try ChecksumGate.create(root: root, manifest: root + "/MANIFEST.sha256", signKey: nil)
        switch damage {
        case "flip":
            var bytes = [UInt8](FileManager.default.contents(atPath: root + "/weights/big.bin")!)
            bytes[2_000_000] ^= 1
            _ = FileManager.default.createFile(atPath: root + "/weights/big.bin", contents: Data(bytes))
        case "delete":
            try FileManager.default.removeItem(atPath: root + "/config.json")
        default:
            try Fixtures.write("x", to: root + "/weights/extra.bin")
        }
        let result = try Self.verify(root)
        #expect(result.verdict == .fail)
        let expected = ["flip": "changed: weights/big.bin", "delete": "missing: config.json", "add": "unexpected: weights/extra.bin is not in the manifest"][damage]!
        #expect(result.findings.map(\.message).contains { $0.hasPrefix(expected) }, "\(result.findings.map(\.message))")
        #expect(result.findings.count == 1)
    }

    @Test("manifest entries that leave the root, and symlinks out of it, are errors", arguments: [
        "0000000000000000000000000000000000000000000000000000000000000000  ../secret\n",
        "0000000000000000000000000000000000000000000000000000000000000000  /etc/passwd\n",
        "0000000000000000000000000000000000000000000000000000000000000000  a/../../b\n",
        "not a manifest line\n",
    ])
    func escaping(_ text: String) throws {
        let root = try Self.artifacts()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        try Fixtures.write(text, to: root + "/MANIFEST.sha256")
        #expect(throws: GateError.self) { try Self.verify(root) }
    }

    @Test("a symbolic link leading out of the root is refused when creating and verifying")
    func symlink() throws {
        let root = try Self.artifacts()
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/etc")
        #expect(throws: GateError.self) { try ChecksumGate.create(root: root, manifest: root + "/MANIFEST.sha256", signKey: nil) }
        try FileManager.default.removeItem(atPath: root + "/escape")
        try FileManager.default.createSymbolicLink(atPath: root + "/inside", withDestinationPath: root + "/config.json")
        let manifest = try ChecksumGate.create(root: root, manifest: root + "/MANIFEST.sha256", signKey: nil)
        #expect(manifest.entries.map(\.path).contains("inside"))
    }

    @Test("Ed25519: a signed manifest verifies; a changed manifest or another key does not")
    func signatures() throws {
        let root = try Self.artifacts()
        let keys = (root as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: keys) }
        try ChecksumGate.keygen(privateKey: keys + "/k", publicKey: keys + "/k.pub")
        try ChecksumGate.keygen(privateKey: keys + "/other", publicKey: keys + "/other.pub")
        _ = try ChecksumGate.create(root: root, manifest: root + "/MANIFEST.sha256", signKey: keys + "/k")
        #expect(try Self.verify(root, key: keys + "/k.pub").verdict == .pass)
        #expect(try Self.verify(root, key: keys + "/other.pub").findings.map(\.rule) == ["checksum/bad-signature"])
        let text = try String(contentsOfFile: root + "/MANIFEST.sha256", encoding: .utf8)
        try Fixtures.write(text + "\n", to: root + "/MANIFEST.sha256")
        #expect(try Self.verify(root, key: keys + "/k.pub").findings.map(\.rule) == ["checksum/bad-signature"])
        try Fixtures.write("not a key", to: keys + "/bad.pub")
        #expect(throws: GateError.self) { try Self.verify(root, key: keys + "/bad.pub") }
    }

    @Test("this repository's signed model fixture verifies")
    func fixture() throws {
        var policy = ChecksumPolicy()
        policy.manifest = "fixtures/model/MANIFEST.sha256"
        policy.verifyKey = "fixtures/keys/fixture-signing.pub"
        let result = try ChecksumGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot)).evaluate()
        #expect(result.verdict == .pass, "\(result.findings)")
        #expect(result.measurements.first?.value == 7)
    }
}
