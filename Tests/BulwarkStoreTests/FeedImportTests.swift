import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation
import Testing

@Suite struct FeedImportTests {
    static func advisory(_ id: String, modified: String, alias: String, fixed: String) -> Advisory {
        Advisory(
            id: id, aliases: [alias], source: "osv", modified: modified, published: nil, summary: "busybox \(id)",
            affected: [
                .init(
                    ecosystem: "Alpine:v3.18", name: "busybox", purl: "pkg:apk/alpine/busybox",
                    ranges: [OSVRange(kind: .ecosystem, events: [.introduced("0"), .fixed(fixed)])], versions: [])
            ],
            cpeMatches: [.init(criteria: "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*", vulnerable: true, versionEndExcluding: fixed)],
            severities: [], withdrawn: nil)
    }

    @Test(arguments: TestBackend.available)
    func reimportTouchesOnlyRecordsWhoseModifiedTimeMoved(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let first = (1...250).map { Self.advisory("OSV-\($0)", modified: "2025-01-01T00:00:00Z", alias: "CVE-2025-\($0)", fixed: "1.36.\($0)") }
            let report = try await store.importAdvisories(first, source: "osv", file: "all.zip", skipped: 2)
            #expect(report.changed == 250)
            #expect(report.skipped == 2)
            let again = try await store.importAdvisories(first, source: "osv", file: "all.zip", skipped: 0)
            #expect(again.changed == 0)
            #expect(again.unchanged == 250)
            var next = first
            next[7] = Self.advisory("OSV-8", modified: "2025-02-01T00:00:00Z", alias: "CVE-2025-8", fixed: "9.9.9")
            let update = try await store.importAdvisories(next, source: "osv", file: "all.zip", skipped: 0)
            #expect(update.changed == 1)
            #expect(update.summary == "osv: 250 records read, 1 new or changed, 249 unchanged")
            let stored = try #require(try await store.advisory(id: "OSV-8"))
            #expect(stored.modified == "2025-02-01T00:00:00Z")
            #expect(stored.affected.first?.ranges.first?.events.last == .fixed("9.9.9"))
            #expect(try await store.advisoryIDs(alias: "CVE-2025-8") == ["OSV-8"])
            #expect(try await store.advisoryCounts() == ["osv": 250])
        }
    }

    @Test(arguments: TestBackend.available)
    func kevImportAddsChangesAndDropsEntriesAsTheCatalogueDoes(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/data/kev/known_exploited_vulnerabilities.json")
            let (catalogue, _) = try KEVCatalogue.read(try Data(contentsOf: url), file: "kev.json")
            let first = try await store.importKEV(catalogue, file: "kev.json", skipped: 0)
            #expect(first.changed == 1404)
            #expect(try await store.importKEV(catalogue, file: "kev.json", skipped: 0).changed == 0)
            var next = catalogue
            next.entries.removeLast()
            next.entries[0].dueDate = "2025-10-01"
            let second = try await store.importKEV(next, file: "kev.json", skipped: 0)
            #expect(second.changed == 1)
            #expect(second.removed == 1)
            let found = try await store.kevEntries(for: ["CVE-2025-48384", "CVE-1900-0000"])
            #expect(found.keys.sorted() == ["CVE-2025-48384"])
            #expect(found["CVE-2025-48384"]?.dueDate == "2025-10-01")
        }
    }

    @Test(arguments: TestBackend.available)
    func epssImportStoresScoresAndCountsOnlyChanges(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let day1 = EPSSScores(
                modelVersion: "v2025.03.14", scoreDate: "2025-08-25",
                scores: (1...1000).map { .init(cve: "CVE-2024-\($0)", probability: Double($0) / 10_000, percentile: Double($0) / 1000) })
            #expect(try await store.importEPSS(day1, file: "epss-1.csv.gz", skipped: 0).changed == 1000)
            var day2 = day1
            day2.scores[0].probability = 0.5
            let second = try await store.importEPSS(day2, file: "epss-2.csv.gz", skipped: 0)
            #expect(second.changed == 1)
            #expect(second.unchanged == 999)
        }
    }
}
