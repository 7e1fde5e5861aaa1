import Foundation
import GateKit

/// `llvm-cov export` JSON (`"type": "llvm.coverage.json.export"`), what
/// `swift test --enable-code-coverage`, Rust's `-C instrument-coverage` and clang produce.
///
/// Two views, as llvm-cov itself has them:
/// - Line records (what `llvm-cov show` prints, and what diff coverage uses) come from each
///   file's segments through LLVM's `LineCoverageStats`: a line is mapped when a region with a
///   count starts on it or a counted segment wraps into it, and its count is the largest of
///   the wrapped count and the counts of region-entry, non-gap segments starting on it.
/// - Totals are what `llvm-cov report` prints, which is not the same count: it sums, per
///   file, the line counts of each function (instantiations of one generic function grouped,
///   the best-covered one counting), each computed from segments that LLVM's `SegmentBuilder`
///   builds from that function's own regions. Nested closures and generic specialisations
///   make the two differ (Swift code: 56 lines by `report`, 46 by `show`).
/// Branch outcomes are two per branch region (true and false), as `llvm-cov report` counts
/// them when nothing is constant-folded.
enum LLVMCovJSONParser {
    static func report(from bytes: [UInt8], path: String, resolver: SourcePathResolver) throws -> CoverageReport {
        let export: Export
        do {
            export = try JSONDecoder().decode(Export.self, from: Data(bytes))
        } catch DecodingError.keyNotFound(let key, let context)
                    where key.stringValue == "segments" && context.codingPath.map(\.intValue) == [nil, 0, nil, 0] {
            // -summary-only leaves out every file's segments: the first file already lacks them.
            throw CoverageError.unsupportedFormat(
                path: path, format: "an llvm-cov export made with -summary-only, which has no line data (export without -summary-only)")
        } catch let error as DecodingError {
            throw CoverageError.malformedRecord(path: path, line: 1, problem: "not a valid llvm-cov export: \(Self.describe(error))")
        }
        guard export.type == "llvm.coverage.json.export" else {
            throw CoverageError.unrecognizedFormat(path: path, start: "{\"type\": \"\(export.type)\"")
        }
        var files: [String: FileCoverage] = [:]
        var hasBranches = false
        for data in export.data {
            let summaries = try Self.functionSummaries(data.functions ?? [], path: path)
            for file in data.files {
                let lines = try Self.lines(of: file.segments, in: file.filename, path: path).map { LineRecord(line: $0.line, hits: $0.count) }
                var branchTotals: [UInt32: (covered: UInt32, total: UInt32)] = [:]
                for branch in file.branches ?? [] {
                    var entry = branchTotals[branch.line] ?? (0, 0)
                    entry.total += 2
                    entry.covered += (branch.trueCount > 0 ? 1 : 0) + (branch.falseCount > 0 ? 1 : 0)
                    branchTotals[branch.line] = entry
                    hasBranches = true
                }
                var records = lines
                for index in records.indices {
                    if let entry = branchTotals.removeValue(forKey: records[index].line) {
                        records[index].branchesCovered = entry.covered
                        records[index].branchesTotal = entry.total
                    }
                }
                for (line, entry) in branchTotals {
                    records.append(LineRecord(line: line, hits: 0, branchesCovered: entry.covered, branchesTotal: entry.total, isMeasured: false))
                }
                let resolved = try resolver.resolve(file.filename)
                let summary = summaries[file.filename]
                var coverage = FileCoverage(path: resolved, lines: records, functions: summary?.functions ?? [])
                coverage.summaryLines = summary?.lines ?? CoverageCount()
                if files[resolved] == nil { files[resolved] = coverage } else { files[resolved]!.absorb(coverage) }
            }
        }
        return CoverageReport(formats: [.llvmCov], files: Array(files.values), hasBranchData: hasBranches, hasFunctionData: true)
    }

    /// The per-line view of one file's (or function's) segments; segments no export has are an error.
    static func lines(of segments: [LLVMSegment], in file: String, path: String) throws -> [LLVMLineStats.Line] {
        do {
            return try LLVMLineStats.lines(of: segments)
        } catch let error as LLVMLineStats.Unusable {
            throw CoverageError.malformedRecord(path: path, line: 1, problem: "not a valid llvm-cov export: \(Excerpt.quote(file)): \(error.problem)")
        }
    }

