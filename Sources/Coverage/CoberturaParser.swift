import Dispatch
import GateKit

/// Cobertura XML (coverage-04.dtd) as coverage.py, gcovr, Cobertura and others write it.
///
/// Counted from `class/lines/line` only: Java Cobertura repeats the same lines under
/// `method/lines`, which would count them twice. A file may appear in several classes (Java
/// inner classes); its lines are merged. Branch outcomes come from `condition-coverage`'s
/// "(k/n)" on `branch="true"` lines. The root's `lines-valid`/`lines-covered` are kept only to
/// cross-check.
final class CoberturaParser: XMLCoverageParser {
    private let path: String
    private let resolver: SourcePathResolver
    var xml: XMLStreamParser!

    private var sawRoot = false
    private var declared = DeclaredTotals()
    private var declaresBranches = false
    private var sources: [String] = []
    @exclusivity(unchecked) private var sourceText: [UInt8]?
    // Touched for every element; a parser runs on one thread and is never re-entered, so the
    // runtime's exclusivity checks are switched off for its hot state (as in XMLFastScanner).
    @exclusivity(unchecked) private var methodDepth = 0
    @exclusivity(unchecked) private var inClass = false
    /// Every line record in document order; `classes` says which file each run belongs to.
    /// One flat array instead of one per class keeps allocation out of the hot loop.
    @exclusivity(unchecked) private var lines: [LineRecord] = []
    @exclusivity(unchecked) fileprivate private(set) var classes: [(name: String, line: Int, start: Int)] = []
    private var hasBranchData = false

    /// - Parameter sizeHint: the file's size, when known: room for its line records is reserved
    ///   up front (a `<line>` element takes at least ~25 bytes), so the array never regrows —
    ///   reserved pages that stay unused cost no memory.
    init(path: String, resolver: SourcePathResolver, fastPath: Bool, sizeHint: Int = 0, fragment: Bool = false) {
        self.path = path
        self.resolver = resolver
        lines.reserveCapacity(min(sizeHint / 25, 1 << 26))
        xml = XMLStreamParser(path: path, handler: self, fastPath: fastPath, fragment: fragment)
        sawRoot = fragment
    }

    /// True between classes, outside `<method>` and `<source>`: where a second half may start.
    var isBetweenClasses: Bool { !inClass && methodDepth == 0 && sourceText == nil }

    func finish() throws -> CoverageReport {
        try xml.finish()
        return try report()
    }

    /// The model from what was read in one pass (after `finish`).
    func report() throws -> CoverageReport {
        guard sawRoot else { throw CoverageError.truncated(path: path, problem: "no <coverage> element was found") }
        // No dictionaries over 100k files: resolve each class (reusing the previous answer for
        // the runs of same-named classes Java reports have), sort by path, merge neighbours.
        // Large reports build their files on two threads, each with its own resolver (the
        // resolver caches what it has looked up, so it is not shared).
        var files: [FileCoverage]
        if classes.count >= 20_000 {
            let middle = classes.count / 2
            let other = OtherHalf(parser: self, resolver: resolver.copy())
            DispatchQueue.global().async(group: other.group) {
                other.files = try? other.parser.files(classes: middle..<other.parser.classes.count, resolver: other.resolver)
            }
            files = try self.files(classes: 0..<middle, resolver: resolver)
            other.group.wait()
            guard let rest = other.files else {
                // Let the error (if any) surface with its message, sequentially.
                files += try self.files(classes: middle..<classes.count, resolver: resolver)
                return try finishReport(files)
            }
            files += rest
        } else {
            files = try self.files(classes: 0..<classes.count, resolver: resolver)
        }
        return try finishReport(files)
    }

    /// Every class's file, for a half parsed on its own thread; `sources` from the first half.
    func allFiles(resolver: SourcePathResolver, sources: [String]) throws -> [FileCoverage] {
        try files(classes: 0..<classes.count, resolver: resolver, sources: sources)
    }

    /// The `<source>` roots read so far.
    var sourceRoots: [String] { sources }

    /// The report from files both halves built: `second`'s branch data joins this one's.
    func report(built files: [FileCoverage], second: CoberturaParser) throws -> CoverageReport {
        hasBranchData = hasBranchData || second.hasBranchData
        return try finishReport(files)
    }

    /// One `FileCoverage` per class in `range`, its path resolved.
    fileprivate func files(classes range: Range<Int>, resolver: SourcePathResolver, sources: [String]? = nil) throws -> [FileCoverage] {
        let sources = sources ?? self.sources
        var files: [FileCoverage] = []
        files.reserveCapacity(range.count)
        var previous: (name: String, path: String)?
        for index in range {
            let entry = classes[index]
            let end = index + 1 < classes.count ? classes[index + 1].start : lines.count
            let path: String
            if let previous, previous.name == entry.name {
                path = previous.path
            } else {
                path = try resolver.resolve(entry.name, sources: sources, line: entry.line)
                previous = (entry.name, path)
            }
            files.append(FileCoverage(path: path, lines: Array(lines[entry.start..<end])))
        }
        return files
    }

    private func finishReport(_ built: [FileCoverage]) throws -> CoverageReport {
        var files = built
        lines = []
        // Sorted through an index permutation and merged in place: moving the records
        // themselves (four references each) through a sort and a copy loop was a tenth of
        // the time on a report of 160,000 files.
        let order = files.indices.sorted { files[$0].path < files[$1].path }
        var sorted: [FileCoverage] = []
        sorted.reserveCapacity(files.count)
        for index in order {
            var file = FileCoverage(path: "", lines: [])
            swap(&file, &files[index])
            if let last = sorted.indices.last, sorted[last].path == file.path {
                sorted[last].absorb(file)
            } else {
                sorted.append(file)
            }
        }
        return CoverageReport(
            formats: [.cobertura],
            files: sorted,
            hasBranchData: hasBranchData || declaresBranches,
            hasFunctionData: false,
            declared: declared,
            sortedByPath: true)
    }

