import Foundation
import GateKit
import GateTestSupport
import Testing

/// The commands README.md and docs/ show, held to what the binary does: a doc that drifts
/// from the tool fails the build.
///
/// - A ```` ```console ```` block is a transcript: each `$ gate …` line is run in the repository
///   root and what it prints must be the lines after it (durations aside).
/// - Every other `gate …` line in a code block (usage with placeholders, workflow steps) must
///   name commands that exist and options those commands take.
@Suite struct DocExampleTests {
    static let root = Fixtures.repositoryRoot

    static var pages: [String] {
        let docs = (FileManager.default.enumerator(atPath: root + "/docs")?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        return (["README.md"] + docs).sorted()
    }

    struct Block {
        var page: String
        var line: Int
        var info: String
        var lines: [String]
    }

    static func blocks(_ page: String) throws -> [Block] {
        let text = try String(contentsOfFile: root + "/" + page, encoding: .utf8)
        var blocks: [Block] = []
        var open: Block?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if let block = open {
                    blocks.append(block)
                    open = nil
                } else {
                    open = Block(page: page, line: index + 1, info: String(trimmed.dropFirst(3)), lines: [])
                }
            } else if open != nil {
                open!.lines.append(String(line))
            }
        }
        return blocks
    }

    /// Durations vary from run to run.
    static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: #"\(\d+(\.\d+)? m?s\)"#, with: "(…)", options: .regularExpression)
            .split(separator: "\n", omittingEmptySubsequences: false).map { $0.replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    @Test("every console transcript in the docs prints what the page shows")
    func transcripts() throws {
        let binDirectory = (GateBinary.path as NSString).deletingLastPathComponent
        var ran = 0
        for page in Self.pages {
            for block in try Self.blocks(page) where block.info == "console" {
                var index = 0
                while index < block.lines.count {
                    let line = block.lines[index]
                    index += 1
                    guard line.hasPrefix("$ ") else { continue }
                    var expected: [String] = []
                    while index < block.lines.count, !block.lines[index].hasPrefix("$ ") {
                        expected.append(block.lines[index])
                        index += 1
                    }
                    let command = String(line.dropFirst(2))
                    let output = try ProcessRunner.run("/bin/sh", ["-c", command + " 2>&1"], in: Self.root, environment: [
                        "PATH": binDirectory + ":/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": "200",
                    ])
                    #expect(Self.normalized(output.stdout) == Self.normalized(expected.joined(separator: "\n")),
                            "\(page):\(block.line): `\(command)` prints:\n\(output.stdout)")
                    ran += 1
                }
            }
        }
        #expect(ran >= 7, "the docs keep their transcripts")
    }

    /// The options and subcommands of one command, from its --experimental-dump-help.
    struct CommandInfo {
        var options: Set<String>
        var subcommands: Set<String>
    }

    static func info(_ path: [String], cache: inout [[String]: CommandInfo]) throws -> CommandInfo {
        if let known = cache[path] { return known }
        let output = try GateBinary.run(path + ["--experimental-dump-help"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "gate \(path)")
        let command = try #require(document["command"] as? [String: Any])
        var options = Set<String>()
        for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["shouldDisplay"] as? Bool != false {
            for name in argument["names"] as? [[String: Any]] ?? [] {
                let text = name["name"] as? String ?? ""
                options.insert((name["kind"] as? String == "short" ? "-" : "--") + text)
            }
        }
        var subcommands = Set<String>()
        for sub in command["subcommands"] as? [[String: Any]] ?? [] {
            subcommands.insert(sub["commandName"] as? String ?? "")
            for alias in sub["aliases"] as? [String] ?? [] { subcommands.insert(alias) }
        }
        let info = CommandInfo(options: options, subcommands: subcommands)
        cache[path] = info
        return info
    }

    /// Shell words, quotes removed; stops at a comment, pipe, redirection or `&&`.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                (current, inWord) = ("", false)
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        let stops: Set<String> = ["|", "||", "&&", ";", ">", ">>", "2>&1", "\\"]
        return Array(words.prefix { !stops.contains($0) && !$0.hasPrefix("#") && !$0.hasPrefix(">") })
    }

    @Test("every gate command shown in README.md and docs/ names real subcommands and options")
    func commandsShown() throws {
        var cache: [[String]: CommandInfo] = [:]
        var checked = 0
        for page in Self.pages {
            for block in try Self.blocks(page) {
                for (offset, raw) in block.lines.enumerated() {
                    var line = raw.trimmingCharacters(in: .whitespaces)
                    if line.hasPrefix("$ ") { line.removeFirst(2) }
                    if line.hasPrefix("run: ") { line.removeFirst(5) }
                    guard line.hasPrefix("gate ") || line == "gate" else { continue }
                    var path: [String] = []
                    var info = try Self.info([], cache: &cache)
                    var words = Self.words(line).dropFirst()
                    while let word = words.first, info.subcommands.contains(word) {
                        path.append(word)
                        // A subcommand also reads its parent's options (`relevance eval --format`).
                        let parent = info.options
                        info = try Self.info(path, cache: &cache)
                        info.options.formUnion(parent)
                        words.removeFirst()
                    }
                    for word in words where word.hasPrefix("-") && word != "-" && !word.hasPrefix("-$") {
                        let name = String(word.prefix { $0 != "=" })
                        #expect(info.options.contains(name) || name == "--help" || name == "-h",
                                "\(page):\(block.line + offset + 1): `gate \(path.joined(separator: " "))` has no option \(name)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked >= 40)
    }
}
