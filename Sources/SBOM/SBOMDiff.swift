import Foundation
import Dependencies
import GateKit

private typealias Measurement = GateKit.Measurement

/// `gate sbom diff BASE HEAD`: what a change does to the dependencies — components added,
/// removed, and changed (same package, another version) — read from lockfiles or from
/// CycloneDX JSON documents. Added and changed components are listed for review; one whose
/// license the policy denies, and that was not already there under that license, fails.
public struct SBOMDiff: Sendable {
    public static let id = "sbom-diff"
    public static let rules = [
        RuleDescriptor(id: "sbom/newly-denied-license", severity: .error, summary: "A change brings in a dependency whose license is denied.", help: "Drop the dependency, pick another version, or get the license cleared."),
        RuleDescriptor(id: "sbom/review", severity: .note, summary: "A dependency a change adds or changes.", help: "Look at what comes in: its license, its source, why it is needed."),
    ]

    public struct Change: Sendable, Equatable {
        public var key: String
        public var before: Component?
        public var after: Component?
    }

    public let base: [Component]
    public let head: [Component]

    public init(base: [Component], head: [Component]) {
        (self.base, self.head) = (base, head)
    }

    /// A package's identity across versions: type, namespace and name.
    static func key(_ component: Component) -> String {
        "\(component.ecosystem.rawValue):\(component.namespace ?? "")/\(component.name)"
    }

    public var changes: [Change] {
        var before: [String: Component] = [:], after: [String: Component] = [:]
        for component in base { before[Self.key(component) + "@" + component.version] = component }
        for component in head { after[Self.key(component) + "@" + component.version] = component }
        let oldByKey = Dictionary(grouping: base, by: Self.key), newByKey = Dictionary(grouping: head, by: Self.key)
        var result: [Change] = []
        for key in Set(oldByKey.keys).union(newByKey.keys).sorted() {
            let old = (oldByKey[key] ?? []).sorted { $0.version < $1.version }
            let new = (newByKey[key] ?? []).sorted { $0.version < $1.version }
            let removed = old.filter { o in !new.contains { $0.version == o.version } }
            let added = new.filter { n in !old.contains { $0.version == n.version } }
            // Pair versions up as changes; the rest are plain additions or removals.
            for index in 0..<max(removed.count, added.count) {
                result.append(Change(key: key, before: index < removed.count ? removed[index] : nil, after: index < added.count ? added[index] : nil))
            }
            for (o, n) in zip(old, new) where o.version == n.version && o.license != n.license {
                result.append(Change(key: key, before: o, after: n))
            }
        }
        return result
    }

    /// Components from a lockfile (by name) or a CycloneDX JSON document.
    public static func components(_ path: String) throws -> ([Component], InputDigest) {
        let name = (path as NSString).lastPathComponent
        if Lockfiles.names.contains(name) || name.hasSuffix(".txt") || name.hasSuffix(".resolved") {
            do {
                let (inventory, digest) = try Lockfiles.read(path)
                return (inventory.components, digest)
            } catch let error as LockfileError {
                throw GateError.usage(String(describing: error))
            }
        }
        let (bytes, digest) = try InputFile.readAll(path, expected: "a CycloneDX JSON SBOM or a lockfile", limits: .document)
        guard let root = (try? JSONTree.foundationValue(bytes, path: path)) as? [String: Any], root["bomFormat"] as? String == "CycloneDX",
              let list = root["components"] as? [[String: Any]] else {
            throw GateError.usage("\(path): neither a lockfile gate reads nor a CycloneDX JSON SBOM")
        }
        var result: [Component] = []
        for (index, entry) in list.enumerated() {
            guard let name = entry["name"] as? String, let purl = entry["purl"] as? String, purl.hasPrefix("pkg:") else {
                throw GateError.usage("\(path): components[\(index)] has no name or purl")
            }
            let type = purl.dropFirst(4).split(separator: "/").first.map(String.init) ?? ""
            guard let ecosystem = Ecosystem(rawValue: type) else { continue }
            var component = Component(ecosystem: ecosystem, namespace: entry["group"] as? String, name: name, version: entry["version"] as? String ?? "")
            if let licenses = entry["licenses"] as? [[String: Any]], let first = licenses.first {
                component.license = (first["license"] as? [String: Any])?["id"] as? String ?? first["expression"] as? String
            }
            result.append(component)
        }
        return (result, digest)
    }

