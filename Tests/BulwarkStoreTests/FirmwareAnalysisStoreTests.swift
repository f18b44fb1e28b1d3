import BulwarkCore
import BulwarkStore
import Foundation
import Testing

/// Storing a firmware analysis: components and findings of a release, replaced together, tenant-scoped, all or nothing.
@Suite struct FirmwareAnalysisStoreTests {
    static let busybox = ComponentInput(
        name: "busybox", version: "1.31.1", supplier: nil, purl: "pkg:generic/busybox@1.31.1", cpe: "cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*")

    static func finding(
        _ rule: String, org: Identifier<Organisation>, release: Identifier<FirmwareRelease>, source: String = SQLStore.firmwareFindingSource
    )
        -> Finding
    {
        Finding(
            id: .derived(from: org.rawValue, release.rawValue, rule), organisation: org, subject: .release(release), kind: "firmware.\(rule)",
            severity: .critical, title: rule, evidence: .init(summary: "seen", location: "/etc/shadow:1", rule: rule),
            provenance: .init(source: source, observedAt: "2026-11-22T00:00:00Z", version: "test"))
    }

    @Test(arguments: TestBackend.available)
    func replacesComponentsAndFirmwareFindingsOfOneReleaseTogether(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.owner, origin: .commandLine)
            let org = tenants.operatorOrg.id
            let release = try await store.recordFirmwareAnalysis(
                model: "LC-200", version: "2.4.1", components: [Self.busybox], by: tenants.owner, origin: .commandLine
            ) { release in
                [
                    Self.finding("credentials.default-password", org: org, release: release),
                    Self.finding("services.telnet", org: org, release: release),
                ]
            }
            try await store.record(
                [Self.finding("manual.note", org: org, release: release, source: "analyst")], by: tenants.owner, origin: .commandLine)
            try await store.recordFirmwareAnalysis(
                model: "LC-200", version: "2.4.1", components: [Self.busybox], by: tenants.owner, origin: .commandLine
            ) { release in [Self.finding("services.telnet", org: org, release: release)] }
            let findings = try await store.findings(about: .release(release), organisation: nil, for: tenants.owner)
            #expect(
                findings.map(\.kind).sorted() == ["firmware.manual.note", "firmware.services.telnet"],
                "the new analysis replaced the old one, not the analyst's note")
            #expect(try await store.components(model: "LC-200", version: "2.4.1", organisation: nil, for: tenants.owner).map(\.name) == ["busybox"])
            #expect(
                try await store.findings(about: .release(release), organisation: org, for: tenants.insurer).count == 2,
                "the operator shares with this insurer")
            #expect(try await store.findings(about: .release(release), organisation: nil, for: tenants.otherOperatorOwner).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func writesNothingWhenAnyPartIsRefused(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.owner, origin: .commandLine)
            let org = tenants.operatorOrg.id
            let other = tenants.otherOperatorOrg.id
            let audits = try await store.auditEventCount(organisation: org)
            await #expect(throws: AccessError.self) {
                try await store.recordFirmwareAnalysis(
                    model: "LC-200", version: "2.4.1", components: [Self.busybox], by: tenants.owner, origin: .commandLine
                ) {
                    release in [Self.finding("services.telnet", org: org, release: release), Self.finding("smuggled", org: other, release: release)]
                }
            }
            #expect(try await store.components(model: "LC-200", version: "2.4.1", organisation: nil, for: tenants.owner).isEmpty)
            #expect(try await store.auditEventCount(organisation: org) == audits)
            await #expect(throws: AccessError.self) {
                try await store.recordFirmwareAnalysis(
                    model: "LC-200", version: "2.4.1", components: [Self.busybox], by: tenants.viewer, origin: .commandLine
                ) {
                    _ in []
                }
            }
            await #expect(throws: AccessError.self) {
                try await store.recordFirmwareAnalysis(
                    model: "LC-200", version: "2.4.1", components: [Self.busybox], by: tenants.otherOperatorOwner, origin: .commandLine
                ) { _ in [] }
            }
            #expect(try await store.components(model: "LC-200", version: "2.4.1", organisation: nil, for: tenants.owner).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func findsKeysSharedBetweenReleasesOfOneOrganisationOnly(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.owner, origin: .commandLine)
            let shared = FirmwareKeyRecord(fingerprint: "aa11", kind: "private-key", algorithm: "RSA", file: "/etc/ssl/server.key")
            let own = FirmwareKeyRecord(fingerprint: "bb22", kind: "certificate", algorithm: "EC", file: "/etc/ssl/own.pem")
            for (version, keys) in [("1.9.0", [shared]), ("2.4.1", [shared, own])] {
                try await store.recordFirmwareAnalysis(
                    model: "LC-200", version: version, components: [], keys: keys, by: tenants.owner, origin: .commandLine
                ) { _ in [] }
            }
            let found = try await store.sharedFirmwareKeys(organisation: nil, for: tenants.owner)
            #expect(found.map(\.fingerprint) == ["aa11"])
            #expect(found.first?.releases == ["LC-200 1.9.0", "LC-200 2.4.1"])
            #expect(try await store.sharedFirmwareKeys(organisation: tenants.operatorOrg.id, for: tenants.insurer).count == 1)
            #expect(try await store.sharedFirmwareKeys(organisation: nil, for: tenants.otherOperatorOwner).isEmpty)
            await #expect(throws: AccessError.self) {
                try await store.sharedFirmwareKeys(organisation: tenants.operatorOrg.id, for: tenants.otherOperatorOwner)
            }
        }
    }
}
