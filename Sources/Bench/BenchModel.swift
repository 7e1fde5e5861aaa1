import GateKit

/// What a benchmark measured, whichever tool produced it.
public struct BenchSeries: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Wall-clock time per run, in seconds: noisy on shared machines.
        case wallTime = "wall"
        /// Instructions executed (Callgrind's Ir): deterministic for native code.
        case instructions
        /// A figure some tool reported (a p99, a throughput) without its samples.
        case value
    }

    public var name: String
    public var kind: Kind
    /// "s" for times (every importer converts to seconds), "instructions", or the tool's unit.
    public var unit: String
    /// The samples; one value when the tool reported only a summary.
    public var samples: [Double]
    public var smallerIsBetter: Bool
    /// For commands gate ran: user and system CPU seconds and peak resident KiB of each run
    /// (kept in the results, not judged).
    public var user: [Double] = []
    public var system: [Double] = []
    public var peakKiB: [Double] = []

    public init(name: String, kind: Kind, unit: String, samples: [Double], smallerIsBetter: Bool = true) {
        (self.name, self.kind, self.unit, self.samples, self.smallerIsBetter) = (name, kind, unit, samples, smallerIsBetter)
    }

    public var minimum: Double { samples.min() ?? .nan }
    public var median: Double { quantile(sorted: samples.sorted(), 0.5) }
}

/// One file's or one run's benchmarks.
public struct BenchResults: Sendable, Equatable {
    /// The tool or format the results came from ("gate", "hyperfine", "google-benchmark", …).
    public var source: String
    public var series: [BenchSeries]
    /// Set when baseline and current were measured interleaved in one job (`gate bench ab`):
    /// the only case in which wall time may fail a build.
    public var interleavedWith: String?
    /// `valgrind --version` for instruction counts: counts from different versions do not compare.
    public var valgrind: String?

    public init(source: String, series: [BenchSeries], interleavedWith: String? = nil, valgrind: String? = nil) {
        (self.source, self.series, self.interleavedWith, self.valgrind) = (source, series, interleavedWith, valgrind)
    }

    public func series(named name: String) -> BenchSeries? { series.first { $0.name == name } }
}
