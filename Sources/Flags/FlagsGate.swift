import FeatureFlags
import Foundation
import GateKit

/// The flag-policy gate's settings: `gates/flags.yml`, each key with a same-named flag.
///
/// ```yaml
/// file: fixtures/flags/flags.yml      # the flag file to check
/// previous-ref: origin/main           # compare with the file at this git ref (or previous: FILE)
/// ladder: [0, 0.1, 5, 25, 50, 100]    # a change may move up at most one step
/// max-override-days: 30               # a user override must expire within this many days
/// stale-days: 30                      # a flag at 100% older than this is reported
/// sources: ["Sources/**"]             # where flags are referenced
/// reference-pattern: 'isEnabled\("([A-Za-z0-9_.-]+)"\)'   # one capture group: the flag name
/// ```
public struct FlagsPolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("file", .path, "The flag file to check (YAML or JSON)."),
        PolicyKey("previous", .path, "The previous version of the flag file."),
        PolicyKey("previous-ref", .string, "Compare with the flag file at this git ref."),
        PolicyKey("ladder", .list, "Rollout percentages a change may climb one step at a time, from 0 to 100 (steps of 0.01 allowed)."),
        PolicyKey("max-override-days", .number, "A user override must expire within this many days."),
        PolicyKey("stale-days", .number, "A flag at 100% older than this many days is reported."),
        PolicyKey("sources", .list, "Globs of the code where flags are referenced."),
        PolicyKey("reference-pattern", .string, "A regular expression with one capture group: a referenced flag's name."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    public static let defaultPattern = #"(?:isEnabled|flag|variant)\(\s*["']([A-Za-z0-9_.-]+)["']"#

    public var file: String?
    public var previous: String?
    public var previousRef: String?
    public var ladder: [Double] = [0, 5, 25, 50, 100]
    public var maxOverrideDays = 30.0
    public var staleDays = 30.0
    public var sources: [String] = []
    public var referencePattern = FlagsPolicy.defaultPattern

    public init() {}

    /// The ladder step a rollout at `level` may rise to.
    public static func nextStep(above level: Double, ladder: [Double]) -> Double {
        ladder.first { $0 > level } ?? 100
    }

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        file = try policy.string("file")
        previous = try policy.string("previous")
        previousRef = try policy.string("previous-ref")
        if let steps = try policy.strings("ladder") {
            let numbers = steps.compactMap(Double.init).filter { Percentage.hundredths($0) != nil }
            guard numbers.count == steps.count, numbers.first == 0, numbers.last == 100, zip(numbers, numbers.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw policy.invalid(line: policy.entry("ladder")?.line, key: "ladder",
                                                   expected: "percentages rising from 0 to 100 in steps of at least 0.01, such as [0, 0.1, 5, 25, 50, 100]")
            }
            ladder = numbers
        }
        if let days = try policy.number("max-override-days", in: 0...3650) { maxOverrideDays = days }
        if let days = try policy.number("stale-days", in: 0...3650) { staleDays = days }
        sources = try policy.strings("sources") ?? []
        if let pattern = try policy.string("reference-pattern") {
            guard let regex = try? NSRegularExpression(pattern: pattern), regex.numberOfCaptureGroups == 1 else {
                throw policy.invalid(line: policy.entry("reference-pattern")?.line, key: "reference-pattern",
                                                   expected: "a regular expression with exactly one capture group (the flag name)")
            }
            referencePattern = pattern
        }
    }
}

/// `gate flags lint`: a flag file against the rollout rules.
///
/// - a flag that is new (not in the previous version) starts disabled at 0%;
/// - a flag's effective percentage (0 when killed or disabled, 100 when forced on) moves up at
///   most one ladder step from the previous version; any move down is a rollback, always allowed;
/// - a user override has a reason and expires within `max-override-days`; an expired one is
///   reported for removal;
/// - a flag at 100% created more than `stale-days` ago, or past its `expiry`, is reported;
/// - with `sources`: a flag referenced in the code but not defined fails (it would evaluate off
///   with reason DEFAULT everywhere); a defined flag nothing references is reported.
public struct FlagsGate: Sendable {
    public static let id = "flags"

    public let policy: FlagsPolicy
    public let context: GateContext
    public let now: Double