    /// Per file: `llvm-cov report`'s line count (summed over instantiation groups) and one
    /// function record per group.
    private static func functionSummaries(_ functions: [Export.Function], path: String) throws -> [String: (lines: CoverageCount, functions: [FunctionRecord])] {
        struct Group {
            var name: String
            var line: UInt32
            var lines: CoverageCount
            var hits: UInt64
        }
        var groups: [String: [String: Group]] = [:]
        var order: [String: [String]] = [:]
        for function in functions {
            let expanded = Set(function.regions.filter { $0.kind == 1 }.map(\.expandedFileID))
            guard let main = function.filenames.indices.first(where: { !expanded.contains($0) }) else { continue }
            let regions = function.regions.filter { $0.fileID == main }
            guard let first = regions.first else { continue }
            let filename = function.filenames[main]
            let stats = try Self.lines(of: LLVMSegmentBuilder.segments(from: regions), in: filename, path: path)
            let lines = CoverageCount(covered: stats.filter { $0.count > 0 }.count, total: stats.count)
            let key = "\(first.startLine):\(first.startColumn)"
            if var group = groups[filename]?[key] {
                group.lines.covered = max(group.lines.covered, lines.covered)
                group.hits = max(group.hits, function.count)
                groups[filename]![key] = group
            } else {
                groups[filename, default: [:]][key] = Group(name: function.name, line: first.startLine, lines: lines, hits: function.count)
                order[filename, default: []].append(key)
            }
        }
        var result: [String: (lines: CoverageCount, functions: [FunctionRecord])] = [:]
        for (filename, keys) in order {
            var total = CoverageCount()
            var records: [FunctionRecord] = []
            for key in keys {
                let group = groups[filename]![key]!
                total.covered += group.lines.covered
                total.total += group.lines.total
                records.append(FunctionRecord(name: group.name, line: group.line, hits: group.hits))
            }
            result[filename] = (total, records)
        }
        return result
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(place(context.codingPath)) has no '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(place(context.codingPath)) is not of the type an export has there"
        case .dataCorrupted(let context):
            return "\(place(context.codingPath)): \(Excerpt.quote(context.debugDescription, limit: 120))"
        @unknown default:
            return Excerpt.quote("\(error)", limit: 120)
        }
    }

    /// `data[0].files[3]`: where in the document, without the decoder's own key types.
    static func place(_ path: [any CodingKey]) -> String {
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.isEmpty ? "the document" : String(text.drop { $0 == "." })
    }
}

/// The parts of the export gate reads.
struct Export: Decodable {
    var type: String
    var version: String?
    var data: [ExportData]

    struct ExportData: Decodable {
        var files: [File]
        var functions: [Function]?
    }

    struct File: Decodable {
        var filename: String
        var segments: [LLVMSegment]
        var branches: [Branch]?
    }

    struct Function: Decodable {
        var name: String
        var count: UInt64
        var regions: [Region]
        var filenames: [String]
    }

    /// `[l1, c1, l2, c2, count, fileID, expandedFileID, kind]`
    struct Region: Decodable {
        var startLine: UInt32, startColumn: UInt32, endLine: UInt32, endColumn: UInt32
        var count: UInt64
        var fileID: Int, expandedFileID: Int, kind: Int

        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            startLine = try c.decode(UInt32.self)
            startColumn = try c.decode(UInt32.self)
            endLine = try c.decode(UInt32.self)
            endColumn = try c.decode(UInt32.self)
            count = try c.decode(UInt64.self)
            fileID = try c.decode(Int.self)
            expandedFileID = try c.decode(Int.self)
            kind = try c.decode(Int.self)
        }

        init(startLine: UInt32, startColumn: UInt32, endLine: UInt32, endColumn: UInt32, count: UInt64, fileID: Int = 0, expandedFileID: Int = 0, kind: Int = 0) {
            (self.startLine, self.startColumn, self.endLine, self.endColumn) = (startLine, startColumn, endLine, endColumn)
            (self.count, self.fileID, self.expandedFileID, self.kind) = (count, fileID, expandedFileID, kind)
        }
    }

    /// `[l1, c1, l2, c2, trueCount, falseCount, fileID, expandedFileID, kind]`
    struct Branch: Decodable {
        var line: UInt32
        var trueCount: UInt64, falseCount: UInt64

        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            line = try c.decode(UInt32.self)
            _ = try c.decode(UInt32.self)
            _ = try c.decode(UInt32.self)
            _ = try c.decode(UInt32.self)
            trueCount = try c.decode(UInt64.self)
            falseCount = try c.decode(UInt64.self)
        }
    }
}

/// A segment: `[line, column, count, hasCount, isRegionEntry, isGapRegion]` (the last field
/// is absent in export version 2.0.0).
struct LLVMSegment: Decodable, Equatable {
    var line: UInt32
    var column: UInt32
    var count: UInt64
    var hasCount: Bool
    var isRegionEntry: Bool
    var isGapRegion: Bool

    init(line: UInt32, column: UInt32, count: UInt64, hasCount: Bool, isRegionEntry: Bool, isGapRegion: Bool) {
        (self.line, self.column, self.count) = (line, column, count)
        (self.hasCount, self.isRegionEntry, self.isGapRegion) = (hasCount, isRegionEntry, isGapRegion)
    }

    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        line = try c.decode(UInt32.self)
        column = try c.decode(UInt32.self)
        count = try c.decode(UInt64.self)
        hasCount = try c.decode(Bool.self)
        isRegionEntry = try c.decode(Bool.self)
        isGapRegion = c.isAtEnd ? false : try c.decode(Bool.self)
    }
}
