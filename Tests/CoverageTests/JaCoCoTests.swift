import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// JaCoCo XML, checked against the totals JaCoCo's own report library computed for the run.
@Suite struct JaCoCoTests {
    @Test("lines, branches and methods equal JaCoCo's LINE, BRANCH and METHOD counters")
    func agreesWithJaCoCo() throws {
        let (report, _) = try CoverageReportReader.read(
            Fixtures.path("coverage/java-project/jacoco.xml"), root: Fixtures.path("coverage/java-project"))
        let totals = CoverageTotals(report)
        var expected: [String: (Int, Int)] = [:]
        for line in try Fixtures.text("coverage/java-project/jacoco-summary.txt").split(separator: "\n") {
            let fields = line.split(separator: " ")
            expected[String(fields[0])] = (Int(fields[1])!, Int(fields[3])!)
        }
        #expect(totals.lines.covered == expected["lines"]?.0)
        #expect(totals.lines.total == expected["lines"]?.1)
        #expect(totals.branches.covered == expected["branches"]?.0)
        #expect(totals.branches.total == expected["branches"]?.1)
        #expect(totals.functions.covered == expected["methods"]?.0)
        #expect(totals.functions.total == expected["methods"]?.1)
        // Found under src/ by the package path, as a Maven or Gradle layout would be.
        #expect(report.files.map(\.path) == ["src/shop/Cart.java", "src/shop/CartMain.java"])
    }

    @Test("a <line> without its counts is an error naming the file")
    func malformedLine() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("<report name=\"x\"><package name=\"p\"><sourcefile name=\"A.java\"><line nr=\"3\" mi=\"1\"/></sourcefile></package></report>", to: directory + "/j.xml")
        #expect(throws: CoverageError.malformedRecord(path: directory + "/j.xml", line: 1, problem: "<line> in p/A.java has no whole-number ci attribute")) {
            try CoverageReportReader.read(directory + "/j.xml", root: directory)
        }
    }
}