    /// `now` is the context's clock unless given.
    public init(policy: FlagsPolicy, context: GateContext, now: Double? = nil) {
        (self.policy, self.context, self.now) = (policy, context, now ?? context.now)
    }

    public static let rules = [
        RuleDescriptor(id: "flags/new-flag-enabled", severity: .error, summary: "A new flag must start disabled at 0%.", help: "Add the flag with enabled: false and rollout_percentage: 0; roll it out in later changes."),
        RuleDescriptor(id: "flags/ladder-jump", severity: .error, summary: "A rollout moves at most one ladder step at a time.", help: "Raise the percentage to the next step of the ladder only."),
        RuleDescriptor(id: "flags/off-ladder", severity: .error, summary: "Rollout percentages are ladder steps.", help: "Use one of the ladder's percentages."),
        RuleDescriptor(id: "flags/override-reason", severity: .error, summary: "A user override needs a reason.", help: "Say why (a ticket, a tester)."),
        RuleDescriptor(id: "flags/override-expiry", severity: .error, summary: "A user override must expire soon.", help: "Set expires_at within the allowed number of days."),
        RuleDescriptor(id: "flags/override-expired", severity: .warning, summary: "An expired user override is dead weight.", help: "Remove it."),
        RuleDescriptor(id: "flags/stale", severity: .warning, summary: "A flag fully rolled out for long should be removed.", help: "Delete the flag and its code path."),
        RuleDescriptor(id: "flags/expired", severity: .warning, summary: "A flag is past its expiry date.", help: "Finish the rollout and remove the flag, or extend its expiry."),
        RuleDescriptor(id: "flags/undefined-reference", severity: .error, summary: "The code checks a flag that is not defined.", help: "Define the flag (disabled) or remove the check."),
        RuleDescriptor(id: "flags/unreferenced", severity: .warning, summary: "A flag no code checks.", help: "Remove the flag, or check it where the feature is."),
        RuleDescriptor(id: "flags/no-previous", severity: .note, summary: "No previous flag file to compare with.", help: "Give previous: or previous-ref: so the new-flag and ladder rules can run."),
        RuleDescriptor(id: "flags/biased-rollout", severity: .error, summary: "Users fall into a rollout at a share far from its percentage.", help: "The bucketing is broken: check the flag's salt and the hash."),
        RuleDescriptor(id: "flags/not-sticky", severity: .error, summary: "A user in a rollout falls out of it when the percentage rises.", help: "Bucketing must be monotonic in the percentage: check the hash."),
    ]

    public func evaluate() throws -> GateResult {
        guard let path = policy.file else {
            throw GateError.usage("flags: pass the flag file (gate flags lint FILE, or file: in gates/flags.yml).")
        }
        let file = try Self.load(path, root: context.root)
        var inputs = [try digest(path)]
        var previous: FlagFile?
        if let previousPath = policy.previous {
            previous = try Self.load(previousPath, root: context.root)
            inputs.append(try digest(previousPath))
        } else if let ref = policy.previousRef {
            previous = try previousVersion(of: path, at: ref)
        }
        var findings = check(file, previous: previous)
        if !policy.sources.isEmpty { findings += try references(file) }
        if previous == nil {
            findings.append(Finding(severity: .note, rule: "flags/no-previous",
                                    message: "no previous version given (previous or previous-ref): new-flag and ladder rules not checked",
                                    location: Location(file: path)))
        }
        let errors = findings.filter { $0.severity == .error }.count
        let measurements = [
            Measurement(name: "flags", value: Double(file.flags.count)),
            Measurement(name: "overrides", value: Double(file.overrides.count)),
            Measurement(name: "rule_violations", value: Double(errors), threshold: 0, comparison: .atMost, verdict: errors > 0 ? .fail : .pass,
                        tally: FindingTally(severity: .error)),
        ]
        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        let warnings = findings.filter { $0.severity == .warning }.count
        let summary = "\(file.flags.count) flag\(file.flags.count == 1 ? "" : "s"), \(file.overrides.count) override\(file.overrides.count == 1 ? "" : "s"): "
            + (errors == 0 && warnings == 0 ? "every rollout rule holds" : "\(errors) violation\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        return GateResult(gate: Self.id, verdict: verdict, summary: summary, measurements: measurements, findings: findings,
                          inputs: inputs, rules: Self.rules,
                          details: .object(["flags": .orderedObject(file.flags.map { ($0.name, .number($0.effectivePercentage)) })]))
    }

