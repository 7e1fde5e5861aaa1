import Foundation
import GateKit

/// The package ecosystems gate reads lockfiles of, with their purl types.
public enum Ecosystem: String, Sendable, CaseIterable {
    case swift, npm, pypi, cargo, golang
}

/// One dependency as a lockfile pins it.
public struct Component: Sendable, Equatable, Hashable {
    public var ecosystem: Ecosystem
    /// The purl namespace (a Swift package's host and owner, an npm scope, a Go module's path
    /// before its last element), if any.
    public var namespace: String?
    public var name: String
    public var version: String
    /// `SHA-256` (hex) or `SHA-512` (hex) as the lockfile gives them.
    public var hashes: [String: String]
    /// An SPDX license expression, when known.
    public var license: String?
    /// Where it comes from (repository URL, registry tarball).
    public var source: String?
    /// purls of what it depends on, when the lockfile records it.
    public var dependencies: [String]

    public init(ecosystem: Ecosystem, namespace: String? = nil, name: String, version: String, hashes: [String: String] = [:],
                license: String? = nil, source: String? = nil, dependencies: [String] = []) {
        (self.ecosystem, self.namespace, self.name, self.version) = (ecosystem, namespace, name, version)
        (self.hashes, self.license, self.source, self.dependencies) = (hashes, license, source, dependencies)
    }

    /// The package URL (github.com/package-url/purl-spec): `pkg:type/namespace/name@version`,
    /// each segment percent-encoded.
    public var purl: String {
        var text = "pkg:\(ecosystem.rawValue)/"
        if let namespace, !namespace.isEmpty {
            text += namespace.split(separator: "/").map { Self.encode(String($0)) }.joined(separator: "/") + "/"
        }
        return text + Self.encode(name) + (version.isEmpty ? "" : "@" + Self.encode(version))
    }

    static func encode(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: ".-_~+")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}

/// What one lockfile pins: the components, sorted by purl, and the root when the file names it.
public struct Inventory: Sendable, Equatable {
    public var source: String
    public var root: Component?
    public var components: [Component]

    public init(source: String, root: Component? = nil, components: [Component]) {
        self.source = source
        self.root = root
        self.components = components.sorted { $0.purl < $1.purl }
    }
}

/// A lockfile that cannot be read: the file, where, and what is wrong.
public struct LockfileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var position: String?
    public var problem: String

    public init(path: String, position: String? = nil, problem: String) {
        (self.path, self.position, self.problem) = (path, position, problem)
    }

    public var description: String {
        "\(path)\(position.map { ":\($0)" } ?? ""): \(problem)."
    }
}
