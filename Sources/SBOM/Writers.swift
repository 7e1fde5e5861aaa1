import GateCrypto
import Foundation
import Dependencies
import GateKit

/// CycloneDX 1.6 and SPDX 2.3 JSON documents from inventories. Deterministic: components
/// sorted by purl, keys in a fixed order, the serial number and document namespace derived
/// from the content; the time is `SOURCE_DATE_EPOCH` when set (SPDX requires one; CycloneDX
/// leaves it out otherwise).
public enum SBOMWriter {
    public static let toolName = "gate"
    static let spdxAlgorithms = ["SHA-256": "SHA256", "SHA-512": "SHA512", "SHA-1": "SHA1"]

    /// Every component once (by purl), the roots first-come.
    static func merged(_ inventories: [Inventory]) -> (root: Component?, components: [Component]) {
        var byPurl: [String: Component] = [:]
        for inventory in inventories {
            for component in inventory.components where byPurl[component.purl] == nil { byPurl[component.purl] = component }
        }
        let root = inventories.compactMap(\.root).first
        if let root { byPurl[root.purl] = nil }
        return (root, byPurl.sorted { $0.key < $1.key }.map(\.value))
    }

    /// A name-based UUID (version 5 layout) from SHA-256 of `text`.
    static func uuid(_ text: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(text.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = InputFile.hex(bytes)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    static func fingerprint(_ root: Component?, _ components: [Component]) -> String {
        ([root].compactMap { $0 } + components).map { item in
            ([item.purl] + item.hashes.sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value } + [item.license ?? ""] + item.dependencies)
                .joined(separator: " ")
        }.joined(separator: "\n")
    }

    static func timestamp(_ environment: [String: String]) -> String? {
        guard let epoch = environment["SOURCE_DATE_EPOCH"].flatMap(Int.init) else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(epoch)))
    }

    /// - Parameter vulnerabilities: a `vulnerabilities` section (`SBOMVulnerabilities`), left
    ///   out when empty.
    public static func cycloneDX(_ inventories: [Inventory], environment: [String: String] = [:], vulnerabilities: [JSONValue] = []) -> String {
        let (root, components) = merged(inventories)
        var single: [String: Bool] = [:]   // a few distinct licenses among thousands of components
        func component(_ item: Component, type: String = "library") -> JSONValue {
            var fields: [(String, JSONValue)] = [("type", .string(type)), ("bom-ref", .string(item.purl))]
            if let namespace = item.namespace { fields.append(("group", .string(namespace))) }
            fields.append(("name", .string(item.name)))
            if !item.version.isEmpty { fields.append(("version", .string(item.version))) }
            if !item.hashes.isEmpty {
                fields.append(("hashes", .array(item.hashes.sorted { $0.key < $1.key }.map {
                    .orderedObject([("alg", .string($0.key)), ("content", .string($0.value))])
                })))
            }
            if let license = item.license {
                if single[license] == nil { single[license] = SPDXExpression.isSingleIdentifier(license) }
                let entry: JSONValue = single[license]!
                    ? .orderedObject([("license", .orderedObject([("id", .string(license))]))])
                    : .orderedObject([("expression", .string(license))])
                fields.append(("licenses", .array([entry])))
            }
            fields.append(("purl", .string(item.purl)))
            return .orderedObject(fields)
        }
        var metadata: [(String, JSONValue)] = []
        if let time = timestamp(environment) { metadata.append(("timestamp", .string(time))) }
        metadata.append(("tools", .orderedObject([("components", .array([.orderedObject([("type", .string("application")), ("name", .string(toolName))])]))])))
        if let root { metadata.append(("component", component(root, type: "application"))) }
        var dependencies: [JSONValue] = []
        for item in ([root].compactMap { $0 } + components) {
            dependencies.append(.orderedObject([("ref", .string(item.purl)), ("dependsOn", .array(item.dependencies.map(JSONValue.string)))]))
        }
        let document: JSONValue = .orderedObject([
            ("bomFormat", .string("CycloneDX")),
            ("specVersion", .string("1.6")),
            ("serialNumber", .string("urn:uuid:" + uuid(fingerprint(root, components)))),
            ("version", .integer(1)),
            ("metadata", .orderedObject(metadata)),
            ("components", .array(components.map { component($0) })),
            ("dependencies", .array(dependencies)),
        ] + (vulnerabilities.isEmpty ? [] : [("vulnerabilities", .array(vulnerabilities))]))
        return document.rendered()
    }

    /// SPDX requires a creation time: SOURCE_DATE_EPOCH from `environment`, else `now`.
    public static func spdx(_ inventories: [Inventory], name: String, environment: [String: String] = [:], now: Double = 0) -> String {
        let (root, components) = merged(inventories)
        let all = [root].compactMap { $0 } + components
        var valid: [String: Bool] = [:]
        func declared(_ license: String?) -> String {
            guard let license else { return "NOASSERTION" }
            if valid[license] == nil { valid[license] = SPDXExpression.isValid(license) }
            return valid[license]! ? license : "NOASSERTION"
        }
        var ids: [String: String] = [:]
        for (index, item) in all.enumerated() {
            // SPDX ids allow letters, digits, '.' and '-'.
            let safe = String(decoding: item.name.utf8.map { byte -> UInt8 in
                switch byte {
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "."), UInt8(ascii: "-"): byte
                default: UInt8(ascii: "-")
                }
            }, as: UTF8.self)
            ids[item.purl] = "SPDXRef-Package-\(index)-\(safe)"
        }
        func package(_ item: Component) -> JSONValue {
            var fields: [(String, JSONValue)] = [
                ("SPDXID", .string(ids[item.purl]!)),
                ("name", .string(item.namespace.map { "\($0)/\(item.name)" } ?? item.name)),
            ]
            if !item.version.isEmpty { fields.append(("versionInfo", .string(item.version))) }
            fields += [
                ("downloadLocation", .string(item.source.flatMap { $0.hasPrefix("http") || $0.hasPrefix("git") ? $0 : nil } ?? "NOASSERTION")),
                ("filesAnalyzed", .bool(false)),
            ]
            let checksums = item.hashes.sorted { $0.key < $1.key }.compactMap { entry -> JSONValue? in
                spdxAlgorithms[entry.key].map { .orderedObject([("algorithm", .string($0)), ("checksumValue", .string(entry.value))]) }
            }
            if !checksums.isEmpty { fields.append(("checksums", .array(checksums))) }
            fields.append(("licenseConcluded", .string("NOASSERTION")))
            fields.append(("licenseDeclared", .string(declared(item.license))))
            fields.append(("copyrightText", .string("NOASSERTION")))
            fields.append(("externalRefs", .array([.orderedObject([
                ("referenceCategory", .string("PACKAGE-MANAGER")), ("referenceType", .string("purl")), ("referenceLocator", .string(item.purl)),
            ])])))
            return .orderedObject(fields)
        }
        var relationships: [JSONValue] = []
        for described in (root.map { [$0] } ?? components) {
            relationships.append(.orderedObject([("spdxElementId", .string("SPDXRef-DOCUMENT")), ("relationshipType", .string("DESCRIBES")),
                                                 ("relatedSpdxElement", .string(ids[described.purl]!))]))
        }
        for item in all {
            for dependency in item.dependencies {
                guard let target = ids[dependency] else { continue }
                relationships.append(.orderedObject([("spdxElementId", .string(ids[item.purl]!)), ("relationshipType", .string("DEPENDS_ON")),
                                                     ("relatedSpdxElement", .string(target))]))
            }
        }
        let fingerprint = fingerprint(root, components)
        let document: JSONValue = .orderedObject([
            ("spdxVersion", .string("SPDX-2.3")),
            ("dataLicense", .string("CC0-1.0")),
            ("SPDXID", .string("SPDXRef-DOCUMENT")),
            ("name", .string(name)),
            ("documentNamespace", .string("https://spdx.org/spdxdocs/\(name.map { $0.isLetter || $0.isNumber ? $0 : "-" })-\(uuid(fingerprint))")),
            ("creationInfo", .orderedObject([
                ("created", .string(timestamp(environment) ?? ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: now.rounded(.down))))),
                ("creators", .array([.string("Tool: \(toolName)")])),
            ])),
            ("packages", .array(all.map(package))),
            ("relationships", .array(relationships)),
        ])
        return document.rendered()
    }
}