    public func judge(policy: SBOMPolicy, inputs: [InputDigest], headPath: String) -> GateResult {
        let (measurements, findings, rows) = evidence(policy: policy, location: Location(file: headPath))
        let count = { (name: String) in Int(measurements.first { $0.name == name }?.value ?? 0) }
        let denied = count("newly_denied")
        return GateResult(gate: Self.id, verdict: GateResult.verdict(measurements: measurements, findings: findings),
                          summary: "\(count("added")) added, \(count("removed")) removed, \(count("changed")) changed" + (denied > 0 ? "; \(denied) with a denied license" : ""),
                          measurements: measurements, findings: findings, inputs: inputs, rules: Self.rules,
                          tables: [ResultTable(title: "Dependency changes", header: ["change", "package", "before", "after"], rows: rows)])
    }

    /// What `gate sbom check` adds when it has the previous result: the changes as figures and
    /// review notes. A newly denied license is counted, not failed again: the check's own
    /// denied-license finding fails it (and is new under new-only).
    func changeEvidence(policy: SBOMPolicy, location: Location) -> (measurements: [GateKit.Measurement], findings: [Finding]) {
        var (measurements, findings, _) = evidence(policy: policy, location: location)
        for index in measurements.indices where measurements[index].name == "newly_denied" {
            measurements[index] = Measurement(name: "newly_denied", value: measurements[index].value)
        }
        for index in findings.indices where findings[index].rule == "sbom/newly-denied-license" {
            findings[index].severity = .note
        }
        return (measurements, findings)
    }

    private func evidence(policy: SBOMPolicy, location: Location) -> (measurements: [Measurement], findings: [Finding], rows: [[String]]) {
        let changes = self.changes
        var findings: [Finding] = []
        var rows: [[String]] = []
        var added = 0, removed = 0, changed = 0, denied = 0
        for change in changes {
            let kind: String
            switch (change.before, change.after) {
            case (nil, _?): kind = "added"; added += 1
            case (_?, nil): kind = "removed"; removed += 1
            default: kind = "changed"; changed += 1
            }
            rows.append([kind, change.key, change.before.map { "\($0.version) \($0.license ?? "")" } ?? "", change.after.map { "\($0.version) \($0.license ?? "")" } ?? ""])
            guard let after = change.after else { continue }
            let standing = SBOMGate.standing(of: after.license, allow: policy.allow, deny: policy.deny)
            let wasDenied = change.before.map { SBOMGate.standing(of: $0.license, allow: policy.allow, deny: policy.deny) == .denied } ?? false
            if standing == .denied && !wasDenied {
                denied += 1
                findings.append(Finding(severity: .error, rule: "sbom/newly-denied-license",
                                        message: "\(after.purl) (\(kind)) is licensed \(after.license ?? "?"), which the policy denies", location: location))
            } else {
                findings.append(Finding(severity: .note, rule: "sbom/review",
                                        message: "\(kind): \(after.purl)" + (change.before.map { " (was \($0.version))" } ?? "") + (after.license.map { ", \($0)" } ?? ", license unknown"),
                                        location: location))
            }
        }
        let measurements = [
            Measurement(name: "added", value: Double(added)), Measurement(name: "removed", value: Double(removed)),
            Measurement(name: "changed", value: Double(changed)),
            Measurement(name: "newly_denied", value: Double(denied), threshold: 0, comparison: .atMost, verdict: denied > 0 ? .fail : .pass,
                        tally: FindingTally(rules: ["sbom/newly-denied-license"])),
        ]
        return (measurements, findings, rows)
    }
}
