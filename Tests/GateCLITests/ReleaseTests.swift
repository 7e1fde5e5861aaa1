import Foundation
import GateKit
import GateTestSupport
import Testing

/// The release as users get it: the tarball scripts/build-release.sh makes (scripts/test.sh
/// builds it into .build/dist before the suite; a plain `swift test` skips those tests, CI fails
/// without it), and scripts/install-gate.sh installing a release served from 127.0.0.1 — one
/// made here from a stand-in binary, and the real tarball.
@Suite struct ReleaseTests {
    static let root = Fixtures.repositoryRoot
    static let installer = root + "/scripts/install-gate.sh"
    static let testKey = Fixtures.path("keys/fixture-signing.key")
    static let testPublicKey = (try? Fixtures.text("keys/fixture-signing.pub"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    static let architecture = (try? Shell.run(["uname", "-m"], in: "/"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "x86_64"
    static let distribution = ProcessInfo.processInfo.environment["GATE_RELEASE_DIR"] ?? root + "/.build/dist"
    static let tarballName = "gate-\(GateVersion.current)-linux-\(architecture).tar.gz"
    static var tarball: String { distribution + "/" + tarballName }
    static var tarballBuilt: Bool { FileManager.default.fileExists(atPath: tarball) || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Libraries the release binary may load directly: glibc's, the C++ runtime the static Swift
    /// standard library needs, libxml2, libcurl, libcrypto (SHA-256, Ed25519; libcurl loads it
    /// anyway) and zlib (osv.dev's all.zip; libxml2 and libcurl load it anyway). Everything else
    /// comes through those.
    static let allowedLibraries: Set<String> = [
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1",
        "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libstdc++.so.6", "libgcc_s.so.1",
        "libxml2.so.2", "libcurl.so.4", "libcrypto.so.3", "libz.so.1",
    ]

    @Test("the release tarball: a stripped binary with no Swift runtime library, its completions, the version, a gate that runs, SHA256SUMS listing it",
          .enabled(if: tarballBuilt))
    func tarball() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = String(Self.tarballName.dropLast(".tar.gz".count))
        let listing = try Shell.run(["tar", "-tzf", Self.tarball], in: directory).split(separator: "\n").map(String.init)
        #expect(Set(listing) == ["\(name)/", "\(name)/gate", "\(name)/completions/",
                                 "\(name)/completions/gate.bash", "\(name)/completions/_gate", "\(name)/completions/gate.fish"])
        try Shell.run(["tar", "-xzf", Self.tarball, "-C", directory], in: directory)
        let binary = "\(directory)/\(name)/gate"

        let needed = try Shell.run(["readelf", "-d", binary], in: directory).split(separator: "\n")
            .filter { $0.contains("(NEEDED)") }
            .compactMap { line in line.split(separator: "[").last.map { String($0.dropLast()) } }
        #expect(!needed.isEmpty)
        #expect(Set(needed).isSubset(of: Self.allowedLibraries), "needs \(needed)")
        let ldd = try Shell.run(["ldd", binary], in: directory)
        for runtime in ["libswift", "libFoundation", "libdispatch", "libBlocksRuntime", "not found"] {
            #expect(!ldd.contains(runtime), "ldd: \(ldd)")
        }
        #expect(!(try Shell.run(["readelf", "-S", binary], in: directory)).contains(".symtab"), "stripped")

        let version = try ProcessRunner.run(binary, ["--version"], in: directory)
        #expect(version.status == 0 && version.stdout == GateVersion.current + "\n")
        let gate = try ProcessRunner.run(binary, ["checksum", "verify", "--format", "json"], in: Self.root)
        #expect(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        #expect(gate.stdout.contains("\"verdict\": \"pass\"") && gate.stdout.contains("signature verified"))
        let completion = try String(contentsOfFile: "\(directory)/\(name)/completions/_gate", encoding: .utf8)
        #expect(completion.hasPrefix("#compdef gate"))

        let sums = try String(contentsOfFile: Self.distribution + "/SHA256SUMS", encoding: .utf8)
        let digest = try Shell.run(["sha256sum", Self.tarball], in: directory).prefix(64)
        #expect(sums.split(separator: "\n").contains("\(digest)  \(Self.tarballName)"))
    }

    @Test("the real tarball installs from a release served on 127.0.0.1 and runs", .enabled(if: tarballBuilt))
    func installRealTarball() throws {
        let release = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: release) }
        try FileManager.default.copyItem(atPath: Self.tarball, toPath: release + "/" + Self.tarballName)
        try Self.sign(release)
        let server = try FileHTTPServer(directory: release)
        defer { server.stop() }
        let target = release + "/bin"
        let started = Date()
        let output = try Self.install(["--dir", target, "v" + GateVersion.current, server.url])
        let seconds = Date().timeIntervalSince(started)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("installed gate \(GateVersion.current)"))
        print("installed the \(GateVersion.current) release from 127.0.0.1 in \(String(format: "%.2f", seconds)) s")
        let version = try ProcessRunner.run(target + "/gate", ["--version"], in: release)
        #expect(version.stdout == GateVersion.current + "\n")
        #expect(server.requestedPaths == ["/SHA256SUMS", "/SHA256SUMS.sig", "/" + Self.tarballName])
    }

    /// A release of version 9.9.9 whose `gate` is a script printing its version, signed with
    /// the fixtures' test key; `prepare` may spoil it after signing.
    static func standInRelease(_ prepare: (String) throws -> Void = { _ in }) throws -> String {
        let release = try Fixtures.temporaryDirectory()
        let name = "gate-9.9.9-linux-\(architecture)"
        try FileManager.default.createDirectory(atPath: "\(release)/stage/\(name)", withIntermediateDirectories: true)
        try Fixtures.write("#!/bin/sh\necho 9.9.9\n", to: "\(release)/stage/\(name)/gate")
        try Shell.run(["chmod", "755", "\(release)/stage/\(name)/gate"], in: release)
        try FileManager.default.createDirectory(atPath: "\(release)/files", withIntermediateDirectories: true)
        try Shell.run(["tar", "-czf", "\(release)/files/\(name).tar.gz", "-C", "\(release)/stage", name], in: release)
        try sign(release + "/files")
        try prepare(release + "/files")
        return release
    }

    static func sign(_ directory: String, key: String = testKey) throws {
        let created = try GateBinary.run(["checksum", "create", directory, "--output", directory + "/SHA256SUMS", "--sign-key", key])
        guard created.status == 0 else { throw Shell.Failure(description: created.stderr) }
    }

    static func install(_ arguments: [String], key: String = testPublicKey, path: String? = nil) throws -> ProcessOutput {
        var environment = ["GATE_RELEASE_KEY": key, "HOME": NSTemporaryDirectory()]
        if let path { environment["PATH"] = path }
        return try ProcessRunner.run("/bin/bash", [installer] + arguments, in: root, environment: environment)
    }

    @Test("a good release installs: verified, run once, moved into the directory; the release key in the script is keys/release.pub")
    func installStandIn() throws {
        let release = try Self.standInRelease()
        defer { try? FileManager.default.removeItem(atPath: release) }
        let server = try FileHTTPServer(directory: release + "/files")
        defer { server.stop() }
        let output = try Self.install(["--dir", release + "/bin", "9.9.9", server.url + "/"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(try ProcessRunner.run(release + "/bin/gate", [], in: release).stdout == "9.9.9\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: release + "/bin") == ["gate"])

        let committed = try String(contentsOfFile: Self.root + "/keys/release.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: committed)?.count == 32)
        #expect(try String(contentsOfFile: Self.installer, encoding: .utf8).contains("release_key=${GATE_RELEASE_KEY:-\(committed)}"))
    }

    @Test("refused with exit 2, nothing installed and an earlier gate untouched", arguments: [
        ("tampered tarball", "SHA-256"),
        ("bad signature", "does not verify with gate's release key"),
        ("signature missing", "could not download"),
        ("no build for this machine", "has no gate-9.9.9-linux-"),
        ("server down", "could not download"),
        ("not a version", "is not a release version"),
        ("binary does not run", "does not run here"),
        ("unsupported platform", "gate is released for Linux on x86_64 and aarch64, not Linux on riscv64: build it from source"),
    ])
    func refused(spoil: String, message: String) throws {
        let release = try Self.standInRelease { files in
            let tarball = try #require(try FileManager.default.contentsOfDirectory(atPath: files).first { $0.hasSuffix(".tar.gz") })
            switch spoil {
            case "tampered tarball":
                var bytes = try Data(contentsOf: URL(fileURLWithPath: files + "/" + tarball))
                bytes[bytes.count / 2] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: files + "/" + tarball))
            case "bad signature":
                let other = try Fixtures.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: other) }
                _ = try GateBinary.run(["checksum", "keygen", other + "/k", other + "/k.pub"])
                try Self.sign(files, key: other + "/k")
            case "signature missing":
                try FileManager.default.removeItem(atPath: files + "/SHA256SUMS.sig")
            case "no build for this machine":
                try FileManager.default.moveItem(atPath: files + "/" + tarball, toPath: files + "/gate-9.9.9-linux-riscv64.tar.gz")
                try Self.sign(files)
            case "binary does not run":
                let stage = files + "/../stage/" + tarball.dropLast(".tar.gz".count)
                try Fixtures.write("#!/bin/sh\necho 'gate: error while loading shared libraries: libxml2.so.2' >&2\nexit 127\n", to: stage + "/gate")
                try Shell.run(["tar", "-czf", files + "/" + tarball, "-C", files + "/../stage", String(tarball.dropLast(".tar.gz".count))], in: files)
                try Self.sign(files)
            default: break
            }
        }
        defer { try? FileManager.default.removeItem(atPath: release) }
        let server = try FileHTTPServer(directory: release + "/files")
        let url = spoil == "server down" ? "http://127.0.0.1:\(freePort())" : server.url
        defer { server.stop() }
        try FileManager.default.createDirectory(atPath: release + "/bin", withIntermediateDirectories: true)
        try Fixtures.write("an earlier gate\n", to: release + "/bin/gate")
        // A machine gate has no build for: `uname -m` answers riscv64.
        var path: String?
        if spoil == "unsupported platform" {
            try FileManager.default.createDirectory(atPath: release + "/fake", withIntermediateDirectories: true)
            try Fixtures.write("#!/bin/sh\ncase \"$1\" in -m) echo riscv64 ;; *) echo Linux ;; esac\n", to: release + "/fake/uname")
            try Shell.run(["chmod", "755", release + "/fake/uname"], in: release)
            path = release + "/fake:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        }
        let output = try Self.install(["--dir", release + "/bin", spoil == "not a version" ? "latest" : "9.9.9", url], path: path)
        #expect(output.status == 2)
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1, "one line: \(output.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: release + "/bin") == ["gate"])
        #expect(try String(contentsOfFile: release + "/bin/gate", encoding: .utf8) == "an earlier gate\n")
    }
}
