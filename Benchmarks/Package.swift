// swift-tools-version: 6.2
// Benchmarks live in their own package so the test build never compiles them.
// Run: swift package --package-path Benchmarks benchmark
import Foundation
import PackageDescription

// A path dependency is known by its directory's name, which is whatever the checkout is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "bulwark-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // What more than one benchmark measures with (process CPU time).
        .target(name: "BenchmarkSupport", path: "Benchmarks/Support"),
        .executableTarget(
            name: "InventoryImport",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BulwarkCore", package: root),
                .product(name: "BulwarkStore", package: root),
            ],
            path: "Benchmarks/InventoryImport",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A plain executable, not an ordo-one benchmark: vulnerability-vs-python.sh runs it beside the Python peers on
        // the same input files and divides the rates.
        .executableTarget(
            name: "Vulnerability",
            dependencies: [.product(name: "BulwarkVulnerability", package: root)],
            path: "Benchmarks/Vulnerability"
        ),
        // A plain executable: network-throughput.sh and collector-vs-nfcapd.sh run it and print its figures.
        .executableTarget(
            name: "NetworkThroughput",
            dependencies: ["BenchmarkSupport", .product(name: "BulwarkNetwork", package: root)],
            path: "Benchmarks/NetworkThroughput"
        ),
        // A plain executable: ledger-append.sh runs it (see its header for why beside the ordo-one Ledger target).
        .executableTarget(
            name: "LedgerAppend",
            dependencies: [
                "BenchmarkSupport", .product(name: "BulwarkCore", package: root), .product(name: "BulwarkLedger", package: root),
                .product(name: "BulwarkStore", package: root),
            ],
            path: "Benchmarks/LedgerAppend"
        ),
        // A plain executable: firmware-throughput.sh and firmware-vs-cve-bin-tool.sh run it.
        .executableTarget(
            name: "Firmware",
            dependencies: ["BenchmarkSupport", .product(name: "BulwarkFirmware", package: root)],
            path: "Benchmarks/Firmware"
        ),
        .executableTarget(
            name: "Matching",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BulwarkCore", package: root),
                .product(name: "BulwarkStore", package: root),
                .product(name: "BulwarkVulnerability", package: root),
            ],
            path: "Benchmarks/Matching",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Ledger",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BulwarkCore", package: root),
                .product(name: "BulwarkLedger", package: root),
                .product(name: "BulwarkStore", package: root),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Benchmarks/Ledger",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
