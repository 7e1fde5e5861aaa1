import Dispatch
import GateKit

/// A push parser for one report format: fed the file chunk by chunk, then asked for the model.
protocol CoverageParser: AnyObject {
    func consume(_ chunk: UnsafeRawBufferPointer) throws
    func finish() throws -> CoverageReport
}

/// Formats read as XML: the parser is the handler of an `XMLStreamParser` it owns.
protocol XMLCoverageParser: CoverageParser, XMLEventHandler {
    var xml: XMLStreamParser! { get }
}

extension XMLCoverageParser {
    func consume(_ chunk: UnsafeRawBufferPointer) throws {
        try xml.feed(chunk)
    }
}

/// Formats decoded whole (JSON): the chunks are kept and decoded at the end.
final class WholeDocumentParser: CoverageParser {
    private var bytes: [UInt8] = []
    private let path: String
    private let limit = InputLimits.document
    private let decode: ([UInt8]) throws -> CoverageReport

    init(path: String, decode: @escaping ([UInt8]) throws -> CoverageReport) {
        (self.path, self.decode) = (path, decode)
    }

    /// Keeps the document, which is parsed whole, within `GATE_MAX_DOCUMENT_BYTES`.
    func consume(_ chunk: UnsafeRawBufferPointer) throws {
        if let maxBytes = limit.maxBytes, bytes.count + chunk.count > maxBytes {
            throw GateError.inputTooLarge(path: path, limit: maxBytes, variable: limit.bytesVariable, expected: "a JSON coverage report")
        }
        bytes.append(contentsOf: chunk)
    }

    func finish() throws -> CoverageReport {
        try decode(bytes)
    }
}

/// Reads a coverage report of any supported format, detected from its first bytes, in one
/// streaming pass that also hashes the file.
public enum CoverageReportReader {
    /// - Parameters:
    ///   - path: the report, as the user named it (messages use this spelling).
    ///   - root: absolute repository root that source paths are made relative to.
    ///   - pathMap: `--path-map` rules applied to recorded paths before they are resolved.
    public static func read(_ path: String, root: String, pathMap: [PathMapping] = []) throws -> (report: CoverageReport, input: InputDigest) {
        let (report, digest) = try readDeferringDigest(path, root: root, pathMap: pathMap, inHalves: true)
        return (report, digest.value)
    }

    /// `read`, with the digest of a large report still computing on a spare core when it
    /// returns (the gate judges meanwhile). `inHalves: false` keeps a large Cobertura report to
    /// one thread (tests compare the two).
    /// Without `keepingRecords` (a caller that needs no line of any file), a large LCOV report
    /// may come back as each file's figures alone (`FileCoverage.counted`).
    static func readDeferringDigest(_ path: String, root: String, pathMap: [PathMapping], inHalves: Bool,
                                    keepingRecords: Bool = true) throws -> (report: CoverageReport, input: PendingDigest) {
        let resolver = SourcePathResolver(root: root, report: path, pathMap: pathMap)
        // XML goes through the fast scanner first when the file can be read a second time;
        // whatever the scanner declines, libxml2 parses from the start.
        if let size = InputFile.regularFileSize(path) {
            if inHalves, size >= parallelThreshold, let parallel = readInHalves(path, resolver: resolver) {
                return parallel
            }
            // Four times the usual parts: the hash holds one core back for a while, and the
            // last part read alone then leaves a core idle for less time.
            if inHalves, size >= LCOVParser.parallelThreshold,
               let parallel = readLinesInParts(path, resolver: resolver, parts: LineParts.defaultCount * 4, keepingRecords: keepingRecords) {
                return parallel
            }
            do {
                let (report, digest) = try read(path, resolver: resolver, fastXML: true, sizeHint: size)
                return (report, PendingDigest(digest))
            } catch is XMLFastPathDeclined {}
        }
        let (report, digest) = try read(path, resolver: resolver, fastXML: false)
        return (report, PendingDigest(digest))
    }

    static func read(_ path: String, root: String, pathMap: [PathMapping], inHalves: Bool) throws -> (report: CoverageReport, input: InputDigest) {
        let (report, digest) = try readDeferringDigest(path, root: root, pathMap: pathMap, inHalves: inHalves)
        return (report, digest.value)
    }

    /// Cobertura reports from this size up are parsed in two halves on two threads.
    static let parallelThreshold = 8 << 20

