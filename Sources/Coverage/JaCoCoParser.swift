import GateKit

/// JaCoCo XML (report.dtd 1.1), what the JaCoCo Maven and Gradle plugins write.
///
/// Lines come from `package/sourcefile/line` (`nr`, missed/covered instructions `mi`/`ci`,
/// missed/covered branches `mb`/`cb`): a line is covered when `ci > 0`, as JaCoCo's LINE
/// counter counts it; its branch outcomes are `mb + cb`, `cb` of them covered. Methods come
/// from `class/method` and their METHOD counter. Files are `package/sourcefile`; they are
/// looked for under `src/main/java`, `src/main/kotlin`, `src` and the root, else kept as named.
final class JaCoCoParser: XMLCoverageParser {
    private let path: String
    private let resolver: SourcePathResolver
    var xml: XMLStreamParser!

    private var sawRoot = false
    private var package = ""
    private var className = ""
    private var method: (name: String, line: UInt32)?
    private var sourcefile: String?
    private var lines: [String: [LineRecord]] = [:]
    private var methods: [String: [FunctionRecord]] = [:]
    private var hasBranches = false

    init(path: String, resolver: SourcePathResolver, fastPath: Bool) {
        self.path = path
        self.resolver = resolver
        xml = XMLStreamParser(path: path, handler: self, fastPath: fastPath)
    }

    func finish() throws -> CoverageReport {
        try xml.finish()
        guard sawRoot else { throw CoverageError.truncated(path: path, problem: "no <report> element was found") }
        var files: [String: FileCoverage] = [:]
        for name in Set(lines.keys).union(methods.keys) {
            let resolved = try resolver.resolveBySuffix(name, under: ["src/main/java", "src/main/kotlin", "src"])
            let file = FileCoverage(path: resolved, lines: lines[name] ?? [], functions: methods[name] ?? [])
            if files[resolved] == nil { files[resolved] = file } else { files[resolved]!.absorb(file) }
        }
        return CoverageReport(formats: [.jacoco], files: Array(files.values), hasBranchData: hasBranches, hasFunctionData: !methods.isEmpty)
    }

    func startElement(_ name: XMLName, attributes: XMLAttributes, line: Int) throws {
        if !sawRoot {
            sawRoot = true
            guard name.equals("report") else { throw CoverageError.unexpectedRoot(path: path, line: line, element: name.string) }
            return
        }
        if name.equals("line") {
            guard let file = sourcefile else { return }
            func number(_ key: StaticString) throws -> UInt64 {
                guard let bytes = attributes.value(key), let value = CoberturaParser.integer(bytes) else {
                    throw CoverageError.malformedRecord(path: path, line: line, problem: "<line> in \(file) has no whole-number \(key) attribute")
                }
                return value
            }
            let nr = try number("nr"), ci = try number("ci"), mb = try number("mb"), cb = try number("cb")
            _ = try number("mi")
            guard nr > 0, nr <= UInt64(UInt32.max), mb + cb <= UInt64(UInt32.max) else {
                throw CoverageError.malformedRecord(path: path, line: line, problem: "<line nr=\"\(nr)\"> in \(file) is out of range")
            }
            if mb + cb > 0 { hasBranches = true }
            lines[file, default: []].append(LineRecord(line: UInt32(nr), hits: ci, branchesCovered: UInt32(cb), branchesTotal: UInt32(mb + cb)))
        } else if name.equals("counter") {
            guard let current = method, attributes.string("type") == "METHOD" else { return }
            let covered = attributes.value("covered").flatMap(CoberturaParser.integer) ?? 0
            let file = package.isEmpty ? classSourceFile : package + "/" + classSourceFile
            methods[file, default: []].append(FunctionRecord(name: className + "." + current.name, line: current.line, hits: covered))
            method = nil
        } else if name.equals("sourcefile") {
            guard let file = attributes.string("name"), !file.isEmpty else {
                throw CoverageError.malformedRecord(path: path, line: line, problem: "<sourcefile> has no name attribute")
            }
            sourcefile = package.isEmpty ? file : package + "/" + file
        } else if name.equals("method") {
            let number = attributes.value("line").flatMap(CoberturaParser.integer) ?? 0
            method = (attributes.string("name") ?? "?", UInt32(min(number, UInt64(UInt32.max))))
        } else if name.equals("class") {
            className = attributes.string("name")?.split(separator: "/").last.map(String.init) ?? "?"
            classSourceFile = attributes.string("sourcefilename") ?? (className.split(separator: "$").first.map(String.init) ?? className) + ".java"
        } else if name.equals("package") {
            package = attributes.string("name") ?? ""
        }
    }

    private var classSourceFile = ""

    func endElement(_ name: XMLName) throws {
        if name.equals("sourcefile") {
            sourcefile = nil
        } else if name.equals("method") {
            method = nil
        }
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) {}
}
