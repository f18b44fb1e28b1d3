import BulwarkCore
import BulwarkFirmware
import BulwarkStore
import BulwarkVulnerability
import Foundation
import Testing

/// File fingerprints of releases, stored per organisation: the lineage tree across product lines and the blast radius
/// that follows a trunk binary into releases where its version was not identified.
///
/// Serialized: each PostgreSQL case opens a database and a pool, and the whole store suite running at once comes close to
/// the test server's connection limit.
@Suite(.serialized) struct FirmwareLineageStoreTests {
    /// A doorbell of the cameras' trunk, in its own product line, with two devices on release 1.0.0.
    static let doorbells = """
        serial,model,product_name,manufacturer,product_line,trunk,category,firmware,released_on,support_until,site,segment,internet_exposed,ip,mac,credential_state,last_seen
        BEL-0001,DB-1,Lumen Bell,Lumen,Doorbells,lumen-os,doorbell,1.0.0,2026-01-10,2029-12-31,Leeds,office,no,10.0.2.31,00:1a:2b:00:01:01,changed,
        BEL-0002,DB-1,Lumen Bell,Lumen,Doorbells,lumen-os,doorbell,1.0.0,2026-01-10,2029-12-31,York,cctv,no,10.1.0.32,00:1a:2b:00:01:02,changed,

        """

