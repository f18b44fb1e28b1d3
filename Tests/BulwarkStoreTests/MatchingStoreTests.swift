import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation
import Testing

/// Matching a fleet's releases: SampleFleet's LC-200 1.9.0 carries OpenSSL 1.1.1k (two CVEs below), 2.4.1 carries
/// 1.1.1n (neither). CVE-2021-3711 is put in a KEV catalogue and CVE-2022-0778 given an EPSS score.
@Suite struct MatchingStoreTests {
    static func nvd(_ id: String, _ ranges: [(String, String)], vector: String) -> Advisory {
        Advisory(
            id: id, aliases: [], source: "nvd", modified: "2024-01-01T00:00:00Z", published: nil, summary: "OpenSSL \(id)", affected: [],
            cpeMatches: ranges.map {
                .init(criteria: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", vulnerable: true, versionStartIncluding: $0.0, versionEndExcluding: $0.1)
            }, severities: [.init(type: "CVSS_V3", vector: vector, baseScore: nil)], withdrawn: nil)
    }

    static let advisories = [
        nvd("CVE-2022-0778", [("1.0.2", "1.0.2zd"), ("1.1.0", "1.1.1n"), ("3.0.0", "3.0.2")], vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
        nvd("CVE-2021-3711", [("1.1.1", "1.1.1l")], vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ]

    static func openssl(_ version: String) -> ComponentInput {
        ComponentInput(
            name: "openssl", version: version, supplier: nil, purl: "pkg:generic/openssl@\(version)",
            cpe: "cpe:2.3:a:openssl:openssl:\(version):*:*:*:*:*:*:*")
    }

    static func prepare(_ store: SQLStore) async throws -> Tenants {
        let tenants = try await Tenants.make(in: store)
        _ = try await store.importInventory(try SampleFleet.document(), by: tenants.owner, origin: .commandLine)
        try await store.setComponents([openssl("1.1.1k")], model: "LC-200", version: "1.9.0", by: tenants.owner, origin: .commandLine)
        try await store.setComponents([openssl("1.1.1n")], model: "LC-200", version: "2.4.1", by: tenants.owner, origin: .commandLine)
        _ = try await store.importAdvisories(advisories, source: "nvd", file: "nvd.json", skipped: 0)
        let kev = KEVCatalogue(
            catalogVersion: "test", dateReleased: "2026-11-01T00:00:00Z",
            entries: [
                .init(
                    cveID: "CVE-2021-3711", vendorProject: "OpenSSL", product: "OpenSSL", vulnerabilityName: "test entry", dateAdded: "2026-11-01",
                    dueDate: "2026-11-22", knownRansomwareCampaignUse: "Unknown", requiredAction: "update")
            ])
        _ = try await store.importKEV(kev, file: "kev.json", skipped: 0)
        _ = try await store.importEPSS(
            EPSSScores(modelVersion: "v2025.03.14", scoreDate: "2026-11-21", scores: [.init(cve: "CVE-2022-0778", probability: 0.0123, percentile: 0.81)]),
            file: "epss.csv.gz", skipped: 0)
        return tenants
    }

    @Test(arguments: TestBackend.available)
    func fleetVulnerabilitiesAreOrderedByPriorityWithKEVAndEPSS(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.prepare(store)
            let list = try await store.fleetVulnerabilities(organisation: nil, for: tenants.owner)
            #expect(list.map(\.id) == ["CVE-2021-3711", "CVE-2022-0778"])
            #expect(list[0].match.kev?.dueDate == "2026-11-22")
            #expect(list[0].match.priority.level == .actNow)
            #expect(list[0].releases == ["LC-200 1.9.0"])
            #expect(list[0].devices == 1)
            #expect(list[1].match.epss == EPSSStatus(probability: 0.0123, percentile: 0.81))
            #expect(list[1].match.reason.rule == .cpe)
            #expect(list[1].match.reason.range == ">= 1.1.0, < 1.1.1n")
            // The insurer the operator shares with reads the same; an unrelated operator cannot ask for it.
            #expect(try await store.fleetVulnerabilities(organisation: tenants.operatorOrg.id, for: tenants.insurer).map(\.id) == list.map(\.id))
            await #expect(throws: AccessError.self) {
                _ = try await store.fleetVulnerabilities(organisation: tenants.operatorOrg.id, for: tenants.otherOperatorOwner)
            }
            #expect(try await store.fleetVulnerabilities(organisation: nil, for: tenants.otherOperatorOwner).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func updateAdviceNamesTheReleaseThatFixesAndTheSupportPeriod(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.prepare(store)
            let old = try await store.updateAdvice(serial: "CAM-0003", organisation: nil, for: tenants.owner)
            #expect(old.status == .updateRequired)
            #expect(old.updateRequired)
            #expect(old.recommendedRelease == "2.4.1")
            #expect(old.fixes == ["CVE-2021-3711", "CVE-2022-0778"])
            #expect(old.pastSupport)
            #expect(
                old.reason
                    == "release 2.4.1 fixes 2 of the 2 known vulnerabilities of 1.9.0 (CVE-2021-3711, CVE-2022-0778); release 1.9.0 has been out of support since 2025-06-30"
            )
            let current = try await store.updateAdvice(serial: "CAM-0001", organisation: nil, for: tenants.owner)
            #expect(current.status == .upToDate)
            #expect(!current.updateRequired)
            // PLG-0002 runs SP-10 1.0.0: out of support since 2025-12-31, and 1.0.3 is newer though it fixes nothing known.
            let plug = try await store.updateAdvice(serial: "PLG-0002", organisation: nil, for: tenants.owner)
            #expect(plug.status == .updateRequired)
            #expect(plug.recommendedRelease == "1.0.3")
            #expect(plug.reason == "release 1.0.0 has been out of support since 2025-12-31; release 1.0.3 is newer")
            #expect(try await store.updateAdvice(serial: "THR-0001", organisation: nil, for: tenants.owner).status == .unknown)
            await #expect(throws: AccessError.self) {
                _ = try await store.updateAdvice(serial: "CAM-0003", organisation: nil, for: tenants.otherOperatorOwner)
            }
            // Without a fixing release, known vulnerabilities are reported as no update available.
            try await store.setComponents([Self.openssl("1.1.1k")], model: "LC-200", version: "2.4.1", by: tenants.owner, origin: .commandLine)
            let stuck = try await store.updateAdvice(serial: "CAM-0001", organisation: nil, for: tenants.owner)
            #expect(stuck.status == .noUpdateAvailable)
            #expect(stuck.updateRequired == false)
        }
    }

    @Test(arguments: TestBackend.available)
    func vexStatementsSuppressMatchesAndStayWithTheirOrganisation(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Self.prepare(store)
            let key = "pkg:generic/openssl@1.1.1k"
            let incomplete = await storeError {
                try await store.setVEX(
                    vulnerability: "CVE-2022-0778", component: key, status: .notAffected, justification: nil, detail: nil, by: tenants.owner,
                    origin: .commandLine)
            }
            #expect(incomplete?.description.contains("not_affected needs a justification") == true)
            await #expect(throws: AccessError.self) {
                try await store.setVEX(
                    vulnerability: "CVE-2022-0778", component: key, status: .fixed, justification: nil, detail: nil, by: tenants.viewer, origin: .commandLine)
            }
            let before = try await store.auditEventCount(organisation: tenants.operatorOrg.id)
            try await store.setVEX(
                vulnerability: "CVE-2022-0778", component: key, status: .notAffected, justification: .vulnerableCodeNotInExecutePath,
                detail: "no certificates are parsed from untrusted peers", by: tenants.analyst, origin: .commandLine)
            #expect(try await store.auditEventCount(organisation: tenants.operatorOrg.id) == before + 1)
            let list = try await store.fleetVulnerabilities(organisation: nil, for: tenants.owner)
            #expect(list.map(\.id) == ["CVE-2021-3711", "CVE-2022-0778"])
            #expect(list[1].suppressed)
            #expect(list[1].match.vex?.justification == .vulnerableCodeNotInExecutePath)
            #expect(try await store.vexStatements(organisation: tenants.operatorOrg.id, for: tenants.insurer).count == 1)
            #expect(try await store.vexStatements(organisation: nil, for: tenants.otherOperatorOwner).isEmpty)
            await #expect(throws: AccessError.self) {
                _ = try await store.vexStatements(organisation: tenants.operatorOrg.id, for: tenants.otherInsurer)
            }
            // Matching an SBOM for the other operator does not apply this operator's statement.
            let component = ComponentIdentity(name: "openssl", version: "1.1.1k", purl: key, cpe: "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*")
            let theirs = try await store.match([component], organisation: nil, for: tenants.otherOperatorOwner)
            #expect(theirs.count == 2 && theirs.allSatisfy { $0.vex == nil })
            let ours = try await store.match([component], organisation: nil, for: tenants.owner)
            #expect(ours.first { $0.advisoryID == "CVE-2022-0778" }?.vex?.status == .notAffected)
        }
    }

    @Test(arguments: TestBackend.available)
    func theIndexFollowsFeedImports(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let component = ComponentIdentity(name: "openssl", version: "3.0.1", cpe: "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*")
            #expect(try await store.match([component]).isEmpty)
            _ = try await store.importAdvisories([Self.advisories[0]], source: "nvd", file: "one.json", skipped: 0)
            #expect(try await store.match([component]).map(\.advisoryID) == ["CVE-2022-0778"])
            var withdrawn = Self.advisories[0]
            withdrawn.modified = "2025-01-01T00:00:00Z"
            withdrawn.withdrawn = "2025-01-01T00:00:00Z"
            _ = try await store.importAdvisories([withdrawn], source: "nvd", file: "two.json", skipped: 0)
            #expect(try await store.match([component]).isEmpty)
        }
    }
}
