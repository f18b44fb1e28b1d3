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

    /// Appends from several tasks at once, each batch longer than one chunk of the append pipeline, take turns: every
    /// batch gets a range of its own, and the ledger verifies and proves afterwards.
    @Test(arguments: TestBackend.available)
    func concurrentAppendsOfSeveralChunksEachTakeTurns(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, key async throws in
            let ranges = try await withThrowingTaskGroup(of: [Range<UInt64>].self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        var ranges: [Range<UInt64>] = []
                        for batch in 0..<3 {
                            let first = 1000 + 1000 * writer + 300 * batch
                            ranges.append(try await store.appendToLedger(try Self.items(first..<first + 300), by: tenants.analyst, origin: .commandLine))
                        }
                        return ranges
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(ranges.allSatisfy { $0.count == 300 })
            #expect(ranges.sorted { $0.lowerBound < $1.lowerBound }.map(\.lowerBound) == Array(stride(from: 23, to: 23 + 3600, by: 300)))
            _ = try await store.publishLedgerCheckpoint(origin: Self.origin, signers: [key])
            #expect(try await store.verifyLedger(keys: [key.verifierKey]).size == 23 + 3600)
            for index: UInt64 in [23, 278, 279, 2000, 3622] {
                let verdict = try (try await store.ledgerProofBundle(index, for: tenants.viewer)).verify(keys: [key.verifierKey], quorum: 1)
                #expect(verdict.entry.organisation == tenants.operatorOrg.id.rawValue)
            }
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
            // An empty batch changes nothing and so writes no audit event.
            #expect(try await store.appendToLedger([LedgerItem](), by: tenants.owner, origin: .commandLine) == 25..<25)
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
        /// Where in the stored text the changed byte lies.
        let at: Place
        let message: String
        var testDescription: String { "\(table) \(key) \(at)" }

        /// The level of the tile a `ledger_tiles` tampering names (always the tile at index 0).
        var tileLevel: Int? {
            guard table == "ledger_tiles", key.hasPrefix("level = ") else { return nil }
            return Int(key.dropFirst("level = ".count).prefix { $0.isNumber })
        }
    }

    enum Place: Sendable, CustomStringConvertible {
        /// The digit just after "evidence-N" in a bundle of entries: inside entry N.
        case entry(Int)
        /// The middle of a node's 64 hex digits in its tile.
        case node(Int)
        /// The middle of the text.
        case middle

        func range(in text: String) -> Range<Int> {
            let bytes = Array(text.utf8)
            switch self {
            case .entry(let n):
                let marker = Array("evidence-\(n).pdf".utf8)
                let start = (0...(bytes.count - marker.count)).first { Array(bytes[$0..<$0 + marker.count]) == marker } ?? 0
                // The whole line the marker is on.
                let lineStart = bytes[..<start].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let lineEnd = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                return lineStart..<lineEnd
            case .node(let k): return 64 * k..<64 * (k + 1)
            case .middle: return 0..<bytes.count
            }
        }

        /// The one byte `changingOneStoredByteIsFoundAndNamed` flips.
        func byte(in text: String) -> Int {
            switch self {
            case .entry(let n):
                let range = range(in: text)
                let line = String(decoding: Array(text.utf8)[range], as: UTF8.self)
                return range.lowerBound + line.utf8.distance(from: line.startIndex, to: line.range(of: "evidence-\(n)")!.upperBound)
            case .node(let k): return 64 * k + 32
            case .middle: return text.utf8.count / 2
            }
        }

        var description: String {
            switch self {
            case .entry(let n): "entry \(n)"
            case .node(let k): "hash \(k)"
            case .middle: "middle"
            }
        }
    }

    // The fixture's appends were 0..<10, 10..<15 and 15..<23, so entry 7 is in the bundle from 0 and entry 22 in the one
    // from 15; node (2, 1) is hash 1 of tile (2, 0).
    static let tamperings = [
        Tampering(
            table: "ledger_entry_bundles", column: "entries", key: "first_idx = 0", at: .entry(7),
            message: "entry 7: its content does not hash to the stored leaf hash (node at level 0, index 7)"),
        Tampering(
            table: "ledger_entry_bundles", column: "entries", key: "first_idx = 15", at: .entry(22),
            message: "entry 22: its content does not hash to the stored leaf hash (node at level 0, index 22)"),
        Tampering(
            table: "ledger_tiles", column: "hashes", key: "level = 0 AND idx = 0", at: .node(4),
            message: "entry 4: its content does not hash to the stored leaf hash (node at level 0, index 4)"),
        Tampering(
            table: "ledger_tiles", column: "hashes", key: "level = 2 AND idx = 0", at: .node(1),
            message: "the node at level 2, index 1 does not match the hash of its children"),
        Tampering(
            table: "ledger_tiles", column: "hashes", key: "level = 4 AND idx = 0", at: .node(0),
            message: "the node at level 4, index 0 does not match the hash of its children"),
        Tampering(
            table: "ledger_checkpoints", column: "root", key: "size = 15", at: .middle,
            message: "checkpoint at size 15: its note and its columns disagree"),
    ]

    /// Where a bundle's entries are in the entry file beside a SQLite database, or nil when the row holds them.
    static func fileRange(_ tampering: Tampering, _ store: SQLStore) async throws -> (path: String, offset: UInt64, length: Int)? {
        guard tampering.table == "ledger_entry_bundles", let path = store.database.ledgerEntryFilePath else { return nil }
        let select = "SELECT file_offset, file_length FROM ledger_entry_bundles WHERE \(tampering.key)"
        let row = try #require(try await store.database.withConnection { try await $0.raw(SQLQueryString(select)).first() })
        guard let offset = try row.decode(column: "file_offset", as: Int?.self) else { return nil }
        return (path, UInt64(offset), try row.decode(column: "file_length", as: Int.self))
    }

    /// Where node (level, index) lies in the hash file beside SQLite, worked out here by replaying appends: each leaf is
    /// stored, then every node it completes, bottom-up.
    static func hashFileOffset(level: Int, index: UInt64) -> UInt64 {
        var stored: UInt64 = 0
        var leaf: UInt64 = 0
        while true {
            if level == 0 && leaf == index { return stored * 32 }
            stored += 1
            var completed = 0
            while (leaf >> UInt64(completed)) & 1 == 1 {
                completed += 1
                if completed == level && leaf >> UInt64(completed) == index { return stored * 32 }
                stored += 1
            }
            leaf += 1
        }
    }

    /// On SQLite, the hash file and the nodes a tile tampering names (those of tile 0 at its level, in a ledger of 23).
    static func hashFileNodes(_ tampering: Tampering, _ store: SQLStore) -> (path: String, offsets: [UInt64])? {
        guard let level = tampering.tileLevel, let path = store.database.ledgerNodeFilePath else { return nil }
        return (path, (0..<(UInt64(23) >> UInt64(level))).map { hashFileOffset(level: level, index: $0) })
    }

    /// What a tampering changes, as text: a bundle's entries, a tile's hex digits (on SQLite, the same nodes' hashes read
    /// from the hash file as hex) or a column.
    static func stored(_ tampering: Tampering, _ store: SQLStore) async throws -> String {
        if let nodes = hashFileNodes(tampering, store) {
            let handle = try #require(FileHandle(forReadingAtPath: nodes.path))
            defer { try? handle.close() }
            var hex = ""
            for offset in nodes.offsets {
                try handle.seek(toOffset: offset)
                hex += try #require(try handle.read(upToCount: 32)).map { String(format: "%02x", $0) }.joined()
            }
            return hex
        }
        if let file = try await fileRange(tampering, store) {
            let handle = try #require(FileHandle(forReadingAtPath: file.path))
            defer { try? handle.close() }
            try handle.seek(toOffset: file.offset)
            return String(decoding: try #require(try handle.read(upToCount: file.length)), as: UTF8.self)
        }
        let select = "SELECT \(tampering.column) AS v FROM \(tampering.table) WHERE \(tampering.key)"
        return try #require(
            try await store.database.withConnection { try await $0.raw(SQLQueryString(select)).first()?.decode(column: "v", as: String.self) })
    }

    /// Writes `text` where `stored(_:_:)` read it; in the entry file the text keeps its length.
    static func store(_ text: String, for tampering: Tampering, _ store: SQLStore) async throws {
        if let nodes = hashFileNodes(tampering, store) {
            let digits = Array(text.utf8)
            #expect(digits.count == nodes.offsets.count * 64)
            let handle = try #require(FileHandle(forWritingAtPath: nodes.path))
            defer { try? handle.close() }
            for (k, offset) in nodes.offsets.enumerated() {
                let hash = try #require(TreeHash(hexDigits: digits[k * 64..<(k + 1) * 64]))
                try handle.seek(toOffset: offset)
                try handle.write(contentsOf: Data(hash.bytes))
            }
            return
        }
        if let file = try await fileRange(tampering, store) {
            #expect(text.utf8.count == file.length)
            let handle = try #require(FileHandle(forWritingAtPath: file.path))
            defer { try? handle.close() }
            try handle.seek(toOffset: file.offset)
            try handle.write(contentsOf: Data(text.utf8))
            return
        }
        try await store.database.withConnection { db in
            try await db.raw(
                "UPDATE \(unsafeRaw: tampering.table) SET \(unsafeRaw: tampering.column) = \(bind: text) WHERE \(unsafeRaw: tampering.key)"
            ).run()
        }
    }

    @Test(arguments: TestBackend.available, tamperings)
    func changingOneStoredByteIsFoundAndNamed(_ backend: TestBackend, _ tampering: Tampering) async throws {
        try await Self.withLedger(backend) { store, _, _ async throws in
            let original = try await Self.stored(tampering, store)
            // Flip one character, keeping the text valid (hex stays hex, JSON stays JSON in the name).
            var bytes = Array(original.utf8)
            let at = tampering.at.byte(in: original)
            bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            try await Self.store(String(decoding: bytes, as: UTF8.self), for: tampering, store)
            await #expect(throws: LedgerError.tampered(tampering.message)) { try await store.verifyLedger() }
            try await Self.store(original, for: tampering, store)
            #expect(try await store.verifyLedger().size == 23)
        }
    }

    @Test(arguments: TestBackend.available)
    func everyByteOfAnEntryAndOfANodeIsCovered(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, _, _ async throws in
            let targets = [
                (Tampering(table: "ledger_entry_bundles", column: "entries", key: "first_idx = 0", at: .entry(7), message: ""), "entry 7:"),
                (
                    Tampering(table: "ledger_tiles", column: "hashes", key: "level = 1 AND idx = 0", at: .node(2), message: ""),
                    "the node at level 1, index 2"
                ),
            ]
            for (target, place) in targets {
                let original = try await Self.stored(target, store)
                let range = target.at.range(in: original)
                #expect(range.count > 60)
                for offset in range {
                    var bytes = Array(original.utf8)
                    bytes[offset] = bytes[offset] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
                    try await Self.store(String(decoding: bytes, as: UTF8.self), for: target, store)
                    do {
                        _ = try await store.verifyLedger()
                        Issue.record("changing byte \(offset) of \(target.table) \(target.key) went unnoticed")
                    } catch let error as LedgerError {
                        guard case .tampered(let message) = error else { throw error }
                        #expect(message.hasPrefix(place), "byte \(offset) of \(target.table) \(target.key): \(message)")
                    }
                }
                try await Self.store(original, for: target, store)
            }
            #expect(try await store.verifyLedger().size == 23)
        }
    }

    @Test(arguments: TestBackend.available)
    func aTileOfTheWrongLengthOrAStrayBundleIsNamed(_ backend: TestBackend) async throws {
        try await Self.withLedger(backend) { store, tenants, _ async throws in
            if let path = store.database.ledgerNodeFilePath {
                // SQLite has no tiles; the hash file cut short of the 2·23 − popcount(23) = 42 hashes it must hold is named.
                let original = try #require(FileManager.default.contents(atPath: path))
                #expect(truncate(path, off_t(42 * 32 - 10)) == 0)
                await #expect(throws: LedgerError.tampered("the hashes of entries 0..<23 lie past the end of \(path)")) {
                    try await store.verifyLedger()
                }
                try original.write(to: URL(fileURLWithPath: path))
            } else {
                let tile = Tampering(table: "ledger_tiles", column: "hashes", key: "level = 1 AND idx = 0", at: .middle, message: "")
                let original = try await Self.stored(tile, store)
                try await Self.store(String(original.dropLast(64)), for: tile, store)
                await #expect(
                    throws: LedgerError.tampered("the tile at level 1, index 0 holds 640 hex digits; a ledger of 23 entries has 11 hashes there")
                ) {
                    try await store.verifyLedger()
                }
                try await Self.store(original, for: tile, store)
            }
            #expect(try await store.verifyLedger().size == 23)
            try await store.database.withConnection { db in
                try await db.raw(
                    "INSERT INTO ledger_entry_bundles (first_idx, count, org_id, entries) VALUES (23, 1, \(bind: tenants.operatorOrg.id.rawValue), 'x')"
                ).run()
            }
            await #expect(throws: LedgerError.tampered("entries are stored beyond the ledger's 23 entries")) { try await store.verifyLedger() }
        }
    }

    /// On SQLite every leaf and node hash is in the hash file beside the database, 32 bytes each, in the order appends
    /// complete them, and no tile rows are written.
    @Test func onSQLiteHashesAreKeptInTheFileBesideTheDatabaseInAppendOrder() async throws {
        try await Self.withLedger(.sqlite) { store, tenants, _ async throws in
            let path = try #require(store.database.ledgerNodeFilePath)
            let file = try #require(FileManager.default.contents(atPath: path))
            var expected: [UInt8] = []
            var frontier = TreeFrontier()
            for index in 0..<UInt64(23) {
                let entry = try await store.ledgerEntry(index, for: index < 15 ? tenants.viewer : tenants.otherOperatorOwner)
                frontier.append(entry.leafHash) { _, hash in expected += hash.bytes }
            }
            #expect(expected.count == 42 * 32)
            #expect(Array(file.prefix(expected.count)) == expected)
            #expect(Self.hashFileOffset(level: 4, index: 0) == 30 * 32)
            let tiles = try await store.database.withConnection { db in
                try await db.raw("SELECT COUNT(*) AS n FROM ledger_tiles").first()!.decode(column: "n", as: Int.self)
            }
            #expect(tiles == 0)
            let (mode, _) = try Self.mode(of: path)
            #expect(mode & 0o077 == 0, "the hash file is readable by others: \(String(mode, radix: 8))")
        }
    }

    /// On SQLite the entries are in the file beside the database, each followed by a newline, and the rows only say where.
    @Test func onSQLiteEntriesAreKeptInTheFileBesideTheDatabase() async throws {
        try await Self.withLedger(.sqlite) { store, tenants, _ async throws in
            let path = try #require(store.database.ledgerEntryFilePath)
            let file = try #require(FileManager.default.contents(atPath: path))
            let rows = try await store.database.withConnection { db in
                try await db.raw("SELECT first_idx, entries, file_offset, file_length FROM ledger_entry_bundles ORDER BY first_idx").all()
            }
            #expect(try rows.map { try $0.decode(column: "first_idx", as: Int.self) } == [0, 10, 15])
            #expect(try rows.allSatisfy { try $0.decode(column: "entries", as: String.self).isEmpty })
            let end = try await store.database.withConnection { db in
                try await db.raw("SELECT file_end FROM ledger_head").first()!.decode(column: "file_end", as: Int.self)
            }
            #expect(file.count >= end)
            let lines = file.prefix(end).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            #expect(lines.count == 24 && lines.last?.isEmpty == true)
            for index in [0, 14, 22] {
                let reader = index < 15 ? tenants.viewer : tenants.otherOperatorOwner
                #expect(String(decoding: lines[index], as: UTF8.self) == (try await store.ledgerEntry(UInt64(index), for: reader).content))
            }
            let (mode, _) = try Self.mode(of: path)
            #expect(mode & 0o077 == 0, "the entry file is readable by others: \(String(mode, radix: 8))")
        }
    }

    /// An append that wrote its entries and hashes but did not commit leaves bytes past the ends the database names; the
    /// next append writes over them.
    @Test func bytesLeftByAnAppendThatDidNotCommitAreWrittenOver() async throws {
        try await Self.withLedger(.sqlite) { store, tenants, key async throws in
            let path = try #require(store.database.ledgerEntryFilePath)
            let end = try await store.database.withConnection { db in
                try await db.raw("SELECT file_end FROM ledger_head").first()!.decode(column: "file_end", as: Int.self)
            }
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seek(toOffset: UInt64(end))
            try handle.write(contentsOf: Data(repeating: UInt8(ascii: "#"), count: 5000))
            try handle.close()
            // The hash file likewise, past the 42 hashes a ledger of 23 entries has.
            let nodePath = try #require(store.database.ledgerNodeFilePath)
            let hashes = try #require(FileHandle(forWritingAtPath: nodePath))
            try hashes.seek(toOffset: 42 * 32)
            try hashes.write(contentsOf: Data(repeating: 0xA5, count: 5000))
            try hashes.close()
            #expect(try await store.verifyLedger(keys: [key.verifierKey]).size == 23)
            #expect(try await store.appendToLedger(try Self.items(23..<30), by: tenants.analyst, origin: .commandLine) == 23..<30)
            _ = try await store.publishLedgerCheckpoint(origin: Self.origin, signers: [key])
            #expect(try await store.verifyLedger(keys: [key.verifierKey]).checkpointSizes == [15, 23, 30])
            let bundle = try await store.ledgerProofBundle(29, for: tenants.viewer)
            #expect(try bundle.verify(keys: [key.verifierKey], quorum: 1).entry.payload.contains("evidence-29.pdf"))
        }
    }

    /// A truncated entry file is named, with the first entries it no longer holds.
    @Test func aTruncatedEntryFileIsNamed() async throws {
        try await Self.withLedger(.sqlite) { store, tenants, _ async throws in
            let path = try #require(store.database.ledgerEntryFilePath)
            let rows = try await store.database.withConnection { db in
                try await db.raw("SELECT file_offset FROM ledger_entry_bundles WHERE first_idx = 15").first()!.decode(column: "file_offset", as: Int.self)
            }
            #expect(truncate(path, off_t(rows + 10)) == 0)
            await #expect(throws: LedgerError.tampered("the entries stored from index 15 lie past the end of \(path)")) {
                try await store.verifyLedger()
            }
            await #expect(throws: LedgerError.tampered("the entries stored from index 15 lie past the end of \(path)")) {
                try await store.ledgerEntry(16, for: tenants.otherOperatorOwner)
            }
            #expect(try await store.ledgerEntry(3, for: tenants.viewer).payload.contains("evidence-3.pdf"))
        }
    }

    /// A bundle row pointed past the bytes the ledger has written is named.
    @Test func aBundlePointingPastTheWrittenEntriesIsNamed() async throws {
        try await Self.withLedger(.sqlite) { store, _, _ async throws in
            // The last bundle ends one byte (its newline) before `file_end`; two bytes on, it passes it.
            let end = try await store.database.withConnection { db in
                try await db.raw("UPDATE ledger_entry_bundles SET file_offset = file_offset + 2 WHERE first_idx = 15").run()
                return try await db.raw("SELECT file_end FROM ledger_head").first()!.decode(column: "file_end", as: Int.self)
            }
            await #expect(throws: LedgerError.tampered("the entries stored from index 15 lie past the \(end) bytes of entries the ledger has written")) {
                try await store.verifyLedger()
            }
        }
    }

    static func mode(of path: String) throws -> (UInt32, Int) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw POSIXError(.ENOENT) }
        return (UInt32(status.st_mode), Int(status.st_size))
    }

    /// A ledger written in the one-row-per-entry-and-node layout of migration 4 is carried into tiles by migration 8, and
    /// on SQLite from tiles into the hash file.
    @Test(arguments: TestBackend.available)
    func aLedgerInTheOldLayoutIsConvertedAndStillProves(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend, migrate: false) { test in
            let store = test.store()
            try await Migrator(database: test.database, migrations: Schema.migrations.filter { $0.version < 8 }).migrate(now: "2026-11-22T08:00:00Z")
            let tenants = try await Tenants.make(in: store)
            let organisation = tenants.operatorOrg.id.rawValue
            let entries = try Self.items(0..<300).map {
                try LedgerEntry(kind: $0.kind, organisation: organisation, recordedAt: "2026-11-22T08:00:00Z", payload: $0.payload)
            }
            var frontier = TreeFrontier()
            var nodes: [(NodePosition, TreeHash)] = []
            for entry in entries { frontier.append(entry.leafHash) { nodes.append(($0, $1)) } }
            let oldNodes = nodes
            let oldRoot = frontier.root
            try await test.database.withConnection { db in
                for (index, entry) in entries.enumerated() {
                    try await db.raw(
                        """
                        INSERT INTO ledger_entries (idx, org_id, kind, recorded_at, content)
                        VALUES (\(bind: index), \(bind: organisation), \(bind: entry.kind), \(bind: entry.recordedAt), \(bind: entry.content))
                        """
                    ).run()
                }
                for (position, hash) in oldNodes {
                    try await db.raw(
                        "INSERT INTO ledger_nodes (level, idx, hash) VALUES (\(bind: position.level), \(bind: Int(position.index)), \(bind: hash.hex))"
                    ).run()
                }
                try await db.raw("UPDATE ledger_head SET size = 300 WHERE id = 1").run()
            }
            // A checkpoint published before the migration, as the code of that layout stored it.
            let key = try NoteSigningKey(generatingFor: Self.origin)
            let before = try SignedNote(
                text: Checkpoint(origin: Self.origin, size: 300, root: frontier.root).text, signedBy: [key], at: TestDatabase.start)
            try await test.database.withConnection { db in
                try await db.raw(
                    """
                    INSERT INTO ledger_checkpoints (size, root, note, created_at)
                    VALUES (300, \(bind: oldRoot.hex), \(bind: before.serialized), '2026-11-22T08:00:00Z')
                    """
                ).run()
            }
            try await store.migrate()
            if let path = test.database.ledgerNodeFilePath {
                // On SQLite the tiles migration 8 made are moved into the hash file.
                let tiles = try await test.database.withConnection { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM ledger_tiles").first()!.decode(column: "n", as: Int.self)
                }
                #expect(tiles == 0)
                #expect(try Self.mode(of: path).1 >= (2 * 300 - 4) * 32)
            }
            let check = try await store.verifyLedger(keys: [key.verifierKey])
            #expect(check.size == 300)
            #expect(check.root == frontier.root)
            #expect(check.checkpointSizes == [300])
            #expect(try await store.ledgerProofBundle(257, for: tenants.viewer).verify(keys: [key.verifierKey], quorum: 1).entry == entries[257])
            #expect(try await store.appendToLedger(try Self.items(300..<310), by: tenants.analyst, origin: .commandLine) == 300..<310)
            _ = try await store.publishLedgerCheckpoint(origin: Self.origin, signers: [key])
            let after = try #require(try await store.latestLedgerCheckpoint())
            let proof = try await store.ledgerConsistencyProof(from: 300, to: 310)
            try ProofVerifier.verifyConsistency(
                size1: 300, size2: 310, proof: proof, root1: try Checkpoint(text: before.text).root, root2: try Checkpoint(text: after.text).root)
            #expect(try await store.verifyLedger(keys: [key.verifierKey]).checkpointSizes == [300, 310])
        }
    }
}