    /// Pseudo-random bytes from a seed (xorshift64), the same on every run.
    static func bytes(seed: UInt64, count: Int) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        return Data(out)
    }

    static let libc = bytes(seed: 1, count: 40_000)
    static let busybox = bytes(seed: 2, count: 120_000)
    static let rebuiltBusybox: Data = {
        var edited = Array(busybox)
        for offset in 0..<8 { edited[70_000 + offset] ^= 0x3C }
        return Data(edited)
    }()

    static func fingerprint(_ path: String, _ content: Data, component: String? = nil, version: String? = nil) -> FileFingerprint {
        FileFingerprint(path: path, content: content, isBinary: true, component: component, componentVersion: version)
    }

    static let camera = [fingerprint("/lib/libc.so.1", libc), fingerprint("/bin/busybox", busybox, component: "busybox", version: "1.31.1")]
    /// The doorbell's BusyBox is a rebuild whose version string the scanner did not find.
    static let doorbell = [
        fingerprint("/lib/libc.so.1", libc), fingerprint("/bin/busybox", rebuiltBusybox), fingerprint("/usr/bin/ring", bytes(seed: 3, count: 30_000)),
    ]

    static func record(
        _ store: SQLStore, model: String, version: String, fingerprints: [FileFingerprint], components: [ComponentInput], by: Principal
    )
        async throws
    {
        try await store.recordFirmwareAnalysis(
            model: model, version: version, components: components, fingerprints: fingerprints, by: by, origin: .commandLine
        ) { _ in [] }
    }

    static func world(_ store: SQLStore) async throws -> Tenants {
        let tenants = try await Tenants.make(in: store)
        _ = try await store.importInventory(try SampleFleet.document(), by: tenants.owner, origin: .commandLine)
        _ = try await store.importInventory(try SampleFleet.document(doorbells, source: "doorbells.csv"), by: tenants.owner, origin: .commandLine)
        try await record(
            store, model: "LC-200", version: "2.4.1", fingerprints: camera, components: [FirmwareAnalysisStoreTests.busybox], by: tenants.owner)
        try await record(store, model: "DB-1", version: "1.0.0", fingerprints: doorbell, components: [], by: tenants.owner)
        return tenants
    }

    @Test(arguments: TestBackend.available)
    func tracesSharedCodeFromTrunkToRelease(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.world(store)
            let lineage = try await store.firmwareLineage(organisation: nil, for: tenants.owner)
            #expect(lineage.trunks.map(\.name) == ["lumen-os"])
            let trunk = try #require(lineage.trunks.first)
            #expect(trunk.productLines.map(\.name) == ["Cameras", "Doorbells"])
            #expect(trunk.productLines.map(\.sharedPercent) == [100, 160_000 * 100 / 190_000])
            let camera = try #require(trunk.productLines.first?.releases.first)
            #expect((camera.model, camera.version, camera.files, camera.bytes) == ("LC-200", "2.4.1", 2, 160_000))
            #expect((camera.identicalBytes, camera.similarBytes) == (40_000, 120_000))
            #expect(trunk.components.map(\.name) == ["busybox"])
            #expect(trunk.components.first?.versions == ["1.31.1"])
            #expect(trunk.components.first?.match == "similar")
            #expect(lineage.pairs.map { "\($0.first) | \($0.second)" } == ["DB-1 1.0.0 | LC-200 2.4.1"])
            #expect(lineage.pairs.first?.identicalFiles == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func reanalysisReplacesTheFingerprintsOfTheRelease(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.world(store)
            let unrelated = [Self.fingerprint("/bin/other", Self.bytes(seed: 9, count: 50_000))]
            try await Self.record(store, model: "DB-1", version: "1.0.0", fingerprints: unrelated, components: [], by: tenants.owner)
            let lineage = try await store.firmwareLineage(organisation: nil, for: tenants.owner)
            #expect(lineage.pairs.isEmpty)
            #expect(lineage.trunks.first?.productLines.last?.releases.first?.files == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func storesManyFingerprintsInBatches(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.owner, origin: .commandLine)
            let many = (0..<450).map { index in
                FileFingerprint(path: "/usr/share/file-\(index)", content: Data(repeating: 7, count: index), isBinary: false)
            }
            try await Self.record(store, model: "SP-10", version: "1.0.3", fingerprints: many, components: [], by: tenants.owner)
            let lineage = try await store.firmwareLineage(organisation: nil, for: tenants.owner)
            #expect(lineage.trunks.first?.productLines.first?.releases.first?.files == 450)
            #expect(lineage.trunks.first?.productLines.first?.releases.first?.bytes == (0..<450).reduce(0, +))
        }
    }

    @Test(arguments: TestBackend.available)
    func blastRadiusFollowsTheTrunkBinaryWhereNoVersionWasIdentified(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.world(store)
            let radius = try await store.blastRadius(BlastRadius.Query("busybox@1.31.1"), organisation: nil, for: tenants.owner)
            #expect(radius.releaseCount == 1, "only the camera's components name busybox 1.31.1")
            #expect(radius.trunkBinaries.count == 1)
            let relative = try #require(radius.trunkBinaries.first)
            #expect((relative.productLine, relative.model, relative.version, relative.file) == ("Doorbells", "DB-1", "1.0.0", "/bin/busybox"))
            #expect(relative.component == "busybox")
            #expect(relative.identifiedVersion == nil)
            #expect(relative.match == "similar")
            #expect(relative.score >= 70 && relative.score < 100)
            #expect(relative.devices == 2)
            let elsewhere = try await store.blastRadius(BlastRadius.Query("dropbear"), organisation: nil, for: tenants.owner)
            #expect(elsewhere.trunkBinaries.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherOrganisationSeesNoneOfIt(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.world(store)
            // The other operator ships the very same camera files in its own release.
            _ = try await store.importInventory(try SampleFleet.document(), by: tenants.otherOperatorOwner, origin: .commandLine)
            try await Self.record(
                store, model: "SP-10", version: "1.0.3", fingerprints: Self.camera, components: [], by: tenants.otherOperatorOwner)

            let own = try await store.firmwareLineage(organisation: nil, for: tenants.otherOperatorOwner)
            #expect(own.pairs.isEmpty, "its one release shares nothing with releases of its own")
            #expect(own.trunks.flatMap { $0.productLines.flatMap(\.releases) }.map(\.model) == ["SP-10"])
            await #expect(throws: AccessError.self) {
                try await store.firmwareLineage(organisation: tenants.operatorOrg.id, for: tenants.otherOperatorOwner)
            }
            await #expect(throws: AccessError.self) {
                try await store.firmwareLineage(organisation: tenants.operatorOrg.id, for: tenants.otherInsurer)
            }
            #expect(try await store.firmwareLineage(organisation: tenants.operatorOrg.id, for: tenants.insurer).pairs.count == 1, "shared with")

            let radius = try await store.blastRadius(BlastRadius.Query("busybox@1.31.1"), organisation: nil, for: tenants.owner)
            #expect(radius.trunkBinaries.map(\.model) == ["DB-1"], "the other operator's identical binary stays out")
            let theirs = try await store.blastRadius(BlastRadius.Query("busybox@1.31.1"), organisation: nil, for: tenants.otherOperatorOwner)
            #expect(theirs.productLines.isEmpty)
            #expect(theirs.trunkBinaries.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func refusesAThresholdOutsideOneToHundred(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let error = await storeError { _ = try await store.firmwareLineage(organisation: nil, threshold: 0, for: tenants.owner) }
            #expect(error?.description.contains("threshold must be 1 to 100") == true)
        }
    }
}
