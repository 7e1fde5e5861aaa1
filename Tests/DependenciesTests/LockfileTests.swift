import Foundation
import GateTestSupport
@testable import Dependencies
import Testing

@Suite("lockfile readers")
struct LockfileTests {
    static func purls(_ relative: String) throws -> [String] {
        try Lockfiles.read(Fixtures.path("sbom/" + relative)).0.components.map(\.purl)
    }

    @Test("Package.resolved v1, v2 and v3: every pin, with its host and owner as the purl namespace")
    func swiftPM() throws {
        #expect(try Self.purls("swiftpm/v1.resolved") == [
            "pkg:swift/github.com/apple/swift-argument-parser@1.2.2",
            "pkg:swift/github.com/apple/swift-nio@6213ba7a06febe8fef60563a4a7d26a4085783cf",  // a branch pin: its revision
            "pkg:swift/github.com/jpsim/Yams@5.0.6",
        ])
        #expect(try Self.purls("swiftpm/v2.resolved") == [
            "pkg:swift/github.com/apple/swift-argument-parser@1.3.1", "pkg:swift/github.com/apple/swift-log@1.5.4",
        ])
        #expect(try Self.purls("swiftpm/v3.resolved") == [
            "pkg:swift/github.com/apple/swift-argument-parser@1.6.1", "pkg:swift/github.com/apple/swift-crypto@3.12.3",
            "pkg:swift/github.com/jpsim/Yams@6.2.2",
        ])
    }

    @Test("package-lock.json v3: nested and scoped packages, integrity as SHA-512, links skipped, the graph by node resolution")
    func npm() throws {
        let inventory = try Lockfiles.read(Fixtures.path("sbom/npm/package-lock.json")).0
        #expect(inventory.components.map(\.purl) == [
            "pkg:npm/%40babel/runtime@7.23.9", "pkg:npm/js-tokens@3.0.2", "pkg:npm/js-tokens@4.0.0", "pkg:npm/lodash@4.17.21",
            "pkg:npm/loose-envify@1.4.0", "pkg:npm/react@18.2.0", "pkg:npm/regenerator-runtime@0.14.1", "pkg:npm/typescript@5.3.3",
        ])
        #expect(inventory.root?.dependencies == ["pkg:npm/%40babel/runtime@7.23.9", "pkg:npm/lodash@4.17.21", "pkg:npm/react@18.2.0", "pkg:npm/typescript@5.3.3"])
        let react = try #require(inventory.components.first { $0.name == "react" })
        #expect(react.dependencies == ["pkg:npm/loose-envify@1.4.0"])
        // js-tokens 3.0.2 sits under typescript; loose-envify, at the top, gets the top-level 4.0.0.
        #expect(inventory.components.first { $0.name == "loose-envify" }?.dependencies == ["pkg:npm/js-tokens@4.0.0"])
        #expect(Lockfiles.packageName("node_modules/typescript/node_modules/@s/x") == "@s/x")
        #expect(Lockfiles.parentPackage("node_modules/a/node_modules/b") == "node_modules/a")
        #expect(Lockfiles.parentPackage("node_modules/a") == "")
        #expect(react.license == "MIT")
        // base64 "/3IjMdb2…" of the integrity, as hex
        #expect(react.hashes["SHA-512"]?.hasPrefix("ff722331d6f6") == true)
        #expect(react.hashes["SHA-512"]?.count == 128)
    }

    @Test("pinned requirements, poetry.lock and uv.lock: PEP 503 names, sha256 hashes, the graph where the lock has it")
    func python() throws {
        let requirements = try Lockfiles.read(Fixtures.path("sbom/requirements/requirements.txt")).0
        #expect(requirements.components.map(\.purl) == [
            "pkg:pypi/certifi@2024.2.2", "pkg:pypi/charset-normalizer@3.3.2", "pkg:pypi/requests@2.31.0", "pkg:pypi/typing-extensions@4.9.0",
        ])
        #expect(requirements.components[2].hashes == ["SHA-256": "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"])
        let poetry = try Lockfiles.read(Fixtures.path("sbom/poetry/poetry.lock")).0
        #expect(poetry.components.map(\.purl) == ["pkg:pypi/certifi@2024.2.2", "pkg:pypi/requests@2.31.0", "pkg:pypi/urllib3@2.2.0"])
        #expect(poetry.components[1].dependencies == ["pkg:pypi/certifi@2024.2.2", "pkg:pypi/urllib3@2.2.0"])
        let uv = try Lockfiles.read(Fixtures.path("sbom/uv/uv.lock")).0
        #expect(uv.root?.purl == "pkg:pypi/shop@0.3.0")
        #expect(uv.components.map(\.purl) == ["pkg:pypi/idna@3.6", "pkg:pypi/sniffio@1.3.0"])
        #expect(uv.root?.dependencies == ["pkg:pypi/idna@3.6", "pkg:pypi/sniffio@1.3.0"])
    }

    @Test("Cargo.lock: checksums, two versions of one crate told apart, the workspace crate as root")
    func cargo() throws {
        let inventory = try Lockfiles.read(Fixtures.path("sbom/cargo/Cargo.lock")).0
        #expect(inventory.root?.purl == "pkg:cargo/shop-core@0.1.0")
        #expect(inventory.root?.dependencies == ["pkg:cargo/rand@0.8.5", "pkg:cargo/rand_core@0.5.1"])
        #expect(inventory.components.map(\.purl) == [
            "pkg:cargo/cfg-if@1.0.0", "pkg:cargo/getrandom@0.2.12", "pkg:cargo/libc@0.2.153", "pkg:cargo/rand@0.8.5",
            "pkg:cargo/rand_core@0.5.1", "pkg:cargo/rand_core@0.6.4",
        ])
        #expect(inventory.components[3].dependencies == ["pkg:cargo/libc@0.2.153", "pkg:cargo/rand_core@0.6.4"])
    }

    @Test("go.mod with go.sum: every required module, lowercased purls; a module go.sum lacks is an error")
    func go() throws {
        #expect(try Self.purls("go/go.mod") == [
            "pkg:golang/github.com/burntsushi/toml@v1.3.2", "pkg:golang/github.com/gorilla/mux@v1.8.1",
            "pkg:golang/github.com/prometheus/client_golang@v1.19.0", "pkg:golang/golang.org/x/sync@v0.6.0",
        ])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(try Fixtures.text("sbom/go/go.mod") + "require example.com/missing v0.1.0\n", to: directory + "/go.mod")
        try Fixtures.write(try Fixtures.text("sbom/go/go.sum"), to: directory + "/go.sum")
        #expect(throws: LockfileError(path: directory + "/go.mod", position: "12", problem: "example.com/missing v0.1.0 has no h1: line in go.sum")) {
            try Lockfiles.read(directory + "/go.mod")
        }
        // Written with CRLF line ends, both read as with LF.
        for name in ["go.mod", "go.sum"] {
            try Fixtures.write(try Fixtures.text("sbom/go/" + name).replacingOccurrences(of: "\n", with: "\r\n"), to: directory + "/" + name)
        }
        #expect(try Lockfiles.read(directory + "/go.mod").0.components.map(\.purl) == Self.purls("go/go.mod"))
    }

    @Test("bad lockfiles: the file, the position and the problem", arguments: [
        ("bad/unknown-version.resolved", "unknown-version.resolved:version: Package.resolved version 4 is not one gate reads (1, 2, 3)"),
        ("bad/duplicate-pins.resolved", "duplicate-pins.resolved:pins[1]: 'Yams' is pinned twice (also at [0])"),
        ("bad/truncated.resolved", "truncated.resolved: not JSON"),
        ("bad/unpinned/requirements.txt", "requirements.txt:1: 'requests>=2.0' is not pinned (name==version)"),
        ("bad/npm-v1/package-lock.json", "package-lock.json:lockfileVersion: lockfileVersion 1 is not one gate reads"),
    ])
    func bad(_ relative: String, _ expected: String) {
        do {
            _ = try Lockfiles.read(Fixtures.path("sbom/" + relative))
            Issue.record("accepted \(relative)")
        } catch {
            #expect(String(describing: error).contains(expected), "\(error)")
        }
    }

    @Test("a 50 MB lockfile (one 50 MB field) reads to the right components, without a hang or a crash")
    func huge() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let padding = String(repeating: "x", count: 50 << 20)
        let text = try Fixtures.text("sbom/npm/package-lock.json")
            .replacingOccurrences(of: "\"license\": \"MIT\",\n      \"dependencies\": {\n        \"loose-envify\"",
                                  with: "\"license\": \"MIT\",\n      \"funding\": \"\(padding)\",\n      \"dependencies\": {\n        \"loose-envify\"")
        #expect(text.utf8.count > 50 << 20)
        try Fixtures.write(text, to: directory + "/package-lock.json")
        let inventory = try Lockfiles.read(directory + "/package-lock.json").0
        #expect(inventory.components.count == 8)
        #expect(inventory.components.first { $0.name == "react" }?.dependencies == ["pkg:npm/loose-envify@1.4.0"])
    }

    @Test("TOML: strings with escapes, multi-line arrays, inline tables, errors with the line")
    func toml() throws {
        let table = try TOML.parse("""
            # comment
            a = "x\\"y\\u00e9"
            b = 'lit\\eral'
            [[t]]
            n = [ "1",
              "2", ]   # trailing comma
            i = { k = "v", deep.key = 3 }
            [t.sub]
            q = true
            """, path: "t.toml")
        #expect(table["a"]?.string == "x\"yé")
        #expect(table["b"]?.string == "lit\\eral")
        #expect(table["t"]?.tables.first?["n"]?.strings == ["1", "2"])
        #expect(table["t"]?.tables.first?["i"]?.table?["deep"]?.table?["key"] == .scalar("3"))
        #expect(table["t"]?.tables.first?["sub"]?.table?["q"] == .scalar("true"))
        #expect(throws: LockfileError(path: "t.toml", position: "2", problem: "a string is not closed")) { try TOML.parse("a = 1\nb = \"open\n", path: "t.toml") }
        #expect(throws: LockfileError(path: "t.toml", position: "2", problem: "'a' is defined twice")) { try TOML.parse("a = 1\na = 2\n", path: "t.toml") }
    }
}

