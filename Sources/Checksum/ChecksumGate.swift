import GateCrypto
import Foundation
import GateKit

private typealias Measurement = GateKit.Measurement

/// The checksum gate's policy: `gates/checksum.yml`.
///
/// ```yaml
/// manifest: fixtures/model/MANIFEST.sha256   # what to verify
/// root: fixtures/model                       # the files it lists (default: the manifest's directory)
/// verify-key: keys/release.pub               # optional: the manifest's Ed25519 signature must verify
/// ```
public struct ChecksumPolicy: Sendable, Equatable {
    public static let policyKeys: [PolicyKey] = [
        PolicyKey("manifest", .path, "The sha256sum manifest to verify."),
        PolicyKey("root", .path, "The directory the manifest's paths are relative to (default: the manifest's)."),
        PolicyKey("verify-key", .path, "An Ed25519 public key the manifest's signature must verify with."),
        PolicyKey("signature", .path, "The signature file (default: MANIFEST.sig)."),
    ]
    public static var keys: [String] { policyKeys.map(\.name) }
    public var manifest: String?
    public var root: String?
    public var verifyKey: String?
    public var signature: String?

    public init() {}

    public init(policy: Policy) throws {
        try policy.requireKnownKeys(Self.keys)
        manifest = try policy.string("manifest")
        root = try policy.string("root")
        verifyKey = try policy.string("verify-key")
        signature = try policy.string("signature")
    }
}

/// `gate checksum verify`: every file the manifest lists is there with its digest, and nothing
/// else is (the manifest itself, its `.json` sidecar and `.sig` signature aside). With a
/// verify key, the manifest's Ed25519 signature must hold too.
///
/// Keys are files holding base64 of the raw 32-byte Ed25519 key (private: the seed; public:
/// the point), as `gate checksum keygen` writes them; a signature file holds base64 of the
/// 64-byte signature over the manifest's exact bytes.
public struct ChecksumGate: Sendable {
    public static let id = "checksum"
    public static let rules = [
        RuleDescriptor(id: "checksum/changed", severity: .error, summary: "A file's SHA-256 is not the one the manifest lists.", help: "The artifact changed after its manifest was made: rebuild it, or make and sign a new manifest."),
        RuleDescriptor(id: "checksum/missing", severity: .error, summary: "A file the manifest lists is not there.", help: "Restore the file, or make a new manifest without it."),
        RuleDescriptor(id: "checksum/unexpected", severity: .error, summary: "A file is there that the manifest does not list.", help: "Remove it, or make a new manifest with it."),
        RuleDescriptor(id: "checksum/bad-signature", severity: .error, summary: "The manifest's Ed25519 signature does not verify.", help: "The manifest was changed or signed with another key: sign it again with the release key."),
    ]
    public let policy: ChecksumPolicy
    public let context: GateContext

    public init(policy: ChecksumPolicy, context: GateContext) {
        (self.policy, self.context) = (policy, context)
    }