    func startElement(_ name: XMLName, attributes: XMLAttributes, line: Int) throws {
        if name.equals("line") {
            guard methodDepth == 0, inClass else { return }
            lines.append(try lineRecord(attributes, line: line))
        } else if name.equals("class") {
            guard let filename = attributes.string("filename"), !filename.isEmpty else {
                throw CoverageError.malformedRecord(path: path, line: line, problem: "<class> has no filename attribute")
            }
            classes.append((filename, line, lines.count))
            inClass = true
        } else if name.equals("method") {
            methodDepth += 1
        } else if name.equals("source") {
            sourceText = []
            xml.capturesText = true
        } else if !sawRoot {
            try root(name, attributes: attributes, line: line)
        }
    }

    func endElement(_ name: XMLName) throws {
        if name.equals("line") {
            return
        } else if name.equals("class") {
            inClass = false
        } else if name.equals("method") {
            methodDepth -= 1
        } else if name.equals("source"), let text = sourceText {
            let source = String(decoding: text, as: UTF8.self).trimmingWhitespace()
            if !source.isEmpty { sources.append(source) }
            sourceText = nil
            xml.capturesText = false
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        sourceText?.append(contentsOf: bytes)
    }

    private func root(_ name: XMLName, attributes: XMLAttributes, line: Int) throws {
        sawRoot = true
        guard name.equals("coverage") else {
            throw CoverageError.unexpectedRoot(path: path, line: line, element: name.string)
        }
        declared.linesValid = attributes.value("lines-valid").flatMap(Self.integer).map(Int.init)
        declared.linesCovered = attributes.value("lines-covered").flatMap(Self.integer).map(Int.init)
        declared.branchesValid = attributes.value("branches-valid").flatMap(Self.integer).map(Int.init)
        declared.branchesCovered = attributes.value("branches-covered").flatMap(Self.integer).map(Int.init)
        // coverage.py writes branch-rate="0" without --branch; a positive branches-valid, or
        // any branch line, is what proves branch data was recorded.
        declaresBranches = (declared.branchesValid ?? 0) > 0
    }

    private func lineRecord(_ attributes: XMLAttributes, line: Int) throws -> LineRecord {
        var numberBytes, hitsBytes, branch, condition: UnsafeBufferPointer<UInt8>?
        attributes.forEach { name, value in
            switch name.firstByte {
            case UInt8(ascii: "n") where name.equals("number"): numberBytes = value
            case UInt8(ascii: "h") where name.equals("hits"): hitsBytes = value
            case UInt8(ascii: "b") where name.equals("branch"): branch = value
            case UInt8(ascii: "c") where name.equals("condition-coverage"): condition = value
            default: break
            }
        }
        guard let numberBytes else {
            throw CoverageError.malformedRecord(path: path, line: line, problem: "<line> has no number attribute")
        }
        guard let number = Self.integer(numberBytes), number > 0, number <= UInt64(UInt32.max) else {
            throw CoverageError.malformedRecord(
                path: path, line: line,
                problem: "<line number=\"\(String(decoding: numberBytes, as: UTF8.self))\"> is not a positive line number")
        }
        guard let hitsBytes else {
            throw CoverageError.malformedRecord(path: path, line: line, problem: "<line number=\"\(number)\"> has no hits attribute")
        }
        guard let hits = Self.integer(hitsBytes) else {
            throw CoverageError.malformedRecord(
                path: path, line: line,
                problem: "<line number=\"\(number)\"> has hits=\"\(String(decoding: hitsBytes, as: UTF8.self))\"; expected a whole number")
        }
        var record = LineRecord(line: UInt32(number), hits: hits)
        if let branch, branch.count == 4, branch[0] == UInt8(ascii: "t"), let condition {
            guard let (covered, total) = Self.fraction(condition), covered <= total else {
                throw CoverageError.malformedRecord(
                    path: path, line: line,
                    problem: "<line number=\"\(number)\"> has condition-coverage=\"\(String(decoding: condition, as: UTF8.self))\"; expected \"P% (k/n)\" with k ≤ n")
            }
            record.branchesCovered = covered
            record.branchesTotal = total
            hasBranchData = true
        }
        return record
    }

    /// Decimal digits only; nil for anything else or on overflow.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 48, byte <= 57 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 48))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }

    /// The "(k/n)" of `condition-coverage="50% (1/2)"`.
    static func fraction(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt32, UInt32)? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let slash = bytes[open...].firstIndex(of: UInt8(ascii: "/")),
              let close = bytes[slash...].firstIndex(of: UInt8(ascii: ")")) else { return nil }
        let base = bytes.baseAddress!
        guard let k = integer(UnsafeBufferPointer(start: base + open + 1, count: slash - open - 1)),
              let n = integer(UnsafeBufferPointer(start: base + slash + 1, count: close - slash - 1)),
              n <= UInt64(UInt32.max) else { return nil }
        return (UInt32(k), UInt32(n))
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while scalars.first?.isWhitespace == true { scalars.removeFirst() }
        while scalars.last?.isWhitespace == true { scalars.removeLast() }
        return String(scalars)
    }
}

/// The second thread's share of a large report's files.
private final class OtherHalf: @unchecked Sendable {
    let group = DispatchGroup()
    /// Read by both threads, written by neither until the group is done.
    let parser: CoberturaParser
    let resolver: SourcePathResolver
    var files: [FileCoverage]?

    init(parser: CoberturaParser, resolver: SourcePathResolver) {
        (self.parser, self.resolver) = (parser, resolver)
    }
}
