import BulwarkCore
import BulwarkLedger
import Dispatch
import SQLKit
import Synchronization

/// Something to log: a kind (`evidence.file`, `finding`, later `quote`, `price-change`, `endorsement`, `claim-payment`)
/// and its canonical JSON.
public struct LedgerItem: Hashable, Sendable {
    public let kind: String
    public let payload: String

    public init(kind: String, payload: String) {
        self.kind = kind
        self.payload = payload
    }

    /// An item whose payload is `value` as canonical JSON.
    public init<Value: Encodable>(kind: String, value: Value) throws {
        let entry = try LedgerEntry(kind: kind, organisation: "", recordedAt: "", value: value)
        self.init(kind: kind, payload: entry.payload)
    }
}

extension SQLStore {
    /// Appends items about the principal's own organisation, in order, in one transaction; returns their leaf indexes.
    ///
    /// Each leaf is hashed once, straight from the bundle text it is stored in, and only the subtree hashes it completes
    /// are computed (`TreeFrontier`). The whole batch is a handful of statements (see `LedgerLayout`). When this returns
    /// the entries are committed.
    @discardableResult
    public func appendToLedger(_ items: [LedgerItem], by principal: Principal, origin: RequestOrigin) async throws -> Range<UInt64> {
        try requireWriter(principal)
        guard !items.isEmpty else {
            let size = try await ledgerSize()
            return size..<size
        }
        let recordedAt = now()
        var kinds: Set<String> = []
        for item in items where kinds.insert(item.kind).inserted { try LedgerEntry.checkKind(item.kind) }
        let detail = kinds.sorted().joined(separator: ", ")
        return try await database.transactionSession { session in
            let range = try await Self.appendEntries(items, organisation: principal.organisation.rawValue, recordedAt: recordedAt, session)
            try await audit(
                session.sql, organisation: principal.organisation, actor: principal.auditName, action: "ledger.append",
                subject: "ledger entries \(range.lowerBound)..<\(range.upperBound)", detail: detail,
                origin: origin)
            return range
        }
    }

