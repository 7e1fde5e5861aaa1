import Foundation
import GateTestSupport
import Testing

@testable import Recommender

@Suite struct Porter2Tests {
    /// One word for each rule and exception of the algorithm as Snowball publishes it, with
    /// the stem its reference implementation gives.
    @Test("each step and exception of the Snowball English algorithm", arguments: [
        ("caresses", "caress"), ("cries", "cri"), ("ties", "tie"), ("gas", "gas"), ("gaps", "gap"), ("kiwis", "kiwi"),
        ("agreed", "agre"), ("proceed", "proceed"), ("exceed", "exceed"), ("hoping", "hope"), ("hopping", "hop"),
        ("added", "add"), ("ebbed", "ebb"), ("luxuriated", "luxuri"), ("dying", "die"), ("lying", "lie"), ("inning", "inning"),
        ("evening", "evening"), ("evenings", "evening"), ("cry", "cri"), ("by", "by"), ("say", "say"),
        ("rational", "ration"), ("national", "nation"), ("generously", "generous"), ("general", "general"),
        ("generate", "generat"), ("internal", "internal"), ("international", "internat"), ("universal", "universal"),
        ("geologist", "geolog"), ("apology", "apolog"), ("paste", "paste"), ("pasted", "paste"), ("pasting", "paste"),
        ("skis", "ski"), ("skies", "sky"), ("gently", "gentl"), ("news", "news"), ("atlas", "atlas"), ("yelling", "yell"),
        ("sayings", "say"), ("effective", "effect"), ("adjustment", "adjust"), ("controllable", "control"), ("fullness", "full"),
    ])
    func rules(word: String, stem: String) {
        #expect(Porter2.stem(word) == stem)
    }

    /// Every distinct word of the OSV advisories under ../shared (tens of thousands of real
    /// English words, names and identifiers) against snowballstemmer, the Snowball project's own
    /// Python build of the algorithm, which scripts/setup-python-tools.sh installs.
    @Test("every word of the shared OSV advisories stems as snowballstemmer stems it",
          .enabled(if: ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"] != nil
                   && FileManager.default.fileExists(atPath: Fixtures.repositoryRoot + "/../shared/osv")))
    func referenceAgreement() throws {
        var words = Set<String>()
        let root = Fixtures.repositoryRoot + "/../shared/osv"
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let name = enumerator?.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: root + "/" + name) else { continue }
            // Through a raw buffer: iterating `Data` byte by byte is slow in a debug build.
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var start = -1
                for index in 0...raw.count {
                    let byte = index < raw.count ? raw[index] | 0x20 : 0
                    if byte >= 0x61 && byte <= 0x7A && (index == raw.count || raw[index] >= 0x41) {
                        if start < 0 { start = index }
                    } else if start >= 0 {
                        if index - start <= 40 { words.insert(String(decoding: raw[start..<index], as: UTF8.self).lowercased()) }
                        start = -1
                    }
                }
            }
        }
        #expect(words.count > 10_000, "\(words.count) words")
        let list = words.sorted()
        let python = ProcessInfo.processInfo.environment["GATE_PYTHON_TOOLS"]! + "/bin/python"
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(list.joined(separator: "\n"), to: directory + "/words.txt")
        let script = "import sys, snowballstemmer; s = snowballstemmer.stemmer('english'); "
            + "sys.stdout.write('\\n'.join(s.stemWords(open('words.txt').read().split())) + '\\n')"
        let result = try ProcessRunner.run(python, ["-c", script], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let reference = result.stdout.split(separator: "\n").map(String.init)
        #expect(reference.count == list.count)
        let disagreements = zip(list, reference).filter { Porter2.stem($0.0) != $0.1 }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(list.count): \(disagreements.prefix(10))")
    }

    /// Snowball's published sample vocabulary and its stems (snowball-data's english/voc.txt
    /// and output.txt, not in this repository): every word without an apostrophe (the
    /// tokenizer splits on apostrophes). Given by GATE_SNOWBALL_DATA=<the english folder>.
    @Test("Snowball's published English vocabulary stems to its published output",
          .enabled(if: ProcessInfo.processInfo.environment["GATE_SNOWBALL_DATA"] != nil))
    func publishedVocabulary() throws {
        let folder = ProcessInfo.processInfo.environment["GATE_SNOWBALL_DATA"]!
        let words = try String(contentsOfFile: folder + "/voc.txt", encoding: .utf8).split(separator: "\n")
        let stems = try String(contentsOfFile: folder + "/output.txt", encoding: .utf8).split(separator: "\n")
        #expect(words.count == stems.count && words.count > 20_000)
        let compared = zip(words, stems).filter { !$0.0.contains("'") }
        let disagreements = compared.filter { Porter2.stem(String($0.0)) != String($0.1) }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(compared.count): \(disagreements.prefix(10))")
    }
}
