import BulwarkCore
import BulwarkStore
import Testing

@Suite struct FleetOverviewTests {
    @Test(arguments: TestBackend.available)
    func countsTheSampleFleetOnAKnownDay(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let overview = try await store.fleetOverview(organisation: nil, for: tenants.viewer, on: TestDatabase.today)
            #expect(overview.totalDevices == 6)
            #expect(
                overview.byProduct == [
                    .init(label: "Lumen Cam (LC-200)", count: 3), .init(label: "Smart Plug (SP-10)", count: 2),
                    .init(label: "Thermo 5 (TH-5)", count: 1),
                ])
            // 2.4.1 is 266 days old, 1.0.3 539, 1.0.0 996, 1.9.0 1635; the thermostat's firmware is unknown.
            #expect(
                overview.byFirmwareAge == [
                    .init(label: "under 1 year", count: 2), .init(label: "1–2 years", count: 1), .init(label: "2–3 years", count: 1),
                    .init(label: "over 3 years", count: 1), .init(label: "unknown", count: 1),
                ])
            #expect(overview.outOfSupport == 2)
            #expect(overview.defaultCredentials == 3)
            #expect(overview.internetExposed == 1)
            #expect(overview.exposedWithDefaultCredentials == 1)
            #expect(overview.sites == 2)
        }
    }

    @Test(arguments: TestBackend.available)
    func movesDevicesBetweenAgeBucketsAsTheDayAdvances(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            // On 2027-03-01 release 2.4.1 turns one year old; on 2030-01-01 its support has ended too.
            let anniversary = try #require(CalendarDay("2027-03-01"))
            let overview = try await store.fleetOverview(organisation: nil, for: tenants.viewer, on: anniversary)
            #expect(overview.byFirmwareAge.map(\.count) == [0, 3, 0, 2, 1])
            #expect(overview.outOfSupport == 2)
            let later = try await store.fleetOverview(organisation: nil, for: tenants.viewer, on: try #require(CalendarDay("2030-01-01")))
            #expect(later.outOfSupport == 4)
        }
    }

    @Test(arguments: TestBackend.available)
    func anEmptyFleetHasZeroesInEveryBucket(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let overview = try await store.fleetOverview(organisation: nil, for: tenants.owner, on: TestDatabase.today)
            #expect(overview.totalDevices == 0)
            #expect(overview.byProduct == [])
            #expect(overview.byFirmwareAge.map(\.count) == [0, 0, 0, 0, 0])
            #expect([overview.outOfSupport, overview.defaultCredentials, overview.internetExposed, overview.sites] == [0, 0, 0, 0])
        }
    }

    @Test(arguments: TestBackend.available)
    func summarisesProductsWithLinesReleasesAndDeviceCounts(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let products = try await store.products(organisation: nil, for: tenants.viewer)
            // Products in a line come first, by line name, then the rest by model, on every engine.
            #expect(products.map(\.product.model) == ["LC-200", "SP-10", "TH-5"])
            #expect(products.map(\.deviceCount) == [3, 2, 1])
            #expect(products.map(\.productLineName) == ["Cameras", nil, nil])
            #expect(products.map(\.trunk) == ["lumen-os", nil, nil])
            #expect(products.map { $0.releases.map(\.version) } == [["1.9.0", "2.4.1"], ["1.0.0", "1.0.3"], []])
            let camera = try #require(products.first)
            #expect(camera.product.name == "Lumen Cam")
            #expect(camera.product.manufacturer == "Lumen")
            #expect(camera.product.category == "camera")
            #expect(camera.product.productLine == Identifier<ProductLine>.derived(from: tenants.operatorOrg.id.rawValue, "product-line", "Cameras"))
            let old = try #require(camera.releases.first)
            #expect(old.releasedOn?.description == "2022-06-01")
            #expect(old.supportUntil?.description == "2025-06-30")
            #expect(old.isOutOfSupport(on: TestDatabase.today))
            #expect(old.ageInDays(on: TestDatabase.today) == 1635)
        }
    }

    @Test(arguments: TestBackend.available)
    func listsReleasesByDateWithUndatedOnesLastOnEveryEngine(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let more = "serial,model,firmware,released_on\nTHR-0002,TH-5,0.9-beta,\nTHR-0003,TH-5,1.1,2025-02-01\nTHR-0004,TH-5,1.0,2024-02-01\n"
            _ = try await store.importInventory(try SampleFleet.document(more, source: "thermostats.csv"), by: tenants.analyst, origin: .commandLine)
            let thermostat = try #require(try await store.products(organisation: nil, for: tenants.viewer).first { $0.product.model == "TH-5" })
            #expect(thermostat.releases.map(\.version) == ["1.0", "1.1", "0.9-beta"])
            #expect(thermostat.deviceCount == 4)
        }
    }

    @Test(arguments: TestBackend.available)
    func summarisesSitesWithTheirSegments(_ backend: TestBackend) async throws {
        try await DeviceQueryTests.withFleet(backend) { store, tenants async throws in
            let sites = try await store.sites(organisation: nil, for: tenants.viewer)
            #expect(sites.map(\.name) == ["Leeds", "York"])
            #expect(sites.map(\.deviceCount) == [3, 3])
            let leeds = try #require(sites.first)
            #expect(leeds.segments.map(\.name) == ["dmz", "office"])
            #expect(leeds.segments.map(\.internetExposed) == [true, false])
            #expect(leeds.segments.map(\.deviceCount) == [1, 2])
            #expect(sites.last?.segments.map(\.name) == ["cctv"])
            #expect(sites.last?.segments.map(\.deviceCount) == [2])
        }
    }
}
