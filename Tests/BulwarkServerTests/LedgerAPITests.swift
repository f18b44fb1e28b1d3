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

@Suite struct LedgerAPITests {
    @Test func aCallerGetsTheCheckpointAndAProofBundleThatVerifiesOffline() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaViewerToken)"]
            let checkpoint = try await client.execute(uri: "/api/v1/ledger/checkpoint", method: .get, headers: auth, body: nil)
            #expect(checkpoint.status == .ok)
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(checkpoint.body.readableBytesView)) as? [String: Any])
            #expect(fields["size"] as? Int == 2)
            #expect(fields["origin"] as? String == "bulwark.test/ledger")
            let response = try await client.execute(uri: "/api/v1/ledger/entries/0/proof", method: .get, headers: auth, body: nil)
            #expect(response.status == .ok)
            let bundle = try ProofBundle(data: Data(response.body.readableBytesView))
            let verdict = try bundle.verify(keys: [world.ledgerKey.verifierKey], quorum: 1)
            #expect(verdict.entry.organisation == world.alpha.id.rawValue)
            #expect(verdict.checkpoint.size == 2)
        }
    }

    @Test func anotherOrganisationsEntryIsNotFound() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.insurerToken)"]
            #expect(try await client.execute(uri: "/api/v1/ledger/entries/0/proof", method: .get, headers: auth, body: nil).status == .ok)
            let other = try await client.execute(
                uri: "/api/v1/ledger/entries/\(world.bravoLedgerIndex)/proof", method: .get, headers: auth, body: nil)
            #expect(other.status == .notFound)
            #expect(String(buffer: other.body).contains("ledger entry 1 was not found"))
            #expect(!String(buffer: other.body).contains("BRAVO"))
        }
    }

    @Test func aConsistencyProofLinksTwoSizesAndRefusesSizesNotReached() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)"]
            let response = try await client.execute(uri: "/api/v1/ledger/consistency?from=1&to=2", method: .get, headers: auth, body: nil)
            #expect(response.status == .ok)
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            let proof = try #require(fields["proof"] as? [String])
            #expect(proof.count == 1)
            let leaf0 = try await world.store.ledgerEntry(0, for: try await world.store.systemPrincipal(for: world.alpha)).leafHash
            let root2 = try #require(try await world.store.latestLedgerCheckpoint()).text.split(separator: "\n")[2]
            try ProofVerifier.verifyConsistency(
                size1: 1, size2: 2, proof: proof.map { Array(Data(base64Encoded: $0)!) }, root1: leaf0.bytes,
                root2: Array(Data(base64Encoded: String(root2))!))
            let beyond = try await client.execute(uri: "/api/v1/ledger/consistency?from=1&to=3", method: .get, headers: auth, body: nil)
            #expect(beyond.status == .notFound)
            #expect(beyond.headers[.contentType] == "application/problem+json")
            let backwards = try await client.execute(uri: "/api/v1/ledger/consistency?from=2&to=1", method: .get, headers: auth, body: nil)
            #expect(backwards.status == .badRequest)
        }
    }
}
