import Foundation
import GateKit
import ZIPFoundation

/// One advisory in the OSV schema (ossf.github.io/osv-schema), with the fields that decide
/// whether a package version is affected and how badly.
public struct OSVRecord: Sendable {
    public struct Event: Sendable, Equatable {
        public enum Kind: String, Sendable { case introduced, fixed, lastAffected = "last_affected", limit }
        public var kind: Kind
        public var version: String
    }

    public struct Range: Sendable {
        public enum Kind: String, Sendable { case semver = "SEMVER", ecosystem = "ECOSYSTEM", git = "GIT" }
        public var kind: Kind
        public var events: [Event]
    }

    public struct Affected: Sendable {
        public var ecosystem: String
        public var name: String
        public var purl: String?
        public var ranges: [Range]
        public var versions: [String]
        public var severity: [Severity]
        /// RustSec's `database_specific.informational`: `unmaintained`, `unsound`, `notice`.
        public var informational: String?
    }

    /// A `severity` entry: its type (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`) and score
    /// (a vector for CVSS).
    public struct Severity: Sendable, Equatable {
        public var type: String
        public var score: String
    }

    public var id: String
    public var modified: String
    public var withdrawn: String?
    public var aliases: [String]
    public var summary: String?
    public var details: String?
    public var severity: [Severity]
    /// `database_specific.severity` (GitHub's LOW, MODERATE, HIGH, CRITICAL).
    public var statedSeverity: String?
    public var affected: [Affected]
    /// The file (or `zip:entry`) it was read from, for messages.
    public var source: String
}

/// A record that cannot be read: the file and what is wrong. Never skipped: an advisory
/// database with a broken record is one the gate cannot trust to be complete.
public struct OSVError: Error, CustomStringConvertible {
    public var source: String
    public var problem: String
    public var description: String { "\(source): \(problem)" }
}

