#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown by the fast scanner for anything it leaves to libxml2: a DOCTYPE with an internal
/// subset, an encoding other than UTF-8, a name outside ASCII, an entity other than the five
/// predefined ones, or any well-formedness error. The reader then parses the file again with
/// libxml2 from its first byte, so libxml2 has the last word on everything unusual — including
/// hostile documents — and writes the error message the user sees.
public struct XMLFastPathDeclined: Error, CustomStringConvertible {
    /// The longest construct (tag, text run, comment) the scanner buffers across chunks.
    public static let maximumConstructSize = 16 << 20

    public let reason: String
    public var description: String { "fast XML scanner declined: \(reason)" }

    public init(reason: String) {
        self.reason = reason
    }
}

/// A strict scanner for the plain XML that coverage tools write: elements, attributes, text,
/// comments, processing instructions, CDATA, and a DOCTYPE without an internal subset.
///
/// Why it exists: on a 100 MB Cobertura report libxml2's SAX2 parser alone takes 0.3–0.5 s,
/// more than a diff-coverage run may take in total. This scanner touches each byte about once,
/// never allocates per element, and hands names and attribute values out of its input buffer.
/// It checks well-formedness (tag balance, quoting, references, characters, UTF-8, one root)
/// and expands nothing but the five predefined entities and character references, so there is
/// nothing for an entity bomb or an external entity to exploit: documents that declare a DTD
/// subset are declined before any element is read.
///
/// Input arrives in chunks; a construct cut by a chunk boundary is carried over and completed
/// from the next chunk. A construct over `maximumConstructSize` is declined (libxml2 has its own
/// limits for huge text nodes and attribute values).
final class XMLFastScanner {
    static let maximumConstructSize = XMLFastPathDeclined.maximumConstructSize

    private unowned(unsafe) let handler: any XMLEventHandler
    /// The byte-class table, held here so the hot loops do not go through a lazy global.
    private let byteClass = byteClassTable
    // The state below is touched for every element. A scanner is driven by one thread at a
    // time and never re-entered, so the runtime's per-access exclusivity checks (8% of the
    // instructions of a large Cobertura read) are switched off for it.
    @exclusivity(unchecked) var capturesText = false
    @exclusivity(unchecked) private(set) var line = 1

    private enum Phase { case prolog, root, epilog }
    @exclusivity(unchecked) private var phase = Phase.prolog
    @exclusivity(unchecked) private var atDocumentStart = true
    /// Whether any construct has been read (the XML declaration must come first).
    @exclusivity(unchecked) private var started = false
    private var sawDoctype = false
    /// Names of the open elements, back to back; `openEnds[k]` is where the k-th one ends.
    @exclusivity(unchecked) private var openNames: [UInt8] = []
    @exclusivity(unchecked) private var openEnds: [Int] = []
    private var carry: [UInt8] = []
    /// The carry's size when it was last scanned without completing; it is not scanned again
    /// before it has doubled, so a long construct costs linear time, not quadratic.
    private var carryScannedSize = 0

    /// Attribute slots in libxml2's five-pointer layout, reused for every tag.
    private let slots: UnsafeMutablePointer<UnsafePointer<UInt8>?>
    static let maximumAttributes = 64
    /// Per attribute: whether its value needs reference expansion or whitespace normalisation.
    private let needsDecoding: UnsafeMutablePointer<Bool>
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 4096

    /// A fragment starts inside the root element (the second half of a document split for a
    /// parallel parse): end tags of elements opened before it are recorded, not errors.
    let fragment: Bool
    /// In a fragment: the end tags that closed elements opened before the fragment, in order.
    private(set) var unmatchedCloses: [String] = []
    /// In a fragment: the most unmatched closes seen when an element started at the fragment's
    /// top level (−1: none) — an element after the document's root closed shows up here.
    @exclusivity(unchecked) private(set) var topLevelStartAfterCloses = -1

    init(handler: any XMLEventHandler, fragment: Bool = false) {
        self.handler = handler
        self.fragment = fragment
        if fragment {
            (phase, started, atDocumentStart) = (.root, true, false)
        }
        slots = .allocate(capacity: Self.maximumAttributes * 5)
        needsDecoding = .allocate(capacity: Self.maximumAttributes)
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        slots.deallocate()
        needsDecoding.deallocate()
        scratch.deallocate()
    }

