import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// llvm-cov export JSON from `swift test --enable-code-coverage`, checked against the same
/// toolchain's `llvm-cov report` and `llvm-cov export -format=lcov` of the same run.
@Suite struct LLVMCovTests {
    static func report() throws -> CoverageReport {
        try CoverageReportReader.read(Fixtures.path("coverage/swift-project/coverage.json"), root: "/nonexistent-root").report
    }

    /// `llvm-cov report` rows: file → (functions, missed functions, lines, missed lines).
    static func llvmCovReport() throws -> [String: [Int]] {
        var rows: [String: [Int]] = [:]
        for line in try Fixtures.text("coverage/swift-project/llvm-cov-report.txt").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 13, let regions = Int(fields[1]) else { continue }
            _ = regions
            rows[String(fields[0])] = [Int(fields[4])!, Int(fields[5])!, Int(fields[7])!, Int(fields[8])!]
        }
        return rows
    }

    @Test("line and function totals equal `llvm-cov report`, per file and in TOTAL")
    func agreesWithLLVMCovReport() throws {
        let report = try Self.report()
        let expected = try Self.llvmCovReport()
        #expect(expected.count == 6)
        for file in report.files {
            let key = String(file.path.dropFirst())  // llvm-cov report drops the common prefix "/"
            let row = try #require(expected[key], "\(key) is in llvm-cov's report")
            let totals = CoverageTotals(file)
            #expect([totals.functions.total, totals.functions.total - totals.functions.covered,
                     totals.lines.total, totals.lines.total - totals.lines.covered] == row, "\(key)")
        }
        let totals = CoverageTotals(report)
        let total = try #require(expected["TOTAL"])
        #expect([totals.functions.total, totals.functions.total - totals.functions.covered,
                 totals.lines.total, totals.lines.total - totals.lines.covered] == total)
        #expect(!report.hasBranchData)
    }

    @Test("line records equal the DA records of `llvm-cov export -format=lcov`")
    func lineViewAgreesWithLCOVExport() throws {
        let report = try Self.report()
        var expected: [String: [UInt32: UInt64]] = [:]
        var file = ""
        for line in try Fixtures.text("coverage/swift-project/coverage-llvm.info").split(separator: "\n") {
            if line.hasPrefix("SF:") { file = String(line.dropFirst(3)) }
            if line.hasPrefix("DA:") {
                let fields = line.dropFirst(3).split(separator: ",")
                expected[file, default: [:]][UInt32(fields[0])!] = UInt64(fields[1])!
            }
        }
        #expect(report.files.count == expected.count)
        for coverage in report.files {
            let records = Dictionary(uniqueKeysWithValues: coverage.lines.filter(\.isMeasured).map { ($0.line, $0.hits) })
            #expect(records == expected[coverage.path], "\(coverage.path)")
        }
    }

    @Test("a cut or altered export is an error naming the file")
    func malformedExport() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try Fixtures.text("coverage/swift-project/coverage.json")
        try Fixtures.write(String(text.prefix(text.count / 2)), to: directory + "/cut.json")
        try Fixtures.write(text.replacingOccurrences(of: "llvm.coverage.json.export", with: "something.else"), to: directory + "/other.json")
        for (name, message) in [("cut.json", "invalid JSON: unexpected end of input"), ("other.json", "not a coverage report gate can read")] {
            do {
                _ = try CoverageReportReader.read(directory + "/" + name, root: "/")
                Issue.record("\(name) was accepted")
            } catch {
                #expect(String(describing: error).contains(name))
                #expect(String(describing: error).contains(message), "\(error)")
            }
        }
    }
}
