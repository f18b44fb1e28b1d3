import BulwarkCore
import BulwarkStore
import Synchronization
import Testing

@Suite struct InventoryImportTests {
    @Test(arguments: TestBackend.available)
    func reportsWhatAFirstImportCreated(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let report = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            var expected = ImportReport()
            expected.productsCreated = 3
            expected.releasesCreated = 4
            expected.sitesCreated = 2
            expected.segmentsCreated = 3
            expected.devicesCreated = 6
            #expect(report == expected)
            #expect(
                report.summary
                    == "6 devices created, 0 updated, 0 unchanged; 3 products created, 0 updated; 4 firmware releases created, 0 updated; "
                    + "2 sites created; 3 network segments created, 0 updated")
            #expect(try await store.footprint(of: tenants.analyst) == ["devices": 6, "products": 3, "releases": 4, "sites": 2, "audit events": 6])
        }
    }

    @Test(arguments: TestBackend.available)
    func storesEveryFieldOfADevice(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let device = try await store.device(serial: "CAM-0001", organisation: nil, for: tenants.viewer)
            #expect(device.id == Identifier<Device>.derived(from: tenants.operatorOrg.id.rawValue, "device", "CAM-0001"))
            #expect(device.organisation == tenants.operatorOrg.id)
            #expect([device.model, device.productName, device.manufacturer, device.category] == ["LC-200", "Lumen Cam", "Lumen", "camera"])
            #expect(device.firmwareVersion == "2.4.1")
            #expect(device.firmwareReleasedOn?.description == "2026-03-01")
            #expect(device.supportUntil?.description == "2029-12-31")
            #expect(device.site == "Leeds")
            #expect(device.segment == "dmz")
            #expect(device.internetExposed)
            #expect(device.ipAddress == "10.0.1.11")
            #expect(device.macAddress == "00:1a:2b:00:00:01")
            #expect(device.credentialState == .default)
            #expect(device.lastSeen == "2026-11-21T08:00:00Z")
            let thermostat = try await store.device(serial: "THR-0001", organisation: nil, for: tenants.viewer)
            #expect(thermostat.firmwareVersion == nil)
            #expect(thermostat.segment == nil)
            #expect(!thermostat.internetExposed)
            #expect(thermostat.ipAddress == nil)
            #expect(try await store.device(serial: "PLG-0002", organisation: nil, for: tenants.viewer).macAddress == "3c:71:bf:00:00:22")
        }
    }

    @Test(arguments: TestBackend.available)
    func importingTheSameDocumentAgainChangesNothing(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let tenants = try await Tenants.make(in: test.store())
            _ = try await test.store().importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let before = try await test.store().footprint(of: tenants.analyst)
            let again = try await test.store(after: 3600).importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            var expected = ImportReport()
            expected.devicesUnchanged = 6
            #expect(again == expected)
            #expect(!again.changedAnything)
            #expect(try await test.store().footprint(of: tenants.analyst) == before)
        }
    }

    @Test(arguments: TestBackend.available)
    func readsTheSameFleetFromJSON(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let json = """
                {"devices": [
                  {"serial": "CAM-0001", "model": "LC-200", "firmware": "2.4.1", "site": "Leeds", "segment": "dmz", "credentialState": "default"},
                  {"serial": "CAM-0004", "model": "LC-200", "firmware": "2.4.1", "site": "Leeds", "segment": "dmz", "ip": "10.0.1.14"}
                ]}
                """
            let report = try await store.importInventory(
                try SampleFleet.document(json, source: "more.json"), by: tenants.analyst, origin: .commandLine)
            #expect(report.devicesCreated == 1)
            #expect(report.devicesUnchanged == 1)
            #expect(report.productsCreated + report.productsUpdated + report.releasesCreated + report.segmentsCreated + report.sitesCreated == 0)
            #expect(try await store.device(serial: "CAM-0004", organisation: nil, for: tenants.viewer).internetExposed)
        }
    }

    @Test(arguments: TestBackend.available)
    func updatesOnlyWhatChanged(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let original = try await store.devices(DeviceQuery(), for: tenants.viewer).devices
            let changes = """
                serial,model,product_name,ip,credential_state,firmware,released_on
                CAM-0002,LC-200,,10.0.2.99,,,
                PLG-0001,SP-10,,,default,,
                THR-0001,TH-5,Thermo 5 Pro,,,,
                CAM-0003,LC-200,,,,1.9.0,2022-06-01
                """
            let report = try await store.importInventory(
                try SampleFleet.document(changes, source: "changes.csv"), by: tenants.analyst, origin: .commandLine)
            var expected = ImportReport()
            expected.productsUpdated = 1
            expected.devicesUpdated = 2
            expected.devicesUnchanged = 2
            #expect(report == expected)
            let updated = try await store.devices(DeviceQuery(), for: tenants.viewer).devices
            let differences = zip(original, updated).filter { $0 != $1 }.map(\.1.serial)
            #expect(differences == ["CAM-0002", "PLG-0001", "THR-0001"])
            let bySerial = Dictionary(uniqueKeysWithValues: updated.map { ($0.serial, $0) })
            #expect(bySerial["CAM-0002"]?.ipAddress == "10.0.2.99")
            #expect(bySerial["CAM-0002"]?.credentialState == .changed)
            #expect(bySerial["CAM-0002"]?.macAddress == "00:1a:2b:00:00:02")
            #expect(bySerial["PLG-0001"]?.credentialState == .default)
            #expect(bySerial["PLG-0001"]?.ipAddress == "10.0.2.21")
            #expect(bySerial["THR-0001"]?.productName == "Thermo 5 Pro")
        }
    }

    @Test(arguments: TestBackend.available)
    func movesADeviceToAnotherSegmentAndUpdatesTheSegment(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let changes = "serial,model,site,segment,internet_exposed\nCAM-0002,LC-200,Leeds,dmz,\nPLG-0002,SP-10,York,cctv,yes\n"
            let report = try await store.importInventory(
                try SampleFleet.document(changes, source: "moves.csv"), by: tenants.analyst, origin: .commandLine)
            #expect(report.segmentsUpdated == 1)
            #expect(report.devicesUpdated == 1)
            #expect(report.devicesUnchanged == 1)
            let exposed = try await store.devices(DeviceQuery(internetExposed: true), for: tenants.viewer)
            #expect(exposed.devices.map(\.serial) == ["CAM-0001", "CAM-0002", "CAM-0003", "PLG-0002"])
        }
    }

    enum LastRowFault: String, CaseIterable, Sendable {
        case unknownFirmware, unknownModel
    }

    @Test(arguments: TestBackend.available, LastRowFault.allCases)
    func aBadLastRowLeavesTheDatabaseExactlyAsItWas(_ backend: TestBackend, _ fault: LastRowFault) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            let before = try await store.footprint(of: tenants.analyst)
            let devicesBefore = try await store.devices(DeviceQuery(), for: tenants.analyst).devices
            // 450 new cameras, so the first batch of 400 rows is written before the last row fails; plus a renamed product.
            var document = try SampleFleet.cameras(450)
            document.products[0].name = "Lumen Cam (renamed)"
            let last = document.devices.count - 1
            let expected: ImportError
            switch fault {
            case .unknownFirmware:
                document.devices[last].firmware = "9.9.9"
                expected = .field(source: "cameras.csv", line: 451, field: "firmware", message: "no release 9.9.9 of LC-200 is known")
            case .unknownModel:
                document.devices[last].model = "GHOST-9"
                expected = .field(source: "cameras.csv", line: 451, field: "model", message: #"no product with model "GHOST-9" is known"#)
            }
            await #expect(throws: expected) { try await store.importInventory(document, by: tenants.analyst, origin: .commandLine) }
            #expect(try await store.footprint(of: tenants.analyst) == before)
            #expect(try await store.devices(DeviceQuery(), for: tenants.analyst).devices == devicesBefore)
            #expect(try await store.devices(DeviceQuery(search: "CAM-1"), for: tenants.analyst).total == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func aReleaseOfAnUnknownModelRollsBackTheProductsBeforeIt(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let json = """
                {
                  "products": [{"model": "LC-200", "name": "Lumen Cam"}, {"model": "SP-10", "name": "Smart Plug"}],
                  "releases": [
                    {"model": "LC-200", "version": "2.4.1"},
                    {"model": "GHOST-9", "version": "1.0"}
                  ]
                }
                """
            await #expect(
                throws: ImportError.field(source: "catalogue.json", line: 5, field: "model", message: #"no product with model "GHOST-9" is known"#)
            ) {
                try await store.importInventory(try SampleFleet.document(json, source: "catalogue.json"), by: tenants.analyst, origin: .commandLine)
            }
            #expect(try await store.footprint(of: tenants.analyst) == ["devices": 0, "products": 0, "releases": 0, "sites": 0, "audit events": 5])
        }
    }

    @Test(arguments: TestBackend.available)
    func largeImportsReportProgressAndStoreEveryRow(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let progress = ProgressLog()
            let report = try await store.importInventory(try SampleFleet.cameras(2_001), by: tenants.analyst, origin: .commandLine) { done, total in
                progress.calls.withLock { $0.append("\(done)/\(total)") }
            }
            #expect(report.devicesCreated == 2_001)
            #expect(progress.calls.withLock { $0 } == ["2000/2001", "2001/2001"])
            #expect(try await store.devices(DeviceQuery(site: "Hull"), for: tenants.viewer).total == 2_001)
        }
    }
}

/// Collects progress callbacks, which may arrive on any thread.
final class ProgressLog: Sendable {
    let calls = Mutex<[String]>([])
}
