import Foundation
@testable import Drift
import GateKit
import GateTestSupport
import Testing

/// The reader on real and broken files, and the gate's verdicts on the fixtures.
@Suite struct DriftGateTests {
    static func table(_ text: String, name: String = "data.csv", modes: [String: ColumnMode] = [:]) throws -> DataTable {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/" + name)
        return try DataTable.read(directory + "/" + name, modes: modes)
    }

    static func gate(_ policy: DriftPolicy, now: Double? = nil) throws -> GateResult {
        try DriftGate(policy: policy, context: GateContext(root: Fixtures.repositoryRoot), now: now).evaluate()
    }

    static func policy(current: String = "fixtures/drift/current.csv") -> DriftPolicy {
        var policy = DriftPolicy()
        policy.reference = "fixtures/drift/reference.csv"
        policy.current = current
        policy.ignore = ["event_time"]
        return policy
    }

    @Test("quoted fields keep their commas, doubled quotes and line breaks; CRLF and a BOM are accepted")
    func quoting() throws {
        let csv = "\u{FEFF}name,price,note\r\n\"Home, Garden\",12.5,\"said \"\"hi\"\"\"\r\n\"two\nlines\",3,plain\r\n\r\nx,-1e3,\"\"\r\n"
        let table = try Self.table(csv)
        #expect(table.columns == ["name", "price", "note"])
        #expect(table.rows == 3)
        #expect(table.samples[0].categories == ["Home, Garden": 1, "two\nlines": 1, "x": 1])
        #expect(table.samples[1].numbers == [-1000, 3, 12.5])  // ascending once read
        #expect(table.samples[2].categories == ["said \"hi\"": 1, "plain": 1])
        #expect(table.samples[2].missing == 1)
    }

    /// Text fields of plain rows are counted a few fields after they are read (fetched ahead
    /// into the cache), quoted rows at once; a 20 MB file also crosses the reader's 16 MB
    /// page release. The counts are those of every value, whichever way it came.
    @Test("thousands of categories across quoted rows and a page release are counted exactly")
    func manyCategories() throws {
        var numbers = TestNumbers(state: 17)
        var csv = "id,device,category\n"
        var devices: [String: Int] = [:], categories: [String: Int] = [:]
        var rows = 0
        while csv.utf8.count < 20 << 20 {
            let device = "Mozilla/5.0 (device-\(numbers.next(3_000)))", category = "catalog/\(numbers.next(40_000))"
            let quoted = numbers.next(50) == 0
            csv += quoted ? "\(rows),\"\(device)\",\"\(category)\"\n" : "\(rows),\(device),\(category)\n"
            devices[device, default: 0] += 1
            categories[category, default: 0] += 1
            rows += 1
        }
        let table = try Self.table(csv)
        #expect(table.rows == rows)
        // Compared first, so a failure names the column rather than printing thousands of counts.
        let sameDevices = table.samples[1].categories == devices, sameCategories = table.samples[2].categories == categories
        #expect(sameDevices, "device counts differ")
        #expect(sameCategories, "category counts differ")
        #expect(categories.count > 10_000)
    }

    @Test("numbers convert exactly as strtod does, on the fast path and off it", arguments: [
        "0", "-0.5", "3.14159", "1e-7", "123456789012345", "1234567890123456789", "0.1", "2.2250738585072014e-308", "7e22", "8e23", ".5", "5.", "+4",
        "9007199254740992", "9007199254740993", "900719925474099.3", "0.000000000000000000001", "12345678901234567890", "1.5e22", "4.35e-20",
        "-0.000123456789", "43.135373589",
    ])
    func numbers(_ text: String) throws {
        let parsed = Array(text.utf8).withUnsafeBytes { FieldClassifier.number($0) }
        #expect(parsed?.0 == strtod(text, nil))
    }

