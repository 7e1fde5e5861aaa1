import Foundation

/// Paths into the repository's `fixtures/` folder and scratch space for tests.
public enum Fixtures {
    /// The repository root, found from this file's location.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Absolute path of `fixtures/<relative>`.
    public static func path(_ relative: String) -> String {
        repositoryRoot + "/fixtures/" + relative
    }

    /// The text of `fixtures/<relative>`.
    public static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// A fresh empty directory, removed by the caller when done.
    public static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "gate-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A scratch directory that sees the repository's `fixtures/` (a symlink) but not its
    /// `gates/`, so commands run there judge fixtures without the repository's own policies.
    public static let workspace: String = {
        let path = NSTemporaryDirectory() + "gate-workspace-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: path + "/fixtures", withDestinationPath: repositoryRoot + "/fixtures")
        return path
    }()

    public static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// What a run of the `gate` binary produced.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the built `gate` executable, as users and CI do.
public enum GateBinary {
    /// The `gate` binary next to the test bundle (SwiftPM's products directory).
    public static let path: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gate").path,
            Fixtures.repositoryRoot + "/.build/debug/gate",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    /// Runs `gate arguments…` in `directory` (by default `Fixtures.workspace`) with exactly
    /// `environment` (plus PATH), so the caller's own GITHUB_* variables never leak in.
    public static func run(
        _ arguments: [String], in directory: String = Fixtures.workspace, environment: [String: String] = [:]
    ) throws -> ProcessOutput {
        try ProcessRunner.run(path, arguments, in: directory, environment: environment)
    }
}

/// Runs a program as a user would and keeps what it printed.
public enum ProcessRunner {
    /// Runs `executable arguments…` in `directory` with exactly `environment` plus PATH (and
    /// the coverage profile path, so a `gate` it starts joins the run's coverage).
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]
    ) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = environment
        env["PATH"] = env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        // Under `swift test --enable-code-coverage` the binary's own profile joins the run's.
        if let profile = ProcessInfo.processInfo.environment["LLVM_PROFILE_FILE"] { env["LLVM_PROFILE_FILE"] = profile }
        process.environment = env
        let out = Pipe()
        let errorPath = NSTemporaryDirectory() + "gate-stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardOutput = out
        process.standardError = errorFile
        try process.run()
        let stdoutBytes = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorFile.close()
        let stderrBytes = FileManager.default.contents(atPath: errorPath) ?? Data()
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: String(decoding: stdoutBytes, as: UTF8.self),
            stderr: String(decoding: stderrBytes, as: UTF8.self))
    }
}

/// Runs a helper program (git) for a test's set-up; fails the set-up if it fails.
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    @discardableResult
    public static func run(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}
