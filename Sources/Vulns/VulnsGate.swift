import Dependencies
import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// The vulnerability gate's policy: `gates/vulns.yml`.
///
/// ```yaml
/// lockfiles: [requirements.txt, Cargo.lock]   # or CycloneDX SBOMs (*.json)
/// databases: [osv/PyPI, osv/crates.io.zip]    # folders of OSV records, osv.dev all.zip files
/// fail-on: high                               # low, medium, high, critical
/// unknown-severity: fail                      # a finding no severity is known for: fail or warn
/// max-database-age: 7d                        # warn when the newest record is older
/// vex: [security/openvex.json]                # not_affected statements
/// ignore:
///   - {id: GHSA-xxxx-xxxx-xxxx, reason: "the parser is not reachable", expires: 2027-01-31}
/// ```
public struct VulnsPolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("lockfiles", .list, "Lockfiles or CycloneDX JSON SBOMs to check (default Package.resolved)."),
        PolicyKey("databases", .list, "OSV databases: folders of OSV JSON/YAML records or osv.dev all.zip files."),
        PolicyKey("fail-on", .choice(["low", "medium", "high", "critical"]), "Fail on vulnerabilities at or above this severity (default low)."),
        PolicyKey("unknown-severity", .choice(["fail", "warn"]), "A vulnerability whose advisory gives no severity: fail (default) or warn."),
        PolicyKey("max-database-age", .duration, "Warn when the newest advisory in the databases is older than this (7d)."),
        PolicyKey("vex", .list, "OpenVEX or CycloneDX VEX documents: not_affected statements suppress findings, with their justification."),
        PolicyKey("ignore", .mapping, "Advisories to ignore: a list of {id, reason, expires}; an expired entry fails."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }

    public struct Ignore: Sendable, Equatable {
        public var id: String
        public var reason: String
        public var expires: Double
        public var expiresText: String
        public var line: Int?
    }

    public var lockfiles: [String] = []
    public var databases: [String] = []
    public var failOn = SeverityLevel.low
    public var failOnUnknown = true
    public var maxDatabaseAge: Double?
    public var vex: [String] = []
    public var ignore: [Ignore] = []

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        lockfiles = try policy.strings("lockfiles") ?? []
        databases = try policy.strings("databases") ?? []
        if let level = try policy.choice("fail-on", ["low", "medium", "high", "critical"]) {
            failOn = SeverityLevel.allCases.first { $0.name == level }!
        }
        failOnUnknown = (try policy.choice("unknown-severity", ["fail", "warn"]) ?? "fail") == "fail"
        maxDatabaseAge = try policy.duration("max-database-age")
        vex = try policy.strings("vex") ?? []
        if let entry = policy.entry("ignore") {
            guard case .list(let items, _) = entry.value else {
                throw policy.invalid(line: entry.line, key: "ignore", expected: "a list of {id, reason, expires}")
            }
            for item in items {
                guard case .map(let fields, let mapLine) = item else {
                    throw policy.invalid(line: item.line, key: "ignore", expected: "a list of {id, reason, expires}")
                }
                // Each entry read as a policy of its own, as the dashboards gate reads its excludes.
                let line = fields.first?.line ?? mapLine
                let entry = Policy(path: policy.path, entries: fields)
                try entry.requireKnownKeys(["id", "reason", "expires"])
                guard let id = try entry.string("id"), let reason = try entry.string("reason"), let expiresText = try entry.string("expires"),
                      !id.isEmpty, !reason.isEmpty else {
                    throw policy.invalid(line: line, key: "ignore", expected: "id, reason and expires on every entry (an ignore without an end is a silent accept)")
                }
                guard let expires = Timestamp.seconds(expiresText) else {
                    throw policy.invalid(line: line, key: "ignore.expires", expected: "a date (2027-01-31) or date-time")
                }
                ignore.append(Ignore(id: id, reason: reason, expires: expires, expiresText: expiresText, line: line == 0 ? nil : line))
            }
        }
        guard !databases.isEmpty else {
            throw GateError.usage("no OSV database: give --databases or databases: in gates/vulns.yml (folders of OSV records or osv.dev all.zip files); without one nothing can be judged")
        }
    }
}

