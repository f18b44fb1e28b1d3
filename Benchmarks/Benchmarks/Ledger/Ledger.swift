import Benchmark
import BenchmarkSupport
import BulwarkCore
import BulwarkLedger
import BulwarkStore
import Foundation
import SQLKit


/// The evidence ledger's figures: batched appends of 1 KiB entries against the raw SHA-256 rate for the same entries
/// in the same run, and proof generation at 10 million entries.
///
/// Run: swift package --package-path Benchmarks benchmark --target Ledger
let benchmarks: @Sendable () -> Void = {
    let count = 20_000
    let items = LedgerBench.items(count)
    let contents = items.map { item in
        Array(
            try! LedgerEntry(
                kind: item.kind, organisation: "00000000-0000-0000-0000-000000000000", recordedAt: "2026-11-22T08:00:00Z", payload: item.payload
            ).content.utf8)
    }
    let perSecond = BenchmarkMetric.custom("entries/s", polarity: .prefersLarger, useScalingFactor: false)
    let hashesPerSecond = BenchmarkMetric.custom("SHA-256 leaves/s (same run)", polarity: .prefersLarger, useScalingFactor: false)
    let percent = BenchmarkMetric.custom("% of SHA-256 rate", polarity: .prefersLarger, useScalingFactor: false)
    let config = Benchmark.Configuration(metrics: [.wallClock, perSecond, percent], maxDuration: .seconds(60), maxIterations: 5)
    // Entries per second of the whole process's CPU time (every thread): what the append costs when the machine is not
    // shared, as against the wall-clock rate, which also counts waiting for disk and for a core. An append uses both
    // cores (one encodes and leaf-hashes a chunk while the other writes the chunk before and hashes its nodes), while
    // the SHA-256 rate is one core's, so the CPU-second percentage is the like-for-like one.
    let perCPUSecond = BenchmarkMetric.custom("entries per CPU-second", polarity: .prefersLarger, useScalingFactor: false)
    let percentOfCPU = BenchmarkMetric.custom("% of SHA-256 rate per CPU-second", polarity: .prefersLarger, useScalingFactor: false)
    let appendConfig = Benchmark.Configuration(
        metrics: [.wallClock, hashesPerSecond, perSecond, percent, perCPUSecond, percentOfCPU], maxDuration: .seconds(90), maxIterations: 5)

    /// The floor: one SHA-256 per 1 KiB leaf and nothing else, from bytes in memory (the fastest call; hashing an array
    /// through `DataProtocol` ran a tenth slower and would flatter the appends).
    @Sendable func hashRate() -> Double {
        let started = ContinuousClock.now
        for content in contents { content.withUnsafeBytes { blackHole(MerkleTree.leafHash($0)) } }
        return Double(count) / (ContinuousClock.now - started).seconds
    }

    Benchmark("SHA-256 of 20,000 1 KiB leaves (the limit)", configuration: config) { benchmark in
        benchmark.measurement(perSecond, Int(hashRate()))
    }

    Benchmark("Tree only: 20,000 1 KiB leaves into TreeFrontier, in memory", configuration: config) { benchmark in
        let limit = hashRate()
        let started = ContinuousClock.now
        var frontier = TreeFrontier()
        var nodes = 0
        for content in contents { frontier.append(content.withUnsafeBytes { MerkleTree.leafHash($0) }) { _, _ in nodes += 1 } }
        let rate = Double(count) / (ContinuousClock.now - started).seconds
        blackHole(frontier.root)
        benchmark.measurement(perSecond, Int(rate))
        benchmark.measurement(percent, Int(100 * rate / limit))
    }

    /// Appends `total` entries (the 20,000 items over and over) in batches of `batch` to a fresh SQLite store.
    @Sendable func append(_ benchmark: Benchmark, total: Int, batch: Int) async throws {
        let limit = hashRate()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-ledger-bench-\(UUID().uuidString).sqlite").path
        let store = SQLStore(database: try Database.open(path))
        try await store.migrate()
        let org = try await store.createOrganisation(name: "Benchmark Operator", kind: .operator)
        let principal = try await store.systemPrincipal(for: org)
        benchmark.startMeasurement()
        let cpuBefore = processCPUSeconds()
        let started = ContinuousClock.now
        for start in stride(from: 0, to: total, by: batch) {
            let first = start % count
            try await store.appendToLedger(Array(items[first..<first + batch]), by: principal, origin: .commandLine)
        }
        let rate = Double(total) / (ContinuousClock.now - started).seconds
        let cpu = processCPUSeconds() - cpuBefore
        benchmark.stopMeasurement()
        benchmark.measurement(perCPUSecond, Int(Double(total) / cpu))
        benchmark.measurement(hashesPerSecond, Int(limit))
        benchmark.measurement(perSecond, Int(rate))
        benchmark.measurement(percent, Int(100 * rate / limit))
        benchmark.measurement(percentOfCPU, Int(100 * Double(total) / cpu / limit))
        await store.database.close()
        for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    // 200,000 entries (200 MB) per run, so that the figure is the steady state rather than the first few appends to an
    // empty database and file, which ran a tenth slower.
    Benchmark("Append 200,000 1 KiB entries to SQLite in batches of 1,000", configuration: appendConfig) { benchmark in
        try await append(benchmark, total: 200_000, batch: 1000)
    }

    Benchmark("Append 200,000 1 KiB entries to SQLite in batches of 10,000", configuration: appendConfig) { benchmark in
        try await append(benchmark, total: 200_000, batch: 10_000)
    }

    let proofConfig = Benchmark.Configuration(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 2000)
    Benchmark("Inclusion proof bundle at 10,000,000 entries (SQLite)", configuration: proofConfig) { benchmark in
        let store = try await LedgerBench.shared.value
        let principal = try await LedgerBench.principal(store)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(try await store.ledgerProofBundle(LedgerBench.provable[index % LedgerBench.provable.count], for: principal))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("Consistency proof at 10,000,000 entries (SQLite)", configuration: proofConfig) { benchmark in
        let store = try await LedgerBench.shared.value
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(try await store.ledgerConsistencyProof(from: UInt64(1_234_567 + index * 7919 % 5_000_000), to: LedgerBench.size))
        }
        benchmark.stopMeasurement()
    }
}

enum LedgerBench {
    static let size: UInt64 = 10_000_000
    /// Entries with rows of their own in the 10M file, spread over the tree (the rest of the tree is nodes only).
    static let provable: [UInt64] = [0, 1, 4_999_999, 7_777_777, 9_999_998, 9_999_999]
    static let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-ledger-bench-10M-v2.sqlite").path

    /// 1 KiB evidence payloads: a digest, a name and a description padded to make the canonical entry about 1,024 bytes.
    static func items(_ count: Int) -> [LedgerItem] {
        (0..<count).map { i in
            let file = EvidenceFile(
                name: "evidence-\(i).pdf", sha256: String(repeating: String(format: "%02x", i % 256), count: 32), size: UInt64(i),
                description: String(repeating: "x", count: 820))
            return try! LedgerItem(kind: LedgerEntry.Kind.evidenceFile, value: file)
        }
    }

    static func principal(_ store: SQLStore) async throws -> Principal {
        let org = try await store.organisation(named: "Benchmark Operator")!
        return try await store.systemPrincipal(for: org)
    }

    /// A ledger of 10M synthetic leaves: every node hash stored, as appends would leave them, and entries only at the
    /// `provable` indexes. Built once and kept in the temporary directory (about 1.3 GB), since building it takes
    /// minutes. One store over the 10M file serves every proof benchmark.
    static let shared = Task { try await tenMillion() }

    static func tenMillion() async throws -> SQLStore {
        let ready = path + ".ready"
        if !FileManager.default.fileExists(atPath: ready) { try await build(ready: ready) }
        let store = SQLStore(database: try Database.open(path))
        // A file built by an older schema gains the columns added since (adding columns rewrites no rows).
        try await store.migrate()
        return store
    }

    /// Full tiles are written as they fill, the partial last tile of each level at the end; then `migrate()` moves them
    /// into the hash file, as it does for any SQLite ledger written with tiles.
    static func build(ready: String) async throws {
        for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let fresh = SQLStore(database: try Database.open(path))
        try await fresh.migrate()
        let org = try await fresh.createOrganisation(name: "Benchmark Operator", kind: .operator)
        var frontier = TreeFrontier()
        var pending: [[UInt8]] = []
        var full: [(level: Int, index: Int, hex: String)] = []
        var leaf: UInt64 = 0
        func flush(_ tiles: [(level: Int, index: Int, hex: String)]) async throws {
            try await fresh.database.transaction { db in
                for chunk in stride(from: 0, to: tiles.count, by: 200) {
                    var query = SQLQueryString("INSERT INTO ledger_tiles (level, idx, hashes) VALUES ")
                    for (offset, tile) in tiles[chunk..<min(chunk + 200, tiles.count)].enumerated() {
                        query.appendLiteral(offset == 0 ? "(" : ", (")
                        query.appendLiteral("\(tile.level), \(tile.index), '\(tile.hex)')")
                    }
                    try await db.raw(query).run()
                }
            }
        }
        while leaf < size {
            var bytes = [UInt8](repeating: 0, count: 8)
            for b in 0..<8 { bytes[b] = UInt8(truncatingIfNeeded: leaf >> (8 * UInt64(b))) }
            frontier.append(MerkleTree.leafHash(bytes)) { position, hash in
                if position.level == pending.count { pending.append([]) }
                hash.appendHex(to: &pending[position.level])
                if pending[position.level].count == 256 * 64 {
                    full.append((position.level, Int(position.index / 256), String(decoding: pending[position.level], as: UTF8.self)))
                    pending[position.level].removeAll(keepingCapacity: true)
                }
            }
            leaf += 1
            if full.count >= 2000 {
                try await flush(full)
                full.removeAll()
            }
        }
        for (level, hex) in pending.enumerated() where !hex.isEmpty {
            full.append((level, Int((size >> UInt64(level)) / 256), String(decoding: hex, as: UTF8.self)))
        }
        try await flush(full)
        try await fresh.migrate()
        let finalRoot = frontier.root
        try await fresh.database.transaction { db in
            for index in provable {
                let entry = try LedgerEntry(kind: "evidence.file", organisation: org.id.rawValue, recordedAt: "2026-11-22T08:00:00Z", payload: "{}")
                try await db.raw(
                    "INSERT INTO ledger_entry_bundles (first_idx, count, org_id, entries) VALUES (\(bind: Int(index)), 1, \(bind: org.id.rawValue), \(bind: entry.content))"
                ).run()
            }
            try await db.raw("UPDATE ledger_head SET size = \(bind: Int(size)) WHERE id = 1").run()
        }
        _ = try await fresh.publishLedgerCheckpoint(origin: "bench.local/ledger", signers: [try NoteSigningKey(generatingFor: "bench.local/ledger")])
        let published = try await fresh.latestLedgerCheckpoint()
        precondition(published?.text.contains(finalRoot.base64) == true, "the 10M checkpoint does not name the computed root")
        await fresh.database.close()
        FileManager.default.createFile(atPath: ready, contents: Data())
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
