import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A run of the `gate` binary with what it cost, measured on the child alone (`wait4`), so
/// hostile-input tests can bound the time and memory one planted file may take.
public struct MeasuredRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Peak resident memory of the child, in bytes: the largest `VmHWM` of its
    /// `/proc/PID/status` sampled every millisecond once it is gate. (`wait4`'s `ru_maxrss`
    /// cannot be used: a child spawned from the test process inherits that process's peak.)
    public var peakBytes: Int
    /// User plus system CPU time of the child, in seconds.
    public var cpuSeconds: Double
    /// Whether it was still running at the deadline and was killed.
    public var timedOut: Bool

    /// Runs `gate arguments…` in `directory` with exactly `environment` (plus PATH and the
    /// coverage profile variable); killed after `deadline` seconds of wall time.
    public static func gate(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                            deadline: Double = 60) throws -> MeasuredRun {
        let scratch = NSTemporaryDirectory() + "gate-measured-" + UUID().uuidString
        let outPath = scratch + ".out", errPath = scratch + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var env = environment
        env["PATH"] = env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        if let profile = ProcessInfo.processInfo.environment["LLVM_PROFILE_FILE"] { env["LLVM_PROFILE_FILE"] = profile }
        // The shell changes directory and becomes gate (exec), so the child measured is gate.
        let argv = (["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, GateBinary.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        let start = Date()
        var usage = rusage()
        var status: Int32 = 0
        var timedOut = false
        var peak = 0
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            peak = max(peak, Self.highWaterMark(pid) ?? 0)
            if Date().timeIntervalSince(start) > deadline, !timedOut {
                kill(pid, SIGKILL)
                timedOut = true
            }
            usleep(1_000)
        }
        let exitStatus: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return MeasuredRun(
            status: exitStatus,
            stdout: String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self),
            stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self),
            peakBytes: peak,
            cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            timedOut: timedOut)
    }

    /// `VmHWM` of a running gate process, in bytes; nil before it has become gate (the shell
    /// that starts it) or after it has exited.
    static func highWaterMark(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              status.hasPrefix("Name:\tgate\n") else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }
}
