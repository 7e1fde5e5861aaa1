import ArgumentParser
import Foundation
import GateKit
import Checksum

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gate checksum`: sha256sum-compatible manifests of model artifacts, verified as a gate.
struct ChecksumCommand: GateCommand {
    typealias Judged = ChecksumGate
    static let configuration = CommandConfiguration(
        commandName: "checksum",
        abstract: "Checksum manifests for artifact directories: create (optionally Ed25519-signed), verify as a gate.",
        subcommands: [ChecksumVerifyCommand.self, ChecksumCreateCommand.self, ChecksumKeygenCommand.self],
        defaultSubcommand: ChecksumVerifyCommand.self)
}

struct ChecksumVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Report changed, missing and unexpected files (exit 1); a bad manifest is exit 2.",
        discussion: "Policy: gates/checksum.yml with the keys \(ChecksumPolicy.keys.joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("The manifest (default: manifest: in the policy).", valueName: "manifest")) var manifest: String?
    @Option(help: ArgumentHelp("The directory the manifest's paths are relative to (default: the manifest's).", valueName: "dir")) var root: String?
    @Option(name: .customLong("verify-key"), help: ArgumentHelp("An Ed25519 public key: MANIFEST.sig must verify with it.", valueName: "file")) var verifyKey: String?
    @Option(help: ArgumentHelp("The manifest's signature (default: MANIFEST.sig).", valueName: "file")) var signature: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        let flags = [PolicyFlag("manifest", manifest).replacing("root"), PolicyFlag("root", root),
                     PolicyFlag("verify-key", verifyKey), PolicyFlag("signature", signature)]
        try common.run(ChecksumGate.self, flags: flags) { policy, context in
            try ChecksumGate(policy: ChecksumPolicy(policy: policy), context: context).evaluate(progress: progressLine("hashed", "files"))
        }
    }
}

struct ChecksumCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Hash every file under a directory into a manifest `sha256sum -c` accepts, with a .json sidecar of sizes.")

    @Argument(help: ArgumentHelp("The directory.", valueName: "dir")) var directory: String
    @Option(name: .shortAndLong, help: ArgumentHelp("The manifest to write (default: DIR/MANIFEST.sha256).", valueName: "manifest")) var output: String?
    @Option(name: .customLong("sign-key"), help: ArgumentHelp("An Ed25519 private key: also write MANIFEST.sig.", valueName: "file")) var signKey: String?

    func run() throws {
        try exitingTwoOnError {
            let path = output ?? directory + "/MANIFEST.sha256"
            let manifest = try ChecksumGate.create(root: directory, manifest: path, signKey: signKey, progress: progressLine("hashed", "files"))
            let bytes = manifest.entries.reduce(0) { $0 + ($1.size ?? 0) }
            FileSink.standardOutput("wrote \(path): \(manifest.entries.count) files, \(bytes) bytes" + (signKey != nil ? ", signed" : "") + "\n")
        }
    }
}

struct ChecksumKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new Ed25519 key pair (base64 of the raw 32-byte keys; the private file mode 600).")

    @Argument(help: ArgumentHelp("The private key file.", valueName: "private")) var privateKey: String
    @Argument(help: ArgumentHelp("The public key file.", valueName: "public")) var publicKey: String

    func run() throws {
        try exitingTwoOnError { try ChecksumGate.keygen(privateKey: privateKey, publicKey: publicKey) }
    }
}
