import Foundation
import GateKit

/// Lockfile readers, each to an `Inventory`; the format is chosen by the file's name.
public enum Lockfiles {
    public static let names = ["Package.resolved", "package-lock.json", "requirements.txt", "Cargo.lock", "go.mod", "poetry.lock", "uv.lock"]

    /// Reads `path` (by its file name; `NAME.resolved` counts as a Package.resolved),
    /// returning the inventory and the input digest.
    public static func read(_ path: String) throws -> (Inventory, InputDigest) {
        let name = (path as NSString).lastPathComponent
        // JSON lockfiles may be written on one line; the others are line-based text.
        let json = name.hasSuffix(".json") || name.hasSuffix(".resolved")
        let (bytes, digest) = try InputFile.readAll(path, expected: "a lockfile", limits: json ? .document : .lines)
        let text = String(decoding: bytes, as: UTF8.self)
        var inventory: Inventory
        switch name {
        case _ where name == "Package.resolved" || name.hasSuffix(".resolved"):
            inventory = try swiftPM(bytes, path: path)
            if name == "Package.resolved", let root = swiftRoot(beside: path, pins: inventory.components) {
                inventory = Inventory(source: inventory.source, root: root, components: inventory.components, lines: inventory.lines)
            }
        case "package-lock.json", "npm-shrinkwrap.json": inventory = try npm(bytes, path: path)
        case "Cargo.lock": inventory = try cargo(text, path: path)
        case "poetry.lock", "uv.lock": inventory = try pythonLock(text, path: path, uv: name == "uv.lock")
        case "go.mod": inventory = try goModule(text, path: path)
        default:
            if name.hasSuffix(".txt") { inventory = try requirements(text, path: path) } else {
                throw LockfileError(path: path, problem: "not a lockfile gate reads (\(names.joined(separator: ", ")))")
            }
        }
        try checkSizes(inventory, path: path)
        return (inventory, digest)
    }

    /// No registry has names or versions of kilobytes: a lockfile that claims one is not a
    /// lockfile, and would otherwise be carried into every SBOM and report written from it.
    static func checkSizes(_ inventory: Inventory, path: String) throws {
        for component in inventory.components + [inventory.root].compactMap({ $0 }) {
            if component.name.utf8.count > 512 || (component.namespace?.utf8.count ?? 0) > 512 {
                throw LockfileError(path: path, problem: "the package name '\(Excerpt.quote(component.name))' is longer than any registry allows")
            }
            if component.version.utf8.count > 256 {
                throw LockfileError(path: path, problem: "\(Excerpt.quote(component.name)) has the version '\(Excerpt.quote(component.version))', longer than any registry allows")
            }
        }
    }

    // MARK: SwiftPM

    /// Package.resolved v1 (`object.pins[].package/repositoryURL`), v2 and v3
    /// (`pins[].identity/location`).
    public static func swiftPM(_ bytes: [UInt8], path: String) throws -> Inventory {
        guard let root = (try? JSONTree.foundationValue(bytes, path: path)) as? [String: Any] else {
            throw LockfileError(path: path, problem: "not JSON (Package.resolved is a JSON object)")
        }
        guard let version = root["version"] as? Int else { throw LockfileError(path: path, position: "version", problem: "no format version") }
        let pins: [[String: Any]]
        switch version {
        case 1:
            guard let object = root["object"] as? [String: Any], let list = object["pins"] as? [[String: Any]] else {
                throw LockfileError(path: path, position: "object.pins", problem: "a version 1 file keeps its pins in object.pins")
            }
            pins = list
        case 2, 3:
            guard let list = root["pins"] as? [[String: Any]] else { throw LockfileError(path: path, position: "pins", problem: "no pins list") }
            pins = list
        default:
            throw LockfileError(path: path, position: "version", problem: "Package.resolved version \(version) is not one gate reads (1, 2, 3)")
        }
        var components: [Component] = []
        var seen: [String: Int] = [:]
        let keyLines = jsonStringLines(bytes, keys: [version == 1 ? "package" : "identity"])
        var lines: [String: Int] = [:]
        for (index, pin) in pins.enumerated() {
            let position = (version == 1 ? "object.pins" : "pins") + "[\(index)]"
            let identity = (pin[version == 1 ? "package" : "identity"] as? String)
            let location = (pin[version == 1 ? "repositoryURL" : "location"] as? String)
            guard let identity, let location, let state = pin["state"] as? [String: Any] else {
                throw LockfileError(path: path, position: position, problem: "a pin needs \(version == 1 ? "package, repositoryURL" : "identity, location") and state")
            }
            if let first = seen[identity.lowercased()] {
                throw LockfileError(path: path, position: position, problem: "'\(identity)' is pinned twice (also at [\(first)])")
            }
            seen[identity.lowercased()] = index
            guard let pinned = (state["version"] as? String) ?? (state["revision"] as? String) else {
                throw LockfileError(path: path, position: position + ".state", problem: "neither a version nor a revision")
            }
            let (namespace, name) = swiftCoordinates(location, identity: identity)
            let component = Component(ecosystem: .swift, namespace: namespace, name: name, version: pinned, source: location)
            lines[component.purl] = keyLines[identity]
            components.append(component)
        }
        return Inventory(source: path, components: components, lines: lines)
    }