/// `gate vulns`: every package a lockfile pins against OSV advisories, offline, each
/// ecosystem's versions ordered by its own rules.
public struct VulnsGate: Sendable {
    public static let id = "vulns"
    public static let rules = [
        RuleDescriptor(id: "vulns/vulnerable", severity: .error, summary: "A locked package has a vulnerability at or above fail-on.",
                       help: "Upgrade to the fixed version, or record a VEX statement or a dated ignore with its reason."),
        RuleDescriptor(id: "vulns/below-threshold", severity: .warning, summary: "A locked package has a vulnerability below fail-on.",
                       help: "Upgrade when convenient; raise nothing unless fail-on is lowered."),
        RuleDescriptor(id: "vulns/unknown-severity", severity: .error, summary: "A locked package has a vulnerability whose advisory gives no severity.",
                       help: "Read the advisory and upgrade, or set unknown-severity: warn."),
        RuleDescriptor(id: "vulns/informational", severity: .warning, summary: "An informational advisory (unmaintained, unsound, notice) names a locked package.",
                       help: "Plan a replacement; turn the rule off if these are tracked elsewhere."),
        RuleDescriptor(id: "vulns/not-affected", severity: .note, summary: "A VEX statement says the product is not affected.",
                       help: "Keep the statement's justification current."),
        RuleDescriptor(id: "vulns/ignored", severity: .note, summary: "An advisory ignored by the policy, until its expiry.", help: "Revisit before it expires."),
        RuleDescriptor(id: "vulns/expired-ignore", severity: .error, summary: "An ignore entry has expired.",
                       help: "Upgrade, or renew the entry with a new reason and date."),
        RuleDescriptor(id: "vulns/not-covered", severity: .warning, summary: "An ecosystem the lockfiles use has no advisories in the databases.",
                       help: "Add that ecosystem's database: its packages were not checked."),
        RuleDescriptor(id: "vulns/not-evaluated", severity: .warning, summary: "An advisory for a locked package could not be evaluated.",
                       help: "Check the advisory by hand: it gives only commit ranges, or versions its ecosystem cannot order."),
        RuleDescriptor(id: "vulns/stale-database", severity: .warning, summary: "The newest advisory is older than max-database-age.",
                       help: "Download a fresh snapshot."),
    ]

    public let policy: VulnsPolicy
    public let root: String
    public let now: Double

    public init(policy: VulnsPolicy, root: String, now: Double) {
        (self.policy, self.root, self.now) = (policy, root, now)
    }

