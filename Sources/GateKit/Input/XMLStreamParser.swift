import CLibXML2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An element or attribute name as the parser hands it over: bytes in the parser's buffer, no copy.
public struct XMLName {
    @usableFromInline let bytes: UnsafePointer<UInt8>
    @usableFromInline let count: Int

    @usableFromInline init(bytes: UnsafePointer<UInt8>, count: Int) {
        self.bytes = bytes
        self.count = count
    }

    /// A NUL-terminated name, as libxml2 passes them.
    @usableFromInline init(cString: UnsafePointer<UInt8>) {
        self.init(bytes: cString, count: strlen(UnsafeRawPointer(cString).assumingMemoryBound(to: CChar.self)))
    }

    /// Byte comparison with a literal; cheaper than building a `String` for every element.
    @inlinable
    public func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for index in 0..<count where bytes[index] != expected[index] { return false }
        return true
    }

    public var string: String { String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self) }

    /// The first byte of the name, for a cheap dispatch before `equals`.
    @inlinable public var firstByte: UInt8 { bytes[0] }
}

/// The attributes of one start tag, read in place. Five pointers per attribute, libxml2's SAX2
/// layout: local name, prefix, URI, value start, value end. The fast scanner uses the same
/// layout with the name's end in the prefix slot (it has no namespaces to report).
public struct XMLAttributes {
    @usableFromInline let base: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    @usableFromInline let count: Int
    /// Whether slot 1 holds the end of the name rather than a namespace prefix.
    @usableFromInline let namesHaveEnds: Bool

    @usableFromInline init(base: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int, namesHaveEnds: Bool = false) {
        self.base = base
        self.count = count
        self.namesHaveEnds = namesHaveEnds
    }

    @inlinable
    func name(at slot: UnsafeMutablePointer<UnsafePointer<UInt8>?>) -> XMLName? {
        guard let local = slot[0] else { return nil }
        if namesHaveEnds, let end = slot[1] { return XMLName(bytes: local, count: end - local) }
        return XMLName(cString: local)
    }

