import BulwarkLedger
import Foundation
import Testing

@Suite struct SignedCheckpointTests {
    /// The example key and note of golang.org/x/mod/sumdb/note's documentation, the reference signed-note implementation.
    static let exampleSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let exampleVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let exampleNote = """
        If you think cryptography is the answer to your problem,
        then you don't know what your problem is.

        — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=

        """

    static let root = TreeHash(base64: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")!
    /// 2026-11-22T08:00:00Z.
    static let time = Date(timeIntervalSince1970: 1_795_334_400)

    @Test func theReferenceExampleKeyHasTheReferenceKeyIDAndVerifierText() throws {
        let signer = try NoteSigningKey(privateText: Self.exampleSigner)
        #expect(signer.verifierKey.description == Self.exampleVerifier)
        #expect(try NoteVerifierKey(Self.exampleVerifier).keyID == [0xc7, 0x4f, 0x20, 0xa3])
        #expect(signer.privateText == Self.exampleSigner)
    }

    @Test func signingTheReferenceTextGivesTheReferenceNote() throws {
        let signer = try NoteSigningKey(privateText: Self.exampleSigner)
        let note = try SignedNote(
            text: "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n", signedBy: [signer],
            at: Self.time)
        #expect(note.serialized == Self.exampleNote)
        #expect(try SignedNote(parsing: Self.exampleNote).verify(keys: [NoteVerifierKey(Self.exampleVerifier)], quorum: 1) == ["PeterNeumann"])
    }

    @Test func aCheckpointReadsBackFromItsText() throws {
        let checkpoint = Checkpoint(origin: "bulwark.test/ledger", size: 8, root: Self.root, extensions: ["witnessed-by example"])
        #expect(checkpoint.text == "bulwark.test/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nwitnessed-by example\n")
        #expect(try Checkpoint(text: checkpoint.text) == checkpoint)
        #expect(throws: LedgerError.checkpoint(line: 2, "\"08\" is not a tree size in decimal")) {
            try Checkpoint(text: "bulwark.test/ledger\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")
        }
        #expect(throws: LedgerError.checkpoint(line: 3, "\"abc\" is not a base64 SHA-256 hash")) { try Checkpoint(text: "o\n1\nabc\n") }
    }

    @Test func aWitnessCosignatureMeetsAQuorumOfTwo() throws {
        let log = try NoteSigningKey(generatingFor: "bulwark.test/ledger")
        let witness = try NoteSigningKey(generatingFor: "witness.test")
        let stranger = try NoteSigningKey(generatingFor: "stranger.test")
        let text = Checkpoint(origin: "bulwark.test/ledger", size: 8, root: Self.root).text
        let logOnly = try SignedNote(text: text, signedBy: [log], at: Self.time)
        let keys = [log.verifierKey, witness.verifierKey]
        #expect(try logOnly.verify(keys: keys, quorum: 1) == ["bulwark.test/ledger"])
        #expect(throws: LedgerError.note("2 of 2 keys must sign; signed by bulwark.test/ledger")) { try logOnly.verify(keys: keys, quorum: 2) }
        let both = try logOnly.cosigned(by: witness, at: Self.time).cosigned(by: stranger, at: Self.time)
        #expect(try both.verify(keys: keys, quorum: 2) == ["bulwark.test/ledger", "witness.test"])
        #expect(throws: LedgerError.note("1 of 1 keys must sign; signed by none of the given keys")) {
            try logOnly.verify(keys: [witness.verifierKey], quorum: 1)
        }
    }

    @Test func aChangedCheckpointFailsItsSignature() throws {
        let log = try NoteSigningKey(generatingFor: "bulwark.test/ledger")
        let note = try SignedNote(text: Checkpoint(origin: "bulwark.test/ledger", size: 8, root: Self.root).text, signedBy: [log], at: Self.time)
        let forged = try SignedNote(parsing: note.serialized.replacingOccurrences(of: "\n8\n", with: "\n9\n"))
        #expect(throws: LedgerError.note("the signature of bulwark.test/ledger does not match the text")) {
            try forged.verify(keys: [log.verifierKey], quorum: 1)
        }
    }

    @Test func badKeyTextIsRefusedWithTheReason() {
        #expect(throws: LedgerError.key("verifier key PeterNeumann: key id c74f20a4 does not match the key (expected c74f20a3)")) {
            try NoteVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        }
        #expect(throws: LedgerError.key("\"has space\" cannot name a key: it must be non-empty, without spaces or '+'")) {
            try NoteSigningKey(generatingFor: "has space")
        }
    }
}
