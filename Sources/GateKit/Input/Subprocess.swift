import Foundation

/// Runs a helper program (git, llvm-cov) and collects what it wrote, for gates that read their
/// inputs from a tool rather than a file.
public enum Subprocess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String
    }

    /// Runs `executable` (looked up on PATH) with `arguments` in `directory`.
    ///
    /// - Throws: `GateError.toolFailed` when the program cannot be started.
    public static func run(_ executable: String, _ arguments: [String], in directory: String) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw GateError.toolFailed(command: ([executable] + arguments).joined(separator: " "), message: "could not start: \(error)")
        }
        // stderr is drained on another thread so neither pipe can fill up and block the child.
        let errors = PipeDrain(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: [UInt8](stdout), stderr: errors.text())
    }
}

/// Reads a pipe to its end on a background thread.
private final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func text() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
