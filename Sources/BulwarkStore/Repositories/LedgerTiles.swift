import BulwarkLedger
import Foundation

/// How the ledger is laid out (schema migration 8, after C2SP tlog-tiles; files beside SQLite since migration 15).
///
/// * Every leaf and node hash is kept, so a proof element is read, never recomputed. On SQLite they are the hash file
///   beside the database (`LedgerFile`): 32 bytes each, in the order appends complete them (`storedIndex(of:)`), so a
///   batch's hashes are one write and any node is one read at a computed offset. On PostgreSQL they are
///   `ledger_tiles (level, idx, hashes)`: the hashes of the nodes 256·idx ..< 256·idx + 256 at one tree level, as
///   lowercase hex run together; the last tile of a level grows as appends complete its nodes. A SQLite ledger written
///   with tiles has them moved to the hash file when the store is migrated (`moveLedgerTilesToFile()`).
/// * `ledger_entry_bundles (first_idx, count, org_id, entries, file_offset, file_length)`: up to 256 consecutive entries
///   of one append (so of one organisation), their canonical contents joined by a newline. Canonical JSON escapes every
///   control character, so a newline never occurs inside an entry. On PostgreSQL the text is the `entries` column; on
///   SQLite (since migration 15) it is the bytes `file_offset ..< file_offset + file_length` of the entry file beside the
///   database (`LedgerFile`), and `entries` is empty.
///
/// A batch of n appended entries thus costs about n/256 bundle rows, plus on PostgreSQL one tile row per level it
/// touches, instead of 3n rows.
enum LedgerLayout {
    /// Hashes per tile, as in tlog-tiles.
    static let tileWidth: UInt64 = 256
    /// Hex digits per hash in a tile.
    static let hexDigits = TreeHash.size * 2
    /// Entries per bundle row: a proof reads one bundle, so its size bounds that read (about 256 KiB of 1 KiB entries).
    static let bundleLimit = 256
    /// The separator between entries in a bundle.
    static let separator = UInt8(ascii: "\n")

    /// Where a hash lies in the hash file, counted in hashes.
    ///
    /// Appending leaf j stores the leaf and then the nodes it completes, one per trailing one bit of j
    /// (`TreeFrontier.append`). So the leaves before leaf L stored L + Σ_{j<L} trailingOnes(j) = 2L − popcount(L) hashes,
    /// and the node of level m that leaf L completes is stored m places after leaf L. The node (m, i) is completed by
    /// leaf (i + 1)·2^m − 1.
    static func storedIndex(of position: NodePosition) -> UInt64 {
        let completedBy = ((position.index + 1) << UInt64(position.level)) - 1
        return storedCount(forSize: completedBy) + UInt64(position.level)
    }

    /// Calls `body` with the positions appending `leaves` stores, in the order the hash file keeps them: each leaf, then
    /// one node per trailing one bit of its index.
    static func forEachStored(appending leaves: Range<UInt64>, _ body: (NodePosition) throws -> Void) rethrows {
        for leaf in leaves {
            try body(NodePosition(level: 0, index: leaf))
            var level = 0
            while (leaf >> UInt64(level)) & 1 == 1 {
                level += 1
                try body(NodePosition(level: level, index: leaf >> UInt64(level)))
            }
        }
    }

    /// How many hashes a ledger of `size` entries stores.
    static func storedCount(forSize size: UInt64) -> UInt64 { 2 * size - UInt64(size.nonzeroBitCount) }

    /// The tile holding a node, and where the node's hex digits start in it.
    static func tile(of position: NodePosition) -> (level: Int, index: UInt64, offset: Int) {
        (position.level, position.index / tileWidth, Int(position.index % tileWidth) * hexDigits)
    }
}

/// Collects the nodes an append completes, level by level, and turns them into tile rows to add.
///
/// `TreeFrontier.append` reports nodes in increasing index order within each level, so each level's new nodes are one
/// contiguous run; the run is cut where it crosses a tile boundary.
struct LedgerTileWriter {
    private var runs: [(first: UInt64, hex: [UInt8])] = []

    mutating func add(_ position: NodePosition, _ hash: TreeHash) {
        // One leaf's append reports its levels bottom-up, so a level is first seen right after every level below it.
        if position.level == runs.count { runs.append((position.index, [])) }
        hash.appendHex(to: &runs[position.level].hex)
    }

    /// `(level, tile index, hex to append)` rows for `ledger_tiles`.
    var rows: [[DatabaseSession.Value]] {
        var rows: [[DatabaseSession.Value]] = []
        for (level, run) in runs.enumerated() {
            var index = run.first
            var from = 0
            while from < run.hex.count {
                let room = Int(LedgerLayout.tileWidth - index % LedgerLayout.tileWidth) * LedgerLayout.hexDigits
                let to = min(from + room, run.hex.count)
                rows.append([
                    .integer(level), .integer(Int(index / LedgerLayout.tileWidth)),
                    .text(String(decoding: run.hex[from..<to], as: UTF8.self)),
                ])
                index += UInt64((to - from) / LedgerLayout.hexDigits)
                from = to
            }
        }
        return rows
    }
}

/// Entries encoded: their canonical contents each followed by a newline, and where each starts.
struct EncodedEntries: Sendable {
    /// Entry i is `text[starts[i] ..< starts[i + 1] - 1]`.
    var text: [UInt8] = []
    var starts: [Int] = [0]

    init(_ items: ArraySlice<LedgerItem>, organisation: String, recordedAt: String) {
        text.reserveCapacity(items.reduce(0) { $0 + $1.payload.utf8.count + $1.kind.utf8.count } + items.count * (organisation.utf8.count + 96))
        starts.reserveCapacity(items.count + 1)
        for item in items {
            LedgerEntry.appendContent(kind: item.kind, organisation: organisation, recordedAt: recordedAt, payload: item.payload, to: &text)
            text.append(LedgerLayout.separator)
            starts.append(text.count)
        }
    }
}