/// A CycloneDX `vulnerabilities` section from a `gate vulns` result (its JSON, `gate-result/v1`):
/// each vulnerability of a component the SBOM lists, with its aliases as references, its CVSS
/// rating, the fix as the recommendation and a VEX not-affected as the analysis. SBOM reads the
/// result file rather than the vulns gate's code, so neither gate depends on the other.
public enum SBOMVulnerabilities {
    public static func read(_ path: String, components: Set<String>) throws -> [JSONValue] {
        let (bytes, _) = try InputFile.readAll(path, expected: "a gate vulns result (--format json)", limits: .document)
        let tree = try JSONTree.parse(bytes, path: path)
        guard tree["gate"]?.string == "vulns", let list = tree["details"]?["vulnerabilities"]?.array else {
            throw GateError.usage("\(path): not a gate vulns result (gate-result/v1 with gate: vulns and details.vulnerabilities)")
        }
        var entries: [(String, JSONValue)] = []
        for item in list {
            guard let purl = item["purl"]?.string, let id = item["id"]?.string, components.contains(purl) else { continue }
            var fields: [(String, JSONValue)] = [("bom-ref", .string(id + "/" + purl)), ("id", .string(id))]
            let aliases = item["aliases"]?.array?.compactMap(\.string) ?? []
            if !aliases.isEmpty {
                fields.append(("references", .array(aliases.map { alias in
                    .orderedObject([("id", .string(alias)), ("source", .orderedObject([("name", .string(String(alias.prefix { $0 != "-" })))]))])
                })))
            }
            var rating: [(String, JSONValue)] = []
            if let score = item["score"]?.number { rating.append(("score", .number(score))) }
            rating.append(("severity", .string(item["severity"]?.string ?? "unknown")))
            if let vector = item["vector"]?.string {
                rating.append(("method", .string(vector.hasPrefix("CVSS:3.1/") ? "CVSSv31" : vector.hasPrefix("CVSS:3.0/") ? "CVSSv3" : "CVSSv2")))
                rating.append(("vector", .string(vector)))
            }
            fields.append(("ratings", .array([.orderedObject(rating)])))
            fields.append(("recommendation", .string(item["fixed"]?.string.map { "Upgrade to \($0) or later." } ?? "No fixed version is known.")))
            if item["standing"]?.string == "not affected" {
                fields.append(("analysis", .orderedObject([("state", .string("not_affected"))])))
            }
            fields.append(("affects", .array([.orderedObject([("ref", .string(purl))])])))
            entries.append((id + "\u{0}" + purl, .orderedObject(fields)))
        }
        return entries.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