    /// The root package, from `swift package dump-package` run beside a Package.resolved
    /// whose Package.swift is there: its name, and its direct dependencies among the pins.
    /// Nil when SwiftPM is not installed or the manifest cannot be loaded.
    static func swiftRoot(beside path: String, pins: [Component]) -> Component? {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        // A scratch directory of its own: the package's .build may be locked by a running build.
        let scratch = NSTemporaryDirectory() + "gate-dump-package-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        guard FileManager.default.fileExists(atPath: directory + "/Package.swift"),
              let output = try? Subprocess.run("swift", ["package", "--scratch-path", scratch, "dump-package"], in: directory), output.status == 0,
              let manifest = (try? JSONTree.foundationValue(output.stdout, path: path)) as? [String: Any],
              let name = manifest["name"] as? String else { return nil }
        var direct: [String] = []
        for dependency in manifest["dependencies"] as? [[String: Any]] ?? [] {
            for kind in ["sourceControl", "registry", "fileSystem"] {
                for entry in dependency[kind] as? [[String: Any]] ?? [] {
                    if let identity = entry["identity"] as? String { direct.append(identity.lowercased()) }
                }
            }
        }
        var root = Component(ecosystem: .swift, name: name, version: "")
        root.dependencies = pins.filter { pin in
            direct.contains(pin.name.lowercased()) || direct.contains((pin.source.map { swiftCoordinates($0, identity: pin.name).1 } ?? pin.name).lowercased())
        }.map(\.purl).sorted()
        return root
    }