    // MARK: Chunks

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard !chunk.isEmpty else { return }
        let bytes = chunk.bindMemory(to: UInt8.self)
        var base = bytes.baseAddress!
        var count = bytes.count
        if atDocumentStart {
            atDocumentStart = false
            if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
                base += 3
                count -= 3
            } else if base[0] != UInt8(ascii: "<") {
                throw XMLFastPathDeclined(reason: "the document does not start with '<'")
            }
        }
        var position = 0
        if !carry.isEmpty && carry.count + count < 2 * carryScannedSize {
            carry.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
            return try checkCarry()
        }
        if !carry.isEmpty {
            // Complete the construct the last chunk cut, taking as little of this chunk as needed.
            let kept = carry.count
            var taken = 0
            while true {
                let add = min(count - taken, max(4096, carry.count))
                carry.append(contentsOf: UnsafeBufferPointer(start: base + taken, count: add))
                taken += add
                let consumed = try carry.withUnsafeBufferPointer { try scan($0.baseAddress!, $0.count, final: false) }
                if consumed >= kept {
                    // Everything consumed past the old tail came from this chunk.
                    position = consumed - kept
                    carry.removeAll(keepingCapacity: true)
                    carryScannedSize = 0
                    break
                }
                if taken == count {
                    carryScannedSize = carry.count
                    carry.removeFirst(consumed)
                    try checkCarry()
                    return
                }
            }
        }
        let consumed = try scan(base + position, count - position, final: false)
        let tail = position + consumed
        carry.append(contentsOf: UnsafeBufferPointer(start: base + tail, count: count - tail))
        try checkCarry()
    }

    /// Ends a fragment (the second half): what is carried must scan to the end, and the
    /// fragment's own elements must all be closed.
    func finishFragment() throws {
        if !carry.isEmpty {
            let consumed = try carry.withUnsafeBufferPointer { try scan($0.baseAddress!, $0.count, final: true) }
            guard consumed == carry.count else { throw XMLFastPathDeclined(reason: "the document ends inside a construct") }
            carry.removeAll()
        }
        guard openEnds.isEmpty else { throw XMLFastPathDeclined(reason: "elements left open at the end") }
    }

    /// Where a first half stops: the names of the open elements, outermost first, and the line
    /// reached. Only whitespace may be pending (the split falls just before a tag).
    func stopBeforeSplit() throws -> (open: [String], line: Int) {
        guard carry.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }), phase == .root else {
            throw XMLFastPathDeclined(reason: "the split does not fall between elements")
        }
        var names: [String] = []
        var start = 0
        for end in openEnds {
            names.append(String(decoding: openNames[start..<end], as: UTF8.self))
            start = end
        }
        return (names, line + carry.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 })
    }

    func finish() throws {
        if atDocumentStart { throw XMLFastPathDeclined(reason: "empty document") }
        if !carry.isEmpty {
            let consumed = try carry.withUnsafeBufferPointer { try scan($0.baseAddress!, $0.count, final: true) }
            guard consumed == carry.count else { throw XMLFastPathDeclined(reason: "the document ends inside a construct") }
            carry.removeAll()
        }
        guard phase == .epilog else { throw XMLFastPathDeclined(reason: "the root element is missing or unclosed") }
    }

    private func checkCarry() throws {
        if carry.count > Self.maximumConstructSize {
            throw XMLFastPathDeclined(reason: "a construct longer than \(Self.maximumConstructSize) bytes")
        }
    }

    // MARK: Constructs

    /// Scans the complete constructs at the start of `p[0..<n]`; returns how many bytes they
    /// span. Nothing of a construct that is cut short is reported or counted.
    private func scan(_ p: UnsafePointer<UInt8>, _ n: Int, final: Bool) throws -> Int {
        var i = 0
        while i < n {
            let end: Int?
            if p[i] != UInt8(ascii: "<") {
                end = try text(p, i, n, final: final)
            } else if i + 1 >= n {
                end = nil
            } else {
                switch p[i + 1] {
                case UInt8(ascii: "/"): end = try endTag(p, i, n)
                case UInt8(ascii: "!"): end = try markup(p, i, n)
                case UInt8(ascii: "?"): end = try processingInstruction(p, i, n)
                default: end = try startTag(p, i, n)
                }
            }
            guard let end else { return i }
            i = end
            started = true
        }
        return i
    }

    /// Character data up to the next '<'.
    private func text(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, final: Bool) throws -> Int? {
        var j = start
        var newlines = 0
        var decode = false
        while j < n {
            let b = p[j]
            if b == UInt8(ascii: "<") { break }
            if byteClass[Int(b)] & Self.textSpecial == 0 {
                j += 1
                continue
            }
            switch b {
            case 0x0A: newlines += 1; j += 1
            case 0x0D: decode = true; j += 1
            case UInt8(ascii: "&"):
                guard let length = try reference(p, j, n) else { return nil }
                decode = true
                j += length
            case UInt8(ascii: "]"):
                if j + 2 >= n && !final { return nil }
                if j + 2 < n, p[j + 1] == UInt8(ascii: "]"), p[j + 2] == UInt8(ascii: ">") {
                    throw XMLFastPathDeclined(reason: "']]>' in text")
                }
                j += 1
            default:
                guard let length = try character(p, j, n) else { return nil }
                j += length
            }
        }
        if j == n && !final { return nil }
        if phase != .root || (fragment && openEnds.isEmpty) {
            for k in start..<j where byteClass[Int(p[k])] & Self.space == 0 {
                throw XMLFastPathDeclined(reason: "text outside the root element")
            }
        }
        line += newlines
        if capturesText && phase == .root && j > start {
            try deliverText(p + start, j - start, decode: decode)
        }
        return j
    }

    /// `<name attr="value" ...>` or `.../>`.
    private func startTag(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        guard phase != .epilog else { throw XMLFastPathDeclined(reason: "content after the root element") }
        let nameStart = start + 1
        guard let nameEnd = try name(p, nameStart, n) else { return nil }
        var j = nameEnd
        var newlines = 0
        var attributes = 0
        var decodedBytes = 0
        var selfClosing = false
        while true {
            var spaced = false
            while j < n, byteClass[Int(p[j])] & Self.space != 0 {
                if p[j] == 0x0A { newlines += 1 }
                spaced = true
                j += 1
            }
            guard j < n else { return nil }
            if p[j] == UInt8(ascii: ">") { j += 1; break }
            if p[j] == UInt8(ascii: "/") {
                guard j + 1 < n else { return nil }
                guard p[j + 1] == UInt8(ascii: ">") else { throw XMLFastPathDeclined(reason: "'/' inside a tag") }
                selfClosing = true
                j += 2
                break
            }
            guard spaced else { throw XMLFastPathDeclined(reason: "attributes not separated by space") }
            let attributeStart = j
            guard let attributeEnd = try name(p, j, n) else { return nil }
            j = attributeEnd
            while j < n, byteClass[Int(p[j])] & Self.space != 0 { if p[j] == 0x0A { newlines += 1 }; j += 1 }
            guard j < n else { return nil }
            guard p[j] == UInt8(ascii: "=") else { throw XMLFastPathDeclined(reason: "attribute without '='") }
            j += 1
            while j < n, byteClass[Int(p[j])] & Self.space != 0 { if p[j] == 0x0A { newlines += 1 }; j += 1 }
            guard j < n else { return nil }
            let quote = p[j]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                throw XMLFastPathDeclined(reason: "unquoted attribute value")
            }
            j += 1
            let valueStart = j
            var decode = false
            while true {
                guard j < n else { return nil }
                let b = p[j]
                if b == quote { break }
                if byteClass[Int(b)] & Self.valueSpecial == 0 { j += 1; continue }
                switch b {
                case UInt8(ascii: "<"): throw XMLFastPathDeclined(reason: "'<' in an attribute value")
                case UInt8(ascii: "&"):
                    guard let length = try reference(p, j, n) else { return nil }
                    decode = true
                    j += length
                case 0x0A: newlines += 1; decode = true; j += 1
                case 0x09, 0x0D: decode = true; j += 1
                default:
                    guard let length = try character(p, j, n) else { return nil }
                    j += length
                }
            }
            try addAttribute(attributes, name: p + attributeStart, nameEnd: p + attributeEnd,
                             value: p + valueStart, valueEnd: p + j, decode: decode)
            if decode { decodedBytes += j - valueStart }
            attributes += 1
            j += 1
        }
        // The tag is complete: commit.
        line += newlines
        if decodedBytes > 0 { decodeAttributes(attributes, totalBytes: decodedBytes) }
        phase = .root
        if fragment && openEnds.isEmpty { topLevelStartAfterCloses = max(topLevelStartAfterCloses, unmatchedCloses.count) }
        let name = XMLName(bytes: p + nameStart, count: nameEnd - nameStart)
        try handler.startElement(name, attributes: XMLAttributes(base: slots, count: attributes, namesHaveEnds: true), line: line)
        if selfClosing {
            try handler.endElement(name)
            if openEnds.isEmpty && !fragment { phase = .epilog }
        } else {
            openNames.append(contentsOf: UnsafeBufferPointer(start: p + nameStart, count: nameEnd - nameStart))
            openEnds.append(openNames.count)
        }
        return j
    }

    /// `</name>`, which must close the innermost open element.
    private func endTag(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        let nameStart = start + 2
        guard let nameEnd = try name(p, nameStart, n) else { return nil }
        var j = nameEnd
        var newlines = 0
        while j < n, byteClass[Int(p[j])] & Self.space != 0 { if p[j] == 0x0A { newlines += 1 }; j += 1 }
        guard j < n else { return nil }
        guard p[j] == UInt8(ascii: ">") else { throw XMLFastPathDeclined(reason: "junk in an end tag") }
        guard let top = openEnds.last else {
            guard fragment else { throw XMLFastPathDeclined(reason: "end tag with no open element") }
            line += newlines
            let name = XMLName(bytes: p + nameStart, count: nameEnd - nameStart)
            unmatchedCloses.append(name.string)
            try handler.endElement(name)
            return j + 1
        }
        let topStart = openEnds.count > 1 ? openEnds[openEnds.count - 2] : 0
        let length = nameEnd - nameStart
        guard top - topStart == length,
              openNames.withUnsafeBufferPointer({ memcmp($0.baseAddress! + topStart, p + nameStart, length) == 0 }) else {
            throw XMLFastPathDeclined(reason: "mismatched end tag")
        }
        line += newlines
        try handler.endElement(XMLName(bytes: p + nameStart, count: length))
        openNames.removeLast(length)
        openEnds.removeLast()
        if openEnds.isEmpty && !fragment { phase = .epilog }
        return j + 1
    }

    /// `<!-- -->`, `<![CDATA[ ]]>` or `<!DOCTYPE ...>`.
    private func markup(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        if matches(p, start, n, "<!--") {
            var j = start + 4
            var newlines = 0
            while true {
                guard j + 1 < n else { return nil }
                if p[j] == UInt8(ascii: "-"), p[j + 1] == UInt8(ascii: "-") {
                    guard j + 2 < n else { return nil }
                    guard p[j + 2] == UInt8(ascii: ">") else { throw XMLFastPathDeclined(reason: "'--' inside a comment") }
                    line += newlines
                    return j + 3
                }
                if p[j] == 0x0A { newlines += 1 }
                guard let length = try character(p, j, n) else { return nil }
                j += length
            }
        }
        if start + 9 > n { return nil }
        if matches(p, start, n, "<![CDATA[") {
            guard phase == .root, !(fragment && openEnds.isEmpty) else { throw XMLFastPathDeclined(reason: "CDATA outside the root element") }
            var j = start + 9
            var newlines = 0
            var carriageReturn = false
            while true {
                guard j + 2 < n else { return nil }
                if p[j] == UInt8(ascii: "]"), p[j + 1] == UInt8(ascii: "]"), p[j + 2] == UInt8(ascii: ">") { break }
                if p[j] == 0x0A { newlines += 1 }
                if p[j] == 0x0D { carriageReturn = true }
                guard let length = try character(p, j, n) else { return nil }
                j += length
            }
            line += newlines
            if capturesText && j > start + 9 {
                try deliverText(p + start + 9, j - start - 9, decode: carriageReturn, references: false)
            }
            return j + 3
        }
        if matches(p, start, n, "<!DOCTYPE") {
            guard phase == .prolog, !sawDoctype else { throw XMLFastPathDeclined(reason: "misplaced DOCTYPE") }
            var j = start + 9
            var newlines = 0
            var quote: UInt8 = 0
            while true {
                guard j < n else { return nil }
                let b = p[j]
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    quote = b
                } else if b == UInt8(ascii: "[") {
                    throw XMLFastPathDeclined(reason: "a DOCTYPE with an internal subset")
                } else if b == UInt8(ascii: ">") {
                    break
                }
                if b == 0x0A { newlines += 1 }
                guard let length = try character(p, j, n) else { return nil }
                j += length
            }
            sawDoctype = true
            line += newlines
            return j + 1
        }
        throw XMLFastPathDeclined(reason: "markup declaration outside a DTD")
    }

    /// `<?target ...?>`; the XML declaration is one, and only UTF-8 (or ASCII) 1.0 is taken.
    private func processingInstruction(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        guard let targetEnd = try name(p, start + 2, n) else { return nil }
        var j = targetEnd
        var newlines = 0
        while true {
            guard j + 1 < n else { return nil }
            if p[j] == UInt8(ascii: "?"), p[j + 1] == UInt8(ascii: ">") { break }
            if p[j] == 0x0A { newlines += 1 }
            guard let length = try character(p, j, n) else { return nil }
            j += length
        }
        let target = Array(UnsafeBufferPointer(start: p + start + 2, count: targetEnd - start - 2))
        if target.count == 3, target.map({ $0 | 0x20 }) == Array("xml".utf8) {
            guard target == Array("xml".utf8), !started else {
                throw XMLFastPathDeclined(reason: "misplaced XML declaration")
            }
            let declaration = String(decoding: UnsafeBufferPointer(start: p + targetEnd, count: j - targetEnd), as: UTF8.self)
            try checkDeclaration(declaration)
        } else if j > targetEnd, byteClass[Int(p[targetEnd])] & Self.space == 0 {
            throw XMLFastPathDeclined(reason: "processing instruction target not followed by space")
        }
        line += newlines
        return j + 2
    }

    private func checkDeclaration(_ text: String) throws {
        let fields = Self.pseudoAttributes(text)
        guard fields.first?.0 == "version", fields.first?.1 == "1.0" else {
            throw XMLFastPathDeclined(reason: "XML declaration without version 1.0")
        }
        for (key, value) in fields.dropFirst() {
            switch key {
            case "encoding":
                guard ["utf-8", "utf8", "us-ascii", "ascii"].contains(value.lowercased()) else {
                    throw XMLFastPathDeclined(reason: "encoding \(value)")
                }
            case "standalone":
                guard value == "yes" || value == "no" else { throw XMLFastPathDeclined(reason: "standalone=\(value)") }
            default:
                throw XMLFastPathDeclined(reason: "unknown XML declaration field \(key)")
            }
        }
    }

    /// `key="value"` pairs of an XML declaration; a malformed one yields an empty key.
    static func pseudoAttributes(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            guard !rest.isEmpty else { return result }
            guard let equals = rest.firstIndex(of: "=") else { return result + [("", "")] }
            var key = rest[..<equals]
            while let last = key.last, last == " " || last == "\t" || last == "\n" || last == "\r" { key.removeLast() }
            rest = rest[rest.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            guard let quote = rest.first, quote == "\"" || quote == "'",
                  let close = rest.dropFirst().firstIndex(of: quote) else { return result + [("", "")] }
            result.append((String(key), String(rest[rest.index(after: rest.startIndex)..<close])))
            rest = rest[rest.index(after: close)...]
            guard rest.isEmpty || rest.first == " " || rest.first == "\t" || rest.first == "\n" || rest.first == "\r" else {
                return result + [("", "")]
            }
        }
    }

    // MARK: Pieces

    /// The end of the ASCII name at `start`; nil when the buffer ends inside it.
    @inline(__always)
    private func name(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        guard start < n else { return nil }
        guard byteClass[Int(p[start])] & Self.nameStart != 0 else {
            throw XMLFastPathDeclined(reason: "a name that is not plain ASCII or starts wrongly")
        }
        var j = start + 1
        while j < n, byteClass[Int(p[j])] & Self.nameChar != 0 { j += 1 }
        guard j < n else { return nil }
        if p[j] >= 0x80 { throw XMLFastPathDeclined(reason: "a name outside ASCII") }
        return j
    }

    /// The length of the reference at `start` (`&amp;`, `&#10;`, `&#x1F600;`); nil when cut short.
    private func reference(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        var j = start + 1
        while j < n, p[j] != UInt8(ascii: ";") {
            if j - start > 12 { throw XMLFastPathDeclined(reason: "an unterminated or unknown reference") }
            j += 1
        }
        guard j < n else { return nil }
        guard Self.referenceValue(UnsafeBufferPointer(start: p + start + 1, count: j - start - 1)) != nil else {
            throw XMLFastPathDeclined(reason: "a reference to an undeclared entity or an invalid character")
        }
        return j + 1 - start
    }

    /// The code point a reference body (between '&' and ';') stands for.
    static func referenceValue(_ body: UnsafeBufferPointer<UInt8>) -> UInt32? {
        switch Array(body) {
        case Array("lt".utf8): return 0x3C
        case Array("gt".utf8): return 0x3E
        case Array("amp".utf8): return 0x26
        case Array("apos".utf8): return 0x27
        case Array("quot".utf8): return 0x22
        default: break
        }
        guard body.count >= 2, body[0] == UInt8(ascii: "#") else { return nil }
        let hex = body[1] == UInt8(ascii: "x")
        let digits = body.dropFirst(hex ? 2 : 1)
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            let d: UInt32
            switch digit {
            case 48...57: d = UInt32(digit - 48)
            case 97...102 where hex: d = UInt32(digit - 87)
            case 65...70 where hex: d = UInt32(digit - 55)
            default: return nil
            }
            value = value * (hex ? 16 : 10) + d
            if value > 0x10FFFF { return nil }
        }
        return isXMLCharacter(value) ? value : nil
    }

    static func isXMLCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// The length of the character at `start`, which is a control byte or starts a multi-byte
    /// UTF-8 sequence (plain bytes are taken by the callers' fast loops); nil when cut short.
    private func character(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) throws -> Int? {
        let b = p[start]
        if b < 0x80 {
            guard b >= 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else {
                throw XMLFastPathDeclined(reason: "a control character")
            }
            return 1
        }
        let length: Int
        var value: UInt32
        switch b {
        case 0xC2...0xDF: length = 2; value = UInt32(b & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(b & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(b & 0x07)
        default: throw XMLFastPathDeclined(reason: "invalid UTF-8")
        }
        guard start + length <= n else { return nil }
        for k in 1..<length {
            let c = p[start + k]
            guard c & 0xC0 == 0x80 else { throw XMLFastPathDeclined(reason: "invalid UTF-8") }
            value = value << 6 | UInt32(c & 0x3F)
        }
        let shortest: UInt32 = length == 3 ? 0x800 : length == 4 ? 0x10000 : 0x80
        guard value >= shortest, Self.isXMLCharacter(value) else { throw XMLFastPathDeclined(reason: "invalid UTF-8") }
        return length
    }

    @inline(__always)
    private func matches(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard start + count <= n else { return false }
        return memcmp(p + start, literal.utf8Start, count) == 0
    }

    // MARK: Attributes and text out

    @inline(__always)
    private func addAttribute(_ index: Int, name: UnsafePointer<UInt8>, nameEnd: UnsafePointer<UInt8>,
                              value: UnsafePointer<UInt8>, valueEnd: UnsafePointer<UInt8>, decode: Bool) throws {
        if index == Self.maximumAttributes {
            throw XMLFastPathDeclined(reason: "more than \(Self.maximumAttributes) attributes on one element")
        }
        let length = nameEnd - name
        for other in 0..<index {
            let slot = slots + other * 5
            guard slot[1]! - slot[0]! == length, slot[0]!.pointee == name.pointee else { continue }
            if (0..<length).allSatisfy({ slot[0]![$0] == name[$0] }) {
                throw XMLFastPathDeclined(reason: "a repeated attribute")
            }
        }
        let slot = slots + index * 5
        slot[0] = name
        slot[1] = nameEnd
        slot[2] = nil
        slot[3] = value
        slot[4] = valueEnd
        needsDecoding[index] = decode
    }

    /// Rewrites the values that hold references or whitespace characters into `scratch`, as
    /// XML's attribute-value normalisation says: references expanded, each tab, newline or
    /// carriage return (a CR LF pair counting as one) a space.
    private func decodeAttributes(_ count: Int, totalBytes: Int) {
        reserveScratch(totalBytes)
        var out = scratch
        for index in 0..<count where needsDecoding[index] {
            let slot = slots + index * 5
            let start = UnsafeMutablePointer(mutating: out)
            out = Self.expand(slot[3]!, slot[4]!, into: out, normaliseWhitespace: true, references: true)
            slot[3] = UnsafePointer(start)
            slot[4] = UnsafePointer(out)
        }
    }

    private func deliverText(_ p: UnsafePointer<UInt8>, _ count: Int, decode: Bool, references: Bool = true) throws {
        guard decode else {
            handler.characters(UnsafeBufferPointer(start: p, count: count))
            return
        }
        reserveScratch(count)
        let end = Self.expand(p, p + count, into: scratch, normaliseWhitespace: false, references: references)
        handler.characters(UnsafeBufferPointer(start: scratch, count: end - scratch))
    }

    private func reserveScratch(_ count: Int) {
        guard count > scratchCapacity else { return }
        scratch.deallocate()
        scratchCapacity = max(count, scratchCapacity * 2)
        scratch = .allocate(capacity: scratchCapacity)
    }

    /// Copies `start..<end` to `out` expanding references (already validated) and turning CR LF
    /// and lone CR into LF, or, for attribute values, every whitespace character into a space.
    /// The output is never longer than the input.
    private static func expand(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>,
                               into out: UnsafeMutablePointer<UInt8>, normaliseWhitespace: Bool, references: Bool) -> UnsafeMutablePointer<UInt8> {
        var p = start
        var o = out
        while p < end {
            let b = p.pointee
            if b == 0x0D {
                o.pointee = normaliseWhitespace ? 0x20 : 0x0A
                o += 1
                p += 1
                if p < end, p.pointee == 0x0A { p += 1 }
            } else if normaliseWhitespace && (b == 0x0A || b == 0x09) {
                o.pointee = 0x20
                o += 1
                p += 1
            } else if references && b == UInt8(ascii: "&") {
                var semicolon = p + 1
                while semicolon.pointee != UInt8(ascii: ";") { semicolon += 1 }
                let value = referenceValue(UnsafeBufferPointer(start: p + 1, count: semicolon - p - 1))!
                for byte in String(Unicode.Scalar(value)!).utf8 {
                    o.pointee = byte
                    o += 1
                }
                p = semicolon + 1
            } else {
                o.pointee = b
                o += 1
                p += 1
            }
        }
        return o
    }

    // MARK: Byte classes

    static let nameStart: UInt8 = 1
    static let nameChar: UInt8 = 2
    static let space: UInt8 = 4
    /// Bytes the text loop must look at: line ends, '&', ']', controls, non-ASCII.
    static let textSpecial: UInt8 = 8
    /// Bytes an attribute-value loop must look at: '<', '&', whitespace controls, other
    /// controls, non-ASCII.
    static let valueSpecial: UInt8 = 16
}

// Written once, at first use, then only read.
nonisolated(unsafe) private let byteClassTable: UnsafeMutablePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    table.initialize(repeating: 0, count: 256)
    for b in 0..<256 {
        var c: UInt8 = 0
        let isLetter = (65...90).contains(b) || (97...122).contains(b)
        if isLetter || b == 95 || b == 58 { c |= XMLFastScanner.nameStart | XMLFastScanner.nameChar }
        if (48...57).contains(b) || b == 45 || b == 46 { c |= XMLFastScanner.nameChar }
        if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { c |= XMLFastScanner.space }
        if (b < 0x20 && b != 0x09) || b >= 0x80 || b == 38 || b == 93 { c |= XMLFastScanner.textSpecial }
        if b < 0x20 || b >= 0x80 || b == 38 || b == 60 { c |= XMLFastScanner.valueSpecial }
        table[b] = c
    }
    return table
}()
