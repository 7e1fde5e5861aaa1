import Foundation
import GateKit

/// One run of a command: wall, user and system time in seconds, peak resident memory in KiB.
public struct RunMeasurement: Sendable, Equatable {
    public var wall: Double
    public var user: Double
    public var system: Double
    public var peakKiB: Int
}

/// Runs commands as hyperfine does — through `/bin/sh -c`, output discarded, warm-up runs
/// first — and measures each run with `wait4`'s resource usage; or counts their instructions
/// under Callgrind.
public enum BenchRunner {
    /// Runs `command` once; a non-zero exit is an error, never a timing.
    public static func measure(_ command: String, environment: [String: String] = [:]) throws -> RunMeasurement {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = ["/bin/sh", "-c", command]
        var merged = Platform.environment()  // the child inherits the environment, as a shell would give it
        for (key, value) in environment { merged[key] = value }
        let env = merged.map { "\($0.key)=\($0.value)" }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        guard spawned == 0 else { throw BenchError.cannotRun(command: command, reason: String(cString: strerror(spawned))) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError.cannotRun(command: command, reason: String(cString: strerror(errno))) }
        }
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        let exited = status & 0x7F == 0
        let code = (status >> 8) & 0xFF
        guard exited, code == 0 else {
            throw BenchError.commandFailed(command: command, status: exited ? "exit status \(code)" : "signal \(status & 0x7F)")
        }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return RunMeasurement(
            wall: Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9,
            user: seconds(usage.ru_utime), system: seconds(usage.ru_stime), peakKiB: Int(usage.ru_maxrss))
    }

    /// `runs` measured runs after `warmups` discarded ones.
    public static func run(_ command: String, runs: Int, warmups: Int, environment: [String: String] = [:],
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [RunMeasurement] {
        for _ in 0..<warmups { _ = try measure(command, environment: environment) }
        return try (0..<runs).map { index in
            defer { progress?(index + 1, runs) }
            return try measure(command, environment: environment)
        }
    }

    /// Baseline and current alternately (A B A B …) after a warm-up of each: whatever the
    /// machine does meanwhile weighs on both alike.
    public static func interleaved(baseline: String, current: String, pairs: Int, warmups: Int,
                                   progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> (baseline: [RunMeasurement], current: [RunMeasurement]) {
        for _ in 0..<warmups {
            _ = try measure(baseline)
            _ = try measure(current)
        }
        var a: [RunMeasurement] = [], b: [RunMeasurement] = []
        for pair in 0..<pairs {
            a.append(try measure(baseline))
            b.append(try measure(current))
            progress?(pair + 1, pairs)
        }
        return (a, b)
    }

    // MARK: - Instructions

    /// `valgrind`'s path and version, or a clear error naming the package.
    public static func valgrind(searchPath: String? = nil) throws -> (path: String, version: String) {
        let search = (searchPath ?? Platform.environment()["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let path = search.map({ "\($0)/valgrind" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError.valgrindMissing
        }
        let output = try Subprocess.run(path, ["--version"], in: "/")
        return (path, String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Instructions `command` executes, counted by Callgrind (no cache simulation) in every
    /// process it starts, with hash seeds fixed so hashing tables do not vary the count.
    public static func instructions(_ command: String, valgrind: String) throws -> Double {
        let directory = NSTemporaryDirectory() + "gate-callgrind-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let quoted = "'" + command.replacingOccurrences(of: "'", with: "'\\''") + "'"
        _ = try measure(
            "\(valgrind) --tool=callgrind --cache-sim=no --trace-children=yes --callgrind-out-file=\(directory)/cg.%p /bin/sh -c \(quoted)",
            environment: ["SWIFT_DETERMINISTIC_HASHING": "1", "PYTHONHASHSEED": "0"])
        var total = 0.0
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("summary:") || line.hasPrefix("totals:") {
                if let value = Double(line.split(separator: " ").last ?? "") { total += value; break }
            }
        }
        guard total > 0 else { throw BenchError.cannotRun(command: command, reason: "Callgrind recorded no instructions") }
        return total
    }
}

/// What can go wrong measuring or reading benchmarks; all exit 2.
public enum BenchError: Error, Equatable, CustomStringConvertible {
    case commandFailed(command: String, status: String)
    case cannotRun(command: String, reason: String)
    case valgrindMissing
    case unreadable(path: String, problem: String)
    case unknownFormat(path: String)
    case noSamples(name: String)

    public var description: String {
        switch self {
        case .commandFailed(let command, let status):
            "the benchmarked command failed (\(status)): \(command). A failing command is not a timing; fix it or its arguments."
        case .cannotRun(let command, let reason):
            "cannot run '\(command)': \(reason)."
        case .valgrindMissing:
            "instruction counting needs valgrind, which is not on PATH. Install it (Debian/Ubuntu: apt-get install valgrind)."
        case .unreadable(let path, let problem):
            "\(path): \(problem)."
        case .unknownFormat(let path):
            "\(path): not a benchmark result gate reads (gate bench JSON, hyperfine --export-json, Google Benchmark JSON, pytest-benchmark JSON, package-benchmark jmh or jsonSmallerIsBetter, github-action-benchmark custom JSON, k6 summary JSON)."
        case .noSamples(let name):
            "benchmark '\(name)' has no samples."
        }
    }
}
