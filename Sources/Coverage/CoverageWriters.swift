import GateKit

/// Writes the common model back out, for `gate coverage merge`. Output is deterministic:
/// files, lines, functions and branches sorted; the only time is Cobertura's required
/// `timestamp`, taken from `SOURCE_DATE_EPOCH` when set.
public enum CoverageWriter {
    public enum Format: String, Sendable, CaseIterable {
        case lcov
        case cobertura
    }

    public static func render(_ report: CoverageReport, as format: Format, timestamp: Int64 = 0) -> String {
        switch format {
        case .lcov: lcov(report)
        case .cobertura: cobertura(report, timestamp: timestamp)
        }
    }

    /// An LCOV tracefile: one section per file. Branches keep their LCOV identities when the
    /// inputs had them; otherwise a line's "k of n" becomes n outcomes of block 0.
    static func lcov(_ report: CoverageReport) -> String {
        var out = ""
        for file in report.files {
            out += "TN:\nSF:\(file.path)\n"
            for function in file.functions { out += "FN:\(function.line),\(function.name)\n" }
            for function in file.functions { out += "FNDA:\(function.hits),\(function.name)\n" }
            out += "FNF:\(file.functions.count)\nFNH:\(file.functions.filter { $0.hits > 0 }.count)\n"
            var branchTotal = 0, branchHit = 0
            if !file.branches.isEmpty {
                let outcomes = file.branches.map { ($0.outcome.line, $0.outcome.block, $0.outcome.branch, $0.taken) }.sorted { a, b in
                    (a.0, a.1, a.2) < (b.0, b.1, b.2)
                }
                for (line, block, branch, taken) in outcomes {
                    out += "BRDA:\(line),\(block),\(branch),\(taken)\n"
                    branchTotal += 1
                    if taken > 0 { branchHit += 1 }
                }
            } else {
                for record in file.lines where record.branchesTotal > 0 {
                    for index in 0..<record.branchesTotal {
                        out += "BRDA:\(record.line),0,\(index),\(index < record.branchesCovered ? 1 : 0)\n"
                    }
                    branchTotal += Int(record.branchesTotal)
                    branchHit += Int(record.branchesCovered)
                }
            }
            out += "BRF:\(branchTotal)\nBRH:\(branchHit)\n"
            let measured = file.lines.filter(\.isMeasured)
            for record in measured { out += "DA:\(record.line),\(record.hits)\n" }
            out += "LF:\(measured.count)\nLH:\(measured.filter { $0.hits > 0 }.count)\nend_of_record\n"
        }
        return out
    }

    /// Cobertura XML (coverage-04.dtd) with one package, paths relative to `<source>.`.
    static func cobertura(_ report: CoverageReport, timestamp: Int64) -> String {
        let totals = CoverageTotals(report)
        func rate(_ count: CoverageCount) -> String {
            count.total == 0 ? "1" : String(Double(count.covered) / Double(count.total))
        }
        var out = "<?xml version=\"1.0\" ?>\n"
        out += "<coverage version=\"gate \(GateVersion.current)\" timestamp=\"\(timestamp)\""
        out += " lines-valid=\"\(totals.lines.total)\" lines-covered=\"\(totals.lines.covered)\" line-rate=\"\(rate(totals.lines))\""
        out += " branches-valid=\"\(totals.branches.total)\" branches-covered=\"\(totals.branches.covered)\" branch-rate=\"\(rate(totals.branches))\" complexity=\"0\">\n"
        out += "\t<sources>\n\t\t<source>.</source>\n\t</sources>\n\t<packages>\n"
        out += "\t\t<package name=\".\" line-rate=\"\(rate(totals.lines))\" branch-rate=\"\(rate(totals.branches))\" complexity=\"0\">\n\t\t\t<classes>\n"
        for file in report.files {
            let fileTotals = CoverageTotals(file)
            let name = XMLText.escape(file.path)
            out += "\t\t\t\t<class name=\"\(name)\" filename=\"\(name)\" line-rate=\"\(rate(fileTotals.lines))\" branch-rate=\"\(rate(fileTotals.branches))\" complexity=\"0\">\n"
            out += "\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n"
            for record in file.lines where record.isMeasured {
                out += "\t\t\t\t\t\t<line number=\"\(record.line)\" hits=\"\(record.hits)\""
                if record.branchesTotal > 0 {
                    let percent = Int(record.branchesCovered) * 100 / Int(record.branchesTotal)
                    out += " branch=\"true\" condition-coverage=\"\(percent)% (\(record.branchesCovered)/\(record.branchesTotal))\""
                }
                out += "/>\n"
            }
            out += "\t\t\t\t\t</lines>\n\t\t\t\t</class>\n"
        }
        out += "\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n"
        return out
    }
}
