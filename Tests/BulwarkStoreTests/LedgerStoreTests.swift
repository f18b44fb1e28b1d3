import BulwarkCore
import BulwarkLedger
import BulwarkStore
import Foundation
import SQLKit
import Testing

@Suite struct LedgerStoreTests {
    static let origin = "bulwark.test/ledger"

    static func items(_ range: Range<Int>) throws -> [LedgerItem] {
        try range.map { i in
            try LedgerItem(
                kind: LedgerEntry.Kind.evidenceFile,
                value: EvidenceFile(
                    name: "evidence-\(i).pdf", sha256: String(repeating: "0\(i % 10)", count: 32), size: UInt64(i), description: "page \(i)"))
        }
    }

    /// A ledger of 23 entries (operator 0..<15 in two batches, the other operator 15..<23) with checkpoints at 15 and 23.
    static func withLedger(_ backend: TestBackend, _ body: (SQLStore, Tenants, NoteSigningKey) async throws -> Void) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let key = try NoteSigningKey(generatingFor: origin)
            #expect(try await store.appendToLedger(try items(0..<10), by: tenants.analyst, origin: .commandLine) == 0..<10)
            #expect(try await store.appendToLedger(try items(10..<15), by: tenants.analyst, origin: .commandLine) == 10..<15)
            _ = try await store.publishLedgerCheckpoint(origin: origin, signers: [key])
            #expect(try await store.appendToLedger(try items(15..<23), by: tenants.otherOperatorOwner, origin: .commandLine) == 15..<23)
            _ = try await store.publishLedgerCheckpoint(origin: origin, signers: [key])
            try await body(store, tenants, key)
        }
    }

    @Test(arguments: TestBackend.available)
    func aStoredEntryProvesItsInclusionOffline(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, key async throws in
            let bundle = try await store.ledgerProofBundle(12, for: tenants.viewer)
            #expect(bundle.treeSize == 23)
            let verdict = try bundle.verify(keys: [key.verifierKey], quorum: 1)
            #expect(verdict.entry.organisation == tenants.operatorOrg.id.rawValue)
            #expect(verdict.entry.payload.contains("\"name\":\"evidence-12.pdf\""))
            #expect(try await store.ledgerSize() == 23)
        }
    }

    @Test(arguments: TestBackend.available)
    func theLedgerRootEqualsTheRootOfItsEntriesComputedInMemory(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, key async throws in
            let check = try await store.verifyLedger(keys: [key.verifierKey])
            var leaves: [TreeHash] = []
            for index in 0..<UInt64(15) { leaves.append(try await store.ledgerEntry(index, for: tenants.viewer).leafHash) }
            for index in 15..<UInt64(23) { leaves.append(try await store.ledgerEntry(index, for: tenants.otherOperatorOwner).leafHash) }
            #expect(check.root == MerkleTree.root(of: leaves[...]))
            #expect(check.checkpointSizes == [15, 23])
            let latest = try #require(try await store.latestLedgerCheckpoint())
            #expect(try Checkpoint(text: latest.text) == Checkpoint(origin: Self.origin, size: 23, root: check.root))
        }
    }

    @Test(arguments: TestBackend.available)
    func consistencyProofsLinkEveryPublishedCheckpoint(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, _, _ async throws in
            let checkpoints = try await store.ledgerCheckpoints().map { try Checkpoint(text: $0.text) }
            #expect(checkpoints.map(\.size) == [15, 23])
            let proof = try await store.ledgerConsistencyProof(from: 15, to: 23)
            try ProofVerifier.verifyConsistency(size1: 15, size2: 23, proof: proof, root1: checkpoints[0].root, root2: checkpoints[1].root)
            await #expect(throws: LedgerError.outOfRange("the ledger has 23 entries, fewer than 24")) {
                try await store.ledgerConsistencyProof(from: 15, to: 24)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func entriesAreReadOnlyByTheirOrganisationAndThoseItSharedWith(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, _ async throws in
            #expect(try await store.ledgerProofBundle(3, for: tenants.insurer).leafIndex == 3)
            await #expect(throws: AccessError.notFound("ledger entry 3")) { try await store.ledgerProofBundle(3, for: tenants.otherOperatorOwner) }
            await #expect(throws: AccessError.notFound("ledger entry 3")) { try await store.ledgerEntry(3, for: tenants.otherInsurer) }
            await #expect(throws: AccessError.notFound("ledger entry 16")) { try await store.ledgerProofBundle(16, for: tenants.viewer) }
            await #expect(throws: AccessError.notFound("ledger entry 99")) { try await store.ledgerProofBundle(99, for: tenants.viewer) }
        }
    }

    @Test(arguments: TestBackend.available)
    func aViewerCannotAppendAndAnAppendIsAudited(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, _ async throws in
            let events = try await store.auditEventCount(organisation: tenants.operatorOrg.id)
            await #expect(throws: AccessError.forbidden("the viewer role cannot change data")) {
                try await store.appendToLedger(try Self.items(0..<1), by: tenants.viewer, origin: .commandLine)
            }
            #expect(try await store.ledgerSize() == 23)
            try await store.appendToLedger(try Self.items(0..<2), by: tenants.owner, origin: .commandLine)
            let newest = try #require(try await store.auditEvents(for: tenants.owner).first)
            #expect(newest.action == "ledger.append")
            #expect(newest.subject == "ledger entries 23..<25")
            #expect(try await store.auditEventCount(organisation: tenants.operatorOrg.id) == events + 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func findingsAreLoggedAsTheirCanonicalJSON(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, _ async throws in
            let finding = Finding(
                id: .init(rawValue: "f-1"), organisation: tenants.operatorOrg.id, subject: .organisation(tenants.operatorOrg.id),
                kind: "credentials.default", severity: .high, title: "Factory password",
                evidence: .init(summary: "admin/admin", location: nil, rule: "r"),
                provenance: .init(source: "inventory", observedAt: "2026-11-22T08:00:00Z", version: "1"))
            #expect(try await store.appendToLedger([finding], by: tenants.analyst, origin: .commandLine) == 23..<24)
            let entry = try await store.ledgerEntry(23, for: tenants.viewer)
            #expect(entry.kind == "finding")
            #expect(
                entry.payload.hasPrefix(#"{"evidence":{"rule":"r","summary":"admin\/admin"}"#)
                    || entry.payload.hasPrefix(#"{"evidence":{"rule":"r","summary":"admin/admin"}"#))
            await #expect(throws: AccessError.forbidden("finding f-1 belongs to another organisation")) {
                try await store.appendToLedger([finding], by: tenants.otherOperatorOwner, origin: .commandLine)
            }
        }
    }

    /// One stored byte changed in an entry, a node or a checkpoint, and what the check must then say.
    struct Tampering: Sendable, CustomTestStringConvertible {
        let table: String
        let column: String
        let key: String
        let message: String
        var testDescription: String { "\(table) \(key)" }
    }

    static let tamperings = [
        Tampering(
            table: "ledger_entries", column: "content", key: "idx = 7",
            message: "entry 7: its content does not hash to the stored leaf hash (node at level 0, index 7)"),
        Tampering(
            table: "ledger_entries", column: "content", key: "idx = 22",
            message: "entry 22: its content does not hash to the stored leaf hash (node at level 0, index 22)"),
        Tampering(
            table: "ledger_nodes", column: "hash", key: "level = 0 AND idx = 4",
            message: "entry 4: its content does not hash to the stored leaf hash (node at level 0, index 4)"),
        Tampering(
            table: "ledger_nodes", column: "hash", key: "level = 2 AND idx = 1",
            message: "the node at level 2, index 1 does not match the hash of its children"),
        Tampering(
            table: "ledger_nodes", column: "hash", key: "level = 4 AND idx = 0",
            message: "the node at level 4, index 0 does not match the hash of its children"),
        Tampering(table: "ledger_checkpoints", column: "root", key: "size = 15", message: "checkpoint at size 15: its note and its columns disagree"),
    ]

    @Test(arguments: TestBackend.available, tamperings)
    func changingOneStoredByteIsFoundAndNamed(_ backend: TestBackend, _ tampering: Tampering) async throws {
        try await Self.withLedger(backend) { store, _, _ async throws in
            let db = store.database
            let select = "SELECT \(tampering.column) AS v FROM \(tampering.table) WHERE \(tampering.key)"
            let original = try #require(
                try await db.withConnection { try await $0.raw(SQLQueryString(select)).first()?.decode(column: "v", as: String.self) })
            // Flip one character in the middle, keeping the text valid (hex stays hex, JSON stays JSON in the name).
            var bytes = Array(original.utf8)
            let name = original.range(of: "evidence-")
            let at = name.map { original.utf8.distance(from: original.startIndex, to: $0.upperBound) } ?? bytes.count / 2
            bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            let changed = String(decoding: bytes, as: UTF8.self)
            try await db.withConnection { db in
                try await db.raw(
                    "UPDATE \(unsafeRaw: tampering.table) SET \(unsafeRaw: tampering.column) = \(bind: changed) WHERE \(unsafeRaw: tampering.key)"
                ).run()
            }
            await #expect(throws: LedgerError.tampered(tampering.message)) { try await store.verifyLedger() }
            try await db.withConnection { db in
                try await db.raw(
                    "UPDATE \(unsafeRaw: tampering.table) SET \(unsafeRaw: tampering.column) = \(bind: original) WHERE \(unsafeRaw: tampering.key)"
                ).run()
            }
            #expect(try await store.verifyLedger().size == 23)
        }
    }

    @Test(arguments: TestBackend.available)
    func everyByteOfAnEntryAndOfANodeIsCovered(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, _, _ async throws in
            let targets = [
                ("ledger_entries", "content", "idx = 7", "entry 7:"),
                ("ledger_nodes", "hash", "level = 1 AND idx = 2", "the node at level 1, index 2"),
            ]
            for (table, column, key, place) in targets {
                let select = "SELECT \(column) AS v FROM \(table) WHERE \(key)"
                let original = try #require(
                    try await store.database.withConnection { try await $0.raw(SQLQueryString(select)).first()?.decode(column: "v", as: String.self) }
                )
                for offset in 0..<original.utf8.count {
                    var bytes = Array(original.utf8)
                    bytes[offset] = bytes[offset] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
                    let changed = String(decoding: bytes, as: UTF8.self)
                    try await store.database.withConnection { db in
                        try await db.raw("UPDATE \(unsafeRaw: table) SET \(unsafeRaw: column) = \(bind: changed) WHERE \(unsafeRaw: key)").run()
                    }
                    do {
                        _ = try await store.verifyLedger()
                        Issue.record("changing byte \(offset) of \(table) \(key) went unnoticed")
                    } catch let error as LedgerError {
                        guard case .tampered(let message) = error else { throw error }
                        #expect(message.hasPrefix(place), "byte \(offset) of \(table) \(key): \(message)")
                    }
                }
                try await store.database.withConnection { db in
                    try await db.raw("UPDATE \(unsafeRaw: table) SET \(unsafeRaw: column) = \(bind: original) WHERE \(unsafeRaw: key)").run()
                }
            }
            #expect(try await store.verifyLedger().size == 23)
        }
    }
}
