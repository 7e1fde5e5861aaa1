import Coverage
import Foundation
import GateKit
import GateTestSupport
import Testing

/// Bad input never passes and never crashes: each case is an error that names the file (and
/// the line where there is one) and says what is wrong.
@Suite struct BadInputTests {
    static func readError(_ path: String) -> String? {
        do {
            _ = try CoverageReportReader.read(path, root: "/repo")
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test("malformed, truncated, hostile or foreign files are refused with a message naming the problem", arguments: [
        ("empty.xml", "the file is empty"),
        ("truncated.xml", ":37: malformed XML: the document ends with 5 elements still open"),
        ("entity-bomb.xml", ":3: the DOCTYPE declares the entity 'a'"),
        ("external-entity.xml", ":3: the DOCTYPE declares the entity 'secret'"),
        ("parameter-entity.xml", ":3: the DOCTYPE declares the entity 'remote'"),
        ("traversal.xml", ":5: the source path '../../../etc/passwd' climbs out of its source root"),
        ("bad-hits.xml", ":6: <line number=\"2\"> has hits=\"many\""),
        ("page.html", ":1: the XML root element is <html>"),
        ("coverage.json", ":1: not a valid coverage.py JSON report: at .files.a.py.executed_lines"),
        ("bad-mode.out", ":1: 'mode: sometimes' is not a cover mode"),
        ("report.txt", "not a coverage report gate can read"),
        ("malformed.info", ":4: DA:2 is not DA:<line>,<count>"),
        ("unterminated.info", "ends inside the section for '/repo/src/a.c' (SF: at line 2) with no end_of_record"),
        ("orphan-record.info", ":2: DA: record outside a file section"),
    ])
    func refused(fixture: String, expected: String) throws {
        let message = try #require(Self.readError(Fixtures.path("coverage/bad/" + fixture)))
        #expect(message.contains("bad/" + fixture), "names the file: \(message)")
        #expect(message.contains(expected), "\(message)")
    }

    @Test("a missing report is an error naming the path")
    func missing() throws {
        let message = try #require(Self.readError("/nonexistent/coverage.xml"))
        #expect(message.contains("/nonexistent/coverage.xml: no such file"))
    }

    @Test("an LCOV line over 1 MiB is refused without reading the rest")
    func hugeLCOVLine() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/huge.info"
        try Fixtures.write("TN:\nSF:/repo/a.c\nDA:1," + String(repeating: "9", count: 3 << 20) + "\nend_of_record\n", to: path)
        let message = try #require(Self.readError(path))
        #expect(message.contains("huge.info:3: line is longer than 1 MiB"))
    }

    @Test("an XML attribute of 20 MB stops at libxml2's size limit")
    func hugeAttribute() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/huge.xml"
        try Fixtures.write("<coverage><packages><package><classes><class filename=\"" + String(repeating: "a", count: 20_000_000)
            + "\"/></classes></package></packages></coverage>", to: path)
        let message = try #require(Self.readError(path))
        #expect(message.contains("huge.xml:1: malformed XML"), "\(message)")
    }

    @Test("nesting 100,000 elements deep neither crashes nor yields lines")
    func deepNesting() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/deep.xml"
        try Fixtures.write("<coverage>" + String(repeating: "<x>", count: 100_000) + String(repeating: "</x>", count: 100_000) + "</coverage>", to: path)
        do {
            let (report, _) = try CoverageReportReader.read(path, root: "/repo")
            #expect(CoverageTotals(report).lines.total == 0)
        } catch {
            #expect(String(describing: error).contains("deep.xml:1: malformed XML"))
        }
    }

    @Test("a DOCTYPE that only names an external DTD (gcovr, JaCoCo) is read without fetching it")
    func externalDTDIsNotFetched() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/dtd.xml"
        try Fixtures.write("""
            <?xml version="1.0"?>
            <!DOCTYPE coverage SYSTEM "http://127.0.0.1:9/coverage-04.dtd">
            <coverage><packages><package name="p"><classes><class name="a" filename="a.py"><lines>
            <line number="1" hits="3"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>
            """, to: path)
        let (report, _) = try CoverageReportReader.read(path, root: "/repo")
        #expect(CoverageTotals(report).lines == CoverageCount(covered: 1, total: 2))
    }
}
