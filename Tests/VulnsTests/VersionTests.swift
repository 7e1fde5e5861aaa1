import Foundation
import GateTestSupport
import Testing
@testable import Vulns

@Suite("version orders")
struct VersionTests {
    /// PEP 440's own examples and the edges packaging handles, in ascending order; `==` marks
    /// spellings of one version.
    static let pep440Ascending = [
        "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456",
        "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456",
        "1.0.15", "1.1.dev1", "2.0", "1!0.1",
    ]

    @Test("PEP 440: the specification's order, epochs, local versions above their public one")
    func pep440Order() {
        let parsed = Self.pep440Ascending.map { VersionScheme.pep440.parse($0) }
        #expect(parsed.allSatisfy { $0 != nil })
        for index in 1..<parsed.count {
            #expect(parsed[index - 1]! < parsed[index]!, "\(Self.pep440Ascending[index - 1]) < \(Self.pep440Ascending[index])")
        }
    }

    @Test("PEP 440 normalisation: spellings of one version are equal", arguments: [
        ("1.0", "1.0.0"), ("1.0alpha1", "1.0a1"), ("1.0-beta.2", "1.0b2"), ("1.0c1", "1.0rc1"), ("1.0preview1", "1.0rc1"),
        ("1.0-1", "1.0.post1"), ("1.0rev3", "1.0.post3"), ("1.0.r", "1.0.post0"), ("v2.1", "2.1"), ("1.0.DEV", "1.0.dev0"),
        ("1.0+Ubuntu-1", "1.0+ubuntu.1"), ("0!1.2", "1.2"), (" 1.2 ", "1.2"),
    ])
    func pep440Spellings(_ pair: (String, String)) throws {
        let a = try #require(VersionScheme.pep440.parse(pair.0)), b = try #require(VersionScheme.pep440.parse(pair.1))
        #expect(a == b, "\(pair.0) == \(pair.1)")
    }

    @Test("PEP 440: what is not a version", arguments: ["", "a1", "1.0+", "1.0+ab$", "1..0", "1.0junk", "1.0-", "French toast"])
    func pep440Invalid(_ text: String) {
        #expect(VersionScheme.pep440.parse(text) == nil)
    }

    /// The order `packaging` (the reference implementation of PEP 440) gives the same
    /// versions, shuffled: every pair must agree.
    @Test("PEP 440 order agrees with packaging on every pair",
          .enabled(if: ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"] != nil))
    func agreesWithPackaging() throws {
        let tools = ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"]!
        let versions = Self.pep440Ascending + [
            "0.9", "1.0.0", "1.0.0.0.0", "1.0.post1", "1.0.post1.dev2", "1.0a1.post2", "1.0rc1.post1.dev1", "1.0+1.2", "1.0+1.a",
            "1.0+a.1", "1.0+abc", "2.0.0rc1", "2.0.0.dev3", "1.9+local", "1!1.0", "3.1", "3.2.post1", "10.0", "1.10", "1.9.9",
            "2024.2.2", "0.0.0", "1.0.0a0", "1.0b0",
        ]
        let script = """
            import sys
            from packaging.version import Version
            vs = sys.argv[1:]
            for a in vs:
                print(" ".join("<" if Version(a) < Version(b) else ("=" if Version(a) == Version(b) else ">") for b in vs))
            """
        let output = try ProcessRunner.run(tools + "/bin/python", ["-c", script] + versions, in: Fixtures.repositoryRoot)
        #expect(output.status == 0, "\(output.stderr)")
        let rows = output.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let parsed = versions.map { VersionScheme.pep440.parse($0)! }
        var disagreements: [String] = []
        for (i, a) in parsed.enumerated() {
            for (j, b) in parsed.enumerated() {
                let ours = a < b ? "<" : (a == b ? "=" : ">")
                if ours != rows[i][j] { disagreements.append("\(versions[i]) \(rows[i][j]) \(versions[j]) (ours: \(ours))") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        #expect(versions.count * versions.count == rows.flatMap { $0 }.count)
    }

    @Test("SemVer 2.0 §11: the specification's pre-release order; build metadata ignored; leading zeros refused")
    func semver() throws {
        let ascending = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
                         "1.9.0", "1.10.0", "1.11.0", "2.0.0", "2.1.0", "2.1.1"]
        let parsed = try ascending.map { try #require(VersionScheme.semver.parse($0)) }
        for index in 1..<parsed.count { #expect(parsed[index - 1] < parsed[index], "\(ascending[index - 1]) < \(ascending[index])") }
        #expect(VersionScheme.semver.parse("1.0.0+build.5") == VersionScheme.semver.parse("1.0.0+other"))
        #expect(VersionScheme.semver.parse("1.0.0-alpha+001")! < VersionScheme.semver.parse("1.0.0")!)
        for invalid in ["1.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "v1.0.0", "1.0.0-a..b", "1.0.0.0"] {
            #expect(VersionScheme.semver.parse(invalid) == nil, "\(invalid)")
        }
    }

    @Test("Go: the v prefix, +incompatible as build metadata, pseudo-versions as pre-releases")
    func go() throws {
        let go = VersionScheme.go
        #expect(go.parse("v1.2.3") == go.parse("1.2.3"))
        #expect(go.parse("v3.2.0+incompatible")! < go.parse("4.0.0")!)
        #expect(go.parse("v3.2.0+incompatible") == go.parse("3.2.0"))
        let pseudo = try #require(go.parse("v0.0.0-20200622213623-75b288015ac9"))
        #expect(pseudo < go.parse("0.0.0-20210101000000-abcdef123456")!)
        #expect(go.parse("v1.2.4-0.20191109021931-daa7c04131f5")! < go.parse("v1.2.4")!)
        #expect(go.parse("v1.2.3")! < go.parse("v1.2.4-0.20191109021931-daa7c04131f5")!)
    }
}