    /// The rules that need only the file and its previous version; pure, for tests.
    public func check(_ file: FlagFile, previous: FlagFile?) -> [Finding] {
        var findings: [Finding] = []
        func at(_ line: Int) -> Location { Location(file: file.path, line: line) }
        for flag in file.flags {
            let level = flag.effectivePercentage
            if let previous {
                if let before = previous.flag(named: flag.name) {
                    let was = before.effectivePercentage
                    if level > was {
                        let next = FlagsPolicy.nextStep(above: was, ladder: policy.ladder)
                        if level > next {
                            findings.append(Finding(severity: .error, rule: "flags/ladder-jump",
                                                    message: "\(flag.name) jumps from \(Percentage.text(was))% to \(Percentage.text(level))%; the next step up is \(Percentage.text(next))%",
                                                    location: at(flag.line)))
                        }
                    }
                } else if flag.enabled || flag.rolloutPercentage > 0 || flag.adminOverrideEnabled {
                    findings.append(Finding(severity: .error, rule: "flags/new-flag-enabled",
                                            message: "\(flag.name) is new and must start disabled at 0% (it is \(flag.enabled ? "enabled" : "disabled") at \(Percentage.text(flag.rolloutPercentage))%\(flag.adminOverrideEnabled ? ", forced on" : ""))",
                                            location: at(flag.line)))
                }
            }
            if !policy.ladder.contains(flag.rolloutPercentage) {
                findings.append(Finding(severity: .error, rule: "flags/off-ladder",
                                        message: "\(flag.name) is at \(Percentage.text(flag.rolloutPercentage))%, not a ladder step (\(policy.ladder.map(Percentage.text).joined(separator: ", ")))",
                                        location: at(flag.line)))
            }
            if level == 100, let created = flag.created, now - created > policy.staleDays * 86_400 {
                findings.append(Finding(severity: .warning, rule: "flags/stale",
                                        message: "\(flag.name) is on for everyone and was created \(Int((now - created) / 86_400)) days ago (more than \(Int(policy.staleDays))): remove it",
                                        location: at(flag.line)))
            }
            if let expiry = flag.expiry, expiry <= now {
                findings.append(Finding(severity: .warning, rule: "flags/expired",
                                        message: "\(flag.name) passed its expiry \(Int((now - expiry) / 86_400)) days ago", location: at(flag.line)))
            }
        }
        for entry in file.overrides {
            let subject = "the override of \(entry.flag) for \(entry.user)"
            if (entry.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                findings.append(Finding(severity: .error, rule: "flags/override-reason", message: "\(subject) gives no reason", location: at(entry.line)))
            }
            guard let expires = entry.expiresAt else {
                findings.append(Finding(severity: .error, rule: "flags/override-expiry",
                                        message: "\(subject) never expires; set expires_at within \(Int(policy.maxOverrideDays)) days", location: at(entry.line)))
                continue
            }
            if expires <= now {
                findings.append(Finding(severity: .warning, rule: "flags/override-expired",
                                        message: "\(subject) expired \(Int((now - expires) / 86_400)) days ago: remove it", location: at(entry.line)))
            } else if expires - now > policy.maxOverrideDays * 86_400 {
                findings.append(Finding(severity: .error, rule: "flags/override-expiry",
                                        message: "\(subject) expires in \(Int(((expires - now) / 86_400).rounded(.up))) days, more than \(Int(policy.maxOverrideDays))",
                                        location: at(entry.line)))
            }
        }
        return findings
    }