    /// Appends inside the caller's transaction; the items' kinds must have been checked.
    ///
    /// The batch is handled in chunks of one bundle (256 entries), in a pipeline over two cores balanced by measurement:
    /// this task hashes a chunk's leaves and the nodes they complete, while a dispatch thread writes the chunk before to
    /// the files and encodes the chunk after as canonical JSON (`writeAndEncode`). The first chunk is encoded while the batch's
    /// place in the log is taken (`position`), since its text does not depend on it. On SQLite the text goes to the entry
    /// file from `ledger_head.file_end` on and the hashes to the hash file after those already there (see `LedgerFile`);
    /// on PostgreSQL into bundle and tile rows.
    static func appendEntries(
        _ items: [LedgerItem], organisation: String, recordedAt: String, _ session: DatabaseSession
    ) async throws -> Range<UInt64> {
        let db = session.sql
        guard !items.isEmpty else {
            let size = try await ledgerSize(db)
            return size..<size
        }
        let files = try session.database.ledgerFiles()
        let chunks = stride(from: 0, to: items.count, by: LedgerLayout.bundleLimit).map {
            items[$0..<min($0 + LedgerLayout.bundleLimit, items.count)]
        }
        async let positioned = position(count: items.count, nodes: files?.nodes, db)
        var encoded = EncodedEntries(chunks[0], organisation: organisation, recordedAt: recordedAt)
        let place = try await positioned
        var frontier = place.frontier
        var fileOffset = place.fileEnd
        var bundles: [[DatabaseSession.Value]] = []
        var tiles = LedgerTileWriter()
        var hashed: ChunkWrite?
        // The other step runs on a dispatch thread rather than as a child task: it blocks in `pwrite`, and a child task
        // needs a free thread of the cooperative pool to start, which a busy server (or a narrow pool) may not have.
        var other: DispatchedWork<EncodedEntries?>?
        do {
            for (number, chunk) in chunks.enumerated() {
                let current = encoded
                let first = place.start + UInt64(number * LedgerLayout.bundleLimit)
                let previous = hashed
                let next = number + 1 < chunks.count ? chunks[number + 1] : nil
                other = DispatchedWork {
                    try writeAndEncode(previous, files: files, next: next, organisation: organisation, recordedAt: recordedAt)
                }
                var hashes: [UInt8] = []
                if files != nil {
                    let stored = LedgerLayout.storedCount(forSize: first)
                    hashes.reserveCapacity(Int(LedgerLayout.storedCount(forSize: first + UInt64(chunk.count)) - stored) * TreeHash.size)
                }
                current.text.withUnsafeBytes { text in
                    for index in 0..<chunk.count {
                        // Entry i is its text without the newline that follows it.
                        let leaf = MerkleTree.leafHash(UnsafeRawBufferPointer(rebasing: text[current.starts[index]..<current.starts[index + 1] - 1]))
                        if files != nil {
                            frontier.append(leaf) { _, hash in hash.withUnsafeBytes { hashes.append(contentsOf: $0) } }
                        } else {
                            frontier.append(leaf) { tiles.add($0, $1) }
                        }
                    }
                }
                hashed = ChunkWrite(text: current.text, hashes: hashes, first: first, fileOffset: fileOffset)
                // The bundle's entries joined by newlines: without the newline after its last entry.
                let length = current.text.count - 1
                bundles.append([
                    .integer(Int(first)), .integer(chunk.count), .text(organisation),
                    .text(files == nil ? String(decoding: current.text.prefix(length), as: UTF8.self) : ""),
                    files == nil ? .null : .integer(fileOffset), files == nil ? .null : .integer(length),
                ])
                fileOffset += current.text.count
                let following = try await other?.value()
                other = nil
                if let encodedNext = following { encoded = encodedNext }
            }
            _ = try writeAndEncode(hashed, files: files, next: nil, organisation: organisation, recordedAt: recordedAt)
        } catch {
            // A write still running must finish before the transaction ends, or it could land on the bytes of the next
            // append, which starts where this one did.
            _ = try? await other?.value()
            throw error
        }
        if files != nil { try await db.raw("UPDATE ledger_head SET file_end = \(bind: fileOffset) WHERE id = 1").run() }
        // Inline bundles are at most 256 KiB of 1 KiB entries each; a few per statement keep a statement's text bounded.
        let perStatement = files == nil ? 16 : 500
        for chunk in stride(from: 0, to: bundles.count, by: perStatement) {
            try await session.insert(
                into: "ledger_entry_bundles", columns: ["first_idx", "count", "org_id", "entries", "file_offset", "file_length"],
                values: Array(bundles[chunk..<min(chunk + perStatement, bundles.count)]))
        }
        let tileRows = tiles.rows
        for chunk in stride(from: 0, to: tileRows.count, by: 1000) {
            try await session.insert(
                into: "ledger_tiles", columns: ["level", "idx", "hashes"], values: Array(tileRows[chunk..<min(chunk + 1000, tileRows.count)]),
                then: "ON CONFLICT (level, idx) DO UPDATE SET hashes = ledger_tiles.hashes || excluded.hashes")
        }
        return place.start..<frontier.size
    }

    /// Work started on a dispatch thread at once and awaited later, so that it runs beside the calling task.
    final class DispatchedWork<Value: Sendable>: Sendable {
        private let group = DispatchGroup()
        private let outcome = Mutex<Result<Value, any Error>?>(nil)

        init(_ work: @escaping @Sendable () throws -> Value) {
            group.enter()
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                let result = Result { try work() }
                outcome.withLock { $0 = result }
                group.leave()
            }
        }

