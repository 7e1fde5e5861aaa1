import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Reports are recognised by their structure, not by the order of their keys or by a prefix.
@Suite struct FormatRecognitionTests {
    @Test("coverage.py JSON with its keys sorted (files before meta) reads the same as written")
    func sortedKeys() throws {
        let original = Fixtures.path("coverage/python-project/coverage-py.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: original)))
        let sorted = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        #expect(String(decoding: sorted.prefix(9), as: UTF8.self) == "{\"files\":")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try sorted.write(to: URL(fileURLWithPath: directory + "/coverage.json"))
        let root = Fixtures.path("coverage/python-project")
        let expected = try CoverageReportReader.read(original, root: root).report
        let read = try CoverageReportReader.read(directory + "/coverage.json", root: root).report
        #expect(read.files.map(\.path) == expected.files.map(\.path))
        #expect(read.files.map(\.lines) == expected.files.map(\.lines))
        #expect(!read.files.isEmpty)
    }

    @Test("llvm-cov's -summary-only export is named as such; a missing key is named without decoder internals")
    func llvmSummaryOnly() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(#"{"data": [{"files": [{"filename": "/a.c", "summary": {"lines": {"count": 1}}}], "totals": {}}], "type": "llvm.coverage.json.export", "version": "2.0.1"}"#,
                           to: directory + "/summary.json")
        expectError(containing: "summary.json: an llvm-cov export made with -summary-only, which has no line data") {
            _ = try CoverageReportReader.read(directory + "/summary.json", root: "/")
        }
        try Fixtures.write(#"{"type": "llvm.coverage.json.export", "version": "2.0.1", "data": [{"files": [{"filename": "/a.c", "segments": []}, {"filename": "/b.c"}]}]}"#,
                           to: directory + "/missing.json")
        do {
            _ = try CoverageReportReader.read(directory + "/missing.json", root: "/")
            Issue.record("accepted")
        } catch {
            #expect(String(describing: error).contains("data[0].files[1] has no 'segments'"), "\(error)")
            #expect(!String(describing: error).contains("CodingKeys"))
        }
    }

    @Test("a trailing comma in JSON coverage is an error with its position, not accepted")
    func trailingComma() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(#"{"meta": {"format": 3}, "files": {"a.py": {"executed_lines": [1,], "missing_lines": []}}}"#, to: directory + "/cov.json")
        expectError(containing: "cov.json:1:") { _ = try CoverageReportReader.read(directory + "/cov.json", root: "/") }
    }
}