    /// `https://github.com/apple/swift-crypto.git` → (github.com/apple, swift-crypto), in the
    /// URL's own case: purl's swift namespace is case-sensitive (`github.com/Quick/Nimble`).
    static func swiftCoordinates(_ location: String, identity: String) -> (String?, String) {
        var text = location
        for prefix in ["https://", "http://", "ssh://", "git@"] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        text = text.replacingOccurrences(of: ":", with: "/")
        if text.hasSuffix(".git") { text.removeLast(4) }
        while text.hasSuffix("/") { text.removeLast() }
        var parts = text.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return (nil, identity) }
        let name = parts.removeLast()
        return (parts.joined(separator: "/"), name)
    }

    // MARK: npm

    /// package-lock.json lockfileVersion 2 and 3 (`packages`, keyed by node_modules path).
    /// The parts of package-lock.json gate reads, decoded with their types (faster than
    /// `JSONSerialization` and dynamic casts over thousands of entries).
    struct NPMLock: Decodable {
        struct Entry: Decodable {
            var name: String?
            var version: String?
            var resolved: String?
            var integrity: String?
            var license: String?
            var link: Bool?
            var dependencies: [String: String]?
            var devDependencies: [String: String]?
            var optionalDependencies: [String: String]?

            enum CodingKeys: String, CodingKey {
                case name, version, resolved, integrity, license, link, dependencies, devDependencies, optionalDependencies
            }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                name = try? c.decodeIfPresent(String.self, forKey: .name)
                version = try c.decodeIfPresent(String.self, forKey: .version)
                resolved = try? c.decodeIfPresent(String.self, forKey: .resolved)
                integrity = try? c.decodeIfPresent(String.self, forKey: .integrity)
                license = try? c.decodeIfPresent(String.self, forKey: .license)   // old objects ({type, url}) are not SPDX: left out
                link = try? c.decodeIfPresent(Bool.self, forKey: .link)
                dependencies = try c.decodeIfPresent([String: String].self, forKey: .dependencies)
                devDependencies = try c.decodeIfPresent([String: String].self, forKey: .devDependencies)
                optionalDependencies = try c.decodeIfPresent([String: String].self, forKey: .optionalDependencies)
            }
        }

        var name: String?
        var lockfileVersion: Int?
        var packages: [String: Entry]?
    }

    /// package-lock.json lockfileVersion 2 and 3 (`packages`, keyed by node_modules path).
    public static func npm(_ bytes: [UInt8], path: String) throws -> Inventory {
        let lock: NPMLock
        // Parsed strictly first: Foundation's decoder lets trailing commas through.
        _ = try JSONTree.parse(bytes, path: path, keepingDepth: 0)
        do {
            lock = try JSONDecoder().decode(NPMLock.self, from: Data(bytes))
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let position = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw LockfileError(path: path, position: String(position.drop { $0 == "." }), problem: "not the type a package-lock.json has there")
        } catch {
            throw LockfileError(path: path, problem: "not JSON")
        }
        guard let version = lock.lockfileVersion else { throw LockfileError(path: path, position: "lockfileVersion", problem: "missing") }
        guard version == 2 || version == 3 else {
            throw LockfileError(path: path, position: "lockfileVersion", problem: "lockfileVersion \(version) is not one gate reads (2, 3: npm 7 and later)")
        }
        guard let packages = lock.packages else {
            throw LockfileError(path: path, position: "packages", problem: "no packages object")
        }
        func component(_ key: String, _ entry: NPMLock.Entry) throws -> Component? {
            guard !key.isEmpty, entry.link != true else { return nil }
            guard let full = packageName(key) else { return nil }
            guard let version = entry.version else {
                throw LockfileError(path: path, position: "packages[\"\(key)\"]", problem: "no version")
            }
            let (namespace, name) = full.hasPrefix("@") && full.contains("/")
                ? (String(full[..<full.firstIndex(of: "/")!]), String(full[full.index(after: full.firstIndex(of: "/")!)...])) : (nil, full)
            var hashes: [String: String] = [:]
            if let integrity = entry.integrity {
                for item in integrity.split(separator: " ") {
                    let parts = item.split(separator: "-", maxSplits: 1)
                    guard parts.count == 2, let data = Data(base64Encoded: String(parts[1])) else { continue }
                    let hex = InputFile.hex(data)
                    switch parts[0] {
                    case "sha512": hashes["SHA-512"] = hex
                    case "sha256": hashes["SHA-256"] = hex
                    case "sha1": hashes["SHA-1"] = hex
                    default: break
                    }
                }
            }
            let made = Component(ecosystem: .npm, namespace: namespace, name: name, version: version, hashes: hashes,
                                 license: entry.license, source: entry.resolved)
            if let line = keyLines[key] { lines[made.purl] = min(lines[made.purl] ?? line, line) }
            return made
        }
        let keyLines = jsonObjectKeyLines(bytes)
        var lines: [String: Int] = [:]
        var byKey: [String: Component] = [:]
        byKey.reserveCapacity(packages.count)
        for (key, entry) in packages { if let made = try component(key, entry) { byKey[key] = made } }
        // Node's resolution: a dependency is the nearest node_modules/<name> up the tree.
        func resolve(_ name: String, from key: String) -> Component? {
            var base = Substring(key)
            while true {
                let candidate = (base.isEmpty ? "" : base + "/") + "node_modules/" + name
                if let found = byKey[candidate] { return found }
                guard !base.isEmpty else { return nil }
                base = parentPackage(base)
            }
        }
        var components: [Component] = []
        components.reserveCapacity(byKey.count)
        for (key, var item) in byKey {
            let declared = packages[key]?.dependencies?.keys.sorted() ?? []
            item.dependencies = declared.compactMap { resolve($0, from: key)?.purl }.sorted()
            components.append(item)
        }
        var rootComponent: Component?
        if let entry = packages[""], let name = entry.name ?? lock.name {
            var made = Component(ecosystem: .npm, name: name, version: entry.version ?? "0.0.0", license: entry.license)
            let direct = (entry.dependencies?.keys.sorted() ?? []) + (entry.devDependencies?.keys.sorted() ?? [])
            made.dependencies = direct.compactMap { resolve($0, from: "")?.purl }.sorted()
            rootComponent = made
        }
        return Inventory(source: path, root: rootComponent, components: components, lines: lines)
    }

    /// The package name at the end of a lockfile key: `node_modules/a/node_modules/@s/b` → `@s/b`.
    static func packageName(_ key: String) -> String? {
        let utf8 = Array(key.utf8)
        guard let start = lastMarker(utf8, "node_modules/") else { return nil }
        guard start == 0 || utf8[start - 1] == UInt8(ascii: "/") else { return nil }
        return String(decoding: utf8[(start + 13)...], as: UTF8.self)
    }

    /// The key of the package whose node_modules holds this one (`a/node_modules/b` → `a`),
    /// or "" at the top.
    static func parentPackage(_ key: Substring) -> Substring {
        let utf8 = Array(key.utf8)
        guard let start = lastMarker(utf8, "/node_modules/") else { return "" }
        return Substring(String(decoding: utf8[..<start], as: UTF8.self))
    }

    /// Where the last occurrence of `marker` starts in `bytes`, compared in place.
    static func lastMarker(_ bytes: [UInt8], _ marker: StaticString) -> Int? {
        let count = marker.utf8CodeUnitCount
        guard bytes.count >= count else { return nil }
        var index = bytes.count - count
        while index >= 0 {
            var match = true
            for k in 0..<count where bytes[index + k] != marker.utf8Start[k] {
                match = false
                break
            }
            if match { return index }
            index -= 1
        }
        return nil
    }

    // MARK: Python

    /// A pinned requirements file: `name==version` (extras and markers allowed), `--hash`
    /// options, `\` continuations; options lines and comments skipped; anything not pinned is
    /// an error naming the line. A package may be pinned more than once only under environment
    /// markers (`uv export` writes `numpy==2.0.2 ; python_version < '3.10'` and
    /// `numpy==2.2.1 ; python_version >= '3.10'`): pip installs the one whose marker holds, so
    /// both versions are components. Twice without a marker, or twice under the same one, is an
    /// error, as pip makes it.
    public static func requirements(_ text: String, path: String) throws -> Inventory {
        // Bytes, not Characters: the syntax is ASCII, and a planted line of megabytes must cost
        // one pass over it, not a Foundation search per question asked of it.
        let bytes = Array(text.utf8)
        var components: [Component] = []
        var lines: [String: Int] = [:]
        var seen: [String: [(line: Int, marker: String?)]] = [:]
        var logical: [UInt8] = []
        var startLine = 0
        for (index, raw) in ASCII.lines(bytes).enumerated() {
            let line = raw.last == ASCII.carriageReturn ? raw.dropLast() : raw
            if logical.isEmpty { startLine = index + 1 }
            if line.last == ASCII.backslash {
                logical += line.dropLast()
                logical.append(ASCII.space)
                continue
            }
            logical += line
            defer { logical.removeAll(keepingCapacity: true) }
            var entry = logical[...]
            if entry.first == ASCII.hash { continue }
            if let comment = ASCII.find([ASCII.space, ASCII.hash], in: entry) { entry = entry[..<comment] }
            entry = ASCII.trimmed(entry)
            if entry.isEmpty || entry.first == ASCII.minus { continue }
            var hashes: [String: String] = [:]
            let requirement = ASCII.find([ASCII.space], in: entry).map { entry[..<$0] } ?? entry
            let hashOption = Array(" --hash=sha256:".utf8)
            var rest = entry[requirement.endIndex...]
            while let option = ASCII.find(hashOption, in: rest) {
                rest = rest[(option + hashOption.count)...]
                let value = ASCII.find([ASCII.space], in: rest).map { rest[..<$0] } ?? rest
                hashes["SHA-256"] = String(decoding: value, as: UTF8.self)
            }
            // The marker follows ';' (after the requirement or as a later word).
            let beforeOptions = ASCII.find(Array(" --".utf8), in: entry).map { entry[..<$0] } ?? entry
            let marker = ASCII.find([ASCII.semicolon], in: beforeOptions).map {
                String(decoding: ASCII.trimmed(beforeOptions[($0 + 1)...]), as: UTF8.self)
            }
            let spec = ASCII.find([ASCII.semicolon], in: requirement).map { requirement[..<$0] } ?? requirement
            let shown = Excerpt.quote(String(decoding: spec, as: UTF8.self))
            guard let equals = ASCII.find(Array("==".utf8), in: spec) else {
                throw LockfileError(path: path, position: "\(startLine)", problem: "'\(shown)' is not pinned (name==version)")
            }
            var name = spec[..<equals]
            if let bracket = ASCII.find([ASCII.openBracket], in: name) { name = name[..<bracket] }
            let version = ASCII.trimmed(spec[(equals + 2)...])
            guard !name.isEmpty, !version.isEmpty, ASCII.find([ASCII.asterisk], in: version) == nil else {
                throw LockfileError(path: path, position: "\(startLine)", problem: "'\(shown)' is not an exact pin")
            }
            let normalized = pypiName(String(decoding: name, as: UTF8.self))
            if let clash = seen[normalized]?.first(where: { $0.marker == nil || marker == nil || $0.marker == marker }) {
                throw LockfileError(path: path, position: "\(startLine)", problem: "'\(normalized)' is pinned twice (also at line \(clash.line))"
                                    + (marker == nil || clash.marker == nil ? "" : " under the same marker"))
            }
            seen[normalized, default: []].append((startLine, marker))
            let component = Component(ecosystem: .pypi, name: normalized, version: String(decoding: version, as: UTF8.self), hashes: hashes)
            if lines[component.purl] == nil {
                lines[component.purl] = startLine
                components.append(component)
            }
        }
        return Inventory(source: path, components: components, lines: lines)
    }

    /// The ASCII bytes the requirements syntax is written in, and the two searches it needs.
    enum ASCII {
        static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), backslash = UInt8(ascii: "\\")
        static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#"), minus = UInt8(ascii: "-")
        static let semicolon = UInt8(ascii: ";"), openBracket = UInt8(ascii: "["), asterisk = UInt8(ascii: "*")

        /// The index where `needle` first starts in `haystack` (memchr for its first byte, then
        /// memcmp: this runs over every byte of the file, and must stay fast in a debug build).
        static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
            haystack.withUnsafeBytes { hay in
                needle.withUnsafeBytes { pattern in
                    guard let base = hay.baseAddress, let first = needle.first, let patternStart = pattern.baseAddress else { return nil }
                    var offset = 0
                    while hay.count - offset >= pattern.count,
                          let found = memchr(base + offset, Int32(first), hay.count - offset - pattern.count + 1) {
                        let at = base.distance(to: UnsafeRawPointer(found))
                        if memcmp(found, patternStart, pattern.count) == 0 { return haystack.startIndex + at }
                        offset = at + 1
                    }
                    return nil
                }
            }
        }

        /// The lines of `bytes`, split at each newline (the last one possibly empty).
        static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
            var lines: [ArraySlice<UInt8>] = []
            var rest = bytes[...]
            while let end = find([newline], in: rest) {
                lines.append(rest[..<end])
                rest = rest[(end + 1)...]
            }
            lines.append(rest)
            return lines
        }

        /// `bytes` without spaces and tabs at either end.
        static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            var slice = bytes
            while let first = slice.first, first == space || first == tab { slice = slice.dropFirst() }
            while let last = slice.last, last == space || last == tab { slice = slice.dropLast() }
            return slice
        }
    }

    /// PEP 503 normalisation, as purl's pypi type asks: lowercase, runs of -_. to one '-'.
    public static func pypiName(_ name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if "-_.".contains(character) {
                if result.last != "-" { result.append("-") }
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// poetry.lock and uv.lock: `[[package]]` tables with name, version and, where given,
    /// sha256 file hashes and dependencies.
    ///
    /// The file must show what it is, whatever its name: poetry.lock has a `[metadata]` table
    /// with `lock-version`; uv.lock a top-level `version` and `requires-python`. A Cargo.lock
    /// renamed poetry.lock is refused, not read as PyPI packages.
    public static func pythonLock(_ text: String, path: String, uv: Bool) throws -> Inventory {
        let (document, headerLines) = try TOML.parseWithLines(text, path: path)
        if uv {
            guard document["version"] != nil, document["requires-python"]?.string != nil else {
                throw LockfileError(path: path, problem: "not a uv.lock: it has no top-level version and requires-python")
            }
        } else {
            guard document["metadata"]?.table?["lock-version"] != nil else {
                throw LockfileError(path: path, problem: "not a poetry.lock: it has no [metadata] table with lock-version")
            }
        }
        let packages = document["package"]?.tables ?? []
        let packageLines = headerLines["package"] ?? []
        // A package may be locked at several versions (uv's forked resolutions: sphinx 8.1.3
        // for Python < 3.11 and 8.2.3 above). A dependency on it then names its version
        // (uv writes `{ name = "sphinx", version = "8.1.3", marker = … }`); one without a
        // version depends on every version locked.
        var parsed: [(item: Component, references: [(name: String, version: String?)], isRoot: Bool)] = []
        var lines: [String: Int] = [:]
        for (index, package) in packages.enumerated() {
            guard let name = package["name"]?.string, let version = package["version"]?.string else {
                throw LockfileError(path: path, position: "package[\(index)]", problem: "a package needs name and version")
            }
            var item = Component(ecosystem: .pypi, name: pypiName(name), version: version)
            // uv: sdist = { hash = "sha256:…" }; poetry: files = [{ hash = "sha256:…" }].
            let hash = package["sdist"]?.table?["hash"]?.string ?? package["files"]?.tables.first?["hash"]?.string
            if let hash, hash.hasPrefix("sha256:") { item.hashes["SHA-256"] = String(hash.dropFirst(7)) }
            var references: [(String, String?)] = []
            if let list = package["dependencies"]?.tables {
                references = list.compactMap { entry in entry["name"]?.string.map { (pypiName($0), entry["version"]?.string) } }
            }
            if let table = package["dependencies"]?.table { references = table.keys.map { (pypiName($0), nil) } }
            // uv marks the project itself with source = { editable = "." } or { virtual = "." }.
            let source = package["source"]?.table
            let isRoot = source?["editable"] != nil || source?["virtual"] != nil
            if index < packageLines.count { lines[item.purl] = packageLines[index] }
            parsed.append((item, references, isRoot))
        }
        var byName: [String: [Component]] = [:]
        for entry in parsed where !entry.isRoot { byName[entry.item.name, default: []].append(entry.item) }
        var components: [Component] = []
        var rootComponent: Component?
        for (item, references, isRoot) in parsed {
            var resolved = Set<String>()
            for (name, version) in references {
                for candidate in byName[name] ?? [] where version == nil || candidate.version == version {
                    resolved.insert(candidate.purl)
                }
            }
            var copy = item
            copy.dependencies = resolved.sorted()
            if isRoot { rootComponent = copy } else { components.append(copy) }
        }
        return Inventory(source: path, root: rootComponent, components: components, lines: lines)
    }

    // MARK: Rust

    /// Cargo.lock: `[[package]]` with name, version, source, checksum, dependencies
    /// (`"name"`, `"name version"` or `"name version (source)"`). Packages without a source
    /// are the workspace's own; the root is the package of the Cargo.toml beside the lock
    /// (ripgrep, not its member globset), else the one member no other member depends on.
    public static func cargo(_ text: String, path: String) throws -> Inventory {
        let (document, headerLines) = try TOML.parseWithLines(text, path: path)
        guard let packages = document["package"]?.tables, !packages.isEmpty else {
            throw LockfileError(path: path, problem: "no [[package]] entries")
        }
        let packageLines = headerLines["package"] ?? []
        var all: [(Component, [String], Bool)] = []
        var lines: [String: Int] = [:]
        for (index, package) in packages.enumerated() {
            guard let name = package["name"]?.string, let version = package["version"]?.string else {
                throw LockfileError(path: path, position: "package[\(index)]", problem: "a package needs name and version")
            }
            var item = Component(ecosystem: .cargo, name: name, version: version, source: package["source"]?.string)
            if let checksum = package["checksum"]?.string { item.hashes["SHA-256"] = checksum }
            if index < packageLines.count { lines[item.purl] = packageLines[index] }
            all.append((item, package["dependencies"]?.strings ?? [], package["source"] == nil))
        }
        var byName: [String: [Component]] = [:]
        for (item, _, _) in all { byName[item.name, default: []].append(item) }
        func resolve(_ reference: String) -> String? {
            let parts = reference.split(separator: " ").map(String.init)
            guard let candidates = byName[parts[0]] else { return nil }
            if parts.count >= 2 { return candidates.first { $0.version == parts[1] }?.purl }
            return candidates.first?.purl
        }
        var components: [Component] = []
        var members: [Component] = []
        for (item, references, local) in all {
            var copy = item
            copy.dependencies = Array(Set(references.compactMap(resolve))).sorted()
            if local { members.append(copy) } else { components.append(copy) }
        }
        let rootIndex = cargoRootIndex(members, manifest: ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("Cargo.toml"))
        var root: Component?
        if let rootIndex { root = members.remove(at: rootIndex) }
        return Inventory(source: path, root: root, components: components + members, lines: lines)
    }

    /// Which workspace member is the root: the `[package]` of the Cargo.toml beside the lock
    /// when it names a member; else the member no other member depends on (the binary at the
    /// top), the first of them by name if several; nil when the workspace has no members.
    static func cargoRootIndex(_ members: [Component], manifest: String) -> Int? {
        guard !members.isEmpty else { return nil }
        if FileManager.default.fileExists(atPath: manifest),
           let (bytes, _) = try? InputFile.readAll(manifest, expected: "a Cargo.toml", limits: .lines),
           let table = try? TOML.parse(String(decoding: bytes, as: UTF8.self), path: manifest),
           let name = table["package"]?.table?["name"]?.string,
           let index = members.firstIndex(where: { $0.name == name }) {
            return index
        }
        let dependedOn = Set(members.flatMap(\.dependencies))
        let tops = members.indices.filter { !dependedOn.contains(members[$0].purl) }
        return (tops.isEmpty ? Array(members.indices) : tops).min { members[$0].name < members[$1].name }
    }

    // MARK: Go

    /// go.mod's `require` directives, with `replace` applied: a module replaced by another
    /// module version is that one (what the build compiles, and what go.sum sums); one replaced
    /// by a local directory is the project's own code and not a dependency. With go.sum beside
    /// it, its `h1:` lines confirm each module is summed. `exclude` and `retract` change
    /// nothing that is required.
    public static func goModule(_ text: String, path: String) throws -> Inventory {
        var module: String?
        var requires: [(String, String, Int)] = []
        var replacements: [(old: String, oldVersion: String?, new: String, newVersion: String?, line: Int)] = []
        var block: String?
        for (index, raw) in TextLines.of(text).enumerated() {
            var line = String(raw)
            if let comment = line.range(of: "//") { line = String(line[..<comment.lowerBound]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if let open = block {
                if line == ")" { block = nil; continue }
                words.insert(open, at: 0)
            } else if words.count == 2, words[1] == "(", ["require", "replace", "exclude", "retract", "tool", "godebug"].contains(words[0]) {
                block = words[0]
                continue
            }
            switch words.first {
            case "module" where words.count == 2:
                module = words[1]
            case "require":
                guard words.count == 3 else { throw LockfileError(path: path, position: "\(index + 1)", problem: "expected 'require module version'") }
                requires.append((words[1], words[2], index + 1))
            case "replace":
                // old [version] => new [version]
                guard let arrow = words.firstIndex(of: "=>"), arrow == 2 || arrow == 3, words.count - arrow == 2 || words.count - arrow == 3 else {
                    throw LockfileError(path: path, position: "\(index + 1)", problem: "expected 'replace module [version] => module version' or '=> ./directory'")
                }
                replacements.append((words[1], arrow == 3 ? words[2] : nil, words[arrow + 1], words.count - arrow == 3 ? words[arrow + 2] : nil, index + 1))
            default:
                continue
            }
        }
        // A replacement of one version wins over one of every version.
        func replaced(_ name: String, _ version: String) -> (String, String)?? {
            guard let rule = replacements.first(where: { $0.old == name && $0.oldVersion == version })
                ?? replacements.first(where: { $0.old == name && $0.oldVersion == nil }) else { return .none }
            guard let newVersion = rule.newVersion else { return .some(nil) }   // a local directory
            return .some((rule.new, newVersion))
        }
        requires = requires.compactMap { name, version, line in
            switch replaced(name, version) {
            case .none: return (name, version, line)
            case .some(nil): return nil
            case .some(let target?): return (target.0, target.1, line)
            }
        }
        guard let module else { throw LockfileError(path: path, problem: "no module directive") }
        let sumPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("go.sum")
        // Without a go.sum nothing is checked (go.mod alone names versions, not content); with
        // one, every line must be a go.sum line and every required module must have its h1:
        // line — an empty or binary go.sum fails every module instead of switching the check off.
        let hasSums = FileManager.default.fileExists(atPath: sumPath)
        var summed = Set<String>()
        if hasSums {
            let (bytes, _) = try InputFile.readAll(sumPath, expected: "a go.sum", limits: .lines, allowEmpty: true)
            guard let sums = String(validating: bytes, as: UTF8.self) else {
                throw LockfileError(path: sumPath, problem: "not UTF-8 text, so not a go.sum")
            }
            for (index, line) in TextLines.of(sums).enumerated() where !line.isEmpty {
                let words = line.split(separator: " ")
                guard words.count == 3, words[2].hasPrefix("h1:") else {
                    throw LockfileError(path: sumPath, position: "\(index + 1)", problem: "expected 'module version h1:hash', found '\(Excerpt.quote(line))'")
                }
                if !words[1].hasSuffix("/go.mod") { summed.insert("\(words[0])@\(words[1])") }
            }
        }
        var components: [Component] = []
        var lines: [String: Int] = [:]
        for (name, version, line) in requires {
            if hasSums && !summed.contains("\(name)@\(version)") {
                throw LockfileError(path: path, position: "\(line)", problem: "\(name) \(version) has no h1: line in go.sum")
            }
            let component = goComponent(name, version)
            lines[component.purl] = lines[component.purl] ?? line
            components.append(component)
        }
        var root = goComponent(module, "")
        root.dependencies = components.map(\.purl).sorted()
        return Inventory(source: path, root: root, components: components, lines: lines)
    }

    static func goComponent(_ path: String, _ version: String) -> Component {
        let parts = path.split(separator: "/").map(String.init)
        let name = parts.last ?? path
        let namespace = parts.dropLast().joined(separator: "/")
        // purl lowercases a Go path; advisories name the module in its own case.
        return Component(ecosystem: .golang, namespace: namespace.isEmpty ? nil : namespace.lowercased(), name: name.lowercased(), version: version,
                         registryName: path)
    }

    // MARK: Lines

    /// The line of each string value of the given keys in a JSON document, by value
    /// (`"identity" : "swift-crypto"` → 7), found by a scan of the raw text: lockfiles are
    /// written one key per line, and a one-line file puts everything on line 1.
    public static func jsonStringLines(_ bytes: [UInt8], keys: Set<String>) -> [String: Int] {
        var result: [String: Int] = [:]
        var strings = JSONStringScanner(bytes: bytes)
        var previous: (text: String, line: Int)?
        while let string = strings.next() {
            let (text, line, isKey) = string
            if !isKey, let key = previous, keys.contains(key.text), result[text] == nil { result[text] = line }
            previous = isKey ? (text, line) : nil
        }
        return result
    }

    /// The line of every object key in a JSON document (the first time each key appears).
    static func jsonObjectKeyLines(_ bytes: [UInt8]) -> [String: Int] {
        var result: [String: Int] = [:]
        var strings = JSONStringScanner(bytes: bytes)
        while let string = strings.next() {
            let (text, line, isKey) = string
            if isKey && result[text] == nil { result[text] = line }
        }
        return result
    }
}

/// The strings of a JSON text in order, with their line and whether each is an object key
/// (followed by ':'). Escapes other than `\"` and `\\` are kept as written: the callers look up
/// names and versions, which have none. Used only on documents already parsed.
struct JSONStringScanner {
    let bytes: [UInt8]
    var index = 0
    var line = 1

    mutating func next() -> (String, Int, Bool)? {
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\n") { line += 1; continue }
            guard byte == UInt8(ascii: "\"") else { continue }
            var text: [UInt8] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                text.append(bytes[index])
                index += 1
            }
            index += 1
            var look = index
            while look < bytes.count, bytes[look] == UInt8(ascii: " ") || bytes[look] == UInt8(ascii: "\t") { look += 1 }
            let isKey = look < bytes.count && bytes[look] == UInt8(ascii: ":")
            return (String(decoding: text, as: UTF8.self), line, isKey)
        }
        return nil
    }
}
