import Foundation
import GateTestSupport
import Testing

/// Every input the fuzzer has found a problem with is kept under `fixtures/fuzz/TARGET/` and
/// replayed here through the same target, built plainly: a crash (a trap in a debug build)
/// fails the run. Leaks and memory errors need the sanitizers, which `scripts/fuzz.sh` has.
@Suite struct FuzzCorpusTests {
    static let corpus = Fixtures.path("fuzz")
    static let targets = ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).sorted()

    @Test("the kept findings replay without a crash", arguments: targets)
    func replay(_ target: String) throws {
        let binary = (GateBinary.path as NSString).deletingLastPathComponent + "/gate-fuzz"
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus + "/" + target)
        let run = try ProcessRunner.run(binary, [target, Self.corpus + "/" + target], in: Fixtures.repositoryRoot)
        #expect(run.status == 0, "\(run.stderr.prefix(2000))")
        #expect(run.stdout == "\(target): \(files.count) input\(files.count == 1 ? "" : "s") replayed\n")
    }

    @Test("there is a corpus to replay")
    func corpusPresent() {
        #expect(Self.targets.count >= 3)
    }
}
