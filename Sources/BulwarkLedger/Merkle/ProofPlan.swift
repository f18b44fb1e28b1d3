/// Which stored subtree hashes make up a proof, before any hash is read.
///
/// Each element of a proof is the hash of one RFC 9162 subtree D[start:start+count]. Such a subtree is a fold of the
/// complete subtrees of its binary decomposition, so a store answers a proof with one read of O(log n) node hashes.
public struct ProofPlan: Hashable, Sendable {
    /// One element per proof hash, in proof order; each is a left-to-right list of complete subtrees folded from the right.
    public let elements: [[NodePosition]]

    /// Every distinct node the proof needs, for a single batched read.
    public var positions: Set<NodePosition> { Set(elements.joined()) }

    /// RFC 9162 §2.1.3.1: PATH(m, D[n]) for leaf `index` of a tree of `size` leaves.
    public static func inclusion(index: UInt64, size: UInt64) throws(LedgerError) -> ProofPlan {
        guard index < size else { throw .outOfRange("leaf \(index) is not in a tree of \(size) entries") }
        var elements: [[NodePosition]] = []
        path(index, start: 0, count: size, into: &elements)
        return ProofPlan(elements: elements)
    }

    /// RFC 9162 §2.1.4.1: PROOF(m, D[n]) between an older tree of `from` leaves and a newer one of `to` leaves.
    public static func consistency(from: UInt64, to: UInt64) throws(LedgerError) -> ProofPlan {
        guard from > 0 else { throw .outOfRange("a consistency proof from an empty tree says nothing; start from size 1 or more") }
        guard from <= to else { throw .outOfRange("the older tree (\(from) entries) is larger than the newer one (\(to))") }
        var elements: [[NodePosition]] = []
        if from < to { subproof(from, start: 0, count: to, complete: true, into: &elements) }
        return ProofPlan(elements: elements)
    }

    /// Builds the proof from the hashes read for `positions`.
    public func assemble(_ lookup: (NodePosition) throws(LedgerError) -> TreeHash) throws(LedgerError) -> [TreeHash] {
        var proof: [TreeHash] = []
        proof.reserveCapacity(elements.count)
        for element in elements {
            var hash = try lookup(element[element.count - 1])
            for position in element.dropLast().reversed() { hash = MerkleTree.nodeHash(try lookup(position), hash) }
            proof.append(hash)
        }
        return proof
    }

    /// The complete subtrees of D[start:start+count], largest first. RFC 9162 only asks for subtrees whose start is a
    /// multiple of the largest power of two in `count`, so each piece is aligned.
    public static func decompose(start: UInt64, count: UInt64) -> [NodePosition] {
        var pieces: [NodePosition] = []
        var offset = start
        var remaining = count
        while remaining > 0 {
            let level = 63 - remaining.leadingZeroBitCount
            pieces.append(NodePosition(level: level, index: offset >> UInt64(level)))
            offset += UInt64(1) << UInt64(level)
            remaining -= UInt64(1) << UInt64(level)
        }
        return pieces
    }

    private static func path(_ m: UInt64, start: UInt64, count: UInt64, into elements: inout [[NodePosition]]) {
        guard count > 1 else { return }
        let k = MerkleTree.split(count)
        if m < k {
            path(m, start: start, count: k, into: &elements)
            elements.append(decompose(start: start + k, count: count - k))
        } else {
            path(m - k, start: start + k, count: count - k, into: &elements)
            elements.append(decompose(start: start, count: k))
        }
    }

    private static func subproof(_ m: UInt64, start: UInt64, count: UInt64, complete: Bool, into elements: inout [[NodePosition]]) {
        if m == count {
            if !complete { elements.append(decompose(start: start, count: count)) }
            return
        }
        let k = MerkleTree.split(count)
        if m <= k {
            subproof(m, start: start, count: k, complete: complete, into: &elements)
            elements.append(decompose(start: start + k, count: count - k))
        } else {
            subproof(m - k, start: start + k, count: count - k, complete: false, into: &elements)
            elements.append(decompose(start: start, count: k))
        }
    }
}
