import Foundation
import Dependencies
import GateKit

private typealias Measurement = GateKit.Measurement

/// The SBOM gate's policy: `gates/sbom.yml`.
///
/// ```yaml
/// lockfiles: [Package.resolved]          # what to inventory
/// allow: [MIT, Apache-2.0, BSD-3-Clause] # licenses that may ship
/// deny: [GPL-3.0-only, AGPL-3.0-only]    # licenses that must not
/// unknown: warn                          # a license neither allowed nor denied, or none found: warn or fail
/// output: .build/sbom/gate.cdx.json      # also write the SBOM here
/// format: cyclonedx                      # or spdx
/// ```
public struct SBOMPolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("lockfiles", .list, "What to inventory (default Package.resolved)."),
        PolicyKey("allow", .list, "SPDX license identifiers that may ship."),
        PolicyKey("deny", .list, "SPDX license identifiers that must not."),
        PolicyKey("unknown", .choice(["warn", "fail"]), "A license neither allowed nor denied, or none found: warn or fail."),
        PolicyKey("sbom-output", .path, "Also write the SBOM here."),
        PolicyKey("sbom-format", .choice(["cyclonedx", "spdx"]), "The SBOM's format: cyclonedx (1.6) or spdx (2.3)."),
    ]
    /// Earlier names of keys, still read, with a note: `output` and `format` clashed with the
    /// report options every command has.
    public static let renamedKeys = ["output": "sbom-output", "format": "sbom-format"]
    public static var keys: [String] { policyKeys.map(\.name) }
    public var lockfiles: [String] = []
    public var allow: [String] = []
    public var deny: [String] = []
    public var failOnUnknown = false
    public var output: String?
    public var format = "cyclonedx"

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        lockfiles = try policy.strings("lockfiles") ?? []
        allow = try policy.strings("allow") ?? []
        deny = try policy.strings("deny") ?? []
        if let unknown = try policy.string("unknown") {
            guard unknown == "warn" || unknown == "fail" else {
                throw policy.invalid(line: policy.entry("unknown")?.line, key: "unknown", expected: "warn or fail")
            }
            failOnUnknown = unknown == "fail"
        }
        output = try policy.string("sbom-output")
        format = try policy.choice("sbom-format", ["cyclonedx", "spdx"]) ?? format
        for (key, list) in [("allow", allow), ("deny", deny)] {
            for id in list where !SPDXExpression.isSingleIdentifier(id) {
                throw policy.invalid(line: policy.entry(key)?.line, key: key, expected: "SPDX license identifiers ('\(id)' is not one)")
            }
        }
    }
}

/// `gate sbom check`: every dependency's license against the policy. A license comes from the
/// lockfile where it records one (npm), else from the dependency's license file on disk
/// (`LicenseDetector`). An expression is acceptable when one of its choices is wholly allowed
/// (`MIT OR GPL-3.0-only` passes an MIT allow list); denied when every choice has a denied
/// license; otherwise unknown.
public struct SBOMGate: Sendable {
    public static let id = "sbom"
    public static let rules = [
        RuleDescriptor(id: "sbom/denied-license", severity: .error, summary: "A dependency's license is denied.", help: "Replace the dependency or get the license cleared."),
        RuleDescriptor(id: "sbom/unknown-license", severity: .warning, summary: "A dependency's license is unknown to the policy (an error with unknown: fail).",
                       help: "Add it to allow or deny in gates/sbom.yml."),
    ] + SBOMDiff.rules
    public let policy: SBOMPolicy
    public let root: String
    public let environment: [String: String]
    public let now: Double
    /// The previous result under --baseline-dir: what the dependencies were, to say what changed.
    public let previous: PreviousResult?

    public init(policy: SBOMPolicy, root: String, environment: [String: String] = [:], now: Double = 0,
                previous: PreviousResult? = nil) {
        (self.policy, self.root, self.environment, self.now, self.previous) = (policy, root, environment, now, previous)
    }

    public enum Standing: String, Sendable { case allowed, denied, unknown }

    /// How a license expression stands against allow and deny lists.
    public static func standing(of license: String?, allow: [String], deny: [String]) -> Standing {
        guard let license, let expression = try? SPDXExpression.parse(license) else { return .unknown }
        func base(_ term: String) -> String { term.components(separatedBy: " WITH ").first ?? term }
        let choices = expression.choices
        if choices.contains(where: { $0.allSatisfy { allow.contains($0) || allow.contains(base($0)) || (allow.isEmpty && !deny.contains(base($0))) } }) {
            return allow.isEmpty && deny.isEmpty ? .unknown : .allowed
        }
        if choices.allSatisfy({ $0.contains { deny.contains(base($0)) || deny.contains($0) } }) { return .denied }
        return .unknown
    }

