// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "bulwark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bulwark", targets: ["bulwark"]),
        .library(name: "BulwarkCore", targets: ["BulwarkCore"]),
        .library(name: "BulwarkVulnerability", targets: ["BulwarkVulnerability"]),
        .library(name: "BulwarkLedger", targets: ["BulwarkLedger"]),
        .library(name: "BulwarkFirmware", targets: ["BulwarkFirmware"]),
        .library(name: "BulwarkNetwork", targets: ["BulwarkNetwork"]),
        .library(name: "BulwarkStore", targets: ["BulwarkStore"]),
        .library(name: "BulwarkServer", targets: ["BulwarkServer"]),
        .library(name: "BulwarkCLI", targets: ["BulwarkCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "BulwarkCore",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "BulwarkVulnerability",
            dependencies: ["BulwarkCore", "CZlib"],
            resources: [.copy("SBOM/Resources/spdx-license-ids.txt")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BulwarkLedger",
            dependencies: ["BulwarkCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BulwarkFirmware",
            dependencies: [
                "BulwarkCore", "BulwarkVulnerability", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/component-signatures.json"), .copy("Resources/default-credentials.tsv")],
            swiftSettings: swiftSettings
        ),
        // The anomaly detector's scoring kernel: C so that an AVX2 path can be chosen at run time beside a portable one.
        .target(name: "CAutoencoderScoring"),
        .target(
            name: "BulwarkNetwork",
            dependencies: ["BulwarkCore", "CAutoencoderScoring"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BulwarkStore",
            dependencies: [
                "BulwarkCore",
                "BulwarkVulnerability",
                "BulwarkLedger",
                "BulwarkFirmware",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BulwarkAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")
            ],
            resources: [.copy("openapi.yaml")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "BulwarkServer",
            dependencies: [
                "BulwarkCore",
                "BulwarkNetwork",
                "BulwarkLedger",
                "BulwarkStore",
                "BulwarkVulnerability",
                "BulwarkFirmware",
                "BulwarkAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Public")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BulwarkCLI",
            dependencies: [
                "BulwarkCore",
                "BulwarkFirmware",
                "BulwarkNetwork",
                "BulwarkVulnerability",
                "BulwarkLedger",
                "BulwarkStore",
                "BulwarkServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bulwark",
            dependencies: ["BulwarkCLI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BulwarkVulnerabilityTests", dependencies: ["BulwarkVulnerability", "BulwarkCore"], swiftSettings: swiftSettings),
        .testTarget(name: "BulwarkCoreTests", dependencies: ["BulwarkCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BulwarkFirmwareTests", dependencies: ["BulwarkFirmware", "BulwarkCore", "BulwarkVulnerability"], swiftSettings: swiftSettings),
        .testTarget(name: "BulwarkNetworkTests", dependencies: ["BulwarkNetwork", "BulwarkCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BulwarkLedgerTests", dependencies: ["BulwarkLedger", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "BulwarkStoreTests",
            dependencies: [
                "BulwarkStore", "BulwarkCore", "BulwarkVulnerability", "BulwarkLedger", "BulwarkFirmware", .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BulwarkServerTests",
            dependencies: [
                "BulwarkServer", "BulwarkStore", "BulwarkCore", "BulwarkAPI", "BulwarkLedger", "BulwarkVulnerability", "BulwarkFirmware",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BulwarkBrowserTests",
            dependencies: [
                "BulwarkServer", "BulwarkStore", "BulwarkCore", "BulwarkVulnerability", "BulwarkLedger", "BulwarkFirmware",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BulwarkCLITests", dependencies: ["BulwarkCLI", "BulwarkStore", "BulwarkCore", "BulwarkLedger", "BulwarkFirmware"], swiftSettings: swiftSettings),
    ]
)
