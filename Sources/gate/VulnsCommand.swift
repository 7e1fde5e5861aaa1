import ArgumentParser
import GateKit
import Vulns

/// `gate vulns`: locked dependencies against OSV advisories, offline.
struct VulnsCommand: GateCommand {
    typealias Judged = VulnsGate
    static let configuration = CommandConfiguration(
        commandName: "vulns",
        abstract: "Check what lockfiles pin against OSV advisory databases (folders or osv.dev all.zip), offline.",
        discussion: "Policy: gates/vulns.yml with the keys \(VulnsPolicy.keys.joined(separator: ", ")).")

    @Argument(help: ArgumentHelp("Lockfiles or CycloneDX JSON SBOMs (default: lockfiles: in the policy, else Package.resolved).", valueName: "lockfiles"))
    var lockfiles: [String] = []
    @Option(parsing: .upToNextOption, help: ArgumentHelp("OSV databases: folders of records or all.zip files.", valueName: "path")) var databases: [String] = []
    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Fail at or above: low, medium, high or critical.", valueName: "severity")) var failOn: String?
    @Option(name: .customLong("unknown-severity"), help: ArgumentHelp("A vulnerability of unknown severity: fail or warn.", valueName: "fail|warn"))
    var unknownSeverity: String?
    @Option(name: .customLong("max-database-age"), help: ArgumentHelp("Warn when the newest advisory is older (7d).", valueName: "duration"))
    var maxDatabaseAge: String?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("OpenVEX or CycloneDX VEX documents.", valueName: "path")) var vex: [String] = []
    @Option(help: ArgumentHelp("Ignore entries as YAML: '[{id: X, reason: Y, expires: 2027-01-31}]'.", valueName: "yaml")) var ignore: String?
    @OptionGroup var common: CommonOptions

    func run() throws {
        try common.run(VulnsGate.self, flags: [
            PolicyFlag("lockfiles", lockfiles), PolicyFlag("databases", databases), PolicyFlag("fail-on", failOn),
            PolicyFlag("unknown-severity", unknownSeverity), PolicyFlag("max-database-age", maxDatabaseAge), PolicyFlag("vex", vex),
            .yaml("ignore", ignore),
        ])
    }
}
