import Foundation

/// Everything needed to check one entry with no server: the entry, its leaf index, its inclusion proof and the signed
/// checkpoint the proof leads to.
public struct ProofBundle: Codable, Hashable, Sendable {
    public static let formatName = "bulwark-ledger-proof/v1"

    public let format: String
    /// The entry's canonical content, the exact bytes of the leaf.
    public let entry: String
    public let leafIndex: UInt64
    public let treeSize: UInt64
    /// Base64 hashes of RFC 9162 §2.1.3.1 PATH(leafIndex, D[treeSize]).
    public let inclusionProof: [String]
    /// The checkpoint as a C2SP signed note, with the log's and any witnesses' signatures.
    public let checkpoint: String

    public init(entry: LedgerEntry, leafIndex: UInt64, proof: [TreeHash], checkpoint: SignedNote) throws(LedgerError) {
        let parsed = try Checkpoint(text: checkpoint.text)
        self.format = Self.formatName
        self.entry = entry.content
        self.leafIndex = leafIndex
        self.treeSize = parsed.size
        self.inclusionProof = proof.map(\.base64)
        self.checkpoint = checkpoint.serialized
    }

    /// What a successful check established.
    public struct Verdict: Hashable, Sendable {
        public let entry: LedgerEntry
        public let checkpoint: Checkpoint
        public let signers: [String]
    }

    /// Checks the checkpoint's signatures (at least `quorum` of `keys`), then that the entry is in the tree it commits to.
    public func verify(keys: [NoteVerifierKey], quorum: Int) throws(LedgerError) -> Verdict {
        guard format == Self.formatName else { throw .bundle("format \"\(format)\" is not \(Self.formatName)") }
        let note = try SignedNote(parsing: checkpoint)
        let signers = try note.verify(keys: keys, quorum: quorum)
        let parsed = try Checkpoint(text: note.text)
        guard parsed.size == treeSize else { throw .bundle("the bundle says tree size \(treeSize) but its checkpoint says \(parsed.size)") }
        let entry = try LedgerEntry(content: self.entry)
        var proof: [[UInt8]] = []
        for (position, text) in inclusionProof.enumerated() {
            guard let bytes = Data(base64Encoded: text) else { throw .bundle("inclusion proof hash \(position) is not base64") }
            proof.append(Array(bytes))
        }
        try ProofVerifier.verifyInclusion(index: leafIndex, size: treeSize, leafHash: entry.leafHash.bytes, proof: proof, root: parsed.root.bytes)
        return Verdict(entry: entry, checkpoint: parsed, signers: signers)
    }

    /// Pretty JSON with sorted keys, the file format.
    public func encoded() throws(LedgerError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw .bundle("the bundle cannot be encoded") }
        return data
    }

    /// Reads a bundle file's bytes.
    public init(data: Data) throws(LedgerError) {
        do {
            self = try JSONDecoder().decode(ProofBundle.self, from: data)
        } catch {
            throw .bundle("not a proof bundle: \(error)")
        }
    }
}