    /// Texts of 1 to 16 bytes over digits, points, signs, an exponent marker and junk: read
    /// from one word (up to 8 bytes) or two (9 to 16), a number is the one the digit-by-digit
    /// read gives, bit for bit; declined is only what is not digits with at most one point, or
    /// a mantissa above 2^53 (left to strtod).
    @Test("a number read from one or two words is the number the digit-by-digit read gives, and only such a number is read so")
    func shortNumbers() {
        var numbers = TestNumbers(state: 9)
        func next(_ bound: Int) -> Int { numbers.next(bound) }
        let alphabet = Array("0123456789012345678901234567890123456789..e-+x ".utf8)
        var read = [0, 0]
        for round in 0..<400_000 {
            let medium = round % 2 == 1
            let count = medium ? 9 + next(8) : 1 + next(8)
            // The text, then bytes that are not part of it (a comma, digits, a point).
            var bytes = (0..<count).map { _ in alphabet[next(alphabet.count)] }
            if next(2) == 0 { bytes = bytes.map { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "x") || $0 == 0x20 || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") ? UInt8(ascii: "7") : $0 } }
            if medium, next(4) == 0 { bytes = bytes.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "3") : $0 } }
            let padded = bytes + Array(",9.5".utf8) + [UInt8](repeating: 0x35, count: 16)
            let fast = padded.withUnsafeBytes {
                medium ? DecimalNumber.parseMedium($0.baseAddress!, count: count) : DecimalNumber.parseShort($0.baseAddress!, count: count)
            }
            let full = bytes.withUnsafeBytes { DecimalNumber.parse($0) }
            let text = String(decoding: bytes, as: UTF8.self)
            if let fast {
                read[medium ? 1 : 0] += 1
                #expect(fast.0.bitPattern == full?.0.bitPattern && fast.integer == full?.integer, "\(text)")
            } else {
                let points = bytes.filter { $0 == UInt8(ascii: ".") }.count
                let shape = bytes.allSatisfy { $0 &- 0x30 < 10 || $0 == UInt8(ascii: ".") } && points <= 1 && points < count
                #expect(!shape || bytes.filter { $0 != UInt8(ascii: ".") }.reduce(0.0) { $0 * 10 + Double($1 - 0x30) } > 9_007_199_254_740_992, "\(text)")
            }
        }
        #expect(read[0] > 50_000 && read[1] > 30_000)
    }

    @Test("every pandas NA spelling and infinity reads as missing; numbers and words sharing their first bytes do not")
    func missingSpellings() {
        for spelling in FieldClassifier.missingSpellings {
            #expect(spelling.withUnsafeBytes(FieldClassifier.isMissing), "\(String(decoding: spelling, as: UTF8.self))")
        }
        for text in ["1", "-1", "1.5", "-1.5", "+2", "10", "1.#", "-1.#X", "Nab", "nano", "NAN", "infinite", "-Inc", "#N/B", "<NA", "tablet", "-", "+", "N"] {
            #expect(!Array(text.utf8).withUnsafeBytes(FieldClassifier.isMissing), "\(text)")
        }
    }

    @Test("a row with the wrong number of fields is an error naming its line (a quoted line break counts)")
    func ragged() throws {
        expectError(containing: "data.csv:4: a row with 2 fields, the header has 3") {
            _ = try Self.table("a,b,c\n\"x\ny\",1,2\n3,4\n")
        }
        expectError(containing: "data.csv:2:1: a quoted field opened here is never closed") {
            _ = try Self.table("a,b\n\"open,1\n2,3\n")
        }
        expectError(containing: "data.csv:2:3: a quote inside an unquoted field") {
            _ = try Self.table("a,b\nab\"c,1\n")
        }
        expectError(containing: "the header names 'a' twice") {
            _ = try Self.table("a,b,a\n1,2,3\n")
        }
    }

    @Test("empty data is an error, never a pass", arguments: [
        ("", "the file is empty"), ("\n\n", "the file is empty (or only white space)"), ("a,b\n", "no data rows"), ("a,b\n\n\n", "no data rows"), ("{}\n", "no data rows"),
    ])
    func empty(_ text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/current.csv")
        var policy = Self.policy(current: directory + "/current.csv")
        policy.ignore = []
        expectError(containing: message) { _ = try Self.gate(policy) }
    }

    @Test("JSON Lines: flat objects, absent keys and null are missing, nested values are an error")
    func jsonLines() throws {
        let table = try Self.table("{\"a\": 1.5, \"b\": \"x\"}\n{\"b\": null, \"a\": 2, \"c\": true}\n\n{\"a\": -3e1, \"b\": \"\\u00e9\\n\"}\n", name: "data.jsonl")
        #expect(table.format == .jsonl)
        #expect(table.columns == ["a", "b", "c"])
        #expect(table.samples[0].numbers == [-30, 1.5, 2])
        #expect(table.samples[1].categories == ["x": 1, "é\n": 1])
        #expect(table.samples[1].missing == 1)
        #expect(table.samples[2].missing == 2)
        expectError(containing: "data.jsonl:2: the value of 'a' is an object or array") {
            _ = try Self.table("{\"a\": 1}\n{\"a\": {\"x\": 1}}\n", name: "data.jsonl")
        }
        expectError(containing: "data.jsonl:1: the object is not closed") { _ = try Self.table("{\"a\": 1\n", name: "data.jsonl") }
        expectError(containing: "data.jsonl:2: a line of JSON Lines must be one JSON object") { _ = try Self.table("{\"a\": 1}\n[1]\n", name: "data.jsonl") }
    }

    @Test("non-numeric values in a numeric column are counted, shown with their first line, and fail the gate")
    func nonNumeric() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var lines = try Fixtures.text("drift/current.csv").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // price is the 4th field; rows without quotes are easy to edit safely.
        var edited = 0
        for index in lines.indices.dropFirst() where !lines[index].contains("\"") && lines[index].split(separator: ",").count == 7 && edited < 3 {
            var fields = lines[index].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[3] = "n/a-\(edited)"
            lines[index] = fields.joined(separator: ",")
            edited += 1
        }
        try Fixtures.write(lines.joined(separator: "\n"), to: directory + "/current.csv")
        let result = try Self.gate(Self.policy(current: directory + "/current.csv"))
        #expect(result.verdict == .fail)
        let finding = try #require(result.findings.first { $0.rule == "drift/non-numeric" })
        #expect(finding.message.contains("column 'price': 3 values are not numbers (first: 'n/a-0' on line"))
        #expect(finding.location?.line != nil)
    }

    @Test("the fixtures: a later day passes; a broken release is dataset drift with the new category named")
    func fixtures() throws {
        let healthy = try Self.gate(Self.policy())
        #expect(healthy.verdict == .pass, "\(healthy.summary)")
        #expect(healthy.inputs.map(\.path) == ["fixtures/drift/reference.csv", "fixtures/drift/current.csv"])
        let broken = try Self.gate(Self.policy(current: "fixtures/drift/drifted.csv"))
        #expect(broken.verdict == .fail)
        #expect(broken.summary.hasPrefix("dataset drift: 3 of 6 columns drifted"))
        #expect(Set(broken.findings.filter { $0.rule == "drift/column" }.compactMap { $0.message.split(separator: "'").dropFirst().first }) == ["category", "device", "price"])
        #expect(broken.findings.contains { $0.rule == "drift/new-categories" && $0.message.contains("'Garden Tools' (411)") })
    }

    @Test("column sets that differ are reported: a missing column fails, a new one warns")
    func columnSets() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("price,extra\n1,a\n2,b\n3,c\n", to: directory + "/current.csv")
        try Fixtures.write("price,device\n1,x\n2,y\n4,x\n", to: directory + "/reference.csv")
        var policy = DriftPolicy()
        policy.reference = directory + "/reference.csv"
        policy.current = directory + "/current.csv"
        let result = try Self.gate(policy)
        #expect(result.verdict == .fail)
        #expect(result.findings.contains { $0.rule == "drift/missing-column" && $0.message.contains("'device'") })
        #expect(result.findings.contains { $0.rule == "drift/new-column" && $0.severity == .warning && $0.message.contains("'extra'") })
    }

    @Test("freshness: the newest timestamp against max-age, from SOURCE_DATE_EPOCH's point of view")
    func freshness() throws {
        var policy = Self.policy()
        policy.freshnessColumn = "event_time"
        policy.maxAge = 36 * 3600
        policy.ignore = []
        // The current sample's last event is 2026-11-01T23:59:00Z (1793577540).
        let newest = 1_793_577_540.0
        #expect(try Self.gate(policy, now: newest + 35 * 3600).verdict == .pass)
        let stale = try Self.gate(policy, now: newest + 37 * 3600)
        #expect(stale.verdict == .fail)
        #expect(stale.findings.contains { $0.rule == "drift/stale" && $0.message.contains("37 h old") })
    }

    @Test("timestamps: dates, date-times with offsets, fractions and epoch seconds", arguments: [
        ("2026-11-01", 1_793_491_200.0), ("2026-11-01T23:59:00Z", 1_793_577_540), ("2026-11-01 23:59:00.5+01:00", 1_793_573_940.5),
        ("1793577540", 1_793_577_540), ("2024-02-29T00:00:00-0030", 1_709_166_600),
    ])
    func timestamps(text: String, seconds: Double) {
        #expect(Array(text.utf8).withUnsafeBytes { Timestamp.seconds($0) } == seconds)
    }

    @Test("bad timestamps and unknown policy columns are reported", arguments: ["2026-02-30", "2026-13-01", "yesterday", "2026-11-01T25:00"])
    func badTimestamps(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { Timestamp.seconds($0) } == nil)
    }

    @Test("the HTML report holds a histogram per column, reference and current")
    func html() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var policy = Self.policy(current: "fixtures/drift/drifted.csv")
        policy.html = directory + "/nested/report.html"
        let result = try Self.gate(policy)
        #expect(!FileManager.default.fileExists(atPath: directory + "/nested/report.html"), "the judgement writes nothing")
        #expect(result.artifacts.map(\.path) == [directory + "/nested/report.html"])
        #expect(result.writingArtifacts() == result)
        let page = try String(contentsOfFile: directory + "/nested/report.html", encoding: .utf8)
        #expect(page.components(separatedBy: "<svg").count - 1 == 6)
        #expect(page.contains("aria-label=\"histogram of price\"") && page.contains("Garden Tools"))
        #expect(!page.contains("<script"))
    }

    @Test("a policy with a typo or an unknown column is an error")
    func policyErrors() throws {
        expectError(containing: "drift-shares") {
            _ = try DriftPolicy(policy: Policy.parse("drift-shares: 0.3\n", path: "gates/drift.yml"))
        }
        expectError(containing: "gates/drift.yml:2") {
            _ = try DriftPolicy(policy: Policy.parse("columns:\n  price: {type: numeric}\n", path: "gates/drift.yml"))
        }
        var policy = Self.policy()
        policy.columns = ["prize": DriftPolicy.ColumnRule()]
        policy.origin = "gates/drift.yml"
        expectError(containing: "the column 'prize' is in neither data file") { _ = try Self.gate(policy) }
    }

    @Test("wrong-format and binary inputs are errors with the file named", arguments: [
        ("<?xml version=\"1.0\"?>\n<coverage line-rate=\"1\"/>\n", "a quote inside an unquoted field"),
        ("{\"a\": 1}\n{\"a\": 2\n", "current.csv:2: the object is not closed"),
    ])
    func wrongFormat(text: String, message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(text, to: directory + "/current.csv")
        expectError(containing: message) { _ = try Self.gate(Self.policy(current: directory + "/current.csv")) }
    }

    @Test("values spanning more than a Double holds (±1e308) are binned without overflow, not trapped")
    func extremeValues() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // More than 20 distinct values, so the column is binned (Sturges) rather than counted.
        let values = ["-1e308", "1e308", "-1.7976931348623157e308", "1.7976931348623157e308"] + (0..<30).map(String.init)
        try Fixtures.write("x\n" + values.joined(separator: "\n") + "\n", to: directory + "/reference.csv")
        try Fixtures.write("x\n" + values.reversed().joined(separator: "\n") + "\n", to: directory + "/current.csv")
        var policy = Self.policy(current: directory + "/current.csv")
        policy.reference = directory + "/reference.csv"
        policy.ignore = []
        let result = try Self.gate(policy)
        // The same values in another order: no drift, and every statistic finite.
        #expect(result.verdict == .pass, "\(result.summary)")
        #expect(result.measurements.allSatisfy { $0.value.isFinite })
    }

    @Test("binary garbage and a 4 MB unterminated line end in an error, not a crash or a pass")
    func hostile() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let garbage = (0..<200_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        _ = FileManager.default.createFile(atPath: directory + "/garbage.csv", contents: Data(garbage))
        expectError(containing: "garbage.csv") { _ = try Self.gate(Self.policy(current: directory + "/garbage.csv")) }
        try Fixtures.write("price\n\"" + String(repeating: "9", count: 4 << 20) + "\n", to: directory + "/long.csv")
        expectError(containing: "long.csv:2: a line longer than 1 MiB") {
            _ = try Self.gate(Self.policy(current: directory + "/long.csv"))
        }
    }

    @Test("the command: exit 0 on the healthy day, 1 on drift, 2 on a ragged file; JSON per the result schema")
    func command() throws {
        let root = Fixtures.repositoryRoot
        let pass = try GateBinary.run(["drift", "--format", "json"], in: root)
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(pass.stdout.utf8)) as? [String: Any])
        #expect(document["gate"] as? String == "drift" && document["verdict"] as? String == "pass")
        let fail = try GateBinary.run(["drift", "--current", "fixtures/drift/drifted.csv"], in: root)
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("dataset drift: 3 of 6 columns drifted"))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write("a,b\n1,2\n3\n", to: directory + "/ragged.csv")
        let error = try GateBinary.run(["drift", "--reference", directory + "/ragged.csv", "--current", directory + "/ragged.csv", "--policy", "/dev/null"], in: root)
        #expect(error.status == 2)
        #expect(error.stderr.contains("ragged.csv:3: a row with 1 field, the header has 2"))
    }

    @Test("a critical column fails the gate on its own, and the summary says which when the drifted share passes")
    func criticalColumnExplained() throws {
        var policy = Self.policy(current: "fixtures/drift/drifted.csv")
        policy.driftShare = 0.9
        var critical = DriftPolicy.ColumnRule()
        critical.critical = true
        policy.columns["price"] = critical
        let result = try Self.gate(policy)
        #expect(result.verdict == .fail)
        #expect(result.summary.contains("critical column 'price' drifted"), "\(result.summary)")
        #expect(!result.summary.hasPrefix("dataset drift"))
    }
}