    /// Flags referenced in `sources` but not defined (errors) and defined but not referenced
    /// (warnings).
    func references(_ file: FlagFile) throws -> [Finding] {
        let regex = try NSRegularExpression(pattern: policy.referencePattern)
        let globs = policy.sources.map(PathGlob.init)
        var referenced: [String: Location] = [:]
        let root = URL(fileURLWithPath: context.root)
        // Walk only below each glob's literal leading directories ("Sources/" of "Sources/**").
        var bases = Set<String>()
        for pattern in policy.sources {
            let literal = pattern.prefix { !"*?[{".contains($0) }
            bases.insert(literal.contains("/") ? String(literal[..<literal.lastIndex(of: "/")!]) : "")
        }
        var urls: [URL] = []
        for base in bases.sorted() {
            let start = base.isEmpty ? root : root.appendingPathComponent(base)
            guard let walker = FileManager.default.enumerator(at: start, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { continue }
            for case let url as URL in walker {
                if url.lastPathComponent == ".build" || url.lastPathComponent == "node_modules" { walker.skipDescendants(); continue }
                urls.append(url)
            }
        }
        for url in urls {
            let relative = String(url.path.dropFirst(root.path.count + 1))
            guard globs.contains(where: { $0.matches(relative) }), (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                  let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            var line = 1
            var lineStart = text.startIndex
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let range = Range(match.range(at: 1), in: text) else { continue }
                line += text[lineStart..<range.lowerBound].reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
                lineStart = range.lowerBound
                let name = String(text[range])
                if referenced[name] == nil { referenced[name] = Location(file: relative, line: line) }
            }
        }
        var findings: [Finding] = []
        let defined = Set(file.flags.map(\.name))
        for (name, location) in referenced.sorted(by: { $0.key < $1.key }) where !defined.contains(name) {
            findings.append(Finding(severity: .error, rule: "flags/undefined-reference",
                                    message: "the code checks '\(name)', which \(file.path) does not define (it would be off for everyone)", location: location))
        }
        for flag in file.flags where referenced[flag.name] == nil {
            findings.append(Finding(severity: .warning, rule: "flags/unreferenced",
                                    message: "\(flag.name) is defined but nothing in \(policy.sources.joined(separator: ", ")) checks it",
                                    location: Location(file: file.path, line: flag.line)))
        }
        return findings
    }

    /// The flag file at a git ref (`git show REF:PATH`); a file the ref does not have is an
    /// empty previous version, so every flag counts as new.
    func previousVersion(of path: String, at ref: String) throws -> FlagFile {
        let relative = RepositoryPath.relative(path, to: context.root) ?? path
        let output = try Subprocess.run("git", ["show", "\(ref):\(relative)"], in: context.root)
        guard output.status == 0 else {
            let verify = try Subprocess.run("git", ["rev-parse", "--verify", "--quiet", ref + "^{commit}"], in: context.root)
            if verify.status == 0 { return FlagFile(path: "\(ref):\(relative)", flags: []) }
            throw GateError.toolFailed(command: "git show \(ref):\(relative)",
                                       message: "'\(ref)' is not a commit here. In GitHub Actions, check out with fetch-depth: 0 so the base is present.")
        }
        let text = String(decoding: output.stdout, as: UTF8.self)
        let limits = InputLimits.yaml
        if let maxBytes = limits.maxBytes, output.stdout.count > maxBytes {
            throw GateError.inputTooLarge(path: "\(ref):\(relative)", limit: maxBytes, variable: limits.bytesVariable, expected: "a flag file")
        }
        try YAMLGuard.check(text, path: "\(ref):\(relative)")
        do {
            return try FlagFile.parse(text, path: "\(ref):\(relative)")
        } catch let error as FlagFileError {
            throw GateError.usage(String(describing: error))
        }
    }

    /// Reads a flag file through the shared input limits and the YAML guard, then the flag
    /// core's parser.
    public static func load(_ path: String, root: String) throws -> FlagFile {
        let (bytes, _) = try InputFile.readAll(path.hasPrefix("/") ? path : root + "/" + path, expected: "a flag file", limits: .yaml)
        let text = String(decoding: bytes, as: UTF8.self)
        try YAMLGuard.check(text, path: path)
        do {
            return try FlagFile.parse(text, path: path)
        } catch let error as FlagFileError {
            throw GateError.usage(Excerpt.message(String(describing: error).replacingOccurrences(of: root + "/", with: ""), limit: 500))
        }
    }

    private func digest(_ path: String) throws -> InputDigest {
        try InputFile.stream(path.hasPrefix("/") ? path : context.root + "/" + path, expected: "a flag file", limits: .yaml) { _ in }
    }
}

extension FlagsGate: Gate {
    public static var policyKeys: [PolicyKey] { FlagsPolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try FlagsGate(policy: FlagsPolicy(policy: policy), context: context).evaluate()
    }
}
