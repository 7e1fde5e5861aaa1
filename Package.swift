// swift-tools-version: 6.0
import PackageDescription

/// Settings every target shares: Swift 6 language mode comes from the tools version;
/// `ExistentialAny` (SE-0335) keeps `any Protocol` visible at each use.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "gate",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gate", targets: ["gate"]),
        .library(name: "GateKit", targets: ["GateKit"]),
        .library(name: "Coverage", targets: ["Coverage"]),
        .library(name: "Relevance", targets: ["Relevance"]),
        .library(name: "Recommender", targets: ["Recommender"]),
        .library(name: "FeatureFlags", targets: ["FeatureFlags"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        // libcrypto (OpenSSL 3) for SHA-256 and Ed25519, through GateCrypto.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(name: "GateCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        // A prefetch hint and a sixteen-byte compare, which Swift cannot spell (the CSV
        // scanner, Drift's text counter), and Drift's Wasserstein merge, which Swift compiles
        // to branches.
        .target(name: "CIntrinsics"),
        .target(
            name: "GateKit",
            dependencies: [
                "CIntrinsics",
                "CLibXML2",
                "CCurl",
                .product(name: "Yams", package: "Yams"),
                "GateCrypto",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Coverage",
            dependencies: ["GateKit", "CLibXML2"],
            swiftSettings: swiftSettings
        ),
        // Vendored: the product search the gates test. Knows nothing about gates.
        .target(
            name: "Recommender",
            dependencies: ["GateCrypto"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Relevance",
            dependencies: ["GateKit", "Recommender"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FeatureFlags",
            dependencies: ["GateCrypto", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Checksum",
            dependencies: ["GateKit", "GateCrypto"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Reconcile",
            dependencies: ["GateKit", "GateCrypto"],
            swiftSettings: swiftSettings
        ),
        // Lockfile readers: what a project pins, as components with purls. Not a gate: the
        // sbom and vulns gates both read lockfiles through it.
        .target(
            name: "Dependencies",
            dependencies: ["GateKit"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SBOM",
            dependencies: ["GateKit", "Dependencies", "GateCrypto"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Vulns",
            dependencies: ["GateKit", "Dependencies", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Experiment",
            dependencies: ["GateKit"],
            swiftSettings: swiftSettings
        ),
        // The PromQL lexer and parser (Prometheus 2.42's grammar and errors): not a gate; the
        // dashboards gate parses queries with it, and rule files will be checked with it too.
        .target(
            name: "PromQL",
            dependencies: ["GateKit"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dashboards",
            dependencies: ["GateKit", "PromQL"],
            swiftSettings: swiftSettings
        ),
        // The alert-rules gate: rule files checked as promtool checks them, linted against the
        // metric catalog, unit tests run by the PromQL library's evaluator.
        .target(
            name: "Alerts",
            dependencies: ["GateKit", "PromQL", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Canary",
            dependencies: ["GateKit", "CCurl"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Bench",
            dependencies: ["GateKit", "Recommender", "FeatureFlags"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Drift",
            dependencies: ["GateKit", "CIntrinsics"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Flags",
            dependencies: ["GateKit", "FeatureFlags"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gate",
            dependencies: [
                "GateKit",
                "Coverage",
                "Relevance",
                "Recommender",
                "FeatureFlags",
                "Flags",
                "Experiment",
                "Dependencies",
                "SBOM",
                "Vulns",
                "Checksum",
                "Drift",
                "Bench",
                "Canary",
                "Dashboards",
                "Alerts",
                "Reconcile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets, one per parser family (scripts/fuzz.sh builds them with
        // -sanitize=fuzzer,address -DFUZZING); built plainly, it replays files through them.
        .executableTarget(
            name: "gate-fuzz",
            dependencies: ["GateKit", "Coverage", "Relevance", "FeatureFlags", "Flags", "Experiment", "Dependencies", "SBOM", "Vulns", "Checksum", "Drift", "Bench", "Canary", "PromQL", "Dashboards", "Alerts"],
            swiftSettings: swiftSettings
        ),
        // Fixture paths, temporary directories and running the built binary; tests only.
        .target(name: "GateTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "GateKitTests", dependencies: ["GateKit", "GateCrypto", "GateTestSupport", "CCurl"], swiftSettings: swiftSettings),
        .testTarget(name: "CoverageTests", dependencies: ["Coverage", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RelevanceTests", dependencies: ["Relevance", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RecommenderTests", dependencies: ["Recommender", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FeatureFlagsTests", dependencies: ["FeatureFlags", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FlagsTests", dependencies: ["Flags", "FeatureFlags", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ExperimentTests", dependencies: ["Experiment", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DependenciesTests", dependencies: ["Dependencies", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SBOMTests", dependencies: ["SBOM", "Dependencies", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "VulnsTests", dependencies: ["Vulns", "Dependencies", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ChecksumTests", dependencies: ["Checksum", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ReconcileTests", dependencies: ["Reconcile", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AlertsTests", dependencies: ["Alerts", "PromQL", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DashboardsTests", dependencies: ["Dashboards", "PromQL", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CanaryTests", dependencies: ["Canary", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "DriftTests", dependencies: ["Drift", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "GateCLITests", dependencies: ["gate", "GateKit", "GateTestSupport"], swiftSettings: swiftSettings),
    ]
)