    public func evaluate(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> GateResult {
        guard let manifestPath = policy.manifest else {
            throw GateError.usage("checksum: pass the manifest (gate checksum verify MANIFEST, or manifest: in gates/checksum.yml).")
        }
        let (bytes, digest) = try InputFile.readAll(context.resolve(manifestPath), expected: "a sha256sum manifest", limits: .lines)
        let manifest = try ChecksumManifest.parse(String(decoding: bytes, as: UTF8.self), path: manifestPath)
        let root = policy.root ?? ((manifestPath as NSString).deletingLastPathComponent.isEmpty ? "." : (manifestPath as NSString).deletingLastPathComponent)
        let rootPath = RepositoryPath.normalize(context.resolve(root))
        var findings: [Finding] = []
        if let keyPath = policy.verifyKey {
            let signaturePath = policy.signature ?? manifestPath + ".sig"
            let key = try Self.publicKey(context.resolve(keyPath))
            guard let text = try? String(contentsOfFile: context.resolve(signaturePath), encoding: .utf8),
                  let signature = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw GateError.missingInput(path: signaturePath)
            }
            if !key.isValidSignature(signature, for: Data(bytes)) {
                findings.append(Finding(severity: .error, rule: "checksum/bad-signature",
                                        message: "the signature \(signaturePath) does not verify with \(keyPath): the manifest was changed or signed with another key",
                                        location: Location(file: manifestPath)))
            }
        }
        let manifestName = (context.resolve(manifestPath) as NSString).standardizingPath
        let own = Set([manifestName, manifestName + ".json", manifestName + ".sig"].map { path -> String in
            let base = (rootPath as NSString).standardizingPath + "/"
            return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
        })
        let present = try ChecksumManifest.files(under: rootPath, excluding: own)
        let listed = Set(manifest.entries.map(\.path))
        let existing = manifest.entries.filter { FileManager.default.fileExists(atPath: rootPath + "/" + $0.path) }
        let hashed = Dictionary(uniqueKeysWithValues: try ChecksumManifest.hash(existing.map(\.path), root: rootPath, progress: progress).map { ($0.path, $0.sha256) })
        var changed = 0, missing = 0, unexpected = 0
        for entry in manifest.entries {
            guard let actual = hashed[entry.path] else {
                missing += 1
                findings.append(Finding(severity: .error, rule: "checksum/missing", message: "missing: \(entry.path)", location: Location(file: manifestPath)))
                continue
            }
            if actual != entry.sha256 {
                changed += 1
                findings.append(Finding(severity: .error, rule: "checksum/changed",
                                        message: "changed: \(entry.path) (sha256 \(actual.prefix(12))…, the manifest says \(entry.sha256.prefix(12))…)",
                                        location: Location(file: manifestPath)))
            }
        }
        for path in present where !listed.contains(path) {
            unexpected += 1
            findings.append(Finding(severity: .error, rule: "checksum/unexpected", message: "unexpected: \(path) is not in the manifest", location: Location(file: manifestPath)))
        }
        let measurements = [
            Measurement(name: "files", value: Double(manifest.entries.count)),
            Measurement(name: "changed", value: Double(changed), threshold: 0, comparison: .atMost, verdict: changed > 0 ? .fail : .pass,
                        tally: FindingTally(rules: ["checksum/changed"])),
            Measurement(name: "missing", value: Double(missing), threshold: 0, comparison: .atMost, verdict: missing > 0 ? .fail : .pass,
                        tally: FindingTally(rules: ["checksum/missing"])),
            Measurement(name: "unexpected", value: Double(unexpected), threshold: 0, comparison: .atMost, verdict: unexpected > 0 ? .fail : .pass,
                        tally: FindingTally(rules: ["checksum/unexpected"])),
        ]
        let verdict = GateResult.verdict(measurements: measurements, findings: findings)
        let summary = verdict == .pass
            ? "\(manifest.entries.count) files match \(manifestPath)" + (policy.verifyKey != nil ? ", signature verified" : "")
            : "\(changed) changed, \(missing) missing, \(unexpected) unexpected of \(manifest.entries.count) files" + (findings.contains { $0.rule == "checksum/bad-signature" } ? "; bad signature" : "")
        return GateResult(gate: Self.id, verdict: verdict, summary: summary, measurements: measurements, findings: findings,
                          inputs: [InputDigest(path: manifestPath, sha256: digest.sha256)], rules: Self.rules)
    }

    /// Writes MANIFEST (and MANIFEST.json, and MANIFEST.sig with a signing key) for `root`.
    public static func create(root: String, manifest path: String, signKey: String?, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ChecksumManifest {
        let manifestAbsolute = (path as NSString).standardizingPath
        let base = (URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path as NSString).standardizingPath + "/"
        let own = Set([manifestAbsolute, manifestAbsolute + ".json", manifestAbsolute + ".sig"].map { full -> String in
            let resolved = URL(fileURLWithPath: full).standardizedFileURL.path
            return resolved.hasPrefix(base) ? String(resolved.dropFirst(base.count)) : full
        })
        let files = try ChecksumManifest.files(under: root, excluding: own)
        let manifest = ChecksumManifest(entries: try ChecksumManifest.hash(files, root: root, progress: progress))
        try write(manifest.text, to: path)
        try write(manifest.sidecar, to: path + ".json")
        if let signKey {
            let key = try privateKey(signKey)
            try write(try key.signature(for: Data(manifest.text.utf8)).base64EncodedString() + "\n", to: path + ".sig")
        }
        return manifest
    }

    /// A new key pair, written as base64 of the raw keys.
    public static func keygen(privateKey privatePath: String, publicKey publicPath: String) throws {
        let key = Curve25519.Signing.PrivateKey()
        try write(key.rawRepresentation.base64EncodedString() + "\n", to: privatePath)
        chmod(privatePath, 0o600)
        try write(key.publicKey.rawRepresentation.base64EncodedString() + "\n", to: publicPath)
    }

    static func privateKey(_ path: String) throws -> Curve25519.Signing.PrivateKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GateError.missingInput(path: path) }
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw GateError.usage("\(path): not an Ed25519 private key (base64 of its 32 raw bytes, as gate checksum keygen writes)")
        }
        return key
    }

    static func publicKey(_ path: String) throws -> Curve25519.Signing.PublicKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw GateError.missingInput(path: path) }
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw GateError.usage("\(path): not an Ed25519 public key (base64 of its 32 raw bytes, as gate checksum keygen writes)")
        }
        return key
    }

    static func write(_ text: String, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw GateError.cannotWrite(path: path, reason: "cannot create the file")
        }
    }
}

extension ChecksumGate: Gate {
    public static var policyKeys: [PolicyKey] { ChecksumPolicy.policyKeys }

    public static func evaluate(policy: Policy, context: GateContext) throws -> GateResult {
        try ChecksumGate(policy: ChecksumPolicy(policy: policy), context: context).evaluate()
    }
}
