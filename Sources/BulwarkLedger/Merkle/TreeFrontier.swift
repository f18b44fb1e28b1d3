/// The right edge of a growing tree: the hash of each complete subtree that ends at the last leaf.
///
/// Appending a leaf hashes only the nodes it completes (one on average, RFC 9162 §2.1.1's recursion read bottom-up), so
/// a batch of n leaves costs n leaf hashes plus about n node hashes, with no reads of older nodes.
public struct TreeFrontier: Sendable, Equatable {
    /// The number of leaves so far.
    public private(set) var size: UInt64
    /// Complete subtrees along the right edge, largest (leftmost) first; one per bit set in `size`.
    public private(set) var pieces: [TreeHash]

    /// An empty tree.
    public init() {
        size = 0
        pieces = []
    }

    /// A tree of `size` leaves from the hashes of the complete subtrees in `ProofPlan.decompose(start: 0, count: size)`.
    public init(size: UInt64, pieces: [TreeHash]) throws(LedgerError) {
        guard pieces.count == size.nonzeroBitCount else {
            throw .outOfRange("a tree of \(size) entries has \(size.nonzeroBitCount) edge subtrees, not \(pieces.count)")
        }
        self.size = size
        self.pieces = pieces
    }

    /// The positions whose hashes `init(size:pieces:)` needs.
    public static func positions(forSize size: UInt64) -> [NodePosition] {
        ProofPlan.decompose(start: 0, count: size)
    }

    /// Adds one leaf; calls `store` with the leaf (level 0) and every node it completes.
    public mutating func append(_ leaf: TreeHash, store: (NodePosition, TreeHash) -> Void) {
        let index = size
        store(NodePosition(level: 0, index: index), leaf)
        var hash = leaf
        var level = 0
        // Each trailing 1 bit of the old size is a complete subtree of that level that the new leaf's subtree now pairs with.
        while (index >> UInt64(level)) & 1 == 1 {
            hash = MerkleTree.nodeHash(pieces.removeLast(), hash)
            level += 1
            store(NodePosition(level: level, index: index >> UInt64(level)), hash)
        }
        pieces.append(hash)
        size += 1
    }

    /// The tree's root: the edge subtrees folded from the right (RFC 9162 §2.1.1).
    public var root: TreeHash {
        guard var hash = pieces.last else { return TreeHash.emptyTree }
        for piece in pieces.dropLast().reversed() { hash = MerkleTree.nodeHash(piece, hash) }
        return hash
    }
}
