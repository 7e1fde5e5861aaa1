import Foundation
import GateKit
import GateTestSupport
import Dependencies
@testable import SBOM
import Testing

@Suite("SBOM diff")
struct SBOMDiffTests {
    @Test("added, removed and changed between two Package.resolved files")
    func lockfiles() throws {
        let (base, _) = try SBOMDiff.components(Fixtures.path("sbom/swiftpm/v2.resolved"))
        let (head, _) = try SBOMDiff.components(Fixtures.path("sbom/swiftpm/v3.resolved"))
        let changes = SBOMDiff(base: base, head: head).changes
        #expect(changes.map { "\($0.before?.version ?? "-") → \($0.after?.version ?? "-") \($0.key)" } == [
            "1.3.1 → 1.6.1 swift:github.com/apple/swift-argument-parser",
            "- → 3.12.3 swift:github.com/apple/swift-crypto",
            "1.5.4 → - swift:github.com/apple/swift-log",
            "- → 6.2.2 swift:github.com/jpsim/Yams",
        ])
    }

    @Test("CycloneDX documents gate wrote read back; a newly denied license fails, one already there does not")
    func cycloneDX() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let inventory = try Lockfiles.read(Fixtures.path("sbom/npm/package-lock.json")).0
        var changed = inventory
        let index = changed.components.firstIndex { $0.name == "lodash" }!
        changed.components[index].version = "4.18.0"
        changed.components[index].license = "AGPL-3.0-only"
        changed.components.append(Component(ecosystem: .npm, name: "left-pad", version: "1.3.0", license: "WTFPL"))
        try Fixtures.write(SBOMWriter.cycloneDX([inventory], environment: [:]), to: directory + "/base.cdx.json")
        try Fixtures.write(SBOMWriter.cycloneDX([Inventory(source: "x", root: changed.root, components: changed.components)], environment: [:]), to: directory + "/head.cdx.json")
        let (base, baseDigest) = try SBOMDiff.components(directory + "/base.cdx.json")
        let (head, headDigest) = try SBOMDiff.components(directory + "/head.cdx.json")
        #expect(base == inventory.components.map { var c = $0; c.hashes = [:]; c.source = nil; c.dependencies = []; return c })
        var policy = SBOMPolicy()
        policy.allow = ["MIT", "Apache-2.0"]
        policy.deny = ["AGPL-3.0-only"]
        let result = SBOMDiff(base: base, head: head).judge(policy: policy, inputs: [baseDigest, headDigest], headPath: "head.cdx.json")
        #expect(result.verdict == .fail)
        #expect(result.summary == "1 added, 0 removed, 1 changed; 1 with a denied license")
        #expect(result.findings.first?.message == "pkg:npm/lodash@4.18.0 (changed) is licensed AGPL-3.0-only, which the policy denies")
        #expect(throws: GateError.self) { try SBOMDiff.components(Fixtures.path("flags/flags.yml")) }
    }
}
