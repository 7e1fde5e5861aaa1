import Dependencies
import Foundation

/// The OSV ecosystem an inventory's ecosystem is published under, how its names compare, and
/// how its versions order.
public struct AdvisoryEcosystem: Sendable, Hashable {
    /// OSV's name: `PyPI`, `crates.io`, `Go`, `npm`, `SwiftURL`.
    public var osvName: String
    public var scheme: VersionScheme

    public init?(_ ecosystem: Ecosystem) {
        switch ecosystem {
        case .pypi: (osvName, scheme) = ("PyPI", .pep440)
        case .cargo: (osvName, scheme) = ("crates.io", .semver)
        case .npm: (osvName, scheme) = ("npm", .semver)
        case .golang: (osvName, scheme) = ("Go", .go)
        case .swift: (osvName, scheme) = ("SwiftURL", .semver)
        }
    }

    init?(osvName: String) {
        switch osvName {
        case "PyPI": self.init(.pypi)
        case "crates.io": self.init(.cargo)
        case "npm": self.init(.npm)
        case "Go": self.init(.golang)
        case "SwiftURL": self.init(.swift)
        default: return nil
        }
    }

    /// The key a package name is looked up by: PEP 503 for PyPI; a Swift package's URL
    /// without scheme, `.git` or case; names as they are elsewhere (a Go module path is
    /// case-sensitive: `github.com/BurntSushi/toml` is not `github.com/burntsushi/toml`).
    public func key(_ name: String) -> String {
        switch osvName {
        case "PyPI": return Lockfiles.pypiName(name)
        case "SwiftURL":
            var text = name.lowercased()
            for prefix in ["https://", "http://"] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
            if text.hasSuffix(".git") { text.removeLast(4) }
            return text
        default: return name
        }
    }
}

/// Advisories indexed by ecosystem and package, ready to match.
public struct AdvisoryIndex: Sendable {
    public private(set) var records: [OSVRecord] = []
    /// (ecosystem, package key) → indices of records with an affected entry for it.
    var byPackage: [AdvisoryEcosystem: [String: [Int]]] = [:]
    /// How many records each ecosystem has: one with none is not covered.
    public private(set) var recordsPerEcosystem: [String: Int] = [:]
    public private(set) var withdrawn = 0
    /// The newest `modified` of any record: how fresh the snapshot is.
    public private(set) var newestModified: String?

    public init(_ records: [OSVRecord]) {
        for record in records {
            if newestModified.map({ record.modified > $0 }) ?? true { newestModified = record.modified }
            // A withdrawn advisory never matches.
            if record.withdrawn != nil { withdrawn += 1; continue }
            let index = self.records.count
            self.records.append(record)
            var seen = Set<String>()
            for affected in record.affected {
                recordsPerEcosystem[affected.ecosystem, default: 0] += seen.insert("eco:" + affected.ecosystem).inserted ? 1 : 0
                guard let ecosystem = AdvisoryEcosystem(osvName: affected.ecosystem) else { continue }
                let key = ecosystem.key(affected.name)
                if seen.insert(affected.ecosystem + "\u{0}" + key).inserted { byPackage[ecosystem, default: [:]][key, default: []].append(index) }
            }
        }
    }

    /// Whether the databases hold any advisory for the ecosystem.
    public func covers(_ ecosystem: AdvisoryEcosystem) -> Bool { (recordsPerEcosystem[ecosystem.osvName] ?? 0) > 0 }

    /// What one record says about one package version.
    public struct Match: Sendable {
        public var record: OSVRecord
        public var affected: OSVRecord.Affected
        /// The smallest fixed version above the locked one, nil for none.
        public var fixedIn: String?
    }

    /// A package version the records could not be judged for: GIT ranges only, or a version
    /// its ecosystem cannot order.
    public struct Unjudged: Sendable, Equatable {
        public var id: String
        public var reason: String
    }

