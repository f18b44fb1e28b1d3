import BulwarkCore
import BulwarkLedger
import SQLKit

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
    /// Rows per multi-row INSERT; far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
    static let ledgerInsertRows = 1000

    /// Appends items about the principal's own organisation, in order, in one transaction; returns their leaf indexes.
    ///
    /// Each leaf is hashed once and only the subtree hashes it completes are computed (`TreeFrontier`); entries and
    /// nodes go in as multi-row inserts. When this returns the entries are committed.
    @discardableResult
    public func appendToLedger(_ items: [LedgerItem], by principal: Principal, origin: RequestOrigin) async throws -> Range<UInt64> {
        try requireWriter(principal)
        let recordedAt = now()
        let entries = try items.map {
            try LedgerEntry(kind: $0.kind, organisation: principal.organisation.rawValue, recordedAt: recordedAt, payload: $0.payload)
        }
        return try await database.transactionSession { session in
            let db = session.sql
            // PostgreSQL: the row lock makes concurrent appenders take turns; SQLite holds the write lock already.
            try await db.raw("UPDATE ledger_head SET size = size WHERE id = 1").run()
            let start = try await Self.ledgerSize(db)
            guard !entries.isEmpty else { return start..<start }
            var frontier = try await Self.frontier(size: start, db)
            var entryRows: [[DatabaseSession.Value]] = []
            entryRows.reserveCapacity(entries.count)
            var nodeRows: [[DatabaseSession.Value]] = []
            nodeRows.reserveCapacity(entries.count * 2)
            for entry in entries {
                entryRows.append([
                    .integer(Int(frontier.size)), .text(entry.organisation), .text(entry.kind), .text(entry.recordedAt), .text(entry.content),
                ])
                frontier.append(entry.leafHash) { position, hash in
                    nodeRows.append([.integer(position.level), .integer(Int(position.index)), .text(hash.hex)])
                }
            }
            for chunk in stride(from: 0, to: entryRows.count, by: Self.ledgerInsertRows) {
                let rows = Array(entryRows[chunk..<min(chunk + Self.ledgerInsertRows, entryRows.count)])
                try await session.insert(into: "ledger_entries", columns: ["idx", "org_id", "kind", "recorded_at", "content"], values: rows)
            }
            for chunk in stride(from: 0, to: nodeRows.count, by: Self.ledgerInsertRows) {
                let rows = Array(nodeRows[chunk..<min(chunk + Self.ledgerInsertRows, nodeRows.count)])
                try await session.insert(into: "ledger_nodes", columns: ["level", "idx", "hash"], values: rows)
            }
            try await db.raw("UPDATE ledger_head SET size = \(bind: Int(frontier.size)) WHERE id = 1").run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "ledger.append",
                subject: "ledger entries \(start)..<\(frontier.size)", detail: Set(entries.map(\.kind)).sorted().joined(separator: ", "),
                origin: origin)
            return start..<frontier.size
        }
    }

    /// Appends each finding's canonical JSON to the ledger; the findings must belong to the principal's organisation.
    @discardableResult
    public func appendToLedger(_ findings: [Finding], by principal: Principal, origin: RequestOrigin) async throws -> Range<UInt64> {
        for finding in findings where finding.organisation != principal.organisation {
            throw AccessError.forbidden("finding \(finding.id) belongs to another organisation")
        }
        return try await appendToLedger(try findings.map { try LedgerItem(kind: LedgerEntry.Kind.finding, value: $0) }, by: principal, origin: origin)
    }

    /// The number of entries in the ledger. The size and roots are public; entries are not.
    public func ledgerSize() async throws -> UInt64 {
        try await database.withConnection { db in try await Self.ledgerSize(db) }
    }

    /// An entry of an organisation the principal may read; another tenant's entry is "not found".
    public func ledgerEntry(_ index: UInt64, for principal: Principal) async throws -> LedgerEntry {
        try await database.withConnection { db in try await Self.readableEntry(index, for: principal, db) }
    }

    /// Signs a checkpoint of the whole ledger with `signers` (the log's key first, then witnesses) and stores it.
    ///
    /// If a checkpoint of this size exists, the signers not yet on it add their signatures. Checkpoints are public and
    /// carry their own proof of origin (the signatures), so they are not tenant data and write no audit event.
    public func publishLedgerCheckpoint(origin: String, signers: [NoteSigningKey]) async throws -> SignedNote {
        guard let log = signers.first else { throw LedgerError.note("a checkpoint needs at least the log's key") }
        guard log.name == origin else { throw LedgerError.key("the log's key is named \(log.name), but tlog-checkpoint wants the origin \(origin)") }
        let createdAt = now()
        return try await database.transaction { db in
            try await db.raw("UPDATE ledger_head SET size = size WHERE id = 1").run()
            let size = try await Self.ledgerSize(db)
            if let row = try await db.raw("SELECT note FROM ledger_checkpoints WHERE size = \(bind: Int(size))").first() {
                var note = try SignedNote(parsing: try row.string("note"))
                for key in signers.dropFirst() where !note.signatures.contains(where: { $0.name == key.name && $0.keyID == key.verifierKey.keyID }) {
                    note = try note.cosigned(by: key)
                }
                try await db.raw("UPDATE ledger_checkpoints SET note = \(bind: note.serialized) WHERE size = \(bind: Int(size))").run()
                return note
            }
            let root = try await Self.frontier(size: size, db).root
            let note = try SignedNote(text: Checkpoint(origin: origin, size: size, root: root).text, signedBy: signers)
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
        try await database.withConnection { db in
            let entry = try await Self.readableEntry(index, for: principal, db)
            guard let row = try await db.raw("SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").first() else {
                throw LedgerError.outOfRange("no checkpoint has been published; run 'bulwark ledger checkpoint'")
            }
            let note = try SignedNote(parsing: try row.string("note"))
            let checkpoint = try Checkpoint(text: note.text)
            guard index < checkpoint.size else {
                throw LedgerError.outOfRange("entry \(index) is newer than the latest checkpoint (size \(checkpoint.size)); publish a new one")
            }
            let plan = try ProofPlan.inclusion(index: index, size: checkpoint.size)
            let proof = try await Self.assemble(plan, db)
            return try ProofBundle(entry: entry, leafIndex: index, proof: proof, checkpoint: note)
        }
    }

    /// RFC 9162 §2.1.4 consistency proof between two sizes the ledger has reached. Public: it reveals only hashes.
    public func ledgerConsistencyProof(from: UInt64, to: UInt64) async throws -> [TreeHash] {
        try await database.withConnection { db in
            let size = try await Self.ledgerSize(db)
            guard to <= size else { throw LedgerError.outOfRange("the ledger has \(size) entries, fewer than \(to)") }
            return try await Self.assemble(try ProofPlan.consistency(from: from, to: to), db)
        }
    }

    static func ledgerSize(_ db: any SQLDatabase) async throws -> UInt64 {
        guard let row = try await db.raw("SELECT size FROM ledger_head WHERE id = 1").first() else {
            throw StoreError.corrupt("ledger_head has no row; the ledger migration did not complete")
        }
        return UInt64(try row.int("size"))
    }

    static func frontier(size: UInt64, _ db: any SQLDatabase) async throws -> TreeFrontier {
        let positions = TreeFrontier.positions(forSize: size)
        let hashes = try await nodes(Set(positions), db)
        return try TreeFrontier(size: size, pieces: try positions.map { try Self.hash(at: $0, in: hashes) })
    }

    static func assemble(_ plan: ProofPlan, _ db: any SQLDatabase) async throws -> [TreeHash] {
        let hashes = try await nodes(plan.positions, db)
        return try plan.assemble { (position: NodePosition) throws(LedgerError) -> TreeHash in try Self.hash(at: position, in: hashes) }
    }

    static func hash(at position: NodePosition, in hashes: [NodePosition: TreeHash]) throws(LedgerError) -> TreeHash {
        guard let hash = hashes[position] else { throw LedgerError.tampered("the \(position) is missing from ledger_nodes") }
        return hash
    }

    /// Reads the given node hashes in one query.
    static func nodes(_ positions: Set<NodePosition>, _ db: any SQLDatabase) async throws -> [NodePosition: TreeHash] {
        guard !positions.isEmpty else { return [:] }
        var query = SQLQueryString("SELECT level, idx, hash FROM ledger_nodes WHERE ")
        for (offset, position) in positions.sorted().enumerated() {
            query.appendLiteral(offset == 0 ? "(level = " : " OR (level = ")
            query.appendInterpolation(bind: position.level)
            query.appendLiteral(" AND idx = ")
            query.appendInterpolation(bind: Int(position.index))
            query.appendLiteral(")")
        }
        var found: [NodePosition: TreeHash] = [:]
        for row in try await db.raw(query).all() {
            let position = NodePosition(level: try row.int("level"), index: UInt64(try row.int("idx")))
            guard let hash = TreeHash(hex: try row.string("hash")) else { throw LedgerError.tampered("the \(position) does not hold a SHA-256 hash") }
            found[position] = hash
        }
        return found
    }

    static func readableEntry(_ index: UInt64, for principal: Principal, _ db: any SQLDatabase) async throws -> LedgerEntry {
        guard index <= UInt64(Int.max),
            let row = try await db.raw("SELECT org_id, content FROM ledger_entries WHERE idx = \(bind: Int(index))").first(),
            principal.canRead(Identifier(rawValue: try row.string("org_id")))
        else { throw AccessError.notFound("ledger entry \(index)") }
        return try LedgerEntry(content: try row.string("content"))
    }
}