@Suite struct TOMLNestingTests {
    @Test("TOML arrays and inline tables nest 32 deep at most: deeper is an error with its line, not a stack overflow")
    func nesting() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        try Fixtures.write("version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = \(deep)\n", to: directory + "/Cargo.lock")
        expectError(containing: "Cargo.lock:6: arrays and inline tables nested more than 32 deep") { _ = try Lockfiles.read(directory + "/Cargo.lock") }
    }
}

@Suite("lockfile shapes real projects have")
struct LockfileShapeTests {
    @Test("uv.lock with a forked resolution: both versions are components, each dependent names the right one, none twice")
    func uvForked() throws {
        let uv = try Lockfiles.read(Fixtures.path("sbom/uv-forked/uv.lock")).0
        #expect(uv.components.map(\.purl) == [
            "pkg:pypi/alabaster@0.7.16", "pkg:pypi/alabaster@1.0.0", "pkg:pypi/sphinx-copybutton@0.5.2", "pkg:pypi/sphinx@8.1.3",
            "pkg:pypi/sphinx@8.2.3",
        ])
        #expect(uv.root?.dependencies == ["pkg:pypi/sphinx-copybutton@0.5.2", "pkg:pypi/sphinx@8.1.3", "pkg:pypi/sphinx@8.2.3"])
        let byPurl = Dictionary(uniqueKeysWithValues: uv.components.map { ($0.purl, $0) })
        #expect(byPurl["pkg:pypi/sphinx@8.1.3"]?.dependencies == ["pkg:pypi/alabaster@0.7.16"])
        #expect(byPurl["pkg:pypi/sphinx@8.2.3"]?.dependencies == ["pkg:pypi/alabaster@1.0.0"])
        #expect(byPurl["pkg:pypi/sphinx-copybutton@0.5.2"]?.dependencies == ["pkg:pypi/sphinx@8.1.3", "pkg:pypi/sphinx@8.2.3"])
        // Each version points at its own [[package]] header.
        #expect(uv.lines["pkg:pypi/sphinx@8.1.3"] == 37)
        #expect(uv.lines["pkg:pypi/sphinx@8.2.3"] == 49)
    }

    @Test("Cargo workspace: the root is the Cargo.toml's package, not the member that sorts first; without the manifest, the member nothing depends on")
    func cargoWorkspace() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let withManifest = try Lockfiles.read(Fixtures.path("sbom/cargo-workspace/Cargo.lock")).0
        #expect(withManifest.root?.purl == "pkg:cargo/seek@1.2.0")
        #expect(withManifest.root?.dependencies == ["pkg:cargo/globmatch@0.4.2", "pkg:cargo/seek-printer@0.3.1"])
        #expect(withManifest.components.map(\.purl) == ["pkg:cargo/globmatch@0.4.2", "pkg:cargo/memchr@2.7.4", "pkg:cargo/seek-printer@0.3.1"])
        try FileManager.default.copyItem(atPath: Fixtures.path("sbom/cargo-workspace/Cargo.lock"), toPath: directory + "/Cargo.lock")
        let alone = try Lockfiles.read(directory + "/Cargo.lock").0
        #expect(alone.root?.purl == "pkg:cargo/seek@1.2.0")
        #expect(alone.lines["pkg:cargo/memchr@2.7.4"] == 12)
    }

    @Test("go.mod with replace directives: a module replaced by a module version is that version (as go.sum sums it); one replaced by a directory is not a dependency")
    func goReplace() throws {
        let inventory = try Lockfiles.read(Fixtures.path("sbom/go-replace/go.mod")).0
        #expect(inventory.components.map { "\($0.registryName)@\($0.version)" } == [
            "github.com/example/inflect@v0.0.0-20171215194931-a12c3aec81a6", "github.com/example/render@v0.4.0", "golang.org/x/text@v0.3.3",
        ])
        #expect(inventory.lines["pkg:golang/golang.org/x/text@v0.3.3"] == 9)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("module m\nrequire a.example/b v1.0.0\nreplace a.example/b => \n", to: directory + "/go.mod")
        expectError(containing: "go.mod:3: expected 'replace module [version] => module version'") { _ = try Lockfiles.read(directory + "/go.mod") }
    }

    @Test("Swift purls keep the URL's case: purl's swift namespace and name are case-sensitive")
    func swiftCase() throws {
        let pins = try Lockfiles.read(Fixtures.path("sbom/swiftpm-case/case.resolved")).0
        #expect(pins.components.map(\.purl) == ["pkg:swift/github.com/Quick/Nimble@13.8.0", "pkg:swift/github.com/swiftcsv/SwiftCSV@0.10.0"])
        #expect(pins.lines["pkg:swift/github.com/Quick/Nimble@13.8.0"] == 5)
    }

    @Test("requirements.txt from uv export: a package pinned under exclusive markers is two components; twice without a marker is still an error")
    func requirementsMarkers() throws {
        let pinned = try Lockfiles.read(Fixtures.path("sbom/requirements-markers/requirements.txt")).0
        #expect(pinned.components.map(\.purl) == [
            "pkg:pypi/alabaster@0.7.16", "pkg:pypi/alabaster@1.0.0", "pkg:pypi/babel@2.16.0", "pkg:pypi/numpy@2.0.2", "pkg:pypi/numpy@2.2.1",
            "pkg:pypi/sphinx@8.1.3", "pkg:pypi/sphinx@8.2.3",
        ])
        #expect(pinned.lines["pkg:pypi/numpy@2.2.1"] == 7)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (text, message) in [
            ("numpy==2.0.2\nnumpy==2.2.1\n", "requirements.txt:2: 'numpy' is pinned twice (also at line 1)."),
            ("numpy==2.0.2 ; python_version < '3.11'\nnumpy==2.2.1\n", "requirements.txt:2: 'numpy' is pinned twice (also at line 1)."),
            ("numpy==2.0.2 ; python_version < '3.11'\nNumPy==2.2.1 ; python_version < '3.11'\n",
             "requirements.txt:2: 'numpy' is pinned twice (also at line 1) under the same marker."),
        ] {
            try Fixtures.write(text, to: directory + "/requirements.txt")
            expectError(containing: message) { _ = try Lockfiles.read(directory + "/requirements.txt") }
        }
    }
}
