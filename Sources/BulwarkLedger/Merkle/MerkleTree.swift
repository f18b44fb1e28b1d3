import Crypto
import Foundation

/// The Merkle tree hash of RFC 9162 §2.1: leaves and interior nodes hashed with distinct prefixes.
public enum MerkleTree {
    /// RFC 9162 §2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0)). The prefix keeps a leaf from passing for a node.
    public static func leafHash<Bytes: DataProtocol>(_ data: Bytes) -> TreeHash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(data: data)
        return TreeHash(digest: hasher.finalize())
    }

    /// `leafHash(_:)` of bytes in memory, for appends that hash many entries out of one buffer.
    public static func leafHash(_ data: UnsafeRawBufferPointer) -> TreeHash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: data)
        return TreeHash(digest: hasher.finalize())
    }

    /// RFC 9162 §2.1.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).
    ///
    /// The 65 bytes are laid out in one stack buffer and hashed in one call: an append computes about one node per
    /// leaf, and three calls with a fresh one-byte array each cost as much as the hashing itself.
    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        withUnsafeTemporaryAllocation(byteCount: 1 + 2 * TreeHash.size, alignment: 1) { buffer in
            buffer[0] = 0x01
            left.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[1...TreeHash.size]).copyMemory(from: $0) }
            right.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[(1 + TreeHash.size)...]).copyMemory(from: $0) }
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            return TreeHash(digest: hasher.finalize())
        }
    }

    /// RFC 9162 §2.1.1: k is the largest power of two smaller than n (n > 1).
    public static func split(_ n: UInt64) -> UInt64 {
        precondition(n > 1, "a tree of \(n) leaves has no split")
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// The root of a tree over the given leaf hashes, computed in memory (for tests and small trees).
    public static func root(of leaves: ArraySlice<TreeHash>) -> TreeHash {
        switch leaves.count {
        case 0: return TreeHash.emptyTree
        case 1: return leaves[leaves.startIndex]
        default:
            let k = Int(split(UInt64(leaves.count)))
            let middle = leaves.startIndex + k
            return nodeHash(root(of: leaves[leaves.startIndex..<middle]), root(of: leaves[middle...]))
        }
    }
}

/// A complete subtree of the log: the 2^level leaves starting at leaf `index << level`.
///
/// Stored subtree hashes are addressed this way, so any proof element is a fold of O(log n) of them.
public struct NodePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let level: Int
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    public static func < (a: NodePosition, b: NodePosition) -> Bool { (a.level, a.index) < (b.level, b.index) }

    public var description: String { "node at level \(level), index \(index)" }
}
