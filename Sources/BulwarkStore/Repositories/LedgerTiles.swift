import BulwarkLedger

/// How the ledger is laid out in SQL (schema migration 8), after C2SP tlog-tiles.
///
/// * `ledger_tiles (level, idx, hashes)`: the hashes of the nodes 256·idx ..< 256·idx + 256 at one tree level, as
///   lowercase hex run together. Unlike tlog-tiles every tree level is kept, so a proof element is read, never
///   recomputed. The last tile of a level grows as appends complete its nodes.
/// * `ledger_entry_bundles (first_idx, count, org_id, entries)`: up to 256 consecutive entries of one append (so of one
///   organisation), their canonical contents joined by a newline. Canonical JSON escapes every control character, so a
///   newline never occurs inside an entry.
///
/// A batch of n appended entries thus costs about n/256 bundle rows plus one tile row per level it touches, written by
/// two statements, instead of 3n rows.
enum LedgerLayout {
    /// Hashes per tile, as in tlog-tiles.
    static let tileWidth: UInt64 = 256
    /// Hex digits per hash in a tile.
    static let hexDigits = TreeHash.size * 2
    /// Entries per bundle row: a proof reads one bundle, so its size bounds that read (about 256 KiB of 1 KiB entries).
    static let bundleLimit = 256
    /// The separator between entries in a bundle.
    static let separator = UInt8(ascii: "\n")

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
