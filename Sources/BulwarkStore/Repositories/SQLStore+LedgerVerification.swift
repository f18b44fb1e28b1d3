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
    /// Leaves recomputed per round trip when checking the whole ledger.
    static let ledgerCheckPage: UInt64 = 4096

    /// Recomputes the whole ledger from its entries and compares every stored hash and checkpoint with the result.
    ///
    /// Throws `LedgerError.tampered` naming the first entry, node or checkpoint that does not match. With `keys`, each
    /// checkpoint's signatures must also verify (at least one of the keys).
    public func verifyLedger(keys: [NoteVerifierKey] = []) async throws -> LedgerCheck {
        try await database.withConnection { db in
            let size = try await Self.ledgerSize(db)
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
            var start: UInt64 = 0
            while start < size {
                let end = min(start + Self.ledgerCheckPage, size)
                let rows = try await db.raw(
                    "SELECT idx, org_id, kind, content FROM ledger_entries WHERE idx >= \(bind: Int(start)) AND idx < \(bind: Int(end)) ORDER BY idx"
                ).all()
                let stored = try await Self.nodes(from: start, to: end, db)
                var expected = start
                for row in rows {
                    let index = UInt64(try row.int("idx"))
                    guard index == expected else { throw LedgerError.tampered("entry \(expected) is missing") }
                    let entry: LedgerEntry
                    do {
                        entry = try LedgerEntry(content: try row.string("content"))
                    } catch {
                        throw LedgerError.tampered("entry \(index): its content is no longer a canonical entry (\(error))")
                    }
                    guard entry.organisation == (try row.string("org_id")), entry.kind == (try row.string("kind")) else {
                        throw LedgerError.tampered("entry \(index): its organisation or kind column disagrees with its content")
                    }
                    var mismatch: String?
                    frontier.append(entry.leafHash) { position, hash in
                        guard mismatch == nil, stored[position] != hash else { return }
                        mismatch =
                            position.level == 0
                            ? "entry \(index): its content does not hash to the stored leaf hash (\(position))"
                            : "the \(position) does not match the hash of its children"
                        if stored[position] == nil { mismatch = "the \(position) is missing from ledger_nodes" }
                    }
                    if let mismatch { throw LedgerError.tampered(mismatch) }
                    try compareCheckpoints()
                    expected += 1
                }
                guard expected == end else { throw LedgerError.tampered("entry \(expected) is missing") }
                start = end
            }
            if let unmatched = pending.first { throw LedgerError.tampered("checkpoint at size \(unmatched.size) was never reached") }
            return LedgerCheck(size: size, root: frontier.root, checkpointSizes: matched)
        }
    }

    /// Every stored node a page of leaves [start, end) produces when appended, level by level.
    static func nodes(from start: UInt64, to end: UInt64, _ db: any SQLDatabase) async throws -> [NodePosition: TreeHash] {
        var found: [NodePosition: TreeHash] = [:]
        var level = 0
        // A node of level l exists once 2^l leaves do.
        while UInt64(1) << UInt64(level) <= end {
            let low = Int(start >> UInt64(level))
            let high = Int((end - 1) >> UInt64(level))
            let rows = try await db.raw(
                "SELECT idx, hash FROM ledger_nodes WHERE level = \(bind: level) AND idx >= \(bind: low) AND idx <= \(bind: high)"
            ).all()
            for row in rows {
                let position = NodePosition(level: level, index: UInt64(try row.int("idx")))
                guard let hash = TreeHash(hex: try row.string("hash")) else {
                    throw LedgerError.tampered("the \(position) does not hold a SHA-256 hash")
                }
                found[position] = hash
            }
            level += 1
        }
        return found
    }
}
