import BulwarkCore
import BulwarkStore
import Testing

@Suite struct FindingStoreTests {
    /// The inventory findings of one sample device, as the operator's analyst would record them.
    static func evaluate(_ serial: String, _ store: SQLStore, _ tenants: Tenants) async throws -> (DeviceSummary, [Finding]) {
        let device = try await store.device(serial: serial, organisation: nil, for: tenants.analyst)
        return (device, InventoryFindings.evaluate(device, on: TestDatabase.today, observedAt: "2026-11-22T08:00:00Z"))
    }

    @Test(arguments: TestBackend.available)
    func readsBackWhatWasRecordedMostSevereFirst(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let (device, findings) = try await Self.evaluate("THR-0001", store, tenants)
            #expect(findings.map(\.kind) == ["credentials.default", "inventory.firmware-unknown"])
            try await store.record(findings.reversed(), by: tenants.analyst, origin: .commandLine)
            let stored = try await store.findings(about: .device(device.id), organisation: nil, for: tenants.viewer)
            #expect(stored == findings)
            #expect(stored.first?.evidence.location == nil)
            #expect(stored.last?.provenance.version == "inventory-rules/1")
            let (other, _) = try await Self.evaluate("CAM-0002", store, tenants)
            #expect(try await store.findings(about: .device(other.id), organisation: nil, for: tenants.viewer) == [])
        }
    }

    @Test(arguments: TestBackend.available)
    func recordingAFindingAgainReplacesIt(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let (device, findings) = try await Self.evaluate("CAM-0001", store, tenants)
            try await store.record(findings, by: tenants.analyst, origin: .commandLine)
            var revised = try #require(findings.first)
            revised.title = "Factory password reachable from the internet"
            revised.provenance.observedAt = "2026-11-23T08:00:00Z"
            try await store.record([revised], by: tenants.analyst, origin: .commandLine)
            #expect(try await store.findings(about: .device(device.id), organisation: nil, for: tenants.viewer) == [revised])
        }
    }

    @Test(arguments: TestBackend.available)
    func anInsurerWithAShareReadsTheOperatorsFindings(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let (device, findings) = try await Self.evaluate("CAM-0003", store, tenants)
            try await store.record(findings, by: tenants.analyst, origin: .commandLine)
            let read = try await store.findings(about: .device(device.id), organisation: tenants.operatorOrg.id, for: tenants.insurer)
            #expect(read.map(\.kind) == ["credentials.default", "firmware.out-of-support"])
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherOrganisationCanNeitherReadNorWriteTheFindings(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let (device, findings) = try await Self.evaluate("CAM-0001", store, tenants)
            try await store.record(findings, by: tenants.analyst, origin: .commandLine)
            await #expect(throws: AccessError.notFound("organisation \(tenants.operatorOrg.id)")) {
                try await store.findings(about: .device(device.id), organisation: tenants.operatorOrg.id, for: tenants.otherOperatorOwner)
            }
            #expect(try await store.findings(about: .device(device.id), organisation: nil, for: tenants.otherOperatorOwner) == [])
            var forged = try #require(findings.first)
            forged.title = "Nothing to see"
            await #expect(throws: AccessError.forbidden("finding \(forged.id) belongs to another organisation")) {
                try await store.record([forged], by: tenants.otherOperatorOwner, origin: .commandLine)
            }
            await #expect(throws: AccessError.forbidden("finding \(forged.id) belongs to another organisation")) {
                try await store.record([forged], by: tenants.insurer, origin: .commandLine)
            }
            #expect(try await store.findings(about: .device(device.id), organisation: nil, for: tenants.viewer) == findings)
        }
    }

    @Test(arguments: TestBackend.available)
    func aViewerCannotRecordFindings(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let (device, findings) = try await Self.evaluate("CAM-0001", store, tenants)
            let events = try await store.auditEventCount(organisation: tenants.operatorOrg.id)
            await #expect(throws: AccessError.forbidden("the viewer role cannot change data")) {
                try await store.record(findings, by: tenants.viewer, origin: .commandLine)
            }
            #expect(try await store.findings(about: .device(device.id), organisation: nil, for: tenants.viewer) == [])
            #expect(try await store.auditEventCount(organisation: tenants.operatorOrg.id) == events)
        }
    }
}
