import BulwarkCore
import BulwarkStore
import Testing

@Suite struct TenantIsolationTests {
    @Test(arguments: TestBackend.available)
    func anotherOperatorCannotReadTheFleet(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let stranger = tenants.otherOperatorOwner
            let org = tenants.operatorOrg.id
            let notFound = AccessError.notFound("organisation \(org)")
            await #expect(throws: notFound) { try await store.devices(DeviceQuery(organisation: org), for: stranger) }
            await #expect(throws: notFound) { try await store.device(serial: "CAM-0001", organisation: org, for: stranger) }
            await #expect(throws: notFound) { try await store.fleetOverview(organisation: org, for: stranger, on: TestDatabase.today) }
            await #expect(throws: notFound) { try await store.products(organisation: org, for: stranger) }
            await #expect(throws: notFound) { try await store.sites(organisation: org, for: stranger) }
            // Without naming the organisation, the stranger sees its own, empty fleet.
            #expect(try await store.devices(DeviceQuery(), for: stranger).total == 0)
            await #expect(throws: AccessError.notFound("device CAM-0001")) {
                try await store.device(serial: "CAM-0001", organisation: nil, for: stranger)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func twoOperatorsMayUseTheSameSerialsWithoutSeeingEachOther(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let theirs = "serial,model,product_name,ip\nCAM-0001,LC-200,Their Camera,192.0.2.1\n"
            let report = try await store.importInventory(try SampleFleet.document(theirs), by: tenants.otherOperatorOwner, origin: .commandLine)
            #expect(report.devicesCreated == 1)
            #expect(report.productsCreated == 1)
            let mine = try await store.device(serial: "CAM-0001", organisation: nil, for: tenants.viewer)
            let other = try await store.device(serial: "CAM-0001", organisation: nil, for: tenants.otherOperatorOwner)
            #expect(mine.productName == "Lumen Cam")
            #expect(mine.ipAddress == "10.0.1.11")
            #expect(other.productName == "Their Camera")
            #expect(other.ipAddress == "192.0.2.1")
            #expect(mine.id != other.id)
            #expect(try await store.devices(DeviceQuery(), for: tenants.viewer).total == 6)
        }
    }

    @Test(arguments: TestBackend.available)
    func aViewerCannotImport(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let before = try await store.footprint(of: tenants.viewer)
            await #expect(throws: AccessError.forbidden("the viewer role cannot change data")) {
                try await store.importInventory(try SampleFleet.document(), by: tenants.viewer, origin: .commandLine)
            }
            #expect(try await store.footprint(of: tenants.viewer) == before)
        }
    }

    @Test(arguments: TestBackend.available)
    func anInsurerWithAShareReadsTheOperatorsFleet(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let org = tenants.operatorOrg.id
            let page = try await store.devices(DeviceQuery(organisation: org, credentialState: .default), for: tenants.insurer)
            #expect(page.devices.map(\.serial) == ["CAM-0001", "CAM-0003", "THR-0001"])
            #expect(try await store.device(serial: "PLG-0002", organisation: org, for: tenants.insurer).site == "York")
            #expect(try await store.fleetOverview(organisation: org, for: tenants.insurer, on: TestDatabase.today).totalDevices == 6)
            #expect(try await store.products(organisation: org, for: tenants.insurer).count == 3)
            #expect(try await store.sites(organisation: org, for: tenants.insurer).map(\.name) == ["Leeds", "York"])
            // The insurer's own organisation stays its default, and it holds no devices.
            #expect(try await store.devices(DeviceQuery(), for: tenants.insurer).total == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func anInsurerWithoutAShareIsToldTheFleetDoesNotExist(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            await #expect(throws: AccessError.notFound("organisation \(tenants.operatorOrg.id)")) {
                try await store.devices(DeviceQuery(organisation: tenants.operatorOrg.id), for: tenants.otherInsurer)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func anInsurersImportNeverReachesTheSharedFleet(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let before = try await store.footprint(of: tenants.owner)
            let devicesBefore = try await store.devices(DeviceQuery(), for: tenants.owner).devices
            // Same serials, different facts: were this written to the operator, CAM-0001 would change.
            let claim = "serial,model,ip,credential_state\nCAM-0001,LC-200,198.51.100.1,changed\n"
            _ = try await store.importInventory(try SampleFleet.document(claim), by: tenants.insurer, origin: .commandLine)
            #expect(try await store.footprint(of: tenants.owner) == before)
            #expect(try await store.devices(DeviceQuery(), for: tenants.owner).devices == devicesBefore)
            #expect(try await store.device(serial: "CAM-0001", organisation: tenants.operatorOrg.id, for: tenants.insurer).ipAddress == "10.0.1.11")
            let insurerViewer = try await store.member(.viewer, "viewer@harbour.example", of: tenants.insurerOrg)
            await #expect(throws: AccessError.forbidden("the viewer role cannot change data")) {
                try await store.importInventory(try SampleFleet.document(claim), by: insurerViewer, origin: .commandLine)
            }
        }
    }
}
