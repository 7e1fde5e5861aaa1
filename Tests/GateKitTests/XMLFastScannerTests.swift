import GateKit
import GateTestSupport
import Testing

/// Writes down every event, text runs joined (libxml2 may split one run into several calls).
private final class EventLog: XMLEventHandler {
    var events: [String] = []
    private var text: [UInt8] = []
    var parser: XMLStreamParser!

    func startElement(_ name: XMLName, attributes: XMLAttributes, line: Int) throws {
        flushText()
        var parts: [String] = []
        attributes.forEach { name, value in parts.append("\(name.string)=\(String(decoding: value, as: UTF8.self))") }
        events.append("<\(name.string) \(parts.joined(separator: " ")) @\(line)")
    }

    func endElement(_ name: XMLName) throws {
        flushText()
        events.append("</\(name.string)>")
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        text.append(contentsOf: bytes)
    }

    private func flushText() {
        if !text.isEmpty { events.append("text \(String(decoding: text, as: UTF8.self).debugDescription)") }
        text = []
    }

    /// Parses `bytes` fed in chunks of `chunkSize`, with text captured throughout.
    static func parse(_ bytes: [UInt8], fast: Bool, chunkSize: Int) throws -> [String] {
        let log = EventLog()
        let parser = XMLStreamParser(path: "doc.xml", handler: log, fastPath: fast)
        log.parser = parser
        parser.capturesText = true
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            try bytes[offset..<end].withUnsafeBytes { try parser.feed($0) }
            offset = end
        }
        try parser.finish()
        log.flushText()
        return log.events
    }
}

@Suite("fast XML scanner")
struct XMLFastScannerTests {
    /// Everything the scanner takes on itself, in one document.
    static let awkward = """
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!-- produced by hand -->
        <!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
        <coverage a='single "quoted"' b="x &amp; y &lt;z&gt; &#65;&#x42; &apos;&quot;" c="tab\there\r\nnew line" d="a > b">
        \t<sources><source>  /ci/répertoire/项目 &amp; co  </source></sources>
        \t<?pi some data?>
        \t<x/><y
        \t   k = "v"
        \t/>
        \t<source><![CDATA[<raw> & ]] text]]></source>
        \t<source>line one\r\nline two\rthree &#x1F600;</source>
        \t<empty></empty >
        </coverage >
        <!-- trailing comment -->

        """

    @Test("reports exactly what libxml2 reports: names, decoded attribute values, text, lines — at any chunking")
    func sameEventsAsLibxml2() throws {
        let bytes = Array(Self.awkward.utf8)
        let reference = try EventLog.parse(bytes, fast: false, chunkSize: bytes.count)
        #expect(reference.contains { $0.contains("b=x & y <z> AB '\"") })
        #expect(reference.contains { $0.contains("c=tab here new line") })
        for chunkSize in [1, 2, 3, 7, 64, bytes.count] {
            let events = try EventLog.parse(bytes, fast: true, chunkSize: chunkSize)
            #expect(events == reference, "chunk size \(chunkSize)")
        }
    }

    @Test("every XML fixture the project has reads the same both ways", arguments: [
        "coverage/c-project/cobertura.xml", "coverage/python-project/coverage.xml", "coverage/java-project/jacoco.xml",
    ])
    func fixtures(_ relative: String) throws {
        let bytes = Array(try Fixtures.text(relative).utf8)
        let reference = try EventLog.parse(bytes, fast: false, chunkSize: 1 << 18)
        #expect(reference.count > 10)
        #expect(try EventLog.parse(bytes, fast: true, chunkSize: 1 << 18) == reference)
        #expect(try EventLog.parse(bytes, fast: true, chunkSize: 5) == reference)
    }

    /// Not well-formed (or hostile): the scanner must decline, and libxml2 must then refuse.
    static let broken: [(String, String)] = [
        ("truncated", "<a><b x=\"1\"/>"),
        ("mismatched end tag", "<a><b></a></b>"),
        ("unquoted attribute", "<a x=1/>"),
        ("repeated attribute", "<a x=\"1\" x=\"2\"/>"),
        ("'<' in attribute value", "<a x=\"<\"/>"),
        ("undeclared entity", "<a>&nbsp;</a>"),
        ("bare ampersand", "<a>fish & chips</a>"),
        ("character reference to NUL", "<a>&#0;</a>"),
        ("control character", "<a>\u{1}</a>"),
        ("two roots", "<a/><b/>"),
        ("text after the root", "<a/>junk"),
        ("text before the root", "junk<a/>"),
        ("']]>' in text", "<a>]]></a>"),
        ("double hyphen in a comment", "<a><!-- a -- b --></a>"),
        ("XML declaration not first", "<!-- c --><?xml version=\"1.0\"?><a/>"),
        ("end tag with nothing open", "</a>"),
        ("entity bomb", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"xx\"><!ENTITY y \"&x;&x;\">]><a>&y;</a>"),
        ("external entity", "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>"),
        ("only a declaration", "<?xml version=\"1.0\"?>"),
    ]

    @Test("broken and hostile documents: declined by the scanner, refused by libxml2", arguments: 0..<broken.count)
    func declined(_ index: Int) throws {
        let (name, text) = Self.broken[index]
        let bytes = Array(text.utf8)
        for chunkSize in [1, bytes.count] {
            #expect(throws: XMLFastPathDeclined.self, "\(name), chunk size \(chunkSize)") {
                try EventLog.parse(bytes, fast: true, chunkSize: chunkSize)
            }
        }
        #expect(throws: GateError.self, "\(name)") { try EventLog.parse(bytes, fast: false, chunkSize: bytes.count) }
    }

    @Test("invalid UTF-8 is declined, never passed on")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xE2, 0x82]] {
            let document = Array("<a>".utf8) + bytes + Array("</a>".utf8)
            #expect(throws: XMLFastPathDeclined.self) { try EventLog.parse(document, fast: true, chunkSize: document.count) }
        }
    }

    @Test("valid XML the scanner leaves to libxml2: other encodings, internal subsets, names outside ASCII")
    func leftToLibxml2() throws {
        let documents = [
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
            "<!DOCTYPE a [<!ELEMENT a ANY>]><a/>",
            "<grüße/>",
            "  <a/>",
        ]
        for text in documents {
            let bytes = Array(text.utf8)
            #expect(throws: XMLFastPathDeclined.self, "\(text)") { try EventLog.parse(bytes, fast: true, chunkSize: bytes.count) }
            #expect(try EventLog.parse(bytes, fast: false, chunkSize: bytes.count).count == 2, "\(text)")
        }
    }

    @Test("a construct larger than the limit is declined rather than buffered without end")
    func hugeConstruct() {
        let bytes = Array("<a><!-- ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: XMLFastPathDeclined.maximumConstructSize + 10) + Array(" --></a>".utf8)
        #expect(throws: XMLFastPathDeclined.self) { try EventLog.parse(bytes, fast: true, chunkSize: 1 << 18) }
    }
}
