import Foundation
import GateKit
import GateTestSupport
import SBOM
import Testing

@Suite("gate sbom")
struct SBOMCommandTests {
    @Test("generate: CycloneDX and SPDX, the same bytes twice with SOURCE_DATE_EPOCH; a bad lockfile is exit 2")
    func generate() throws {
        let lock = Fixtures.path("sbom/cargo/Cargo.lock")
        let first = try GateBinary.run(["sbom", "generate", lock], environment: ["SOURCE_DATE_EPOCH": "1790000000"])
        let second = try GateBinary.run(["sbom", "generate", lock], environment: ["SOURCE_DATE_EPOCH": "1790000000"])
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.contains("\"specVersion\": \"1.6\""))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spdx = try GateBinary.run(["sbom", "generate", lock, Fixtures.path("sbom/go/go.mod"), "--format", "spdx", "--name", "shop", "--output", directory + "/s.json"])
        #expect(spdx.status == 0)
        let document = try String(contentsOfFile: directory + "/s.json", encoding: .utf8)
        #expect(document.contains("\"spdxVersion\": \"SPDX-2.3\"") && document.contains("pkg:golang/github.com/gorilla/mux@v1.8.1"))
        let bad = try GateBinary.run(["sbom", "generate", Fixtures.path("sbom/bad/unpinned/requirements.txt")])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("requirements.txt:1: 'requests>=2.0' is not pinned"))
        let unknown = try GateBinary.run(["sbom", "generate", Fixtures.path("flags/flags.yml")])
        #expect(unknown.status == 2)
    }

    @Test("check: allowed passes, a denied license fails with exit 1, a policy with a bad key is exit 2")
    func check() throws {
        let lock = Fixtures.path("sbom/npm/package-lock.json")
        let pass = try GateBinary.run(["sbom", "check", lock, "--allow", "MIT", "Apache-2.0", "--policy", "/dev/null"])
        #expect(pass.status == 0, "\(pass.stdout)")
        #expect(pass.stdout.contains("8 components: 8 allowed, 0 denied, 0 unknown"))
        let fail = try GateBinary.run(["sbom", "check", lock, "--allow", "MIT", "--deny", "Apache-2.0", "--policy", "/dev/null"])
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("pkg:npm/typescript@5.3.3 is licensed Apache-2.0, which the policy denies"))
        let unknown = try GateBinary.run(["sbom", "check", lock, "--allow", "ISC", "--unknown", "fail", "--policy", "/dev/null"])
        #expect(unknown.status == 1)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("lockfiles: [x]\nalow: [MIT]\n", to: directory + "/sbom.yml")
        let badPolicy = try GateBinary.run(["sbom", "check", "--policy", directory + "/sbom.yml"])
        #expect(badPolicy.status == 2)
        #expect(badPolicy.stderr.contains("alow"))
        for (text, key) in [("unknown: maybe", "unknown"), ("format: xml", "format"), ("allow: ['MIT OR ISC']", "allow")] {
            #expect(throws: GateError.self, "\(key)") { try SBOMPolicy(policy: try Policy.parse(text, path: "gates/sbom.yml")) }
        }
    }

    @Test("diff: changes listed; a newly denied license fails")
    func diff() throws {
        let base = Fixtures.path("sbom/swiftpm/v2.resolved"), head = Fixtures.path("sbom/swiftpm/v3.resolved")
        let ok = try GateBinary.run(["sbom", "diff", base, head, "--policy", "/dev/null"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("2 added, 1 removed, 1 changed"))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lock = try Fixtures.text("sbom/npm/package-lock.json")
        try Fixtures.write(lock, to: directory + "/package-lock.json")
        try FileManager.default.createDirectory(atPath: directory + "/head", withIntermediateDirectories: true)
        try Fixtures.write(lock.replacingOccurrences(of: "\"version\": \"4.17.21\"", with: "\"version\": \"4.17.22\"")
            .replacingOccurrences(of: "lodash-4.17.21.tgz\",\n      \"integrity\": \"sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==\",\n      \"license\": \"MIT\"",
                                  with: "lodash-4.17.22.tgz\",\n      \"license\": \"AGPL-3.0-only\""), to: directory + "/head/package-lock.json")
        try Fixtures.write("deny: [AGPL-3.0-only]\n", to: directory + "/sbom.yml")
        let denied = try GateBinary.run(["sbom", "diff", directory + "/package-lock.json", directory + "/head/package-lock.json", "--policy", directory + "/sbom.yml"])
        #expect(denied.status == 1, "\(denied.stdout)")
        #expect(denied.stdout.contains("pkg:npm/lodash@4.17.22 (changed) is licensed AGPL-3.0-only"))
    }
}