        func value() async throws -> Value {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in group.notify(queue: .global()) { done.resume() } }
            return try outcome.withLock { $0! }.get()
        }
    }

    /// A hashed chunk waiting to be written: its text, and its leaf and node hashes in the order the hash file keeps them.
    struct ChunkWrite: Sendable {
        let text: [UInt8]
        let hashes: [UInt8]
        /// Its first entry's index.
        let first: UInt64
        /// Where its text goes in the entry file.
        let fileOffset: Int
    }

    /// The other step: writes a hashed chunk to the entry and hash files (SQLite only), then encodes the next.
    static func writeAndEncode(
        _ chunk: ChunkWrite?, files: LedgerFiles?, next: ArraySlice<LedgerItem>?, organisation: String, recordedAt: String
    ) throws -> EncodedEntries? {
        if let chunk, let files {
            try files.entries.write(chunk.text, at: Int64(chunk.fileOffset))
            try files.nodes.write(chunk.hashes, at: Int64(LedgerLayout.storedCount(forSize: chunk.first)) * Int64(TreeHash.size))
        }
        return next.map { EncodedEntries($0, organisation: organisation, recordedAt: recordedAt) }
    }

    /// Takes the next `count` places in the log: one statement moves the size past them and says where they start (on
    /// PostgreSQL its row lock also makes concurrent appenders take turns; SQLite holds the write lock already). A
    /// failure later in the transaction rolls it back.
    static func position(
        count: Int, nodes: LedgerFile?, _ db: any SQLDatabase
    ) async throws -> (start: UInt64, fileEnd: Int, frontier: TreeFrontier) {
        guard
            let head = try await db.raw("UPDATE ledger_head SET size = size + \(bind: count) WHERE id = 1 RETURNING size, file_end").first()
        else {
            throw StoreError.corrupt("ledger_head has no row; the ledger migration did not complete")
        }
        let start = UInt64(try head.int("size")) - UInt64(count)
        return (start, try head.int("file_end"), try await frontier(size: start, nodes: nodes, db))
    }

    /// Appends each finding's canonical JSON to the ledger; the findings must belong to the principal's organisation.
    ///
    /// The ledger notes which entry logs which finding (see `ledgerEntries(of:for:)`).
    @discardableResult
    public func appendToLedger(_ findings: [Finding], by principal: Principal, origin: RequestOrigin) async throws -> Range<UInt64> {
        try requireWriter(principal)
        for finding in findings where finding.organisation != principal.organisation {
            throw AccessError.forbidden("finding \(finding.id) belongs to another organisation")
        }
        guard !findings.isEmpty else {
            let size = try await ledgerSize()
            return size..<size
        }
        let recordedAt = now()
        return try await database.transactionSession { session in
            let range = try await Self.logFindings(findings, organisation: principal.organisation, recordedAt: recordedAt, session)
            try await audit(
                session.sql, organisation: principal.organisation, actor: principal.auditName, action: "ledger.append",
                subject: "ledger entries \(range.lowerBound)..<\(range.upperBound)", detail: LedgerEntry.Kind.finding, origin: origin)
            return range
        }
    }

    /// The number of entries in the ledger. The size and roots are public; entries are not.
    public func ledgerSize() async throws -> UInt64 {
        try await database.withConnection { db in try await Self.ledgerSize(db) }
    }

    /// An entry of an organisation the principal may read; another tenant's entry is "not found".
    public func ledgerEntry(_ index: UInt64, for principal: Principal) async throws -> LedgerEntry {
        let file = try database.ledgerFiles()?.entries
        return try await database.withConnection { db in try await Self.readableEntry(index, for: principal, file: file, db) }
    }

    /// Signs a checkpoint of the whole ledger with `signers` (the log's key first, then witnesses) and stores it.
    ///
    /// Witness keys of type `cosignatureV1` add tlog-cosignature/v1 lines stamped with the store's clock. If a checkpoint
    /// of this size exists, the signers not yet on it add their signatures. Checkpoints are public and
    /// carry their own proof of origin (the signatures), so they are not tenant data and write no audit event.
    public func publishLedgerCheckpoint(origin: String, signers: [NoteSigningKey]) async throws -> SignedNote {
        guard let log = signers.first else { throw LedgerError.note("a checkpoint needs at least the log's key") }
        guard log.name == origin else { throw LedgerError.key("the log's key is named \(log.name), but tlog-checkpoint wants the origin \(origin)") }
        let createdAt = now()
        let time = clock.now()
        let files = try database.ledgerFiles()
        return try await database.transaction { db in
            try await db.raw("UPDATE ledger_head SET size = size WHERE id = 1").run()
            // What the checkpoint covers goes to disk before it is signed; appends wait for this transaction.
            try files?.entries.synchronise()
            try files?.nodes.synchronise()
            let size = try await Self.ledgerSize(db)
            if let row = try await db.raw("SELECT note FROM ledger_checkpoints WHERE size = \(bind: Int(size))").first() {
                var note = try SignedNote(parsing: try row.string("note"))
                for key in signers.dropFirst() where !note.signatures.contains(where: { $0.name == key.name && $0.keyID == key.verifierKey.keyID }) {
                    note = try note.cosigned(by: key, at: time)
                }
                try await db.raw("UPDATE ledger_checkpoints SET note = \(bind: note.serialized) WHERE size = \(bind: Int(size))").run()
                return note
            }
            let root = try await Self.frontier(size: size, nodes: files?.nodes, db).root
            let note = try SignedNote(text: Checkpoint(origin: origin, size: size, root: root).text, signedBy: signers, at: time)
            try await db.raw(
                """
                INSERT INTO ledger_checkpoints (size, root, note, created_at)
                VALUES (\(bind: Int(size)), \(bind: root.hex), \(bind: note.serialized), \(bind: createdAt))
                """
            ).run()
            return note
        }
    }

    /// The newest signed checkpoint, or nil before the first is published.
    public func latestLedgerCheckpoint() async throws -> SignedNote? {
        try await database.withConnection { db in
            guard let row = try await db.raw("SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").first() else { return nil }
            return try SignedNote(parsing: try row.string("note"))
        }
    }

    /// Every published checkpoint, oldest first.
    public func ledgerCheckpoints() async throws -> [SignedNote] {
        try await database.withConnection { db in
            try await db.raw("SELECT note FROM ledger_checkpoints ORDER BY size").all().map { try SignedNote(parsing: try $0.string("note")) }
        }
    }

    /// An offline proof bundle for an entry the principal may read, against the newest checkpoint.
    public func ledgerProofBundle(_ index: UInt64, for principal: Principal) async throws -> ProofBundle {
        let files = try database.ledgerFiles()
        return try await database.withConnection { db in
            let entry = try await Self.readableEntry(index, for: principal, file: files?.entries, db)
            guard let row = try await db.raw("SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").first() else {
                throw LedgerError.outOfRange("no checkpoint has been published; run 'bulwark ledger checkpoint'")
            }
            let note = try SignedNote(parsing: try row.string("note"))
            let checkpoint = try Checkpoint(text: note.text)
            guard index < checkpoint.size else {
                throw LedgerError.outOfRange("entry \(index) is newer than the latest checkpoint (size \(checkpoint.size)); publish a new one")
            }
            let plan = try ProofPlan.inclusion(index: index, size: checkpoint.size)
            let proof = try await Self.assemble(plan, nodes: files?.nodes, db)
            return try ProofBundle(entry: entry, leafIndex: index, proof: proof, checkpoint: note)
        }
    }

    /// RFC 9162 §2.1.4 consistency proof between two sizes the ledger has reached. Public: it reveals only hashes.
    public func ledgerConsistencyProof(from: UInt64, to: UInt64) async throws -> [TreeHash] {
        let nodes = try database.ledgerFiles()?.nodes
        return try await database.withConnection { db in
            let size = try await Self.ledgerSize(db)
            guard to <= size else { throw LedgerError.outOfRange("the ledger has \(size) entries, fewer than \(to)") }
            return try await Self.assemble(try ProofPlan.consistency(from: from, to: to), nodes: nodes, db)
        }
    }

    static func ledgerSize(_ db: any SQLDatabase) async throws -> UInt64 {
        guard let row = try await db.raw("SELECT size FROM ledger_head WHERE id = 1").first() else {
            throw StoreError.corrupt("ledger_head has no row; the ledger migration did not complete")
        }
        return UInt64(try row.int("size"))
    }

    static func frontier(size: UInt64, nodes file: LedgerFile?, _ db: any SQLDatabase) async throws -> TreeFrontier {
        let positions = TreeFrontier.positions(forSize: size)
        let hashes = try await nodes(Set(positions), file: file, db)
        return try TreeFrontier(size: size, pieces: try positions.map { try Self.hash(at: $0, in: hashes) })
    }

    static func assemble(_ plan: ProofPlan, nodes file: LedgerFile?, _ db: any SQLDatabase) async throws -> [TreeHash] {
        let hashes = try await nodes(plan.positions, file: file, db)
        return try plan.assemble { (position: NodePosition) throws(LedgerError) -> TreeHash in try Self.hash(at: position, in: hashes) }
    }

    static func hash(at position: NodePosition, in hashes: [NodePosition: TreeHash]) throws(LedgerError) -> TreeHash {
        guard let hash = hashes[position] else { throw LedgerError.tampered("the \(position) is missing from the stored hashes") }
        return hash
    }

    /// Reads the given node hashes: 32 bytes each from the hash file on SQLite, otherwise from the tiles.
    static func nodes(_ positions: Set<NodePosition>, file: LedgerFile?, _ db: any SQLDatabase) async throws -> [NodePosition: TreeHash] {
        guard let file else { return try await nodes(positions, db) }
        var found: [NodePosition: TreeHash] = [:]
        for position in positions {
            let offset = Int64(LedgerLayout.storedIndex(of: position)) * Int64(TreeHash.size)
            // A file too short to hold the node leaves it missing, which `hash(at:in:)` reports.
            guard let bytes = try file.read(at: offset, count: TreeHash.size), let hash = TreeHash(bytes: bytes) else { continue }
            found[position] = hash
        }
        return found
    }

    /// Positions per query when reading single nodes; SQLite allows 500 terms in a compound SELECT.
    static let nodesPerQuery = 200

    /// Reads the given node hashes from the tiles (PostgreSQL), each as the 64 hex digits cut out of its tile by the database.
    static func nodes(_ positions: Set<NodePosition>, _ db: any SQLDatabase) async throws -> [NodePosition: TreeHash] {
        let sorted = positions.sorted()
        var found: [NodePosition: TreeHash] = [:]
        for chunk in stride(from: 0, to: sorted.count, by: nodesPerQuery) {
            let part = sorted[chunk..<min(chunk + nodesPerQuery, sorted.count)]
            var query = SQLQueryString("")
            for (offset, position) in part.enumerated() {
                let tile = LedgerLayout.tile(of: position)
                query.appendLiteral(offset == 0 ? "SELECT CAST(" : " UNION ALL SELECT CAST(")
                query.appendInterpolation(bind: chunk + offset)
                query.appendLiteral(" AS BIGINT) AS k, substr(hashes, CAST(")
                query.appendInterpolation(bind: tile.offset + 1)
                query.appendLiteral(" AS INTEGER), \(LedgerLayout.hexDigits)) AS hash FROM ledger_tiles WHERE level = ")
                query.appendInterpolation(bind: tile.level)
                query.appendLiteral(" AND idx = ")
                query.appendInterpolation(bind: Int(tile.index))
            }
            for row in try await db.raw(query).all() {
                let position = sorted[try row.int("k")]
                let text = try row.string("hash")
                // A tile too short to hold the node leaves it missing, which `hash(at:in:)` reports.
                guard !text.isEmpty else { continue }
                guard let hash = TreeHash(hex: text) else { throw LedgerError.tampered("the \(position) does not hold a SHA-256 hash") }
                found[position] = hash
            }
        }
        return found
    }

    static func readableEntry(_ index: UInt64, for principal: Principal, file: LedgerFile?, _ db: any SQLDatabase) async throws -> LedgerEntry {
        guard index <= UInt64(Int.max),
            let row = try await db.raw(
                """
                SELECT first_idx, count, org_id, entries, file_offset, file_length FROM ledger_entry_bundles
                WHERE first_idx <= \(bind: Int(index)) ORDER BY first_idx DESC LIMIT 1
                """
            ).first(),
            case let first = UInt64(try row.int("first_idx")), index < first + UInt64(try row.int("count")),
            principal.canRead(Identifier(rawValue: try row.string("org_id")))
        else { throw AccessError.notFound("ledger entry \(index)") }
        let bundle = try bundleText(row, first: first, file: file, fileEnd: nil)
        guard let content = bundle.split(separator: LedgerLayout.separator, omittingEmptySubsequences: false).dropFirst(Int(index - first)).first
        else { throw LedgerError.tampered("entry \(index) is missing from the entries stored from index \(first)") }
        return try LedgerEntry(content: String(decoding: content, as: UTF8.self))
    }

    /// A bundle row's entries joined by newlines: the row's own text, or the bytes it names in the entry file.
    ///
    /// `fileEnd`, when given, is `ledger_head.file_end`; a bundle naming bytes past it is reported.
    static func bundleText(_ row: any SQLRow, first: UInt64, file: LedgerFile?, fileEnd: Int?) throws -> [UInt8] {
        guard let offset = try row.decode(column: "file_offset", as: Int?.self) else { return Array(try row.string("entries").utf8) }
        guard let length = try row.decode(column: "file_length", as: Int?.self), offset >= 0, length >= 0 else {
            throw LedgerError.tampered("the entries stored from index \(first) have an offset in the entry file but no valid length")
        }
        guard let file else {
            throw StoreError.corrupt("the entries stored from index \(first) are in an entry file, which only a SQLite database has")
        }
        if let fileEnd, offset + length > fileEnd {
            throw LedgerError.tampered("the entries stored from index \(first) lie past the \(fileEnd) bytes of entries the ledger has written")
        }
        guard let bytes = try file.read(at: Int64(offset), count: length) else {
            throw LedgerError.tampered("the entries stored from index \(first) lie past the end of \(file.path)")
        }
        return bytes
    }
}
