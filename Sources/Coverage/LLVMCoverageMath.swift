/// LLVM's `LineCoverageIterator` / `LineCoverageStats` (llvm/ProfileData/Coverage/
/// CoverageMapping.cpp), in our own words: the per-line view of a sorted segment list.
enum LLVMLineStats {
    struct Line: Equatable {
        var line: UInt32
        var count: UInt64
    }

    /// No source file has more lines than this; segments spanning more are not a real export
    /// (and would be a record per line).
    static let maximumSpan: UInt32 = 1 << 24

    struct Unusable: Error {
        var problem: String
    }

    /// Mapped lines from the first segment's line to the last's, with their counts.
    ///
    /// - Throws: `Unusable` for segments out of line order or spanning more than
    ///   `maximumSpan` lines.
    static func lines(of segments: [LLVMSegment]) throws -> [Line] {
        guard let first = segments.first, let last = segments.last else { return [] }
        for index in segments.indices.dropFirst() where segments[index].line < segments[index - 1].line {
            throw Unusable(problem: "segment \(index) (line \(segments[index].line)) comes before the line of the one preceding it")
        }
        guard last.line - first.line <= maximumSpan else {
            throw Unusable(problem: "segments span lines \(first.line) to \(last.line), more than any source file has")
        }
        var result: [Line] = []
        var index = 0
        var line = first.line
        var wrapped: LLVMSegment?
        var current: [LLVMSegment] = []
        while true {
            if let last = current.last { wrapped = last }
            current.removeAll(keepingCapacity: true)
            while index < segments.count, segments[index].line == line {
                current.append(segments[index])
                index += 1
            }
            let startsRegion = { (s: LLVMSegment) in !s.isGapRegion && s.hasCount && s.isRegionEntry }
            let regionStarts = current.filter(startsRegion).count
            let startsSkipped = current.first.map { !$0.hasCount && $0.isRegionEntry } ?? false
            var mapped = !startsSkipped && ((wrapped?.hasCount ?? false) || regionStarts > 0)
            mapped = mapped || current.contains { $0.isRegionEntry && $0.hasCount }
            if mapped {
                var count = wrapped?.count ?? 0
                if regionStarts > 0 {
                    for segment in current where startsRegion(segment) { count = max(count, segment.count) }
                }
                result.append(Line(line: line, count: count))
            }
            if index >= segments.count { break }
            // Lines before the next segment that no counted region covers map to nothing.
            line = current.isEmpty && !(wrapped?.hasCount ?? false) ? segments[index].line : line + 1
        }
        return result
    }
}

/// LLVM's `SegmentBuilder`: turns one function's (possibly nested) regions into the sorted
/// segments `LLVMLineStats` reads. Region kinds: 0 code, 1 expansion, 2 skipped, 3 gap.
enum LLVMSegmentBuilder {
    private typealias Location = (line: UInt32, column: UInt32)

    private struct Counted {
        var start: Location
        var end: Location
        var count: UInt64
        var kind: Int
    }

    private static func less(_ a: Location, _ b: Location) -> Bool { (a.line, a.column) < (b.line, b.column) }
    private static func same(_ a: Location, _ b: Location) -> Bool { a.line == b.line && a.column == b.column }

    static func segments(from regions: [Export.Region]) -> [LLVMSegment] {
        var counted = regions.map {
            Counted(start: ($0.startLine, $0.startColumn), end: ($0.endLine, $0.endColumn), count: $0.count, kind: $0.kind)
        }
        // Sort by start; a region that contains another (same start, later end) first; then by kind.
        counted.sort { a, b in
            if !same(a.start, b.start) { return less(a.start, b.start) }
            if !same(a.end, b.end) { return less(b.end, a.end) }
            return a.kind < b.kind
        }
        // Combine regions covering the same area: counts add up only between regions of the
        // same kind as the first.
        var combined: [Counted] = []
        for region in counted {
            if let last = combined.last, same(last.start, region.start), same(last.end, region.end) {
                if last.kind == region.kind { combined[combined.count - 1].count += region.count }
                continue
            }
            combined.append(region)
        }

        var segments: [LLVMSegment] = []
        var active: [Counted] = []

        func start(_ region: Counted, _ location: Location, entry: Bool, skipped: Bool = false) {
            let hasCount = !skipped && region.kind != 2
            if let last = segments.last, !entry, !skipped,
               last.hasCount == hasCount, last.count == region.count, !last.isRegionEntry {
                return
            }
            if hasCount {
                segments.append(LLVMSegment(line: location.line, column: location.column, count: region.count,
                                            hasCount: true, isRegionEntry: entry, isGapRegion: region.kind == 3))
            } else {
                segments.append(LLVMSegment(line: location.line, column: location.column, count: 0,
                                            hasCount: false, isRegionEntry: entry, isGapRegion: false))
            }
        }

        func complete(until location: Location?, firstCompleted: Int) {
            let done = active[firstCompleted...].enumerated().sorted { a, b in
                less(a.element.end, b.element.end) || (same(a.element.end, b.element.end) && a.offset < b.offset)
            }.map(\.element)
            active.replaceSubrange(firstCompleted..., with: done)
            let count = active.count
            var index = firstCompleted + 1
            while index < count {
                var completed = active[index]
                let segmentStart = active[index - 1].end
                if let location, same(segmentStart, location) { break }
                if same(segmentStart, completed.end) {
                    index += 1
                    continue
                }
                for later in (index + 1)..<max(count, index + 1) where same(completed.end, active[later].end) {
                    completed = active[later]
                }
                start(completed, segmentStart, entry: false)
                index += 1
            }
            let last = active[count - 1]
            if firstCompleted > 0, location.map({ !same(last.end, $0) }) ?? true {
                start(active[firstCompleted - 1], last.end, entry: false)
            } else if firstCompleted == 0, location.map({ !same($0, last.end) }) ?? true {
                start(last, last.end, entry: false, skipped: true)
            }
            active.removeSubrange(firstCompleted...)
        }

        for (index, region) in combined.enumerated() {
            let current = region.start
            let stillActive = active.filter { !(less($0.end, current) || same($0.end, current)) }
            let completed = active.filter { less($0.end, current) || same($0.end, current) }
            if !completed.isEmpty {
                active = stillActive + completed
                complete(until: current, firstCompleted: stillActive.count)
            }
            let isGap = region.kind == 3
            if same(current, region.end) {
                let skipped = index + 1 == combined.count || region.kind == 2
                start(active.last ?? region, current, entry: !isGap, skipped: skipped)
                if skipped, let last = active.last { start(last, current, entry: false) }
                continue
            }
            if index + 1 == combined.count || !same(current, combined[index + 1].start) {
                start(region, current, entry: !isGap)
            }
            active.append(region)
        }
        if !active.isEmpty { complete(until: nil, firstCompleted: 0) }
        return segments
    }
}
