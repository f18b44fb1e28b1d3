import BulwarkCore
import BulwarkStore
import Testing

@Suite struct DeviceQueryTests {
    /// The sample fleet, imported by the operator's analyst; queries run as its viewer.
    static func withFleet(_ backend: TestBackend, _ body: (SQLStore, Tenants) async throws -> Void) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.analyst, origin: .commandLine)
            try await body(store, tenants)
        }
    }

    static func serials(_ query: DeviceQuery, _ store: SQLStore, _ tenants: Tenants) async throws -> [String] {
        try await store.devices(query, for: tenants.viewer).devices.map(\.serial)
    }

    @Test(arguments: TestBackend.available)
    func listsEveryDeviceBySerialWithoutFilters(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            let page = try await store.devices(DeviceQuery(), for: tenants.viewer)
            #expect(page.devices.map(\.serial) == ["CAM-0001", "CAM-0002", "CAM-0003", "PLG-0001", "PLG-0002", "THR-0001"])
            #expect(page.total == 6)
            #expect(page.page == 1)
            #expect(page.perPage == 50)
            #expect(page.pageCount == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func filtersByModelSiteAndSegment(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            #expect(try await Self.serials(DeviceQuery(model: "SP-10"), store, tenants) == ["PLG-0001", "PLG-0002"])
            #expect(try await Self.serials(DeviceQuery(site: "York"), store, tenants) == ["CAM-0003", "PLG-0002", "THR-0001"])
            #expect(try await Self.serials(DeviceQuery(segment: "office"), store, tenants) == ["CAM-0002", "PLG-0001"])
            #expect(try await Self.serials(DeviceQuery(model: "LC-200", site: "Leeds"), store, tenants) == ["CAM-0001", "CAM-0002"])
            #expect(try await Self.serials(DeviceQuery(model: "XX-1"), store, tenants) == [])
        }
    }

    @Test(arguments: TestBackend.available)
    func filtersByCredentialStateAndExposure(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            #expect(try await Self.serials(DeviceQuery(credentialState: .default), store, tenants) == ["CAM-0001", "CAM-0003", "THR-0001"])
            #expect(try await Self.serials(DeviceQuery(credentialState: .unknown), store, tenants) == ["PLG-0001"])
            #expect(try await Self.serials(DeviceQuery(internetExposed: true), store, tenants) == ["CAM-0001"])
            // A device on no segment counts as not exposed.
            #expect(try await Self.serials(DeviceQuery(internetExposed: false), store, tenants).count == 5)
            #expect(
                try await Self.serials(DeviceQuery(site: "Leeds", credentialState: .default, internetExposed: true), store, tenants) == ["CAM-0001"])
        }
    }

    @Test(arguments: TestBackend.available)
    func searchesThePrefixOfSerialAddressAndMAC(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            #expect(try await Self.serials(DeviceQuery(search: "cam-000"), store, tenants) == ["CAM-0001", "CAM-0002", "CAM-0003"])
            #expect(try await Self.serials(DeviceQuery(search: "PLG-0002"), store, tenants) == ["PLG-0002"])
            #expect(try await Self.serials(DeviceQuery(search: "10.0.2."), store, tenants) == ["CAM-0002", "PLG-0001"])
            #expect(try await Self.serials(DeviceQuery(search: "3C:71:BF"), store, tenants) == ["PLG-0001", "PLG-0002"])
            // A prefix, not a substring.
            #expect(try await Self.serials(DeviceQuery(search: "0001"), store, tenants) == [])
            #expect(try await Self.serials(DeviceQuery(search: ""), store, tenants).count == 6)
        }
    }

    @Test(arguments: TestBackend.available)
    func treatsLikeWildcardsInASearchAsPlainText(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            #expect(try await Self.serials(DeviceQuery(search: "%"), store, tenants) == [])
            #expect(try await Self.serials(DeviceQuery(search: "CAM_"), store, tenants) == [])
            #expect(try await Self.serials(DeviceQuery(search: "\\"), store, tenants) == [])
        }
    }

    @Test(arguments: TestBackend.available)
    func pagesThroughMatchesWithTheirTotal(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            let second = try await store.devices(DeviceQuery(page: 2, perPage: 4), for: tenants.viewer)
            #expect(second.devices.map(\.serial) == ["PLG-0002", "THR-0001"])
            #expect(second.total == 6)
            #expect(second.pageCount == 2)
            let middle = try await store.devices(DeviceQuery(page: 2, perPage: 2), for: tenants.viewer)
            #expect(middle.devices.map(\.serial) == ["CAM-0003", "PLG-0001"])
            let beyond = try await store.devices(DeviceQuery(page: 5, perPage: 2), for: tenants.viewer)
            #expect(beyond.devices.isEmpty)
            #expect(beyond.total == 6)
            let filtered = try await store.devices(DeviceQuery(model: "LC-200", page: 2, perPage: 2), for: tenants.viewer)
            #expect(filtered.devices.map(\.serial) == ["CAM-0003"])
            #expect(filtered.total == 3)
        }
    }

    @Test func clampsPagingToSaneBounds() {
        let query = DeviceQuery(page: 0, perPage: 10_000)
        #expect(query.page == 1)
        #expect(query.perPage == 500)
        #expect(DeviceQuery(perPage: 0).perPage == 1)
        #expect(DevicePage(devices: [], total: 0, page: 1, perPage: 50).pageCount == 1)
        #expect(DevicePage(devices: [], total: 101, page: 1, perPage: 50).pageCount == 3)
    }

    @Test(arguments: TestBackend.available)
    func findsOneDeviceBySerialOrSaysNotFound(_ backend: TestBackend) async throws {
        try await Self.withFleet(backend) { store, tenants async throws in
            #expect(try await store.device(serial: "PLG-0001", organisation: nil, for: tenants.viewer).ipAddress == "10.0.2.21")
            await #expect(throws: AccessError.notFound("device PLG-9999")) {
                try await store.device(serial: "PLG-9999", organisation: nil, for: tenants.viewer)
            }
        }
    }
}
