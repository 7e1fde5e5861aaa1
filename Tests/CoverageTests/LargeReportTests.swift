@testable import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Reports over `CoverageReportReader.parallelThreshold` are read in two halves on two threads;
/// the model and digest must be exactly the one-thread reading's, and anything unusual at the
/// split must fall back rather than misread.
@Suite struct LargeReportTests {
    /// A Cobertura report of `classes` classes, each with a few lines and a branch; `middle` is
    /// inserted as is around the middle (to put odd constructs where the split falls).
    static func report(classes: Int, middle: String = "") -> String {
        var text = "<?xml version=\"1.0\" ?>\n<coverage line-rate=\"0.5\" branch-rate=\"0.5\" version=\"t\" timestamp=\"0\">\n"
        text += "\t<sources>\n\t\t<source>/ci/repo</source>\n\t</sources>\n\t<packages>\n\t\t<package name=\"p\">\n\t\t\t<classes>\n"
        for index in 0..<classes {
            if index == classes / 2 { text += middle }
            // Every fifth class repeats the previous file name, as Java inner classes do.
            let file = index % 5 == 4 ? "src/m\(index - 1).py" : "src/m\(index).py"
            text += "\t\t\t\t<class name=\"m\(index)\" filename=\"\(file)\">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n"
            for line in 1...6 {
                let branch = line == 3 ? " branch=\"true\" condition-coverage=\"50% (1/2)\"" : ""
                text += "\t\t\t\t\t\t<line number=\"\(line + (index % 5 == 4 ? 6 : 0))\" hits=\"\((index + line) % 3)\"\(branch)/>\n"
            }
            text += "\t\t\t\t\t</lines>\n\t\t\t\t</class>\n"
        }
        return text + "\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n"
    }

    static func both(_ text: String) throws -> (halves: (CoverageReport, InputDigest), one: (CoverageReport, InputDigest)) {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/coverage.xml"
        try Fixtures.write(text, to: path)
        #expect(text.utf8.count >= CoverageReportReader.parallelThreshold)
        let halves = try CoverageReportReader.read(path, root: "/repo", pathMap: [], inHalves: true)
        let one = try CoverageReportReader.read(path, root: "/repo", pathMap: [], inHalves: false)
        return ((halves.report, halves.input), (one.report, one.input))
    }

    @Test("two halves read exactly what one pass reads")
    func sameModel() throws {
        let (halves, one) = try Self.both(Self.report(classes: 32_000))
        #expect(halves.0 == one.0)
        #expect(halves.1 == one.1)
        #expect(halves.0.files.count == 25_600)
        #expect(CoverageTotals(halves.0).branches.total == 64_000)
    }

    @Test("a split inside a comment, CDATA or a processing instruction still reads right", arguments: [
        "<!--\n<class name=\"fake\" filename=\"fake.py\">\n-->\n",
        "<x><![CDATA[\n<class name=\"fake\"\n]]></x>\n",
        "<?note\n<class name=\"fake\" ?>\n",
    ])
    func oddSplit(_ middle: String) throws {
        // Put the odd construct right before the class the split would start at.
        let plain = Self.report(classes: 32_000)
        let split = try #require(Array(plain.utf8).withUnsafeBytes { CoverageReportReader.splitPoint($0) })
        let bytes = Array(plain.utf8)
        var lineStart = split
        while bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
        // A prolog comment as long as the construct keeps the middle of the file just before it.
        let declarationEnd = bytes.firstIndex(of: 0x0A)! + 1
        let padding = "<!--" + String(repeating: "-x", count: 0).padding(toLength: middle.utf8.count - 8, withPad: " ", startingAt: 0) + "-->\n"
        let text = String(decoding: bytes[..<declarationEnd], as: UTF8.self) + padding
            + String(decoding: bytes[declarationEnd..<lineStart], as: UTF8.self) + middle + String(decoding: bytes[lineStart...], as: UTF8.self)
        let newSplit = try #require(Array(text.utf8).withUnsafeBytes { CoverageReportReader.splitPoint($0) })
        let shifted = lineStart + padding.utf8.count
        #expect(newSplit > shifted && newSplit < shifted + middle.utf8.count, "the split falls inside the odd construct")
        let (halves, one) = try Self.both(text)
        #expect(halves.0 == one.0)
        #expect(!halves.0.files.contains { $0.path.contains("fake") })
    }

    @Test("a malformed second half is the same error as in one pass")
    func errorInSecondHalf() throws {
        let text = Self.report(classes: 32_000).replacingOccurrences(of: "<line number=\"1\" hits=\"0\"/>\n\t\t\t\t\t\t<line number=\"2\" hits=\"1\"/>", with: "<line number=\"1\" hits=\"zero\"/>")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/coverage.xml")
        var messages: [String] = []
        for halves in [true, false] {
            do {
                _ = try CoverageReportReader.read(directory + "/coverage.xml", root: "/repo", pathMap: [], inHalves: halves)
                Issue.record("accepted")
            } catch {
                messages.append(String(describing: error))
            }
        }
        #expect(messages.count == 2 && messages[0] == messages[1])
        #expect(messages.first?.contains("hits=\"zero\"") == true)
    }
}
