import BulwarkCore
import BulwarkLedger
import BulwarkServer
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Findings on the device page link to their proof bundles, and the link, followed with the session cookie, gives a
/// bundle that verifies offline.
@Suite struct DashboardEvidenceTests {
    static let serial = "ALPHA-0015"

    static func bundleLinks(in html: String) -> [String] {
        html.components(separatedBy: "href=\"/ledger/entries/").dropFirst().map { "/ledger/entries/" + $0.prefix { $0 != "\"" } }
    }

    @Test func aLoggedFindingLinksToABundleThatVerifies() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let alpha = try await world.store.systemPrincipal(for: world.alpha)
        let device = try await world.store.device(serial: Self.serial, organisation: nil, for: alpha)
        let now = world.store.clock.now()
        let findings = InventoryFindings.evaluate(device, on: CalendarDay(now), observedAt: Timestamp.format(now))
        #expect(findings.map(\.kind) == ["credentials.default", "firmware.out-of-support"])
        let before = try await world.store.ledgerSize()
        try await world.store.record(findings, by: alpha, origin: .commandLine)
        #expect(try await world.store.ledgerSize() == before + 2)

        try await Application(router: try await world.router()).test(.router) { client in
            let owner = try await BrowserSession.signIn(client, email: "owner@alpha.example", password: TestWorld.password)
            let unpublished = String(
                buffer: try await client.execute(uri: "/devices/\(Self.serial)", method: .get, headers: owner.headers, body: nil).body)
            #expect(
                unpublished.contains("In the evidence ledger as entry \(before); its proof bundle can be made once the next checkpoint is published.")
            )
            #expect(Self.bundleLinks(in: unpublished).isEmpty)

            _ = try await world.store.publishLedgerCheckpoint(origin: "bulwark.test/ledger", signers: [world.ledgerKey])
            let page = try await client.execute(uri: "/devices/\(Self.serial)", method: .get, headers: owner.headers, body: nil)
            #expect(page.status == .ok)
            let links = Self.bundleLinks(in: String(buffer: page.body))
            #expect(links == ["/ledger/entries/\(before)/bundle", "/ledger/entries/\(before + 1)/bundle"])

            for (link, finding) in zip(links, findings) {
                let download = try await client.execute(uri: link, method: .get, headers: owner.headers, body: nil)
                #expect(download.status == .ok)
                #expect(download.headers[.contentType] == "application/json")
                #expect(download.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"entry-") == true)
                let bundle = try ProofBundle(data: Data(download.body.readableBytesView))
                let verdict = try bundle.verify(keys: [world.ledgerKey.verifierKey], quorum: 1)
                #expect(verdict.entry.kind == "finding")
                #expect(verdict.entry.organisation == world.alpha.id.rawValue)
                #expect(verdict.entry.payload == (try LedgerItem(kind: "finding", value: finding)).payload)
                #expect(verdict.checkpoint.size == before + 2)
            }

            // Bravo's owner, signed in, cannot fetch Alpha's bundle; a token is sent to the API instead.
            let bravo = try await BrowserSession.signIn(client, email: "owner@bravo.example", password: TestWorld.password)
            let stranger = try await client.execute(uri: links[0], method: .get, headers: bravo.headers, body: nil)
            #expect(stranger.status == .notFound)
            #expect(!String(buffer: stranger.body).contains("credentials.default"))
            let token = try await client.execute(
                uri: links[0], method: .get, headers: [.authorization: "Bearer \(world.alphaOwnerToken)", .accept: "application/json"], body: nil)
            #expect(token.status == .forbidden)
            let bad = try await client.execute(uri: "/ledger/entries/one/bundle", method: .get, headers: owner.headers, body: nil)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func aFindingChangedSinceItWasLoggedLinksToTheEntryOfItsNewForm() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let alpha = try await world.store.systemPrincipal(for: world.alpha)
        let device = try await world.store.device(serial: Self.serial, organisation: nil, for: alpha)
        let now = world.store.clock.now()
        var finding = try #require(InventoryFindings.evaluate(device, on: CalendarDay(now), observedAt: Timestamp.format(now)).first)
        try await world.store.record([finding], by: alpha, origin: .commandLine)
        let first = try #require(try await world.store.ledgerEntries(of: [finding], for: alpha)[finding.id])
        finding.title = "Factory password reachable from the depot network"
        #expect(try await world.store.ledgerEntries(of: [finding], for: alpha)[finding.id] == nil)
        try await world.store.record([finding], by: alpha, origin: .commandLine)
        _ = try await world.store.publishLedgerCheckpoint(origin: "bulwark.test/ledger", signers: [world.ledgerKey])
        let second = try #require(try await world.store.ledgerEntries(of: [finding], for: alpha)[finding.id])
        #expect(second.index == first.index + 1)
        #expect(second.provable)
        let bravo = try await world.store.systemPrincipal(for: world.bravo)
        #expect(try await world.store.ledgerEntries(of: [finding], for: bravo).isEmpty)
    }
}
