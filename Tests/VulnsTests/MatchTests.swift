import Dependencies
import Foundation
import GateTestSupport
import Testing
@testable import Vulns

@Suite("OSV records and their evaluation")
struct MatchTests {
    static let index: AdvisoryIndex = {
        let (records, _) = try! OSVReader.load(Fixtures.path("vulns/osv"))
        return AdvisoryIndex(records)
    }()

    static func affected(_ ecosystem: Ecosystem, _ name: String, _ version: String) -> [String] {
        index.matches(ecosystem: AdvisoryEcosystem(ecosystem)!, name: name, version: version).matches.map(\.record.id)
    }

    static func fixedIn(_ ecosystem: Ecosystem, _ name: String, _ version: String) -> String? {
        index.matches(ecosystem: AdvisoryEcosystem(ecosystem)!, name: name, version: version).matches.first?.fixedIn
    }

    @Test("events out of order are sorted first; \"0\" is below every version; the fix reported is the smallest above", arguments: [
        ("0.1", true, "1.0"), ("0.9.9", true, "1.0"), ("1.0", false, nil), ("1.4.99", false, nil), ("1.5", true, "2.0"), ("1.9.9", true, "2.0"),
        ("2.0", false, nil), ("2.0.0", false, nil), ("3", false, nil),
    ] as [(String, Bool, String?)])
    func outOfOrder(_ row: (String, Bool, String?)) {
        // The name as the lockfile spells it, after PEP 503: "Order.Pkg" in the record.
        #expect(Self.affected(.pypi, "order_pkg", row.0) == (row.1 ? ["TEST-2026-0001"] : []), "order-pkg \(row.0)")
        if row.1 { #expect(Self.fixedIn(.pypi, "order-pkg", row.0) == row.2) }
    }

    @Test("PEP 440 in ranges: pre-, dev and local versions below the fix, post-releases above; the versions list is exact strings",
          arguments: [
              ("2.0.0rc1", true), ("2.0.0.dev3", true), ("1.9+local", true), ("2.0.0.post1", false), ("2.0", false),
              ("3.1", true), ("3.1.0", false), ("3.2.post1", true), ("3.2", false),
          ])
    func pep440Ranges(_ row: (String, Bool)) {
        #expect(Self.affected(.pypi, "Edge-Pkg", row.0) == (row.1 ? ["TEST-2026-0002"] : []), "edge-pkg \(row.0)")
    }

    @Test("epochs: 2.0 has epoch 0, so it is below a fix in 1!0.5")
    func epochs() {
        #expect(Self.affected(.pypi, "epoch-pkg", "2.0") == ["TEST-2026-0003"])
        #expect(Self.affected(.pypi, "epoch-pkg", "1!0.4") == ["TEST-2026-0003"])
        #expect(Self.affected(.pypi, "epoch-pkg", "1!0.5").isEmpty)
    }

    @Test("a withdrawn advisory never matches, though its ranges would")
    func withdrawn() {
        #expect(Self.index.withdrawn == 1)
        #expect(!Self.affected(.pypi, "order-pkg", "1.2").contains("TEST-2026-0004"))
        #expect(!Self.affected(.pypi, "edge-pkg", "2.0").contains("TEST-2026-0004"))
    }

    @Test("GIT-only ranges are reported as not evaluated, never as clean")
    func gitOnly() {
        let result = Self.index.matches(ecosystem: AdvisoryEcosystem(.pypi)!, name: "git-pkg", version: "1.0")
        #expect(result.matches.isEmpty)
        #expect(result.unjudged.map(\.id) == ["TEST-2026-0005"])
        #expect(result.unjudged.first?.reason.contains("GIT") == true)
    }

    @Test("SemVer ranges: last_affected includes its version, pre-releases order below releases; limit bounds a range", arguments: [
        ("last-crate", "1.0.0-alpha.0", false), ("last-crate", "1.0.0-alpha.1", true), ("last-crate", "1.0.0", true),
        ("last-crate", "1.2.3", true), ("last-crate", "1.2.3+build.9", true), ("last-crate", "1.2.4-rc.1", false), ("last-crate", "1.2.4", false),
        ("limit-crate", "1.3.9", false), ("limit-crate", "1.4.0", true), ("limit-crate", "1.99.0", true), ("limit-crate", "2.0.0", false),
        ("limit-crate", "2.5.0", false),
    ])
    func semverRanges(_ row: (String, String, Bool)) {
        #expect(!Self.affected(.cargo, row.0, row.1).isEmpty == row.2, "\(row.0) \(row.1)")
    }

    @Test("Go: module paths match case-sensitively; v prefixes, +incompatible and pseudo-versions order as Go orders them")
    func go() {
        #expect(Self.affected(.golang, "github.com/Example/Toml", "v0.3.1") == ["TEST-2026-0009"])
        #expect(Self.affected(.golang, "github.com/example/toml", "v0.3.1").isEmpty)
        #expect(Self.affected(.golang, "github.com/example/legacy", "v3.2.0+incompatible") == ["TEST-2026-0009"])
        #expect(Self.affected(.golang, "golang.org/x/demo", "v0.0.0-20200101000000-aaaaaaaaaaaa") == ["TEST-2026-0009"])
        #expect(Self.affected(.golang, "golang.org/x/demo", "v0.0.0-20210201000000-bbbbbbbbbbbb").isEmpty)
        #expect(Self.fixedIn(.golang, "golang.org/x/demo", "v0.0.0-20200101000000-aaaaaaaaaaaa") == "0.0.0-20210101000000-abcdef123456")
    }

    @Test("a VEX product purl without a version covers every version, a scoped npm name included; one with a version covers that one")
    func vexProducts() {
        func statement(_ product: String) -> VEXStatement {
            VEXStatement(vulnerability: "X", products: [product], status: "not_affected", justification: "", source: "vex.json")
        }
        #expect(statement("pkg:npm/%40types/node").covers(purl: "pkg:npm/%40types/node@20.1.0"))
        #expect(statement("pkg:npm/@types/node").covers(purl: "pkg:npm/%40types/node@20.1.0"))
        #expect(!statement("pkg:npm/%40types/node@20.2.0").covers(purl: "pkg:npm/%40types/node@20.1.0"))
        #expect(statement("pkg:pypi/order-pkg@1.6?repository_url=x").covers(purl: "pkg:pypi/order-pkg@1.6"))
        #expect(!statement("pkg:pypi/order-pkg").covers(purl: "pkg:pypi/order-pkg-extra@1.6"))
    }

    @Test("an ecosystem with no advisories is not covered")
    func coverage() {
        #expect(Self.index.covers(AdvisoryEcosystem(.pypi)!))
        #expect(Self.index.covers(AdvisoryEcosystem(.golang)!))
        #expect(!Self.index.covers(AdvisoryEcosystem(.npm)!))
        #expect(!Self.index.covers(AdvisoryEcosystem(.swift)!))
    }

    @Test("a malformed record is an error naming the file", arguments: [
        ("{\"id\": \"X-1\"}", "modified is missing"),
        ("{\"id\": \"X-1\", \"modified\": \"2026-01-01T00:00:00Z\", \"affected\": {}}", "affected is not a list"),
        ("{\"id\": \"X-1\", \"modified\": \"2026-01-01T00:00:00Z\", \"affected\": [{\"package\": {\"name\": \"a\"}}]}", "affected[0].package.ecosystem is missing"),
        ("{\"id\": \"X-1\", \"modified\": \"2026-01-01T00:00:00Z\", \"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"a\"}, \"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"fixed\": \"1.0.0\"}]}]}]}",
         "affected[0].ranges[0] has no introduced event"),
        ("{\"id\": \"X-1\", \"modified\": \"2026-01-01T00:00:00Z\", \"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"a\"}, \"ranges\": [{\"type\": \"RANGE\", \"events\": []}]}]}",
         "affected[0].ranges[0].type is 'RANGE', not SEMVER, ECOSYSTEM or GIT"),
        ("{\"id\": \"X-1\", \"modified\": \"2026", "X-1.json:1:"),
        ("[1, 2]", "not an OSV record"),
        ("{\"id\": \"X-1\", \"modified\": \"2026-01-01T00:00:00Z\", \"severity\": [{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L\"}]}",
         "severity[0].score 'CVSS:3.1/AV:N/AC:L' is not a CVSS v3 vector: the base metric PR is missing"),
    ])
    func malformed(_ row: (String, String)) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/db", withIntermediateDirectories: true)
        try Fixtures.write(try Fixtures.text("vulns/osv/TEST-2026-0003.json"), to: directory + "/db/A-1.json")
        try Fixtures.write(row.0, to: directory + "/db/X-1.json")
        expectError(containing: "X-1.json") { _ = try OSVReader.load(directory + "/db") }
        expectError(containing: row.1) { _ = try OSVReader.load(directory + "/db") }
    }

