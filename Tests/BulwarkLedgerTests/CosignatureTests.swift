import BulwarkLedger
import Crypto
import Foundation
import Testing

/// Witness cosignatures as C2SP tlog-cosignature specifies them for Ed25519 (cosignature/v1), checked here against the
/// spec's byte layout with swift-crypto directly rather than through the code that makes them.
@Suite struct CosignatureTests {
    static let origin = "bulwark.test/ledger"
    static let text = Checkpoint(origin: origin, size: 8, root: SignedCheckpointTests.root).text

    static func signatureBytes(of name: String, in note: SignedNote) throws -> [UInt8] {
        let line = try #require(note.serialized.split(separator: "\n").first { $0.hasPrefix("\u{2014} \(name) ") })
        return Array(try #require(Data(base64Encoded: String(line.split(separator: " ")[2]))))
    }

    @Test func aWitnessLineIsKeyIDThenBigEndianTimeThenAnEd25519SignatureOfTheCosignedMessage() throws {
        let seed = [UInt8](repeating: 7, count: 32)
        let witness = try NoteSigningKey(name: "witness.test/w1", seed: seed, type: .cosignatureV1)
        let log = try NoteSigningKey(generatingFor: Self.origin)
        let note = try SignedNote(text: Self.text, signedBy: [log], at: SignedCheckpointTests.time).cosigned(
            by: witness, at: SignedCheckpointTests.time.addingTimeInterval(0.75))
        let bytes = try Self.signatureBytes(of: "witness.test/w1", in: note)
        #expect(bytes.count == 4 + 8 + 64)

        let publicKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey
        // Key ID: SHA-256(name || "\n" || 0x04 || public key)[:4].
        let keyID = Array(SHA256.hash(data: Array("witness.test/w1\n".utf8) + [0x04] + Array(publicKey.rawRepresentation)).prefix(4))
        #expect(Array(bytes[0..<4]) == keyID)
        // 1,795,334,400 seconds, big-endian, fractions dropped.
        #expect(Array(bytes[4..<12]) == [0, 0, 0, 0, 0x6B, 0x02, 0xA1, 0x00])
        let message = "cosignature/v1\ntime 1795334400\n" + Self.text
        #expect(publicKey.isValidSignature(Array(bytes[12...]), for: Array(message.utf8)))
        // Not a plain signed-note signature of the text.
        #expect(!publicKey.isValidSignature(Array(bytes[12...]), for: Array(Self.text.utf8)))

        // The verifier key text: name, key ID, base64 of 0x04 and the public key.
        #expect(
            witness.verifierKey.description
                == "witness.test/w1+\(keyID.map { String(format: "%02x", $0) }.joined())+\(Data([0x04] + publicKey.rawRepresentation).base64EncodedString())"
        )
        #expect(try NoteVerifierKey(witness.verifierKey.description) == witness.verifierKey)
        #expect(note.cosignatureTime(of: witness.verifierKey) == 1_795_334_400)
        #expect(try note.verify(keys: [log.verifierKey, witness.verifierKey], quorum: 2) == [Self.origin, "witness.test/w1"])
    }

    @Test func verificationAcceptsPlainWitnessSignaturesAndCosignaturesAlike() throws {
        let log = try NoteSigningKey(generatingFor: Self.origin)
        let plain = try NoteSigningKey(generatingFor: "witness.test/plain")
        let cosigner = try NoteSigningKey(generatingFor: "witness.test/cosigner", type: .cosignatureV1)
        let note = try SignedNote(text: Self.text, signedBy: [log, plain, cosigner], at: SignedCheckpointTests.time)
        let keys = [log.verifierKey, plain.verifierKey, cosigner.verifierKey]
        #expect(try note.verify(keys: keys, quorum: 3) == [Self.origin, "witness.test/plain", "witness.test/cosigner"])
        // The cosigner's key read as a plain note key has another key ID, so its line is not found under it.
        let misread = try NoteVerifierKey(name: "witness.test/cosigner", publicKey: cosigner.verifierKey.publicKey, type: .ed25519)
        #expect(throws: LedgerError.note("2 of 2 keys must sign; signed by bulwark.test/ledger")) {
            try note.verify(keys: [log.verifierKey, misread], quorum: 2)
        }
    }

    @Test func aChangedCheckpointOrTimestampFailsTheCosignature() throws {
        let log = try NoteSigningKey(generatingFor: Self.origin)
        let witness = try NoteSigningKey(generatingFor: "witness.test", type: .cosignatureV1)
        let note = try SignedNote(text: Self.text, signedBy: [log, witness], at: SignedCheckpointTests.time)
        let forgedText = try SignedNote(parsing: note.serialized.replacingOccurrences(of: "\n8\n", with: "\n9\n"))
        #expect(throws: LedgerError.note("the signature of witness.test does not match the text")) {
            try forgedText.verify(keys: [witness.verifierKey], quorum: 1)
        }
        var bytes = try Self.signatureBytes(of: "witness.test", in: note)
        bytes[11] ^= 1
        let line = "\u{2014} witness.test \(Data(bytes).base64EncodedString())\n"
        let forgedTime = try SignedNote(parsing: note.text + "\n" + line)
        #expect(throws: LedgerError.note("the signature of witness.test does not match the text")) {
            try forgedTime.verify(keys: [witness.verifierKey], quorum: 1)
        }
    }

    @Test func aQuorumCountsDistinctKeysOnly() throws {
        let log = try NoteSigningKey(generatingFor: Self.origin)
        let witness = try NoteSigningKey(generatingFor: "witness.test/a", type: .cosignatureV1)
        // cosignature/v1 does not sign the cosigner's name, so the same key's line can be replayed under another name.
        let sameKey = try NoteSigningKey(name: "witness.test/b", seed: witness.seed, type: .cosignatureV1)
        let note = try SignedNote(text: Self.text, signedBy: [log, witness, sameKey], at: SignedCheckpointTests.time)
        #expect(throws: LedgerError.note("a quorum of 3 cannot be met by 2 distinct keys")) {
            try note.verify(keys: [log.verifierKey, witness.verifierKey, sameKey.verifierKey], quorum: 3)
        }
        #expect(throws: LedgerError.note("a quorum of 2 cannot be met by 1 distinct key")) {
            try note.verify(keys: [witness.verifierKey, witness.verifierKey], quorum: 2)
        }
        #expect(try note.verify(keys: [log.verifierKey, witness.verifierKey, sameKey.verifierKey], quorum: 2) == [Self.origin, "witness.test/a"])
        let witnessOnly = try SignedNote(text: Self.text, signedBy: [witness, sameKey], at: SignedCheckpointTests.time)
        #expect(throws: LedgerError.note("2 of 2 keys must sign; signed by witness.test/a")) {
            try witnessOnly.verify(keys: [log.verifierKey, witness.verifierKey, sameKey.verifierKey], quorum: 2)
        }
    }

    @Test func privateKeyTextKeepsTheSignatureType() throws {
        let witness = try NoteSigningKey(generatingFor: "witness.test", type: .cosignatureV1)
        let read = try NoteSigningKey(privateText: witness.privateText)
        #expect(read.type == .cosignatureV1)
        #expect(read.verifierKey == witness.verifierKey)
        #expect(witness.signing(as: .ed25519).verifierKey.keyID != witness.verifierKey.keyID)
    }
}