    /// A large Cobertura report, mapped, split just before a `<class` element near the middle,
    /// and the halves scanned at once: the second as a fragment whose end tags of elements the
    /// first half opened are recorded, then checked against the first half's open elements at
    /// the split. The file is hashed once both halves are read, on the core the second half
    /// frees, while the caller builds the report and judges it. Nil (the caller then reads the
    /// file in one pass, which also writes any error message) when the file is not plain
    /// Cobertura, no split point is found, or anything at all goes wrong in either half.
    static func readInHalves(_ path: String, resolver: SourcePathResolver) -> (report: CoverageReport, input: PendingDigest)? {
        guard let file = MappedFile(path) else { return nil }
        let bytes = file.bytes
        guard bytes.first == UInt8(ascii: "<"), rootElement(UnsafeRawBufferPointer(rebasing: bytes.prefix(4096))) == "coverage",
              let split = splitPoint(bytes) else { return nil }
        let first = CoberturaParser(path: path, resolver: resolver, fastPath: true, sizeHint: split)
        let second = CoberturaParser(path: path, resolver: resolver, fastPath: true, sizeHint: bytes.count - split, fragment: true)
        let box = SendableBox(bytes: bytes, second: second, first: first, resolver: resolver.copy())
        let group = DispatchGroup()
        // Each half also builds its own files on its own thread; the second needs the
        // first half's <source> roots, ready once the first half is parsed.
        DispatchQueue.global().async(group: group) {
            do {
                try box.second.consume(UnsafeRawBufferPointer(rebasing: box.bytes[split...]))
                box.firstParsed.wait()
                if !box.firstFailed {
                    box.secondFiles = try box.second.allFiles(resolver: box.resolver, sources: box.first.sourceRoots)
                }
            } catch {
                box.failed = true
            }
        }
        var firstFiles: [FileCoverage]?
        do {
            try first.consume(UnsafeRawBufferPointer(rebasing: bytes[..<split]))
            box.firstParsed.signal()
            firstFiles = try first.allFiles(resolver: resolver, sources: first.sourceRoots)
        } catch {
            box.firstFailed = true
            box.firstParsed.signal()
        }
        group.wait()
        guard let firstFiles, let secondFiles = box.secondFiles, !box.failed, first.isBetweenClasses else { return nil }
        do {
            let (open, _) = try first.xml.stopBeforeSplit()
            try second.xml.finishFragment(closing: open)
            guard second.sourceRoots.isEmpty else { return nil }
            let digest = PendingDigest(hashing: file, path: path)
            return (try first.report(built: firstFiles + secondFiles, second: second), digest)
        } catch {
            return nil
        }
    }

    /// A large LCOV report or Go profile, mapped and read in parts on every core (the format's
    /// `readParts`), hashed meanwhile on a thread of its own. Nil when the file is neither, or
    /// anything is wrong in it: the caller reads it on one thread, which says what.
    static func readLinesInParts(_ path: String, resolver: SourcePathResolver, parts: Int,
                                 keepingRecords: Bool = true) -> (report: CoverageReport, input: PendingDigest)? {
        guard let file = MappedFile(path),
              let text = try? InputFile.checked(file.bytes, path: path, expected: "a coverage report", limits: .streamed) else { return nil }
        let head = head(text)
        let isGo = head.hasPrefix("mode:")
        guard isGo || LCOVParser.looksLikeLCOV(head) else { return nil }
        // Hashed on its own thread while the parts are read: the cores share the two jobs
        // (hashed after the read, the hash kept one core busy and the other idle). The hash
        // has a core to itself — one core's reader starts once it is done — so that it does
        // not finish last, on a share of a core, after the read. Running ahead of the read,
        // it leaves the pages it maps to the parts, which give them back once read: each page
        // is mapped once, not twice (the kernel's share of a 500 MB read fell from ~15% to
        // ~8%); the resident set holds the cached pages between the hash and the read (at
        // most `PendingDigest.keptAhead`).
        let progress = ReadProgress()
        let digest = PendingDigest(hashing: file, path: path, reader: progress)
        let hashed = digest.computing
        let report: CoverageReport?
        if isGo {
            report = (keepingRecords ? nil : GoCoverProfileParser.readParts(text, path: path, resolver: resolver, parts: parts, keepingRecords: false,
                                                                            lastCoreAfter: hashed, progress: progress))
                ?? GoCoverProfileParser.readParts(text, path: path, resolver: resolver, parts: parts, lastCoreAfter: hashed, progress: progress)
        } else {
            report = (keepingRecords ? nil : LCOVParser.readParts(text, path: path, resolver: resolver, parts: parts, keepingRecords: false,
                                                                  lastCoreAfter: hashed, progress: progress))
                ?? LCOVParser.readParts(text, path: path, resolver: resolver, parts: parts, lastCoreAfter: hashed, progress: progress)
        }
        guard let report else { return nil }
        return (report, digest)
    }

