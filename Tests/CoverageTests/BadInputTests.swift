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
        ("coverage.json", ":1: not a valid coverage.py JSON report: files.a.py.executed_lines is not of the type an export has there"),
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

/// The fast XML scanner and libxml2 must give the same model; what the scanner declines
/// (here an ISO-8859-1 report) is read by libxml2 from the start.
@Suite struct XMLReadPathTests {
    static func report(_ bytes: [UInt8], name: String) throws -> CoverageReport {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return try CoverageReportReader.read(path, root: "/repo").report
    }

    static func document(encoding: String, filename: [UInt8]) -> [UInt8] {
        Array("<?xml version=\"1.0\" encoding=\"\(encoding)\"?>\n<coverage><packages><package name=\"p\"><classes>\n<class name=\"a\" filename=\"".utf8)
            + filename
            + Array("\"><lines>\n<line number=\"1\" hits=\"3\"/><line number=\"2\" hits=\"0\"/><line number=\"3\" hits=\"1\" branch=\"true\" condition-coverage=\"50% (1/2)\"/>\n</lines></class></classes></package></packages></coverage>\n".utf8)
    }

    @Test("UTF-8 (fast scanner) and ISO-8859-1 (libxml2) spellings of one report give one model; &amp; is decoded")
    func sameModel() throws {
        let utf8 = try Self.report(Self.document(encoding: "UTF-8", filename: Array("src/caf\u{E9} &amp; bar.py".utf8)), name: "a.xml")
        let latin1 = try Self.report(Self.document(encoding: "ISO-8859-1", filename: Array("src/caf".utf8) + [0xE9] + Array(" &amp; bar.py".utf8)), name: "b.xml")
        #expect(utf8.files.map(\.path) == ["src/caf\u{E9} & bar.py"])
        #expect(utf8 == latin1)
        #expect(CoverageTotals(utf8).lines == CoverageCount(covered: 2, total: 3))
        #expect(CoverageTotals(utf8).branches == CoverageCount(covered: 1, total: 2))
    }
}

/// LCOV records beyond what lcov 1.x writes: 2.x function records and odd branch ids.
@Suite struct LCOVRecordTests {
    static func read(_ text: String) throws -> CoverageReport {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/t.info")
        return try CoverageReportReader.read(directory + "/t.info", root: "/repo").report
    }

    @Test("lcov 2.x: FNL/FNA functions, VER, MCDC and exception-branch blocks are read")
    func lcov2() throws {
        let report = try Self.read("""
            TN:unit
            SF:/repo/a.c
            VER:abc123
            FNL:0,3,9
            FNA:0,4,main
            FNL:1,12
            FNA:1,0,helper
            FNF:2
            FNH:1
            BRDA:4,e0,0,2
            BRDA:4,e0,1,-
            BRDA:5,0,jump to line 7,1
            MCDC:4,2,t,1,0,a
            DA:3,4
            DA:4,2
            DA:12,0
            LF:3
            LH:2
            end_of_record

            """)
        let totals = CoverageTotals(report)
        #expect(totals.functions == CoverageCount(covered: 1, total: 2))
        #expect(totals.branches == CoverageCount(covered: 2, total: 3))
        #expect(totals.lines == CoverageCount(covered: 2, total: 3))
        #expect(report.files[0].lines.first { $0.line == 5 }?.isMeasured == false)
    }

    @Test("malformed function and branch records name their line", arguments: [
        ("SF:/r/a.c\nBRDA:4,0,0,often\nend_of_record\n", ":2: BRDA:4,0,0,often has taken 'often'"),
        ("SF:/r/a.c\nBRDA:4,0\nend_of_record\n", ":2: BRDA:4,0 is not BRDA:<line>,<block>,<branch>,<taken>"),
        ("SF:/r/a.c\nFN:x,main\nend_of_record\n", ":2: FN:x,main is not FN:<line>[,<end line>],<name>"),
        ("SF:/r/a.c\nFNDA:many,main\nend_of_record\n", ":2: FNDA:many,main is not FNDA:<count>,<name>"),
        ("SF:/r/a.c\nFNL:a,3\nend_of_record\n", ":2: FNL:a,3 is not FNL:<index>,<line>[,<end line>]"),
        ("SF:/r/a.c\nFNA:0,x,main\nend_of_record\n", ":2: FNA:0,x,main is not FNA:<index>,<count>,<name>"),
        ("SF:/r/a.c\nDA:1,1\nSF:/r/b.c\n", ":3: SF: starts a new file while the section for '/r/a.c' (line 1) has no end_of_record"),
        ("SF:/r/a.c\nend_of_record\nend_of_record\n", ":3: end_of_record without a preceding SF:"),
        ("SF:\n", ":1: SF: has no file name"),
        ("SF:/r/a.c\nda:1,1\nend_of_record\n", ":2: expected a KEY:VALUE record, found \"da:1,1\""),
    ])
    func malformed(text: String, message: String) throws {
        expectError(containing: "t.info" + message) { _ = try Self.read(text) }
    }
}