    /// Every non-withdrawn record that affects `name` at `version`, by the OSV schema's
    /// evaluation, and those that could not be evaluated.
    public func matches(ecosystem: AdvisoryEcosystem, name: String, version: String) -> (matches: [Match], unjudged: [Unjudged]) {
        guard let indices = byPackage[ecosystem]?[ecosystem.key(name)] else { return ([], []) }
        var matches: [Match] = []
        var unjudged: [Unjudged] = []
        let parsed = ecosystem.scheme.parse(version)
        let key = ecosystem.key(name)
        for index in indices {
            let record = records[index]
            // Every entry naming the package counts (a record may split its ranges over
            // several): affected if any says so, fixed in the smallest fix any of them gives.
            var hit: OSVRecord.Affected?
            var fixes: [(OrderedVersion, String)] = []
            var reason: String?
            for affected in record.affected where affected.ecosystem == ecosystem.osvName && ecosystem.key(affected.name) == key {
                switch Self.evaluate(affected, version: version, parsed: parsed, scheme: ecosystem.scheme) {
                case .affected(let entryFixes):
                    hit = hit ?? affected
                    fixes += entryFixes
                case .notAffected(let entryFixes): fixes += entryFixes
                case .unjudged(let why): reason = reason ?? why
                }
            }
            if let hit {
                matches.append(Match(record: record, affected: hit, fixedIn: fixes.min { $0.0 < $1.0 }?.1))
            } else if let reason {
                unjudged.append(Unjudged(id: record.id, reason: reason))
            }
        }
        return (matches, unjudged)
    }

    /// An entry's verdict, with the fixed versions above the locked one its ranges give.
    enum Outcome { case affected([(OrderedVersion, String)]), notAffected([(OrderedVersion, String)]), unjudged(String) }

    /// OSV's evaluation (ossf.github.io/osv-schema/#evaluation): the version is affected when
    /// it is listed in `versions` (exact strings), or when a SEMVER or ECOSYSTEM range holds
    /// it — its events sorted by version (`"0"` below all), an `introduced` at or below the
    /// version opening it, a `fixed` at or below it or a `last_affected` below it closing it;
    /// a `limit` at or below the version excludes the range. GIT ranges are not evaluated.
    static func evaluate(_ affected: OSVRecord.Affected, version: String, parsed: OrderedVersion?, scheme: VersionScheme) -> Outcome {
        var hit = affected.versions.contains(version)
        var fixes: [(OrderedVersion, String)] = []
        var unorderable: String?
        var evaluatedRanges = 0
        for range in affected.ranges where range.kind != .git {
            evaluatedRanges += 1
            guard let parsed else { unorderable = "its version '\(version)' is not one \(scheme.rawValue) orders"; continue }
            var events: [(OrderedVersion?, OSVRecord.Event)] = []
            var bad: String?
            for event in range.events {
                if event.version == "0" && event.kind == .introduced { events.append((nil, event)); continue }
                guard let order = scheme.parse(event.version) else { bad = event.version; break }
                events.append((order, event))
            }
            if let bad { unorderable = "the advisory's version '\(bad)' is not one \(scheme.rawValue) orders"; continue }
            for case let (order?, event) in events where event.kind == .fixed && order > parsed { fixes.append((order, event.version)) }
            let limits = events.filter { $0.1.kind == .limit }.compactMap(\.0)
            if !limits.isEmpty && !limits.contains(where: { parsed < $0 }) { continue }
            // Sorted by version, "0" first; ties keep the record's order.
            let sorted = events.enumerated().sorted { a, b in
                switch (a.element.0, b.element.0) {
                case (nil, nil): return a.offset < b.offset
                case (nil, _): return true
                case (_, nil): return false
                case let (x?, y?): return x < y || (x == y && a.offset < b.offset)
                }
            }.map(\.element)
            var open = false
            for (order, event) in sorted {
                switch event.kind {
                case .introduced: if order.map({ parsed >= $0 }) ?? true { open = true }
                case .fixed: if let order, parsed >= order { open = false }
                case .lastAffected: if let order, parsed > order { open = false }
                case .limit: break
                }
            }
            if open { hit = true }
        }
        if hit { return .affected(fixes) }
        if let unorderable { return .unjudged(unorderable) }
        if evaluatedRanges == 0 && affected.versions.isEmpty && affected.ranges.contains(where: { $0.kind == .git }) {
            return .unjudged("it gives only GIT ranges (commits), which are not evaluated")
        }
        return .notAffected(fixes)
    }
}
