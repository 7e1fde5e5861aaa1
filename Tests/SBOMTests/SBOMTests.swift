import Foundation
import GateTestSupport
import Dependencies
@testable import SBOM
import Testing

@Suite("SBOM documents")
struct SBOMDocumentTests {
    static let fixtures = ["swiftpm/v1.resolved", "swiftpm/v3.resolved", "npm/package-lock.json", "requirements/requirements.txt",
                           "poetry/poetry.lock", "uv/uv.lock", "cargo/Cargo.lock", "go/go.mod",
                           // Shapes that broke once: a forked uv resolution, a Cargo workspace, markers, case.
                           "uv-forked/uv.lock", "cargo-workspace/Cargo.lock", "requirements-markers/requirements.txt",
                           "swiftpm-case/case.resolved"]

    @Test("deterministic: the same lockfile and SOURCE_DATE_EPOCH give the same bytes; the serial number follows the content")
    func deterministic() throws {
        let inventory = try Lockfiles.read(Fixtures.path("sbom/npm/package-lock.json")).0
        let environment = ["SOURCE_DATE_EPOCH": "1790000000"]
        #expect(SBOMWriter.cycloneDX([inventory], environment: environment) == SBOMWriter.cycloneDX([inventory], environment: environment))
        #expect(SBOMWriter.spdx([inventory], name: "x", environment: environment) == SBOMWriter.spdx([inventory], name: "x", environment: environment))
        #expect(SBOMWriter.cycloneDX([inventory], environment: environment).contains("\"timestamp\": \"2026-09-21T"))
        var changed = inventory
        changed.components[0].version = "7.24.0"
        #expect(SBOMWriter.uuid(SBOMWriter.fingerprint(changed.root, changed.components))
            != SBOMWriter.uuid(SBOMWriter.fingerprint(inventory.root, inventory.components)))
    }

    /// The reference validators, which `scripts/test.sh` installs (scripts/setup-python-tools.sh)
    /// and names in GATE_SBOM_VALIDATOR; a plain `swift test` skips this one.
    @Test("CycloneDX validates against the 1.6 schema and SPDX as 2.3, by cyclonedx-python-lib and spdx-tools",
          .enabled(if: ProcessInfo.processInfo.environment["GATE_SBOM_VALIDATOR"] != nil))
    func validators() throws {
        let python = ProcessInfo.processInfo.environment["GATE_SBOM_VALIDATOR"]!
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var files: [String] = []
        // The fixtures, and this repository's own Package.resolved (with its root from dump-package).
        let lockfiles = Self.fixtures.map { Fixtures.path("sbom/" + $0) } + [Fixtures.repositoryRoot + "/Package.resolved"]
        for (index, lockfile) in lockfiles.enumerated() {
            let inventory = try Lockfiles.read(lockfile).0
            for (format, text) in [("cdx", SBOMWriter.cycloneDX([inventory])), ("spdx", SBOMWriter.spdx([inventory], name: "fixture-\(index)"))] {
                let path = "\(directory)/\(index).\(format).json"
                try Fixtures.write(text, to: path)
                files.append(path)
            }
        }
        let output = try Shell.run([python, Fixtures.repositoryRoot + "/scripts/validate_sbom.py"] + files, in: directory)
        #expect(output.split(separator: "\n").filter { $0.hasSuffix(": valid") }.count == files.count, "\(output)")
    }
}

@Suite("SPDX license expressions")
struct SPDXExpressionTests {
    @Test("precedence, WITH, parentheses and the ways to satisfy an expression")
    func parse() throws {
        let expression = try SPDXExpression.parse("MIT OR (Apache-2.0 AND BSD-3-Clause) OR GPL-2.0-only WITH Classpath-exception-2.0")
        #expect(expression.choices == [["MIT"], ["Apache-2.0", "BSD-3-Clause"], ["GPL-2.0-only WITH Classpath-exception-2.0"]])
        #expect(try SPDXExpression.parse("a and b or c").choices == [["a", "b"], ["c"]])
        #expect(try SPDXExpression.parse("(MIT OR ISC) AND Zlib").choices == [["MIT", "Zlib"], ["ISC", "Zlib"]])
        #expect(SPDXExpression.isSingleIdentifier("0BSD"))
        for bad in ["", "MIT OR", "(MIT", "MIT AND AND ISC", "MIT WITH", "(MIT OR ISC) WITH X", "MIT/ISC"] {
            #expect(!SPDXExpression.isValid(bad), "\(bad)")
        }
    }

    @Test("parentheses nest 32 deep at most: deeper is an error with a short quote, not a stack overflow")
    func nesting() throws {
        let fine = String(repeating: "(", count: 32) + "MIT" + String(repeating: ")", count: 32)
        #expect(try SPDXExpression.parse(fine).choices == [["MIT"]])
        let deep = String(repeating: "(", count: 100_000) + "MIT" + String(repeating: ")", count: 100_000)
        expectError(containing: "is not an SPDX license expression: parentheses nested more than 32 deep") { _ = try SPDXExpression.parse(deep) }
        do {
            _ = try SPDXExpression.parse(deep)
        } catch {
            #expect(String(describing: error).count < 200)
        }
    }
}