    /// Just before the first line starting (after indentation) with `<class ` past the middle.
    static func splitPoint(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let needle = Array("<class ".utf8)
        var index = bytes.count / 2
        while index < bytes.count - needle.count {
            guard bytes[index] == 0x0A else { index += 1; continue }
            var start = index + 1
            while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            if start + needle.count <= bytes.count, needle.indices.allSatisfy({ bytes[start + $0] == needle[$0] }) { return start }
            index = start
        }
        return nil
    }

    private static func read(_ path: String, resolver: SourcePathResolver, fastXML: Bool, sizeHint: Int = 0) throws -> (report: CoverageReport, input: InputDigest) {
        var parser: (any CoverageParser)?
        let digest = try InputFile.stream(path, expected: "a coverage report (Cobertura XML or LCOV)", limits: .streamed) { chunk in
            if parser == nil { parser = try detect(chunk, path: path, resolver: resolver, fastXML: fastXML, sizeHint: sizeHint) }
            try parser!.consume(chunk)
        }
        return (try parser!.finish(), digest)
    }

    /// The name of the first element in `chunk`, skipping the XML declaration, comments and
    /// the DOCTYPE; nil when the chunk does not reach it.
    static func rootElement(_ chunk: UnsafeRawBufferPointer) -> String? {
        var index = 0
        while index + 1 < chunk.count {
            if chunk[index] == UInt8(ascii: "<") {
                let next = chunk[index + 1]
                if next != UInt8(ascii: "?"), next != UInt8(ascii: "!"), next != UInt8(ascii: "/") {
                    var end = index + 1
                    while end < chunk.count, ![0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/")].contains(chunk[end]) { end += 1 }
                    return String(decoding: chunk[(index + 1)..<end], as: UTF8.self)
                }
            }
            index += 1
        }
        return nil
    }

    /// The first 64 bytes after any leading white space, as text.
    static func head(_ bytes: UnsafeRawBufferPointer) -> String {
        var index = 0
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return String(decoding: bytes[index..<min(bytes.count, index + 64)], as: UTF8.self)
    }

    /// Picks the parser from the opening bytes: `<` for XML (the root element then decides),
    /// an LCOV record key for a tracefile; JSON and Go profiles are named so the user knows
    /// what they passed. The chunk is past any byte-order mark (the input layer skips it).
    static func detect(_ chunk: UnsafeRawBufferPointer, path: String, resolver: SourcePathResolver, fastXML: Bool = false, sizeHint: Int = 0) throws -> any CoverageParser {
        let head = head(chunk)
        if head.hasPrefix("<") {
            return rootElement(chunk) == "report"
                ? JaCoCoParser(path: path, resolver: resolver, fastPath: fastXML)
                : CoberturaParser(path: path, resolver: resolver, fastPath: fastXML, sizeHint: sizeHint)
        }
        if head.hasPrefix("{") {
            // Told apart by structure, whatever the order of keys: checked strictly first (line
            // and column for any error) keeping only the outline — an export of hundreds of
            // megabytes is not built twice — then read by the format's decoder.
            return WholeDocumentParser(path: path) { bytes in
                let outline = try JSONTree.parse(bytes, path: path, keepingDepth: 2)
                if outline["type"]?.string == "llvm.coverage.json.export" || outline["data"]?.array != nil {
                    return try LLVMCovJSONParser.report(from: bytes, path: path, resolver: resolver)
                }
                if outline["meta"]?["format"] != nil, outline["files"]?.isObject == true {
                    return try CoveragePyJSONParser.report(from: bytes, path: path, resolver: resolver)
                }
                throw CoverageError.unsupportedFormat(path: path, format: "this JSON (gate reads llvm-cov export JSON and coverage.py JSON)")
            }
        }
        if head.hasPrefix("mode:") { return LineReportParser<GoProfileRecords>(path: path, resolver: resolver) }
        if LCOVParser.looksLikeLCOV(head) { return LineReportParser<LCOVRecords>(path: path, resolver: resolver) }
        let firstLine = head.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        throw CoverageError.unrecognizedFormat(path: path, start: String(firstLine.prefix(40)))
    }
}

/// What the second-half task shares with the caller, which waits for it before reading.
private final class SendableBox: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    let second: CoberturaParser
    /// Read by the second task only after `firstParsed` is signalled.
    let first: CoberturaParser
    let resolver: SourcePathResolver
    let firstParsed = DispatchSemaphore(value: 0)
    var firstFailed = false
    var failed = false
    var secondFiles: [FileCoverage]?

    init(bytes: UnsafeRawBufferPointer, second: CoberturaParser, first: CoberturaParser, resolver: SourcePathResolver) {
        (self.bytes, self.second, self.first, self.resolver) = (bytes, second, first, resolver)
    }
}