/// Reads OSV records from JSON or YAML, and whole databases: a folder of records (any depth)
/// or an osv.dev `all.zip`.
public enum OSVReader {
    /// Every record under `path`: a folder (`*.json`, `*.yaml`, `*.yml`, hidden folders and
    /// other files skipped), a zip of JSON records, or one record file.
    public static func load(_ path: String) throws -> (records: [OSVRecord], digest: InputDigest) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GateError.missingInput(path: path)
        }
        if isDirectory.boolValue { return try loadFolder(path) }
        if path.hasSuffix(".zip") { return try loadZip(path) }
        let (bytes, digest) = try InputFile.readAll(path, expected: "an OSV record", limits: path.hasSuffix(".json") ? .document : .yaml)
        return ([try record(bytes, source: path, yaml: !path.hasSuffix(".json"))], digest)
    }

    static func loadFolder(_ path: String) throws -> ([OSVRecord], InputDigest) {
        var files: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw GateError.unreadable(path: path, reason: "the folder cannot be listed")
        }
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") { walker.skipDescendants(); continue }
            if name.hasSuffix(".json") || name.hasSuffix(".yaml") || name.hasSuffix(".yml") { files.append(relative) }
        }
        let sorted = files.sorted()
        guard !sorted.isEmpty else {
            throw GateError.usage("\(path): no OSV records (*.json, *.yaml) in the folder")
        }
        // Records parse independently: one core each.
        let results = parallelMap(sorted.count) { index -> (OSVRecord, String) in
            let file = path + "/" + sorted[index]
            let yaml = !file.hasSuffix(".json")
            let (bytes, digest) = try InputFile.readAll(file, expected: "an OSV record", limits: yaml ? .yaml : .document)
            return (try record(bytes, source: file, yaml: yaml), digest.sha256)
        }
        var records: [OSVRecord] = []
        records.reserveCapacity(sorted.count)
        var listing = ""
        for (index, result) in results.enumerated() {
            let (record, sha) = try result.get()
            records.append(record)
            listing += "\(sha)  \(sorted[index])\n"
        }
        // The folder's digest: SHA-256 of the sorted "sha256  path" lines of its records.
        let bytes = Array(listing.utf8)
        return (records, bytes.withUnsafeBytes { InputFile.digest(of: $0, path: path) })
    }

    /// osv.dev's per-ecosystem `all.zip`: JSON records. Each entry's declared and actual
    /// size are bounded by GATE_MAX_DOCUMENT_BYTES (a zip bomb stops at the limit), and its
    /// CRC-32 must match.
    static func loadZip(_ path: String) throws -> ([OSVRecord], InputDigest) {
        let (_, digest) = try InputFile.readAll(path, expected: "an osv.dev all.zip", limits: .binary)
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw GateError.usage("\(path): not a zip archive (\(error))")
        }
        let limit = InputLimits.document.maxBytes ?? Int.max
        var records: [OSVRecord] = []
        var entries = 0
        for entry in archive where entry.type == .file {
            let name = entry.path
            guard name.hasSuffix(".json") else { continue }
            entries += 1
            let source = "\(path):\(name)"
            guard entry.uncompressedSize <= UInt64(limit) else {
                throw GateError.usage("\(source): \(entry.uncompressedSize) bytes uncompressed, over GATE_MAX_DOCUMENT_BYTES (\(limit))")
            }
            var data = Data()
            data.reserveCapacity(Int(entry.uncompressedSize))
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry) { chunk in
                    guard data.count + chunk.count <= limit else { throw OSVError(source: source, problem: "inflates past GATE_MAX_DOCUMENT_BYTES (\(limit))") }
                    data.append(chunk)
                }
            } catch let error as OSVError {
                throw GateError.usage(error.description)
            } catch {
                throw GateError.usage("\(source): cannot be extracted (\(error))")
            }
            guard checksum == entry.checksum else { throw GateError.usage("\(source): its CRC-32 does not match: the archive is damaged") }
            records.append(try record(Array(data), source: source, yaml: false))
        }
        guard entries > 0 else { throw GateError.usage("\(path): no OSV records (*.json) in the archive") }
        return (records, digest)
    }

    /// One record from its bytes.
    public static func record(_ bytes: [UInt8], source: String, yaml: Bool) throws -> OSVRecord {
        let tree: JSONTree
        do {
            tree = yaml ? try yamlTree(bytes, source: source) : try JSONTree.parse(bytes, path: source)
        } catch let error as OSVError {
            throw GateError.usage(error.description)
        }
        do {
            return try decode(tree, source: source)
        } catch let error as OSVError {
            throw GateError.usage(error.description)
        }
    }

    /// YAML read as JSON's data model, straight from libyaml's events (`YAMLGuard.tree`):
    /// every scalar a string (a version `1.10` stays "1.10"), `~`/`null`/empty plain scalars
    /// null; anchors and aliases refused.
    static func yamlTree(_ bytes: [UInt8], source: String) throws -> JSONTree {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw OSVError(source: source, problem: "not UTF-8 text") }
        return try YAMLGuard.tree(text, path: source)
    }

    /// The record's fields, each checked for its type.
    static func decode(_ tree: JSONTree, source: String) throws -> OSVRecord {
        func fail(_ problem: String) -> OSVError { OSVError(source: source, problem: problem) }
        guard tree.isObject else { throw fail("not an OSV record (a JSON object with id and modified)") }
        func string(_ value: JSONTree?, _ field: String, required: Bool = false) throws -> String? {
            switch value {
            case nil, .null?:
                if required { throw fail("\(field) is missing") }
                return nil
            case .string(let text)?: return text
            default: throw fail("\(field) is not a string")
            }
        }
        func list(_ value: JSONTree?, _ field: String) throws -> [JSONTree] {
            switch value {
            case nil, .null?: return []
            case .array(let items)?: return items
            default: throw fail("\(field) is not a list")
            }
        }
        func strings(_ value: JSONTree?, _ field: String) throws -> [String] {
            try list(value, field).enumerated().map { index, item in
                guard let text = item.string else { throw fail("\(field)[\(index)] is not a string") }
                return text
            }
        }
        func severities(_ value: JSONTree?, _ field: String) throws -> [OSVRecord.Severity] {
            try list(value, field).enumerated().map { index, item in
                guard let type = try string(item["type"], "\(field)[\(index)].type", required: true),
                      let score = try string(item["score"], "\(field)[\(index)].score", required: true) else { throw fail("\(field)[\(index)] is incomplete") }
                // A vector that decides the verdict must be one: a broken one is a broken record.
                if type == "CVSS_V3" || type == "CVSS_V2" {
                    do {
                        _ = try CVSS.score(score)
                    } catch {
                        throw fail("\(field)[\(index)].score '\(Excerpt.quote(score, limit: 80))' is not a \(type == "CVSS_V3" ? "CVSS v3" : "CVSS v2") vector: \(error)")
                    }
                }
                return OSVRecord.Severity(type: type, score: score)
            }
        }
        let id = try string(tree["id"], "id", required: true)!
        guard !id.isEmpty, id.utf8.count <= 256 else { throw fail("id is empty or longer than any database uses") }
        let modified = try string(tree["modified"], "modified", required: true)!
        var affected: [OSVRecord.Affected] = []
        for (index, entry) in try list(tree["affected"], "affected").enumerated() {
            let field = "affected[\(index)]"
            guard entry.isObject else { throw fail("\(field) is not an object") }
            // A package-less entry (affected git commits only) names no package to match.
            guard let package = entry["package"], package != .null else { continue }
            guard package.isObject,
                  let ecosystem = try string(package["ecosystem"], "\(field).package.ecosystem", required: true),
                  let name = try string(package["name"], "\(field).package.name", required: true) else {
                throw fail("\(field).package needs ecosystem and name")
            }
            var ranges: [OSVRecord.Range] = []
            for (r, range) in try list(entry["ranges"], "\(field).ranges").enumerated() {
                let rangeField = "\(field).ranges[\(r)]"
                guard let typeText = try string(range["type"], "\(rangeField).type", required: true) else { continue }
                guard let kind = OSVRecord.Range.Kind(rawValue: typeText) else {
                    throw fail("\(rangeField).type is '\(Excerpt.quote(typeText))', not SEMVER, ECOSYSTEM or GIT")
                }
                var events: [OSVRecord.Event] = []
                for (e, event) in try list(range["events"], "\(rangeField).events").enumerated() {
                    guard case .object(let members) = event, members.count == 1, let member = members.first,
                          let eventKind = OSVRecord.Event.Kind(rawValue: member.key), let version = member.value.string else {
                        throw fail("\(rangeField).events[\(e)] is not one of introduced, fixed, last_affected or limit with a version")
                    }
                    events.append(OSVRecord.Event(kind: eventKind, version: version))
                }
                guard events.contains(where: { $0.kind == .introduced }) else {
                    throw fail("\(rangeField) has no introduced event")
                }
                ranges.append(OSVRecord.Range(kind: kind, events: events))
            }
            let databaseSpecific = entry["database_specific"]
            affected.append(OSVRecord.Affected(
                ecosystem: ecosystem, name: name, purl: try string(package["purl"], "\(field).package.purl"), ranges: ranges,
                versions: try strings(entry["versions"], "\(field).versions"), severity: try severities(entry["severity"], "\(field).severity"),
                informational: databaseSpecific?["informational"]?.string))
        }
        return OSVRecord(
            id: id, modified: modified, withdrawn: try string(tree["withdrawn"], "withdrawn"),
            aliases: try strings(tree["aliases"], "aliases"), summary: try string(tree["summary"], "summary"),
            details: try string(tree["details"], "details"), severity: try severities(tree["severity"], "severity"),
            statedSeverity: tree["database_specific"]?["severity"]?.string, affected: affected, source: source)
    }
}
