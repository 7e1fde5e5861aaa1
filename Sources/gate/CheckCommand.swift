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
            Each gates/<gate>.yml runs that gate with its policy; gates/<gate>.<name>.yml runs it \
            again with another policy, reported as <gate>[<name>] (one per package of a monorepo). \
            The exit code is the worst \
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
                let (id, instance) = Self.gateID(of: file)
                let name = instance.map { "\(id)[\($0)]" } ?? id
                var context = GateContext.current
                context.baseline = results.input(gate: name)
                var policy: Policy?
                var result = GateRunner.run(gate: name) {
                    guard let gate = GateRegistry.gate(named: id) else {
                        let known = GateRegistry.gates.map(\.id).joined(separator: ", ")
                        throw GateError.usage("\(file): no gate is named '\(id)'. Policy files are gates/<gate>.yml (or gates/<gate>.<name>.yml for a second policy) with <gate> one of: \(known).")
                    }
                    policy = try Policy.load(path: file)
                    return try gate.judge(policy!, context)
                }
                result.gate = name
                return results.compare(result, context: context, policy: policy).writingArtifacts()
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
        // By gate, then its unnamed policy before the named ones: coverage, coverage[api].
        return files.sorted { a, b in
            let (x, y) = (Self.gateID(of: a), Self.gateID(of: b))
            return x.id != y.id ? x.id < y.id : (x.instance ?? "") < (y.instance ?? "")
        }
    }

    /// `gates/coverage.yml` → coverage; `gates/coverage.api.yml` → coverage, instance api
    /// (reported as `coverage[api]`): several policies for one gate, as a monorepo needs.
    static func gateID(of file: String) -> (id: String, instance: String?) {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let stem = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : String(name.dropLast(4))
        guard let dot = stem.firstIndex(of: ".") else { return (stem, nil) }
        return (String(stem[..<dot]), String(stem[stem.index(after: dot)...]))
    }
}