    /// Calls `body` with each attribute's name and value bytes, in document order.
    @inlinable
    public func forEach(_ body: (XMLName, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        guard let base else { return }
        for index in 0..<count {
            let slot = base + index * 5
            guard let name = name(at: slot), let start = slot[3], let end = slot[4] else { continue }
            try body(name, UnsafeBufferPointer(start: start, count: end - start))
        }
    }

    /// The raw bytes of the attribute's value, or nil when the tag has no such attribute.
    @inlinable
    public func value(_ name: StaticString) -> UnsafeBufferPointer<UInt8>? {
        guard let base else { return nil }
        for index in 0..<count {
            let slot = base + index * 5
            guard let local = self.name(at: slot), local.equals(name),
                  let start = slot[3], let end = slot[4] else { continue }
            return UnsafeBufferPointer(start: start, count: end - start)
        }
        return nil
    }

    /// The attribute's value decoded as UTF-8.
    public func string(_ name: StaticString) -> String? {
        value(name).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Receives the parse as a stream of events. Throwing stops the parse; the error is rethrown
/// from `XMLStreamParser.feed` or `finish`.
public protocol XMLEventHandler: AnyObject {
    func startElement(_ name: XMLName, attributes: XMLAttributes, line: Int) throws
    func endElement(_ name: XMLName) throws
    func characters(_ bytes: UnsafeBufferPointer<UInt8>)
}

/// A streaming, non-validating XML parser over libxml2's SAX2 push interface, locked down for
/// untrusted input.
///
/// Why SAX and not a tree or `xmlTextReader`: the reports are large (hundreds of MB) and the
/// gates keep only a small model, so no node is ever allocated. Why not FoundationXML: it loads
/// the whole document and offers no control over entity handling.
///
/// Safety: the network is off (`XML_PARSE_NONET`), external DTDs are never loaded (no
/// `XML_PARSE_DTDLOAD`, no external-subset handler), entities are never substituted (no
/// `XML_PARSE_NOENT`), and any entity *declaration* stops the parse with an error — so neither
/// "billion laughs" expansion nor an external entity (XXE) can happen. A DOCTYPE that only names
/// an external DTD, as gcovr and JaCoCo write, is accepted and ignored.
public final class XMLStreamParser {
    private let path: String
    /// Not retained: the handler owns this parser (a report parser keeps its XML parser), so
    /// a strong reference here was a cycle that kept every parsed report alive.
    private unowned(unsafe) let handler: any XMLEventHandler
    private var context: xmlParserCtxtPtr?
    private var sax = xmlSAXHandler()
    private var failure: (any Error)?
    private var started = false
    private var depth = 0
    private let scanner: XMLFastScanner?

    /// - Parameter fastPath: read with `XMLFastScanner`, which throws `XMLFastPathDeclined` for
    ///   anything it leaves to libxml2; the caller then parses again from the start with this
    ///   off. Only for inputs that can be read twice (regular files).
    public init(path: String, handler: any XMLEventHandler, fastPath: Bool = false, fragment: Bool = false) {
        _ = libxml2Initialized
        self.path = path
        self.handler = handler
        scanner = fastPath || fragment ? XMLFastScanner(handler: handler, fragment: fragment) : nil
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { userData, localName, _, _, _, _, attributeCount, _, attributes in
            guard let parser = XMLStreamParser.from(userData), parser.failure == nil, let localName else { return }
            parser.depth += 1
            do {
                try parser.handler.startElement(
                    XMLName(cString: localName),
                    attributes: parser.expandingAmpersands(XMLAttributes(base: attributes, count: Int(attributeCount))),
                    line: parser.currentLine
                )
            } catch {
                parser.stop(with: error)
            }
        }
        sax.endElementNs = { userData, localName, _, _ in
            guard let parser = XMLStreamParser.from(userData), parser.failure == nil, let localName else { return }
            parser.depth -= 1
            do { try parser.handler.endElement(XMLName(cString: localName)) } catch { parser.stop(with: error) }
        }
        let characters: charactersSAXFunc = { userData, bytes, count in
            guard let parser = XMLStreamParser.from(userData), parser.failure == nil, let bytes else { return }
            parser.handler.characters(UnsafeBufferPointer(start: bytes, count: Int(count)))
        }
        sax.characters = characters
        sax.cdataBlock = characters
        sax.entityDecl = { userData, name, _, _, _, _ in
            XMLStreamParser.from(userData)?.refuseEntity(name)
        }
        sax.unparsedEntityDecl = { userData, name, _, _, _ in
            XMLStreamParser.from(userData)?.refuseEntity(name)
        }
        sax.serror = { userData, error in
            guard let parser = XMLStreamParser.from(userData), let error else { return }
            parser.record(error.pointee)
        }
    }

    deinit {
        if let context {
            // A DOCTYPE makes libxml2 start a document of its own, which the context does not free.
            if let document = context.pointee.myDoc { xmlFreeDoc(document) }
            xmlFreeParserCtxt(context)
        }
        expansion.bytes.deallocate()
        expansion.slots.deallocate()
    }

    /// Whether text content reaches `XMLEventHandler.characters`. Off by default: most of a
    /// report is whitespace between elements, and not calling out for it is measurably faster.
    public var capturesText = false {
        didSet {
            scanner?.capturesText = capturesText
            installCharacters()
        }
    }

    private func installCharacters() {
        guard let context, let handlers = context.pointee.sax else { return }
        handlers.pointee.characters = capturesText ? sax.characters : nil
        handlers.pointee.cdataBlock = capturesText ? sax.cdataBlock : nil
    }

    /// Parses the next chunk of the document.
    public func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard !chunk.isEmpty else { return }
        if let scanner { return try scanner.feed(chunk) }
        let bytes = chunk.bindMemory(to: CChar.self)
        if !started {
            started = true
            // The first bytes go to the context constructor so libxml2 can detect the encoding.
            let head = min(4, bytes.count)
            context = xmlCreatePushParserCtxt(
                &sax, Unmanaged.passUnretained(self).toOpaque(), bytes.baseAddress, Int32(head), path)
            guard let context else { throw GateError.unreadable(path: path, reason: "libxml2 could not start a parser") }
            xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue))
            installCharacters()
            try check()
            if bytes.count > head {
                xmlParseChunk(context, bytes.baseAddress! + head, Int32(bytes.count - head), 0)
            }
        } else if let context {
            xmlParseChunk(context, bytes.baseAddress, Int32(bytes.count), 0)
        }
        try check()
    }

    /// For a parallel parse of one document (fast path only): the first half's open elements
    /// and line where it stops; throws `XMLFastPathDeclined` when the halves cannot be joined.
    public func stopBeforeSplit() throws -> (open: [String], line: Int) {
        guard let scanner, !scanner.fragment else { throw XMLFastPathDeclined(reason: "not a fast first half") }
        return try scanner.stopBeforeSplit()
    }

