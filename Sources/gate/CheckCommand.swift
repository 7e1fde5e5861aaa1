import ArgumentParser
import GateKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run every gate that has a policy file in gates/ and print one summary.",
        discussion: """
            Each gates/<gate>.yml runs that gate with its policy. The exit code is the worst \
            verdict's. A file in gates/ that names no gate is an error, as is an empty gates/ \
            directory: a check that checks nothing never passes.
            """)

    @Option(help: ArgumentHelp("Directory of policy files.", valueName: "dir"))
    var gates: String = "gates"

    @OptionGroup var results: ResultsOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let checked: [GateResult]
        do {
            checked = try policyFiles().map { file in
                let id = Self.gateID(of: file)
                var context = GateContext.current
                context.baseline = results.input(gate: id)
                var policy: Policy?
                let result = GateRunner.run(gate: id) {
                    guard let command = GateRegistry.gate(named: id) else {
                        let known = GateRegistry.gates.map(\.id).joined(separator: ", ")
                        throw GateError.usage("\(file): no gate is named '\(id)'. Policy files are gates/<gate>.yml with <gate> one of: \(known).")
                    }
                    policy = try Policy.load(path: file)
                    return try command.evaluate(policy!, context)
                }
                return results.compare(result, context: context, policy: policy)
            }
        } catch {
            checked = [.error(gate: "check", message: String(describing: error))]
        }
        try results.save(checked)
        try output.finish(Report(results: checked, isCheck: true))
    }

    /// The `.yml`/`.yaml` files of the gates directory, sorted.
    private func policyFiles() throws -> [String] {
        guard let directory = opendir(gates) else {
            throw GateError.usage("\(gates): no policy directory here. Run gate check from the repository root, or pass --gates DIR.")
        }
        defer { closedir(directory) }
        var files: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".yml") || name.hasSuffix(".yaml"), !name.hasPrefix(".") { files.append("\(gates)/\(name)") }
        }
        guard !files.isEmpty else {
            throw GateError.usage("\(gates): no policy files (<gate>.yml); a check that checks nothing does not pass.")
        }
        return files.sorted()
    }

    private static func gateID(of file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return name.hasSuffix(".yaml") ? String(name.dropLast(5)) : String(name.dropLast(4))
    }
}
