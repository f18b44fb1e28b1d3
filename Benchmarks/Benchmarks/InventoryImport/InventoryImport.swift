import Benchmark
import BulwarkCore
import BulwarkStore
import Foundation

/// Importing 100,000 devices into a fresh SQLite file: the "rows/s" figure.
///
/// Run: swift package --package-path Benchmarks benchmark --target InventoryImport
let benchmarks: @Sendable () -> Void = {
    let deviceCount = 100_000
    let csv = FleetFile.csv(devices: deviceCount)
    let devicesPerSecond = BenchmarkMetric.custom("devices/s", polarity: .prefersLarger, useScalingFactor: false)

    Benchmark(
        "Parse a 100,000-device CSV",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident, devicesPerSecond], maxDuration: .seconds(20), maxIterations: 10)
    ) { benchmark in
        let started = ContinuousClock.now
        let document = try InventoryDocument.parse(csv, source: "fleet.csv")
        blackHole(document.devices.count)
        benchmark.measurement(devicesPerSecond, Int(Double(deviceCount) / (ContinuousClock.now - started).seconds))
    }

    Benchmark(
        "Import 100,000 devices into SQLite (parse, check, write)",
        configuration: .init(metrics: [.wallClock, .peakMemoryResident, devicesPerSecond], maxDuration: .seconds(60), maxIterations: 5)
    ) { benchmark in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-import-bench-\(UUID().uuidString).sqlite").path
        let store = SQLStore(database: try Database.open(path))
        try await store.migrate()
        let org = try await store.createOrganisation(name: "Benchmark Operator", kind: .operator)
        let principal = try await store.systemPrincipal(for: org)
        benchmark.startMeasurement()
        let started = ContinuousClock.now
        let document = try InventoryDocument.parse(csv, source: "fleet.csv")
        let report = try await store.importInventory(document, by: principal, origin: .commandLine)
        let elapsed = ContinuousClock.now - started
        benchmark.stopMeasurement()
        precondition(report.devicesCreated == deviceCount, "imported \(report.devicesCreated) devices, expected \(deviceCount)")
        benchmark.measurement(devicesPerSecond, Int(Double(deviceCount) / elapsed.seconds))
        await store.database.close()
        for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// A realistic fleet export: 40 products, 200 releases, 25 sites with 4 segments each, addresses and last-seen times.
enum FleetFile {
    static func csv(devices: Int) -> [UInt8] {
        var text = "serial,model,product_name,manufacturer,product_line,firmware,released_on,support_until,site,segment,internet_exposed,ip,mac,credential_state,last_seen\n"
        text.reserveCapacity(devices * 190)
        let states = ["default", "changed", "changed", "changed", "unknown"]
        for i in 0..<devices {
            let product = i % 40
            let release = (i / 40) % 5
            let site = i % 25
            let segment = (i / 25) % 4
            text += "SN\(String(100_000_000 + i)),M-\(product),Model \(product),Vendor \(product % 7),Line \(product % 3),\(release + 1).\(product % 4).0,"
            text += "202\(release)-0\(release + 1)-15,202\(release + 4)-0\(release + 1)-15,Site \(site),seg-\(segment),\(segment == 0),"
            text += "10.\(site).\(i / 250 % 256).\(i % 250 + 1),02:\(hex(site)):\(hex(i >> 16)):\(hex(i >> 8)):\(hex(i)):\(hex(product)),"
            text += "\(states[i % 5]),2026-11-\(String(10 + i % 10))T0\(i % 10):00:00Z\n"
        }
        return Array(text.utf8)
    }

    static func hex(_ value: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[(value >> 4) & 0xf], digits[value & 0xf]])
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