    func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : root + "/" + path }

    /// One vulnerability of one package, as judged.
    public struct Vulnerability: Sendable {
        public var component: Component
        public var lockfile: String
        public var match: AdvisoryIndex.Match
        public var level: SeverityLevel?
        public var score: CVSS.Score?
        public var standing: String
    }

    public func evaluate() throws -> GateResult {
        var inputs: [InputDigest] = []
        // Databases.
        var records: [OSVRecord] = []
        for database in policy.databases {
            let (loaded, digest) = try OSVReader.load(resolve(database))
            records += loaded
            inputs.append(InputDigest(path: database, sha256: digest.sha256))
        }
        let index = AdvisoryIndex(records)
        // Packages.
        var inventories: [Inventory] = []
        for path in policy.lockfiles.isEmpty ? ["Package.resolved"] : policy.lockfiles {
            let (inventory, digest) = try Self.readPackages(resolve(path), shownAs: path, root: root)
            inventories.append(inventory)
            inputs.append(InputDigest(path: path, sha256: digest.sha256))
        }
        var statements: [VEXStatement] = []
        for path in policy.vex {
            let (read, digest) = try VEXReader.read(resolve(path))
            statements += read.map { var s = $0; s.source = path; return s }
            inputs.append(InputDigest(path: path, sha256: digest.sha256))
        }

        var findings: [Finding] = []
        var vulnerabilities: [Vulnerability] = []
        var uncovered: [String: Int] = [:]
        var uncoveredSource: [String: String] = [:]
        var packages = 0
        for inventory in inventories {
            for component in inventory.components {
                packages += 1
                let location = Location(file: inventory.source, line: inventory.lines[component.purl])
                guard let ecosystem = AdvisoryEcosystem(component.ecosystem), index.covers(ecosystem) else {
                    let name = AdvisoryEcosystem(component.ecosystem)?.osvName ?? component.ecosystem.rawValue
                    uncovered[name, default: 0] += 1
                    uncoveredSource[name] = uncoveredSource[name] ?? inventory.source
                    continue
                }
                let (matches, unjudged) = index.matches(ecosystem: ecosystem, name: component.registryName, version: component.version)
                for problem in unjudged {
                    findings.append(Finding(severity: .warning, rule: "vulns/not-evaluated",
                                            message: "\(Self.label(component)): \(problem.id) could not be evaluated: \(problem.reason)",
                                            location: location, identity: "\(ecosystem.osvName):\(component.registryName):\(problem.id)"))
                }
                for match in matches {
                    var vulnerability = Vulnerability(component: component, lockfile: inventory.source, match: match,
                                                      level: nil, score: nil, standing: "")
                    (vulnerability.level, vulnerability.score) = Self.severity(of: match)
                    let finding = judge(&vulnerability, statements: statements, location: location,
                                        identity: "\(ecosystem.osvName):\(component.registryName):\(match.record.id)")
                    findings += finding
                    vulnerabilities.append(vulnerability)
                }
            }
        }
        for (ecosystem, count) in uncovered.sorted(by: { $0.key < $1.key }) {
            findings.append(Finding(severity: .warning, rule: "vulns/not-covered",
                                    message: "\(count) \(ecosystem) package\(count == 1 ? "" : "s") not checked: the databases hold no \(ecosystem) advisories",
                                    location: Location(file: uncoveredSource[ecosystem] ?? ""), identity: "not-covered:\(ecosystem)"))
        }
        var databaseAge: Double?
        if let newest = index.newestModified, let seconds = Timestamp.seconds(newest) {
            databaseAge = max(0, now - seconds)
            if let limit = policy.maxDatabaseAge, now - seconds > limit {
                findings.append(Finding(severity: .warning, rule: "vulns/stale-database",
                                        message: "the newest advisory was modified \(newest), \(Int((now - seconds) / 86_400)) days ago: older than max-database-age",
                                        location: Location(file: policy.databases[0]), identity: "stale-database"))
            }
        }
        let counted = vulnerabilities.filter { $0.standing == "fail" }.count
        let below = vulnerabilities.filter { $0.standing == "below" }.count
        let suppressed = vulnerabilities.filter { $0.standing == "not affected" || $0.standing == "ignored" }.count
        var measurements = [
            Measurement(name: "vulnerabilities", value: Double(counted), threshold: 0, comparison: .atMost, verdict: counted > 0 ? .fail : .pass,
                        tally: FindingTally(rules: ["vulns/vulnerable", "vulns/unknown-severity"], severity: .error)),
            Measurement(name: "below_threshold", value: Double(below)),
            Measurement(name: "suppressed", value: Double(suppressed)),
            Measurement(name: "packages", value: Double(packages)),
            Measurement(name: "advisories", value: Double(index.records.count)),
            Measurement(name: "not_covered", value: Double(uncovered.values.reduce(0, +)), verdict: uncovered.isEmpty ? .pass : .warn),
        ]
        // The age is judged, so shown, only when max-database-age asks for it.
        if let databaseAge, let limit = policy.maxDatabaseAge {
            let days = (databaseAge / 86_400 * 10).rounded() / 10
            measurements.append(Measurement(name: "database_age", value: days, unit: "days", threshold: (limit / 86_400 * 10).rounded() / 10,
                                            comparison: .atMost, verdict: databaseAge > limit ? .warn : .pass))
        }
        let rows = vulnerabilities.sorted { ($0.component.purl, $0.match.record.id) < ($1.component.purl, $1.match.record.id) }.map { v in
            [Self.label(v.component), v.match.record.id, Self.severityText(v), v.match.fixedIn ?? "no fix", v.standing]
        }
        var summary = "\(counted) vulnerabilit\(counted == 1 ? "y" : "ies")"
            + (policy.failOn == .low ? "" : " at or above \(policy.failOn.name)") + " in \(packages) packages"
        var extras: [String] = []
        if below > 0 { extras.append("\(below) below") }
        if suppressed > 0 { extras.append("\(suppressed) ignored or not affected") }
        if !uncovered.isEmpty { extras.append("\(uncovered.values.reduce(0, +)) not covered") }
        if !extras.isEmpty { summary += " (" + extras.joined(separator: ", ") + ")" }
        summary += "; \(index.records.count) advisories"
        return GateResult(
            gate: Self.id, verdict: GateResult.verdict(measurements: measurements, findings: findings), summary: summary,
            measurements: measurements, findings: findings, inputs: inputs, rules: Self.rules,
            details: .object([
                "vulnerabilities": .array(vulnerabilities.map(Self.detail)),
                "packages": .array(inventories.flatMap(\.components).map { component in
                    .object(["ecosystem": .string(component.ecosystem.rawValue), "name": .string(component.registryName), "version": .string(component.version)])
                }),
            ]),
            tables: rows.isEmpty ? [] : [ResultTable(title: "Vulnerabilities", header: ["package", "advisory", "severity", "fixed in", "standing"], rows: rows)])
    }

    /// The finding for one vulnerability, after VEX and ignores, with its standing set.
    func judge(_ vulnerability: inout Vulnerability, statements: [VEXStatement],
               location: Location, identity: String) -> [Finding] {
        let record = vulnerability.match.record
        let names = Set([record.id] + record.aliases)
        let subject = "\(Self.label(vulnerability.component)): \(record.id)"
            + (record.aliases.isEmpty ? "" : " (\(record.aliases.sorted().joined(separator: ", ")))")
        let fix = vulnerability.match.fixedIn.map { "fixed in \($0)" } ?? "no fix"
        let what = Self.shortText(record.summary ?? record.details ?? "")
        let body = "\(subject), \(Self.severityText(vulnerability))\(what.isEmpty ? "" : ": " + what); \(fix)"
        if let statement = statements.first(where: { names.contains($0.vulnerability) && $0.covers(purl: vulnerability.component.purl) }) {
            vulnerability.standing = "not affected"
            return [Finding(severity: .note, rule: "vulns/not-affected", message: "\(subject): not affected (\(statement.justification), \(statement.source))",
                            location: location, identity: identity)]
        }
        var findings: [Finding] = []
        if let ignore = policy.ignore.first(where: { names.contains($0.id) }) {
            if ignore.expires > now {
                vulnerability.standing = "ignored"
                return [Finding(severity: .note, rule: "vulns/ignored", message: "\(subject): ignored until \(ignore.expiresText) (\(ignore.reason))",
                                location: location, identity: identity)]
            }
            findings.append(Finding(severity: .error, rule: "vulns/expired-ignore",
                                    message: "\(subject): the ignore entry expired on \(ignore.expiresText) (\(ignore.reason))",
                                    location: ignore.line.map { Location(file: "gates/vulns.yml", line: $0) } ?? location, identity: identity))
        }
        if let informational = vulnerability.match.affected.informational {
            vulnerability.standing = informational
            return findings + [Finding(severity: .warning, rule: "vulns/informational", message: "\(Self.label(vulnerability.component)): \(record.id), \(informational)"
                                       + (what.isEmpty ? "" : ": " + what), location: location, identity: identity)]
        }
        guard let level = vulnerability.level else {
            vulnerability.standing = policy.failOnUnknown ? "fail" : "below"
            return findings + [Finding(severity: policy.failOnUnknown ? .error : .warning, rule: "vulns/unknown-severity",
                                       message: body, location: location, identity: identity)]
        }
        if level >= policy.failOn && level > .none {
            vulnerability.standing = "fail"
            return findings + [Finding(severity: .error, rule: "vulns/vulnerable", message: body, location: location, identity: identity)]
        }
        vulnerability.standing = "below"
        return findings + [Finding(severity: .warning, rule: "vulns/below-threshold", message: body, location: location, identity: identity)]
    }

    /// An advisory's summary on one line, cut at a word near 160 characters.
    static func shortText(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        guard line.count > 160 else { return line }
        let cut = line.prefix(160)
        return String(cut[..<(cut.lastIndex(of: " ") ?? cut.endIndex)]) + "…"
    }

    static func label(_ component: Component) -> String { "\(component.registryName)@\(component.version)" }

    static func severityText(_ vulnerability: Vulnerability) -> String {
        guard let level = vulnerability.level else { return "severity unknown" }
        if let score = vulnerability.score { return "\(level.name) \(String(format: "%.1f", score.base)) (CVSS \(score.version))" }
        return level.name
    }

    /// The severity of a match: the package's own CVSS vector over the record's, v3.x over v2
    /// (v4 vectors are not scored here); else the database's stated severity; else unknown.
    static func severity(of match: AdvisoryIndex.Match) -> (SeverityLevel?, CVSS.Score?) {
        let entries = match.affected.severity + match.record.severity
        var best: CVSS.Score?
        for entry in entries where entry.type == "CVSS_V3" || entry.type == "CVSS_V2" {
            guard let score = (try? CVSS.score(entry.score)) ?? nil else { continue }
            if best == nil || (best!.version == "2.0" && score.version != "2.0") { best = score }
        }
        if let best {
            return (best.version == "2.0" ? CVSS.v2Level(best.base) : SeverityLevel(score: best.base), best)
        }
        if let stated = match.record.statedSeverity.flatMap(SeverityLevel.init(stated:)) { return (stated, nil) }
        return (nil, nil)
    }

    static func detail(_ vulnerability: Vulnerability) -> JSONValue {
        var members: [String: JSONValue] = [
            "purl": .string(vulnerability.component.purl), "id": .string(vulnerability.match.record.id),
            "aliases": .array(vulnerability.match.record.aliases.sorted().map(JSONValue.string)),
            "standing": .string(vulnerability.standing), "lockfile": .string(vulnerability.lockfile),
            "package": .string(vulnerability.component.registryName), "version": .string(vulnerability.component.version),
        ]
        if let level = vulnerability.level { members["severity"] = .string(level.name) }
        if let score = vulnerability.score { members["score"] = .number(score.base); members["vector"] = .string(score.vector) }
        if let fixed = vulnerability.match.fixedIn { members["fixed"] = .string(fixed) }
        return .object(members)
    }

    /// A lockfile through Dependencies, or a CycloneDX JSON SBOM's components by purl.
    static func readPackages(_ path: String, shownAs: String, root: String) throws -> (Inventory, InputDigest) {
        let name = (path as NSString).lastPathComponent
        if name.hasSuffix(".json") && name != "package-lock.json" && name != "npm-shrinkwrap.json" {
            let (bytes, digest) = try InputFile.readAll(path, expected: "a CycloneDX JSON SBOM", limits: .document)
            let tree = try JSONTree.parse(bytes, path: shownAs)
            guard tree["bomFormat"]?.string == "CycloneDX" else {
                throw GateError.usage("\(shownAs): not a lockfile gate reads, nor a CycloneDX JSON SBOM (no bomFormat: CycloneDX)")
            }
            let lines = Lockfiles.jsonStringLines(bytes, keys: ["purl"])
            var components: [Component] = []
            var byPurl: [String: Int] = [:]
            for entry in tree["components"]?.array ?? [] {
                guard let purl = entry["purl"]?.string, let component = PackageURL.component(purl) else { continue }
                components.append(component)
                byPurl[component.purl] = lines[purl]
            }
            return (Inventory(source: shownAs, components: components, lines: byPurl), digest)
        }
        do {
            let (inventory, digest) = try Lockfiles.read(path)
            return (Inventory(source: shownAs, root: inventory.root, components: inventory.components, lines: inventory.lines), digest)
        } catch let error as LockfileError {
            throw GateError.usage(String(describing: error).replacingOccurrences(of: root + "/", with: ""))
        }
    }
}

/// Package URLs (github.com/package-url/purl-spec) of the ecosystems gate reads, back to
/// components.
enum PackageURL {
    static func component(_ purl: String) -> Component? {
        guard purl.hasPrefix("pkg:") else { return nil }
        var text = Substring(purl.dropFirst(4))
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        guard let at = text.lastIndex(of: "@") else { return nil }
        let version = String(text[text.index(after: at)...]).removingPercentEncoding ?? ""
        let parts = text[..<at].split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard parts.count >= 2, let ecosystem = Ecosystem(rawValue: parts[0].lowercased()), !version.isEmpty else { return nil }
        let name = parts.last!
        let namespace = parts.count > 2 ? parts[1..<(parts.count - 1)].joined(separator: "/") : nil
        return Component(ecosystem: ecosystem, namespace: namespace, name: name, version: version)
    }
}

extension VulnsGate: Gate {
    public static var policyKeys: [PolicyKey] { VulnsPolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try VulnsGate(policy: VulnsPolicy(policy: policy), root: context.root, now: context.now).evaluate()
    }
}
