import CLibXML2

/// An element or attribute name as libxml2 hands it over: bytes, no copy.
public struct XMLName {
    @usableFromInline let bytes: UnsafePointer<UInt8>

    @usableFromInline init(bytes: UnsafePointer<UInt8>) {
        self.bytes = bytes
    }

    /// Byte comparison with a literal; cheaper than building a `String` for every element.
    @inlinable
    public func equals(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for index in 0..<count where bytes[index] != expected[index] { return false }
        return bytes[count] == 0
    }

    public var string: String { String(cString: bytes) }

    /// The first byte of the name, for a cheap dispatch before `equals`.
    @inlinable public var firstByte: UInt8 { bytes[0] }
}

/// The attributes of one start tag, read in place (libxml2's SAX2 layout: five pointers per
/// attribute — local name, prefix, URI, value start, value end).
public struct XMLAttributes {
    @usableFromInline let base: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    @usableFromInline let count: Int

    @usableFromInline init(base: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int) {
        self.base = base
        self.count = count
    }

    /// Calls `body` with each attribute's name and value bytes, in document order.
    @inlinable
    public func forEach(_ body: (XMLName, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        guard let base else { return }
        for index in 0..<count {
            let slot = base + index * 5
            guard let local = slot[0], let start = slot[3], let end = slot[4] else { continue }
            try body(XMLName(bytes: local), UnsafeBufferPointer(start: start, count: end - start))
        }
    }

    /// The raw bytes of the attribute's value, or nil when the tag has no such attribute.
    @inlinable
    public func value(_ name: StaticString) -> UnsafeBufferPointer<UInt8>? {
        guard let base else { return nil }
        for index in 0..<count {
            let slot = base + index * 5
            guard let local = slot[0], XMLName(bytes: local).equals(name),
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
    private let handler: any XMLEventHandler
    private var context: xmlParserCtxtPtr?
    private var sax = xmlSAXHandler()
    private var failure: (any Error)?
    private var started = false
    private var depth = 0

    public init(path: String, handler: any XMLEventHandler) {
        _ = libxml2Initialized
        self.path = path
        self.handler = handler
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { userData, localName, _, _, _, _, attributeCount, _, attributes in
            guard let parser = XMLStreamParser.from(userData), parser.failure == nil, let localName else { return }
            parser.depth += 1
            do {
                try parser.handler.startElement(
                    XMLName(bytes: localName),
                    attributes: XMLAttributes(base: attributes, count: Int(attributeCount)),
                    line: parser.currentLine
                )
            } catch {
                parser.stop(with: error)
            }
        }
        sax.endElementNs = { userData, localName, _, _ in
            guard let parser = XMLStreamParser.from(userData), parser.failure == nil, let localName else { return }
            parser.depth -= 1
            do { try parser.handler.endElement(XMLName(bytes: localName)) } catch { parser.stop(with: error) }
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
        if let context { xmlFreeParserCtxt(context) }
    }

    /// Whether text content reaches `XMLEventHandler.characters`. Off by default: most of a
    /// report is whitespace between elements, and not calling out for it is measurably faster.
    public var capturesText = false {
        didSet { installCharacters() }
    }

    private func installCharacters() {
        guard let context, let handlers = context.pointee.sax else { return }
        handlers.pointee.characters = capturesText ? sax.characters : nil
        handlers.pointee.cdataBlock = capturesText ? sax.cdataBlock : nil
    }

    /// Parses the next chunk of the document.
    public func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard !chunk.isEmpty else { return }
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

    /// Ends the document; a document cut short (truncated download, killed writer) fails here.
    public func finish() throws {
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
        guard let context else { return 0 }
        return Int(xmlSAX2GetLineNumber(context))
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
