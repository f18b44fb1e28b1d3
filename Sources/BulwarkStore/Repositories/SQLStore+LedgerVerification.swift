import BulwarkCore
import BulwarkLedger
import SQLKit

/// What a full check of the stored ledger covered.
public struct LedgerCheck: Hashable, Sendable {
    public let size: UInt64
    public let root: TreeHash
    /// The sizes of the checkpoints whose roots were recomputed and matched.
    public let checkpointSizes: [UInt64]
}

extension SQLStore {
    /// Entry bundles (of up to 256 entries each) recomputed per round trip when checking the whole ledger.
    static let ledgerCheckBundles = 16

    /// Recomputes the whole ledger from its entries and compares every stored hash and checkpoint with the result.
    ///
    /// Throws `LedgerError.tampered` naming the first entry, node or checkpoint that does not match. With `keys`, each
    /// checkpoint's signatures must also verify (at least one of the keys).
    public func verifyLedger(keys: [NoteVerifierKey] = []) async throws -> LedgerCheck {
        let files = try database.ledgerFiles()
        return try await database.withConnection { db in
            guard let head = try await db.raw("SELECT size, file_end FROM ledger_head WHERE id = 1").first() else {
                throw StoreError.corrupt("ledger_head has no row; the ledger migration did not complete")
            }
            let size = UInt64(try head.int("size"))
            let fileEnd = try head.int("file_end")
            var checkpoints: [(size: UInt64, root: TreeHash)] = []
            for row in try await db.raw("SELECT size, root, note FROM ledger_checkpoints ORDER BY size").all() {
                let stored = UInt64(try row.int("size"))
                let note: SignedNote
                let checkpoint: Checkpoint
                do {
                    note = try SignedNote(parsing: try row.string("note"))
                    checkpoint = try Checkpoint(text: note.text)
                    if !keys.isEmpty { try note.verify(keys: keys, quorum: 1) }
                } catch {
                    throw LedgerError.tampered("checkpoint at size \(stored): \(error)")
                }
                guard checkpoint.size == stored, checkpoint.root.hex == (try row.string("root")) else {
                    throw LedgerError.tampered("checkpoint at size \(stored): its note and its columns disagree")
                }
                guard stored <= size else { throw LedgerError.tampered("checkpoint at size \(stored) is beyond the ledger's \(size) entries") }
                checkpoints.append((stored, checkpoint.root))
            }
            var frontier = TreeFrontier()
            var matched: [UInt64] = []
            var pending = checkpoints[...]
            func compareCheckpoints() throws {
                while let next = pending.first, next.size == frontier.size {
                    guard next.root == frontier.root else {
                        throw LedgerError.tampered("checkpoint at size \(next.size) names a root the stored entries do not produce")
                    }
                    matched.append(next.size)
                    pending = pending.dropFirst()
                }
            }
            try compareCheckpoints()
            while frontier.size < size {
                let start = frontier.size
                let rows = try await db.raw(
                    """
                    SELECT first_idx, count, org_id, entries, file_offset, file_length FROM ledger_entry_bundles
                    WHERE first_idx >= \(bind: Int(start)) AND first_idx < \(bind: Int(size)) ORDER BY first_idx LIMIT \(bind: Self.ledgerCheckBundles)
                    """
                ).all()
                var bundles: [(first: UInt64, organisation: String, contents: [ArraySlice<UInt8>])] = []
                var end = start
                for row in rows {
                    let first = UInt64(try row.int("first_idx"))
                    let count = try row.int("count")
                    guard first == end else { throw LedgerError.tampered("entry \(end) is missing") }
                    guard count > 0, first + UInt64(count) <= size else {
                        throw LedgerError.tampered("the entries stored from index \(first) claim \(count) entries, past the ledger's \(size)")
                    }
                    let text = try Self.bundleText(row, first: first, file: files?.entries, fileEnd: fileEnd)
                    let contents = text.split(separator: LedgerLayout.separator, omittingEmptySubsequences: false)
                    guard contents.count == count else {
                        throw LedgerError.tampered("the entries stored from index \(first) hold \(contents.count) entries, not \(count)")
                    }
                    bundles.append((first, try row.string("org_id"), contents))
                    end = first + UInt64(count)
                }
                guard end > start else { throw LedgerError.tampered("entry \(start) is missing") }
                let stored = try await Self.nodes(from: start, to: end, size: size, file: files?.nodes, db)
                for bundle in bundles {
                    for (offset, content) in bundle.contents.enumerated() {
                        let index = bundle.first + UInt64(offset)
                        let entry: LedgerEntry
                        do {
                            entry = try LedgerEntry(content: String(decoding: content, as: UTF8.self))
                        } catch {
                            throw LedgerError.tampered("entry \(index): its content is no longer a canonical entry (\(error))")
                        }
                        guard entry.organisation == bundle.organisation else {
                            throw LedgerError.tampered("entry \(index): its organisation column disagrees with its content")
                        }
                        var mismatch: String?
                        frontier.append(entry.leafHash) { position, hash in
                            guard mismatch == nil, stored[position] != hash else { return }
                            mismatch =
                                position.level == 0
                                ? "entry \(index): its content does not hash to the stored leaf hash (\(position))"
                                : "the \(position) does not match the hash of its children"
                            if stored[position] == nil { mismatch = "the \(position) is missing from the stored hashes" }
                        }
                        if let mismatch { throw LedgerError.tampered(mismatch) }
                        try compareCheckpoints()
                    }
                }
            }
            let beyond = try await db.raw("SELECT COUNT(*) AS n FROM ledger_entry_bundles WHERE first_idx >= \(bind: Int(size))").first()
            if let beyond, try beyond.int("n") > 0 { throw LedgerError.tampered("entries are stored beyond the ledger's \(size) entries") }
            if let unmatched = pending.first { throw LedgerError.tampered("checkpoint at size \(unmatched.size) was never reached") }
            return LedgerCheck(size: size, root: frontier.root, checkpointSizes: matched)
        }
    }