    public func evaluate() throws -> GateResult {
        let paths = policy.lockfiles.isEmpty ? ["Package.resolved"] : policy.lockfiles
        var inventories: [Inventory] = []
        var inputs: [InputDigest] = []
        for path in paths {
            do {
                let (inventory, digest) = try Lockfiles.read(path.hasPrefix("/") ? path : root + "/" + path)
                inventories.append(Inventory(source: path, root: inventory.root, components: inventory.components))
                inputs.append(InputDigest(path: path, sha256: digest.sha256))
            } catch let error as LockfileError {
                throw GateError.usage(String(describing: error).replacingOccurrences(of: root + "/", with: ""))
            }
        }
        // Licenses from disk where the lockfile has none.
        for index in inventories.indices {
            for item in inventories[index].components.indices where inventories[index].components[item].license == nil {
                inventories[index].components[item].license = LicenseDetector.detect(inventories[index].components[item], root: root)
            }
        }
        var findings: [Finding] = []
        var rows: [[String]] = []
        var counts: [Standing: Int] = [:]
        for inventory in inventories {
            for component in inventory.components {
                let standing = Self.standing(of: component.license, allow: policy.allow, deny: policy.deny)
                counts[standing, default: 0] += 1
                rows.append([component.purl, component.license ?? "(not found)", standing.rawValue])
                let location = Location(file: inventory.source)
                switch standing {
                case .allowed: break
                case .denied:
                    findings.append(Finding(severity: .error, rule: "sbom/denied-license",
                                            message: "\(component.purl) is licensed \(component.license!), which the policy denies", location: location))
                case .unknown:
                    let what = component.license.map { SPDXExpression.isValid($0) ? "\($0), which the policy neither allows nor denies" : "'\($0)', not an SPDX expression" }
                        ?? "no license the lockfile records or a license file on disk shows"
                    findings.append(Finding(severity: policy.failOnUnknown ? .error : .warning, rule: "sbom/unknown-license",
                                            message: "\(component.purl): \(what)", location: location))
                }
            }
        }
        var sbom: Artifact?
        if let output = policy.output {
            let text = policy.format == "spdx" ? SBOMWriter.spdx(inventories, name: (root as NSString).lastPathComponent, environment: environment, now: now)
                : SBOMWriter.cycloneDX(inventories, environment: environment)
            sbom = Artifact(path: output.hasPrefix("/") ? output : root + "/" + output, name: output, content: .text(text))
        }
        let total = inventories.reduce(0) { $0 + $1.components.count }
        let denied = counts[.denied] ?? 0, unknown = counts[.unknown] ?? 0
        let components = inventories.flatMap(\.components)
        var changes: (measurements: [Measurement], findings: [Finding])?
        var unusable: String?
        if let previous {
            do {
                let before = try Self.components(previous)
                changes = SBOMDiff(base: before, head: components).changeEvidence(policy: policy, location: Location(file: paths.first ?? ""))
            } catch {
                unusable = String(describing: error)
            }
        }
        findings += changes?.findings ?? []
        var measurements = [
            Measurement(name: "components", value: Double(total)),
            Measurement(name: "denied_licenses", value: Double(denied), threshold: 0, comparison: .atMost, verdict: denied > 0 ? .fail : .pass,
                        tally: FindingTally(rules: ["sbom/denied-license"])),
            Measurement(name: "unknown_licenses", value: Double(unknown), threshold: policy.failOnUnknown ? 0 : nil,
                        comparison: policy.failOnUnknown ? .atMost : nil, verdict: unknown > 0 ? (policy.failOnUnknown ? .fail : .warn) : .pass,
                        tally: FindingTally(rules: ["sbom/unknown-license"])),
        ]
        measurements += changes?.measurements ?? []
        let summary = "\(total) components: \(counts[.allowed] ?? 0) allowed, \(denied) denied, \(unknown) unknown"
            + (policy.output.map { "; SBOM written to \($0)" } ?? "")
        var result = GateResult(
            gate: Self.id, verdict: GateResult.verdict(measurements: measurements, findings: findings), summary: summary,
            measurements: measurements, findings: findings, inputs: inputs,
            rules: Self.rules,
            details: .object(["components": .array(components.map(Self.detail))]),
            tables: [ResultTable(title: "Licenses", header: ["component", "license", "standing"], rows: rows)])
        if let unusable { result.addNote("no dependency changes: \(unusable)") }
        result.artifacts = sbom.map { [$0] } ?? []
        return result
    }

    /// A component as the result's `details.components` keeps it, for the next run to compare.
    static func detail(_ component: Component) -> JSONValue {
        var members: [String: JSONValue] = [
            "ecosystem": .string(component.ecosystem.rawValue), "name": .string(component.name), "version": .string(component.version),
        ]
        if let namespace = component.namespace { members["namespace"] = .string(namespace) }
        if let license = component.license { members["license"] = .string(license) }
        return .object(members)
    }

    /// The components a previous result's `details.components` lists.
    static func components(_ previous: PreviousResult) throws -> [Component] {
        guard let list = previous.details?["components"]?.array else {
            throw GateError.invalidBaseline(path: previous.path, problem: "it has no details.components (was it written by an older gate?)")
        }
        return try list.enumerated().map { index, entry in
            guard let ecosystem = entry["ecosystem"]?.string.flatMap(Ecosystem.init(rawValue:)),
                  let name = entry["name"]?.string, let version = entry["version"]?.string else {
                throw GateError.invalidBaseline(path: previous.path, problem: "details.components[\(index)] needs ecosystem, name and version")
            }
            return Component(ecosystem: ecosystem, namespace: entry["namespace"]?.string, name: name, version: version,
                             license: entry["license"]?.string)
        }
    }
}

extension SBOMGate: Gate {
    public static var policyKeys: [PolicyKey] { SBOMPolicy.policyKeys }
    public static var renamedKeys: [String: String] { SBOMPolicy.renamedKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try SBOMGate(policy: SBOMPolicy(policy: policy), root: context.root, environment: context.environment.variables,
                     now: context.now, previous: context.baseline?.previous).evaluate()
    }
}