    /// For the second half: its end tags of elements the first half opened, and checks that
    /// the fragment itself is complete and nothing followed the document's end.
    public func finishFragment(closing open: [String]) throws {
        guard let scanner, scanner.fragment else { throw XMLFastPathDeclined(reason: "not a fragment") }
        try scanner.finishFragment()
        guard scanner.unmatchedCloses == open.reversed(), scanner.topLevelStartAfterCloses < open.count else {
            throw XMLFastPathDeclined(reason: "the halves do not join")
        }
    }

    /// Ends the document; a document cut short (truncated download, killed writer) fails here.
    public func finish() throws {
        if let scanner { return try scanner.finish() }
        guard let context else {
            throw GateError.emptyInput(path: path, expected: "an XML document")
        }
        let openElements = depth
        xmlParseChunk(context, nil, 0, 1)
        if failure != nil, openElements > 0 {
            throw GateError.malformedXML(
                path: path, line: currentLine,
                message: "the document ends with \(openElements) element\(openElements == 1 ? "" : "s") still open, so it was cut short")
        }
        try check()
        if context.pointee.wellFormed == 0 {
            throw GateError.malformedXML(path: path, line: currentLine, message: "the document is not well-formed")
        }
    }

    /// The line the parser has reached, 1-based.
    public var currentLine: Int {
        if let scanner { return scanner.line }
        guard let context else { return 0 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    /// libxml2 without entity substitution hands `&amp;` in an attribute value over as `&#38;`
    /// (so that a tree could be written back out). The handler must see the value's text, so
    /// when a value has an '&', the slots and values are copied with `&#38;` turned back into
    /// `&`. The copies live in `expansion` until the next start tag.
    private var expansion = (
        slots: UnsafeMutableBufferPointer<UnsafePointer<UInt8>?>(start: nil, count: 0),
        bytes: UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0))

    fileprivate func expandingAmpersands(_ attributes: XMLAttributes) -> XMLAttributes {
        guard let base = attributes.base else { return attributes }
        var total = 0
        for index in 0..<attributes.count {
            guard let start = base[index * 5 + 3], let end = base[index * 5 + 4] else { continue }
            if memchr(start, 0x26, end - start) != nil { total += end - start }
        }
        guard total > 0 else { return attributes }
        if expansion.bytes.count < total {
            expansion.bytes.deallocate()
        expansion.slots.deallocate()
            expansion.bytes = .allocate(capacity: max(total, 256))
        }
        if expansion.slots.count < attributes.count * 5 {
            expansion.slots.deallocate()
            expansion.slots = .allocate(capacity: attributes.count * 5)
        }
        _ = expansion.slots.initialize(from: UnsafeBufferPointer(start: base, count: attributes.count * 5))
        let ampersand = Array("&#38;".utf8)
        var out = expansion.bytes.baseAddress!
        for index in 0..<attributes.count {
            guard let start = base[index * 5 + 3], let end = base[index * 5 + 4],
                  memchr(start, 0x26, end - start) != nil else { continue }
            let valueStart = out
            var p = start
            while p < end {
                if end - p >= 5, (0..<5).allSatisfy({ p[$0] == ampersand[$0] }) {
                    out.pointee = 0x26
                    p += 5
                } else {
                    out.pointee = p.pointee
                    p += 1
                }
                out += 1
            }
            expansion.slots[index * 5 + 3] = UnsafePointer(valueStart)
            expansion.slots[index * 5 + 4] = UnsafePointer(out)
        }
        return XMLAttributes(base: expansion.slots.baseAddress, count: attributes.count)
    }

    private func check() throws {
        if let failure { throw failure }
    }

    private func stop(with error: any Error) {
        if failure == nil { failure = error }
        if let context { xmlStopParser(context) }
    }

    private func refuseEntity(_ name: UnsafePointer<UInt8>?) {
        stop(with: GateError.xmlEntityDeclared(
            path: path, line: currentLine, name: name.map { String(cString: $0) } ?? "?"))
    }

    private func record(_ error: xmlError) {
        guard error.level.rawValue >= XML_ERR_ERROR.rawValue, failure == nil else { return }
        var message = error.message.map { String(cString: $0) } ?? "parse error \(error.code)"
        while message.last?.isWhitespace == true { message.removeLast() }
        let line = error.line > 0 ? Int(error.line) : currentLine
        stop(with: GateError.malformedXML(path: path, line: line, message: message))
    }

    private static func from(_ userData: UnsafeMutableRawPointer?) -> XMLStreamParser? {
        guard let userData else { return nil }
        return Unmanaged<XMLStreamParser>.fromOpaque(userData).takeUnretainedValue()
    }
}

private let libxml2Initialized: Void = xmlInitParser()