    /// Every stored hash a run of leaves [start, end) produces when appended: one read of the hash file on SQLite.
    static func nodes(
        from start: UInt64, to end: UInt64, size: UInt64, file: LedgerFile?, _ db: any SQLDatabase
    ) async throws -> [NodePosition: TreeHash] {
        guard let file else { return try await nodes(from: start, to: end, size: size, db) }
        let first = LedgerLayout.storedCount(forSize: start)
        let count = Int(LedgerLayout.storedCount(forSize: end) - first)
        guard let bytes = try file.read(at: Int64(first) * Int64(TreeHash.size), count: count * TreeHash.size) else {
            throw LedgerError.tampered("the hashes of entries \(start)..<\(end) lie past the end of \(file.path)")
        }
        var found: [NodePosition: TreeHash] = [:]
        found.reserveCapacity(count)
        var offset = 0
        LedgerLayout.forEachStored(appending: start..<end) { position in
            found[position] = TreeHash(bytes: Array(bytes[offset..<offset + TreeHash.size]))
            offset += TreeHash.size
        }
        return found
    }

    /// Leaves whose hashes are moved per write by `moveLedgerTilesToFile()`.
    static let tileMoveLeaves: UInt64 = 65_536

    /// On SQLite, moves hashes kept as tiles (by versions before the hash file) into the hash file and deletes the tiles.
    ///
    /// Runs under the write lock. The hashes are written and flushed to disk before the transaction that deletes the
    /// tiles commits, so an interruption leaves the tiles in place and the next migration writes the same bytes again.
    /// Tiles that do not hold what a ledger of its size has are reported as tampering, as a full check would.
    func moveLedgerTilesToFile() async throws {
        guard database.dialect == .sqlite else { return }
        let database = self.database
        // Every store opens through here: a plain read finds the usual case (nothing to move) without the write lock.
        let tilesSQL: SQLQueryString = "SELECT level FROM ledger_tiles LIMIT 1"
        guard try await database.withConnection({ try await $0.raw(tilesSQL).first() }) != nil else { return }
        try await database.transaction { db in
            // Checked again under the write lock; the files are opened (and so created) only when there is something to move.
            guard try await db.raw(tilesSQL).first() != nil, let files = try database.ledgerFiles() else { return }
            let size = try await Self.ledgerSize(db)
            var start: UInt64 = 0
            while start < size {
                let end = min(size, start + Self.tileMoveLeaves)
                let stored = try await Self.nodes(from: start, to: end, size: size, db)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(Int(LedgerLayout.storedCount(forSize: end) - LedgerLayout.storedCount(forSize: start)) * TreeHash.size)
                try LedgerLayout.forEachStored(appending: start..<end) { position in
                    guard let hash = stored[position] else { throw LedgerError.tampered("the \(position) is missing from ledger_tiles") }
                    bytes.append(contentsOf: hash.bytes)
                }
                try files.nodes.write(bytes, at: Int64(LedgerLayout.storedCount(forSize: start)) * Int64(TreeHash.size))
                start = end
            }
            try files.nodes.synchronise()
            try await db.raw("DELETE FROM ledger_tiles").run()
        }
    }

    /// Every stored node a run of leaves [start, end) produces when appended, level by level, from whole tiles.
    ///
    /// Each tile read must hold exactly the nodes a ledger of `size` entries has in it; a longer or shorter tile is named.
    static func nodes(from start: UInt64, to end: UInt64, size: UInt64, _ db: any SQLDatabase) async throws -> [NodePosition: TreeHash] {
        var found: [NodePosition: TreeHash] = [:]
        var level = 0
        // A node of level l exists once 2^l leaves do.
        while UInt64(1) << UInt64(level) <= end {
            let low = (start >> UInt64(level)) / LedgerLayout.tileWidth
            let high = ((end - 1) >> UInt64(level)) / LedgerLayout.tileWidth
            let rows = try await db.raw(
                "SELECT idx, hashes FROM ledger_tiles WHERE level = \(bind: level) AND idx >= \(bind: Int(low)) AND idx <= \(bind: Int(high))"
            ).all()
            let nodesAtLevel = size >> UInt64(level)
            for row in rows {
                let tile = UInt64(try row.int("idx"))
                let hex = Array(try row.string("hashes").utf8)
                let expected = min(LedgerLayout.tileWidth, nodesAtLevel - min(nodesAtLevel, tile * LedgerLayout.tileWidth))
                guard hex.count == Int(expected) * LedgerLayout.hexDigits else {
                    throw LedgerError.tampered(
                        "the tile at level \(level), index \(tile) holds \(hex.count) hex digits; a ledger of \(size) entries has \(expected) hashes there"
                    )
                }
                for offset in 0..<Int(expected) {
                    let position = NodePosition(level: level, index: tile * LedgerLayout.tileWidth + UInt64(offset))
                    let digits = hex[offset * LedgerLayout.hexDigits..<(offset + 1) * LedgerLayout.hexDigits]
                    guard let hash = TreeHash(hexDigits: digits) else { throw LedgerError.tampered("the \(position) does not hold a SHA-256 hash") }
                    found[position] = hash
                }
            }
            level += 1
        }
        return found
    }
}
