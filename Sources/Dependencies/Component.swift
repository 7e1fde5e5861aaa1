import Foundation
import GateKit

/// The package ecosystems gate reads lockfiles of, with their purl types.
public enum Ecosystem: String, Sendable, CaseIterable {
    case swift, npm, pypi, cargo, golang
}

/// One dependency as a lockfile pins it.
public struct Component: Sendable, Equatable, Hashable {
    public var ecosystem: Ecosystem { didSet { purl = makePurl() } }
    /// The purl namespace (a Swift package's host and owner, an npm scope, a Go module's path
    /// before its last element), if any.
    public var namespace: String? { didSet { purl = makePurl() } }
    public var name: String { didSet { purl = makePurl() } }
    public var version: String { didSet { purl = makePurl() } }
    /// The package URL (github.com/package-url/purl-spec): `pkg:type/namespace/name@version`,
    /// each segment percent-encoded. Kept up to date as the parts change (sorting and graphs
    /// use it constantly).
    public private(set) var purl = ""
    /// `SHA-256` (hex) or `SHA-512` (hex) as the lockfile gives them.
    public var hashes: [String: String]
    /// An SPDX license expression, when known.
    public var license: String?
    /// Where it comes from (repository URL, registry tarball).
    public var source: String?
    /// purls of what it depends on, when the lockfile records it.
    public var dependencies: [String]
    /// The name as the ecosystem's registry and its advisories spell it, which the purl may
    /// not keep: a Go module's path in its own case (`github.com/BurntSushi/toml`), an npm
    /// package with its scope (`@types/node`), a Swift package's URL without scheme and `.git`.
    public var registryName: String

    public init(ecosystem: Ecosystem, namespace: String? = nil, name: String, version: String, hashes: [String: String] = [:],
                license: String? = nil, source: String? = nil, dependencies: [String] = [], registryName: String? = nil) {
        (self.ecosystem, self.namespace, self.name, self.version) = (ecosystem, namespace, name, version)
        (self.hashes, self.license, self.source, self.dependencies) = (hashes, license, source, dependencies)
        self.registryName = registryName ?? ((namespace?.isEmpty ?? true) ? name : namespace! + "/" + name)
        purl = makePurl()
    }

    private func makePurl() -> String {
        var text = "pkg:\(ecosystem.rawValue)/"
        if let namespace, !namespace.isEmpty {
            text += namespace.split(separator: "/").map { Self.encode(String($0)) }.joined(separator: "/") + "/"
        }
        return text + Self.encode(name) + (version.isEmpty ? "" : "@" + Self.encode(version))
    }

    /// Percent-encodes every byte but ASCII letters, digits and `. - _ ~ + :` (the purl
    /// spec leaves colons as they are).
    static func encode(_ segment: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(segment.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in segment.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"),
                 UInt8(ascii: "+"), UInt8(ascii: ":"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What one lockfile pins: the components, sorted by purl, and the root when the file names it.
public struct Inventory: Sendable, Equatable {
    public var source: String
    public var root: Component?
    public var components: [Component]
    /// The line of the lockfile that pins each component, by purl, where the reader knows it:
    /// findings about a package point there.
    public var lines: [String: Int]

    public init(source: String, root: Component? = nil, components: [Component], lines: [String: Int] = [:]) {
        self.source = source
        self.root = root
        self.components = components.map { ($0.purl, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        self.lines = lines
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
