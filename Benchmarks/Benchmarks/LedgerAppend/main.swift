import BenchmarkSupport
import BulwarkCore
import BulwarkLedger
import BulwarkStore
import Foundation

/// Batched ledger appends against one core's SHA-256 rate for the same 1 KiB entries, in the same process, as a plain
/// executable: the ordo-one harness interposes `malloc` and Swift's reference counting on Swift 6.3, which slows the
/// append's two-task pipeline more than a plain loop of hashes. ledger-append.sh runs it.
///
///   LedgerAppend [TOTAL] [BATCH] [ROUNDS]     (defaults 200000 1000 5)
///
/// Each round appends TOTAL entries in batches of BATCH to a fresh SQLite store in the temporary directory and hashes
/// TOTAL entries alone just before; it prints both rates, the append rate per CPU-second of the whole process, and each
/// as a percentage of the hash rate. The last line is the median round.
let arguments = CommandLine.arguments.dropFirst().map { Int($0) }
guard arguments.allSatisfy({ $0 != nil && $0! > 0 }) else {
    FileHandle.standardError.write(Data("usage: LedgerAppend [TOTAL] [BATCH] [ROUNDS], positive whole numbers\n".utf8))
    exit(2)
}
let total = arguments.count > 0 ? arguments[0]! : 200_000
let batch = arguments.count > 1 ? arguments[1]! : 1000
let rounds = arguments.count > 2 ? arguments[2]! : 5

/// 20,000 different entries of about 1 KiB (a digest, a name and a description), appended over and over.
let distinct = 20_000
let items = (0..<distinct).map { i in
    let file = EvidenceFile(
        name: "evidence-\(i).pdf", sha256: String(repeating: String(format: "%02x", i % 256), count: 32), size: UInt64(i),
        description: String(repeating: "x", count: 820))
    return try! LedgerItem(kind: LedgerEntry.Kind.evidenceFile, value: file)
}
let organisation = "00000000-0000-0000-0000-000000000000"
let contents = items.map {
    Array(try! LedgerEntry(kind: $0.kind, organisation: organisation, recordedAt: "2026-11-22T08:00:00Z", payload: $0.payload).content.utf8)
}
let batchItems = stride(from: 0, to: total, by: batch).map { start -> [LedgerItem] in
    (start..<min(start + batch, total)).map { items[$0 % distinct] }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

struct Round {
    let hashes: Double
    let appends: Double
    let perCPUSecond: Double
    var line: String {
        String(
            format: "SHA-256 %.0f leaves/s; appends %.0f entries/s = %.0f%%; %.0f entries per CPU-second = %.0f%%", hashes, appends,
            100 * appends / hashes, perCPUSecond, 100 * perCPUSecond / hashes)
    }
}

func round() async throws -> Round {
    let hashed = ContinuousClock.now
    var check: UInt8 = 0
    for i in 0..<total { contents[i % distinct].withUnsafeBytes { check ^= MerkleTree.leafHash($0).bytes[0] } }
    let hashes = Double(total) / seconds(since: hashed)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-ledger-append-\(UUID().uuidString).sqlite").path
    defer { for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    let store = SQLStore(database: try Database.open(path))
    try await store.migrate()
    let principal = try await store.systemPrincipal(for: try await store.createOrganisation(name: "Benchmark Operator", kind: .operator))
    let cpu = processCPUSeconds()
    let started = ContinuousClock.now
    for items in batchItems { try await store.appendToLedger(items, by: principal, origin: .commandLine) }
    let elapsed = seconds(since: started)
    let used = processCPUSeconds() - cpu
    await store.database.close()
    if check == 0xFF && hashes < 0 { print(check) }
    return Round(hashes: hashes, appends: Double(total) / elapsed, perCPUSecond: Double(total) / used)
}

print("\(total) entries of \(contents[0].count) bytes in batches of \(batch), \(rounds) rounds")
var results: [Round] = []
for number in 1...rounds {
    let result = try await round()
    print("round \(number): \(result.line)")
    results.append(result)
}
let median = results.sorted { $0.appends / $0.hashes < $1.appends / $1.hashes }[results.count / 2]
print("median: \(median.line)")
