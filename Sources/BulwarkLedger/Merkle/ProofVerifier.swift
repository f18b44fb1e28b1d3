/// Checks inclusion and consistency proofs exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe.
///
/// Inputs are raw bytes so that a proof read from a file is judged as it is: a hash of the wrong length fails the
/// proof rather than being dropped before the check.
public enum ProofVerifier {
    /// RFC 9162 §2.1.3.2: whether `leafHash` is leaf `index` of the tree of `size` entries with root `root`.
    public static func verifyInclusion(
        index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]
    ) throws(LedgerError) {
        guard index < size else { throw .inclusion("leaf index \(index) is not below the tree size \(size)") }
        guard leafHash.count == TreeHash.size, let leaf = TreeHash(bytes: leafHash) else {
            throw .inclusion("the leaf hash has \(leafHash.count) bytes, not 32")
        }
        let path = try hashes(proof, what: "inclusion")
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in path {
            guard sn > 0 else { throw .inclusion("the proof has \(path.count) hashes, more than a tree of \(size) needs") }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .inclusion("the proof has \(path.count) hashes, fewer than a tree of \(size) needs") }
        guard r.bytes == root else { throw .inclusion("the proof leads to root \(r.base64), not the expected root") }
    }

    /// RFC 9162 §2.1.4.2: whether the tree of `size2` entries with `root2` extends the tree of `size1` entries with `root1`.
    public static func verifyConsistency(
        size1: UInt64, size2: UInt64, proof: [[UInt8]], root1: [UInt8], root2: [UInt8]
    ) throws(LedgerError) {
        guard size1 <= size2 else { throw .consistency("the older size \(size1) is larger than the newer size \(size2)") }
        guard size1 > 0 else { throw .consistency("a consistency proof from an empty tree says nothing; start from size 1 or more") }
        if size1 == size2 {
            guard proof.isEmpty else { throw .consistency("equal sizes need an empty proof, not \(proof.count) hashes") }
            guard root1 == root2 else { throw .consistency("equal sizes but different roots") }
            return
        }
        var path = try hashes(proof, what: "consistency")
        guard !path.isEmpty else { throw .consistency("the proof is empty, but sizes \(size1) and \(size2) differ") }
        guard let first = TreeHash(bytes: root1) else { throw .consistency("the older root has \(root1.count) bytes, not 32") }
        // Step 1: when size1 is a power of two the old root is itself the first node of the proof.
        if size1 & (size1 - 1) == 0 { path.insert(first, at: 0) }
        var fn = size1 - 1
        var sn = size2 - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn > 0 else { throw .consistency("the proof has more hashes than sizes \(size1) and \(size2) need") }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleTree.nodeHash(c, fr)
                sr = MerkleTree.nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleTree.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw .consistency("the proof has fewer hashes than sizes \(size1) and \(size2) need") }
        guard fr.bytes == root1 else { throw .consistency("the proof does not lead to the older root") }
        guard sr.bytes == root2 else { throw .consistency("the proof does not lead to the newer root") }
    }

    /// `verifyInclusion` for values already known to be hashes.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: TreeHash, proof: [TreeHash], root: TreeHash) throws(LedgerError) {
        try verifyInclusion(index: index, size: size, leafHash: leafHash.bytes, proof: proof.map(\.bytes), root: root.bytes)
    }

    /// `verifyConsistency` for values already known to be hashes.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, proof: [TreeHash], root1: TreeHash, root2: TreeHash) throws(LedgerError) {
        try verifyConsistency(size1: size1, size2: size2, proof: proof.map(\.bytes), root1: root1.bytes, root2: root2.bytes)
    }

    private static func hashes(_ proof: [[UInt8]], what: String) throws(LedgerError) -> [TreeHash] {
        var out: [TreeHash] = []
        out.reserveCapacity(proof.count)
        for (position, bytes) in proof.enumerated() {
            guard let hash = TreeHash(bytes: bytes) else {
                let message = "\(what) proof hash \(position) has \(bytes.count) bytes, not 32"
                throw what == "inclusion" ? LedgerError.inclusion(message) : LedgerError.consistency(message)
            }
            out.append(hash)
        }
        return out
    }
}
