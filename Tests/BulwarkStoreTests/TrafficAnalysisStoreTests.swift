import BulwarkCore
import BulwarkStore
import Testing

@Suite struct TrafficAnalysisStoreTests {
    static func alert(_ id: String, organisation: Organisation) -> Finding {
        Finding(
            id: .init(rawValue: id), organisation: organisation.id, subject: .organisation(organisation.id), kind: "network.alert",
            severity: .high, title: "Periodic connections to 203.0.113.7:443",
            evidence: .init(summary: "297 connections every 2.2 s", location: "capture.pcap packets 1-25", rule: "c2.beacon"),
            provenance: .init(source: "bulwark traffic analyze", observedAt: "2026-11-22T08:00:00Z", version: "test"))
    }

    @Test(arguments: TestBackend.available)
    func alertsAreStoredOnceAndEveryRecordingIsLogged(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let run = TrafficAnalysisRecord(
                id: "run-1", files: ["capture.pcap"], packets: 7931, flows: 299, lookups: 0, badInput: 0, alerts: 2, counters: ["packets": 7931])
            let findings = [Self.alert("alert-1", organisation: tenants.operatorOrg), Self.alert("alert-2", organisation: tenants.operatorOrg)]
            let before = try await store.ledgerSize()
            try await store.recordTrafficAnalysis(run, findings: findings, by: tenants.owner, origin: .commandLine)
            #expect(try await store.ledgerSize() == before + 2)
            var again = run
            again.id = "run-2"
            try await store.recordTrafficAnalysis(again, findings: findings, by: tenants.owner, origin: .commandLine)
            // The same alerts replace their findings, while the log keeps both recordings.
            let stored = try await store.findings(about: .organisation(tenants.operatorOrg.id), organisation: nil, for: tenants.owner)
            #expect(stored.map(\.id.rawValue).sorted() == ["alert-1", "alert-2"])
            #expect(try await store.ledgerSize() == before + 4)
            #expect(try await store.trafficAnalyses(organisation: nil, for: tenants.owner).map(\.id).sorted() == ["run-1", "run-2"])
            #expect(try await store.trafficAnalyses(organisation: nil, for: tenants.otherOperatorOwner).isEmpty)
            await #expect(throws: AccessError.self) {
                try await store.recordTrafficAnalysis(run, findings: findings, by: tenants.otherOperatorOwner, origin: .commandLine)
            }
        }
    }
}