    @Test("YAML records: versions stay text as written; anchors, aliases, deep nesting and broken YAML are errors with the line", arguments: [
        ("id: Y-1\nmodified: x\nbase: &a [1]\nmore: *a\n", "Y-1.yaml:3: a YAML anchor (&a)"),
        ("id: Y-1\nmodified: x\naffected: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n",
         "Y-1.yaml:3: YAML nested more than 64 levels deep"),
        ("id: Y-1\nmodified: x\naffected: [\n", "Y-1.yaml:4: not YAML"),
        ("id: Y-1\nmodified: x\n? [a, b]\n: c\n", "Y-1.yaml:3: a mapping key that is not a plain value"),
    ])
    func yamlRecords(_ row: (String, String)) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(row.0, to: directory + "/Y-1.yaml")
        expectError(containing: row.1) { _ = try OSVReader.load(directory + "/Y-1.yaml") }
        // Plain scalars keep their text: 1.10 is not the number 1.1.
        try Fixtures.write("id: Y-2\nmodified: 2026-01-01\naffected:\n- package: {ecosystem: PyPI, name: p}\n  versions: [1.10, 2.0]\n", to: directory + "/Y-2.yaml")
        let record = try #require(try OSVReader.load(directory + "/Y-2.yaml").records.first)
        #expect(record.modified == "2026-01-01")
        #expect(record.affected.first?.versions == ["1.10", "2.0"])
        try Fixtures.write("id: Y-3\nmodified: 2026-01-01\naffected:\n- package: {ecosystem: PyPI, name: p}\n  versions: [1.10, ~]\n", to: directory + "/Y-3.yaml")
        expectError(containing: "Y-3.yaml: affected[0].versions[1] is not a string") { _ = try OSVReader.load(directory + "/Y-3.yaml") }
    }

    @Test("an osv.dev all.zip reads to the same records as the folder; a damaged entry or one past the size limit is an error")
    func zip() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Python's zipfile writes the archive: another implementation than the one reading it.
        let script = """
            import sys, zipfile, glob, os
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(glob.glob(os.path.join(sys.argv[2], "*.json"))):
                    z.write(f, os.path.basename(f))
            with zipfile.ZipFile(sys.argv[3], "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("BOMB-1.json", "[" + " " * (64 << 20) + "]")
            """
        let output = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", script, directory + "/all.zip", Fixtures.path("vulns/osv"), directory + "/bomb.zip"],
                                           in: directory)
        #expect(output.status == 0, "\(output.stderr)")
        let (zipped, _) = try OSVReader.load(directory + "/all.zip")
        let (folder, _) = try OSVReader.load(Fixtures.path("vulns/osv"))
        #expect(zipped.map(\.id) == folder.filter { !$0.source.hasSuffix(".yaml") }.map(\.id))
        #expect(zipped.first?.source.hasSuffix("all.zip:TEST-2026-0001.json") == true)
        // 64 MiB of blanks compress to 64 KiB; under a 1 MiB limit (set for the binary alone,
        // not this process) the entry is refused before it is inflated.
        let bomb = try GateBinary.run(["vulns", "requirements.txt", "--databases", directory + "/bomb.zip"], in: Fixtures.path("vulns/projects/python"),
                                      environment: ["GATE_MAX_DOCUMENT_BYTES": "1M"])
        #expect(bomb.status == 2)
        #expect(bomb.stderr.contains("bomb.zip:BOMB-1.json: 67108866 bytes uncompressed, over GATE_MAX_DOCUMENT_BYTES (1048576)"), "\(bomb.stderr)")
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/all.zip")))
        bytes[60] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/damaged.zip"))
        expectError(containing: "damaged.zip") { _ = try OSVReader.load(directory + "/damaged.zip") }
    }
}
