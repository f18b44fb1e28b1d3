import BulwarkCore
import BulwarkStore
import Foundation
import Testing

@Suite struct AuditTests {
    @Test(arguments: TestBackend.available)
    func recordsOneEventForEachWrite(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let origin = RequestOrigin(remoteAddress: "203.0.113.7")
            let org = try await store.createOrganisation(name: "Northwind Retail", kind: .operator, origin: origin)
            let insurer = try await store.createOrganisation(name: "Harbour Mutual", kind: .insurer)
            let user = try await store.createUser(
                email: "owner@northwind.example", name: "Olive", role: .owner, passwordHash: TestDatabase.passwordHash, in: org.id,
                actor: "system:cli", origin: origin)
            let owner = try await store.principal(for: user)
            try await store.share(with: insurer.id, by: owner, origin: origin)
            let token = try await store.createToken(name: "ci", role: .analyst, secretHash: tokenDigest, prefix: "bwk_1", by: owner, origin: origin)
            try await store.revokeToken(token.id, by: owner, origin: origin)
            try await store.createSession(for: user, secretHash: "cookie-digest", csrfToken: "c", lifetime: 600, origin: origin)
            try await store.endSession(secretHash: "cookie-digest", origin: origin)
            let report = try await store.importInventory(try SampleFleet.document(), by: owner, origin: origin)
            let device = try await store.device(serial: "CAM-0001", organisation: nil, for: owner)
            try await store.record(
                InventoryFindings.evaluate(device, on: TestDatabase.today, observedAt: "2026-11-22T08:00:00Z"), by: owner, origin: origin)

            let events = try await store.auditEvents(for: owner)
            #expect(
                events.map(\.action).sorted() == [
                    "findings.record", "inventory.import", "organisation.create", "session.login", "session.logout", "share.grant", "token.create",
                    "token.revoke", "user.create",
                ])
            #expect(Set(events.map(\.organisation)) == [org.id])
            #expect(Set(events.map(\.at)) == ["2026-11-22T08:00:00Z"])
            #expect(Set(events.map(\.remoteAddress)) == ["203.0.113.7"])
            let byAction = Dictionary(uniqueKeysWithValues: events.map { ($0.action, $0) })
            #expect(byAction["share.grant"]?.actor == "user:owner@northwind.example")
            #expect(byAction["share.grant"]?.subject == "Harbour Mutual")
            #expect(byAction["user.create"]?.actor == "system:cli")
            #expect(byAction["user.create"]?.detail == "owner")
            #expect(byAction["token.create"]?.detail == "analyst, bwk_1…")
            #expect(byAction["inventory.import"]?.subject == "fleet.csv")
            #expect(byAction["inventory.import"]?.detail == report.summary)
            #expect(byAction["findings.record"]?.subject == "1 findings")
            #expect(try await store.auditEventCount(organisation: org.id) == 9)
        }
    }

    @Test(arguments: TestBackend.available)
    func listsTheNewestEventsFirstUpToTheLimit(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let org = try await test.store().createOrganisation(name: "Northwind Retail", kind: .operator)
            for minute in 1...3 {
                _ = try await test.store(after: TimeInterval(60 * minute)).member(.viewer, "viewer\(minute)@northwind.example", of: org)
            }
            let owner = try await test.store().systemPrincipal(for: org)
            let events = try await test.store().auditEvents(for: owner, limit: 2)
            #expect(events.map(\.subject) == ["viewer3@northwind.example", "viewer2@northwind.example"])
            #expect(events.map(\.at) == ["2026-11-22T08:03:00Z", "2026-11-22T08:02:00Z"])
        }
    }

    @Test(arguments: TestBackend.available)
    func onlyOwnersReadTheAuditLogAndOnlyTheirOwn(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            await #expect(throws: AccessError.forbidden("only an owner may do this; you are viewer")) {
                try await store.auditEvents(for: tenants.viewer)
            }
            await #expect(throws: AccessError.forbidden("only an owner may do this; you are analyst")) {
                try await store.auditEvents(for: tenants.analyst)
            }
            let other = try await store.auditEvents(for: tenants.otherOperatorOwner)
            #expect(other.map(\.action).sorted() == ["organisation.create", "user.create"])
            #expect(Set(other.map(\.organisation)) == [tenants.otherOperatorOrg.id])
            // The insurer reads the operator's fleet through the share, but never its audit log.
            let insurerOwner = try await store.systemPrincipal(for: tenants.insurerOrg)
            #expect(try await store.auditEvents(for: insurerOwner).map(\.action).sorted() == ["organisation.create", "user.create"])
        }
    }

    @Test(arguments: TestBackend.available)
    func aRefusedWriteLeavesNoEvent(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let before = try await store.auditEventCount(organisation: tenants.operatorOrg.id)
            await #expect(throws: AccessError.self) {
                try await store.importInventory(try SampleFleet.document(), by: tenants.viewer, origin: .commandLine)
            }
            await #expect(throws: AccessError.self) {
                try await store.share(with: tenants.otherOperatorOrg.id, by: tenants.owner, origin: .commandLine)
            }
            #expect(try await store.auditEventCount(organisation: tenants.operatorOrg.id) == before)
        }
    }
}
