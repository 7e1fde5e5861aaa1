import ArgumentParser
import Foundation
import GateKit
import SBOM

/// `gate sbom`: software bills of materials from lockfiles.
struct SBOMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom",
        abstract: "Software bills of materials from lockfiles (CycloneDX 1.6, SPDX 2.3).",
        subcommands: [SBOMGenerateCommand.self])
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

    func validate() throws {
        guard ["cyclonedx", "spdx"].contains(format) else { throw ValidationError("--format must be cyclonedx or spdx.") }
    }

    func run() throws {
        try exitingTwoOnError {
            let paths = lockfiles.isEmpty ? ["Package.resolved"] : lockfiles
            let inventories = try paths.map { try Lockfiles.read($0).0 }
            let documentName = name ?? (FileManager.default.currentDirectoryPath as NSString).lastPathComponent
            let text = format == "spdx" ? SBOMWriter.spdx(inventories, name: documentName) : SBOMWriter.cycloneDX(inventories)
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
