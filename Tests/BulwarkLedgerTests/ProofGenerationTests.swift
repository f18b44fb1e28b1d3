import BulwarkLedger
import Testing

@Suite struct ProofGenerationTests {
    /// Leaves d(i) = the byte i, and every complete subtree hash, as a store would keep them.
    static func tree(_ size: Int) -> (leaves: [TreeHash], nodes: [NodePosition: TreeHash], frontier: TreeFrontier) {
        var frontier = TreeFrontier()
        var nodes: [NodePosition: TreeHash] = [:]
        let leaves = (0..<size).map { MerkleTree.leafHash([UInt8(truncatingIfNeeded: $0)]) }
        for leaf in leaves { frontier.append(leaf) { nodes[$0] = $1 } }
        return (leaves, nodes, frontier)
    }

    static func lookup(_ nodes: [NodePosition: TreeHash]) -> (NodePosition) throws(LedgerError) -> TreeHash {
        { (position: NodePosition) throws(LedgerError) -> TreeHash in
            guard let hash = nodes[position] else { throw .outOfRange("\(position) is not stored") }
            return hash
        }
    }

    @Test func theRootOfEightLeavesMatchesTheRFCTestVectorTree() throws {
        // The transparency-dev vectors use the leaves "", 0x00, 0x10, 0x2021, 0x3031, 0x40414243, 0x5051525354555657, 0x606162636465666768696a6b6c6d6e6f.
        let data: [[UInt8]] = [
            [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43], [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            Array(0x60...0x6f),
        ]
        var frontier = TreeFrontier()
        for leaf in data { frontier.append(MerkleTree.leafHash(leaf)) { _, _ in } }
        #expect(frontier.root.base64 == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")
        #expect(MerkleTree.root(of: data.map { MerkleTree.leafHash($0) }[...]) == frontier.root)
        #expect(TreeFrontier().root.base64 == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    @Test func theFrontierRootEqualsTheRecursiveRootForEverySizeUpTo70() {
        for size in 1...70 {
            let (leaves, _, frontier) = Self.tree(size)
            #expect(frontier.root == MerkleTree.root(of: leaves[...]), "size \(size)")
            #expect(frontier.size == UInt64(size))
        }
    }

    @Test func generatedInclusionProofsVerifyForEveryLeafOfEverySizeUpTo40() throws {
        for size in 1...40 {
            let (leaves, nodes, frontier) = Self.tree(size)
            for index in 0..<size {
                let plan = try ProofPlan.inclusion(index: UInt64(index), size: UInt64(size))
                let proof = try plan.assemble(Self.lookup(nodes))
                try ProofVerifier.verifyInclusion(
                    index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: proof, root: frontier.root)
                #expect(proof.count <= 64 - UInt64(size).leadingZeroBitCount)
            }
        }
    }

    @Test func generatedConsistencyProofsVerifyBetweenEveryPairOfSizesUpTo40() throws {
        let (_, nodes, _) = Self.tree(40)
        let roots = (0...40).map { Self.tree($0).frontier.root }
        for to in 1...40 {
            for from in 1...to {
                let proof = try ProofPlan.consistency(from: UInt64(from), to: UInt64(to)).assemble(Self.lookup(nodes))
                try ProofVerifier.verifyConsistency(size1: UInt64(from), size2: UInt64(to), proof: proof, root1: roots[from], root2: roots[to])
            }
        }
    }

    @Test func aProofForAnotherLeafIsRejected() throws {
        let (leaves, nodes, frontier) = Self.tree(13)
        let proof = try ProofPlan.inclusion(index: 5, size: 13).assemble(Self.lookup(nodes))
        #expect(throws: LedgerError.self) {
            try ProofVerifier.verifyInclusion(index: 5, size: 13, leafHash: leaves[6], proof: proof, root: frontier.root)
        }
    }

    @Test func anInclusionProofNeedsOnlyLogarithmicallyManyStoredNodes() throws {
        let plan = try ProofPlan.inclusion(index: 1_234_567, size: 10_000_000)
        #expect(plan.elements.count == 24)
        #expect(plan.positions.count <= 2 * 24)
        let consistency = try ProofPlan.consistency(from: 6_000_001, to: 10_000_000)
        #expect(consistency.positions.count <= 2 * 24)
    }

    @Test func outOfRangeRequestsSayWhy() {
        #expect(throws: LedgerError.outOfRange("leaf 5 is not in a tree of 5 entries")) { try ProofPlan.inclusion(index: 5, size: 5) }
        #expect(throws: LedgerError.outOfRange("the older tree (6 entries) is larger than the newer one (5)")) {
            try ProofPlan.consistency(from: 6, to: 5)
        }
    }
}
