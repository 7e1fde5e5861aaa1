import ArgumentParser
import Foundation
import Dependencies
import GateKit
import SBOM

/// `gate sbom`: software bills of materials from lockfiles, and the license gate on them.
struct SBOMCommand: GateCommand {
    typealias Judged = SBOMGate
    static let configuration = CommandConfiguration(
        commandName: "sbom",
        abstract: "Software bills of materials from lockfiles (CycloneDX 1.6, SPDX 2.3) and the license policy gate.",
        subcommands: [SBOMCheckCommand.self, SBOMGenerateCommand.self, SBOMDiffCommand.self],
        defaultSubcommand: SBOMCheckCommand.self)
}

struct SBOMCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every dependency's license against allow and deny lists (gates/sbom.yml); optionally write the SBOM.",
        discussion: "Policy keys: \(SBOMPolicy.keys.joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("Lockfiles (default: lockfiles: in the policy, else Package.resolved).", valueName: "lockfiles"))
    var lockfiles: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Allowed SPDX license identifiers.", valueName: "id")) var allow: [String] = []
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Denied SPDX license identifiers.", valueName: "id")) var deny: [String] = []
    @Option(help: ArgumentHelp("A license neither allowed nor denied, or none found: warn or fail.", valueName: "warn|fail")) var unknown: String?

    @Option(name: .customLong("sbom-output"), help: ArgumentHelp("Also write the SBOM here.", valueName: "path")) var sbomOutput: String?
    @Option(name: .customLong("sbom-format"), help: ArgumentHelp("The SBOM's format: cyclonedx or spdx.", valueName: "format")) var sbomFormat: String?

    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(SBOMGate.self, flags: [
            PolicyFlag("lockfiles", lockfiles), PolicyFlag("allow", allow), PolicyFlag("deny", deny), PolicyFlag("unknown", unknown),
            PolicyFlag("sbom-output", sbomOutput).replacing("output"), PolicyFlag("sbom-format", sbomFormat).replacing("format"),
        ])
    }
}

struct SBOMGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a CycloneDX 1.6 or SPDX 2.3 JSON SBOM of what the lockfiles pin.",
        discussion: """
            Lockfiles, chosen by name: \(Lockfiles.names.joined(separator: ", ")) (any *.txt is read as pinned requirements). \
            The output is deterministic; its time is SOURCE_DATE_EPOCH when set.
            """)

    @Argument(help: ArgumentHelp("Lockfiles (default: Package.resolved).", valueName: "lockfile"))
    var lockfiles: [String] = []

    @Option(help: ArgumentHelp("cyclonedx or spdx.", valueName: "format")) var format = "cyclonedx"
    @Option(help: ArgumentHelp("Write the SBOM here instead of standard output.", valueName: "path")) var output: String?
    @Option(help: ArgumentHelp("The SPDX document name (default: the current directory's name).", valueName: "name")) var name: String?
    @Option(help: ArgumentHelp("A gate vulns result (--format json): add its vulnerabilities to a CycloneDX SBOM.", valueName: "result.json"))
    var vulns: String?

    func validate() throws {
        guard ["cyclonedx", "spdx"].contains(format) else { throw ValidationError("--format must be cyclonedx or spdx.") }
        guard vulns == nil || format == "cyclonedx" else { throw ValidationError("--vulns adds a CycloneDX section: use --format cyclonedx.") }
    }

    func run() throws {
        try exitingTwoOnError {
            let paths = lockfiles.isEmpty ? ["Package.resolved"] : lockfiles
            let inventories = try paths.map { try Lockfiles.read($0).0 }
            let context = GateContext.current
            let documentName = name ?? (context.root as NSString).lastPathComponent
            let environment = context.environment.variables
            let purls = Set(inventories.flatMap { $0.components.map(\.purl) })
            let vulnerabilities = try vulns.map { try SBOMVulnerabilities.read($0, components: purls) } ?? []
            let text = format == "spdx" ? SBOMWriter.spdx(inventories, name: documentName, environment: environment, now: context.now)
                : SBOMWriter.cycloneDX(inventories, environment: environment, vulnerabilities: vulnerabilities)
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                    throw GateError.cannotWrite(path: output, reason: "cannot create the file")
                }
            } else {
                FileSink.standardOutput(text)
            }
        }
    }
}

struct SBOMDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed in the dependencies between two lockfiles or CycloneDX SBOMs; fails on a newly denied license (gates/sbom.yml).")

    @Argument(help: ArgumentHelp("The base: a lockfile or a CycloneDX JSON SBOM.", valueName: "base")) var base: String
    @Argument(help: ArgumentHelp("The head, of the same kind.", valueName: "head")) var head: String
    @OptionGroup var common: CommonOptions

    func run() throws {
        let context = common.context(gate: SBOMDiff.id)
        let result = GateRunner.run(gate: SBOMDiff.id) {
            let policy = try common.loadPolicy(gate: SBOMGate.id).map { try SBOMPolicy(policy: $0.renamingKeys(SBOMGate.renamedKeys).policy) } ?? SBOMPolicy()
            let (before, baseDigest) = try SBOMDiff.components(base)
            let (after, headDigest) = try SBOMDiff.components(head)
            return SBOMDiff(base: before, head: after).judge(policy: policy, inputs: [baseDigest, headDigest], headPath: head)
        }
        try common.finish(result, context: context)
    }
}
