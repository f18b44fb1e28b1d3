import BulwarkLedger
import Foundation
import Testing

@Suite struct ProofBundleTests {
    static func bundle(index: UInt64) throws -> (ProofBundle, NoteSigningKey, NoteSigningKey) {
        let entries = try (0..<11).map { i in
            try LedgerEntry(
                kind: LedgerEntry.Kind.evidenceFile, organisation: "org-\(i % 3)", recordedAt: "2026-11-22T08:00:0\(i % 10)Z",
                value: EvidenceFile(name: "photo-\(i).jpg", sha256: String(repeating: "ab", count: 32), size: UInt64(i * 100), description: nil))
        }
        var frontier = TreeFrontier()
        var nodes: [NodePosition: TreeHash] = [:]
        for entry in entries { frontier.append(entry.leafHash) { nodes[$0] = $1 } }
        let proof = try ProofPlan.inclusion(index: index, size: 11).assemble(ProofGenerationTests.lookup(nodes))
        let log = try NoteSigningKey(generatingFor: "bulwark.test/ledger")
        let witness = try NoteSigningKey(generatingFor: "witness.test", type: .cosignatureV1)
        let note = try SignedNote(
            text: Checkpoint(origin: "bulwark.test/ledger", size: 11, root: frontier.root).text, signedBy: [log, witness],
            at: SignedCheckpointTests.time)
        return (try ProofBundle(entry: entries[Int(index)], leafIndex: index, proof: proof, checkpoint: note), log, witness)
    }

    @Test func aBundleVerifiesOfflineAfterARoundTripThroughItsFile() throws {
        let (bundle, log, witness) = try Self.bundle(index: 7)
        let read = try ProofBundle(data: try bundle.encoded())
        let verdict = try read.verify(keys: [log.verifierKey, witness.verifierKey], quorum: 2)
        #expect(verdict.entry.kind == "evidence.file")
        #expect(verdict.entry.organisation == "org-1")
        #expect(verdict.checkpoint.size == 11)
        #expect(verdict.signers == ["bulwark.test/ledger", "witness.test"])
    }

    @Test func aBundleWithAnAlteredEntryFails() throws {
        let (bundle, log, _) = try Self.bundle(index: 3)
        let text = String(decoding: try bundle.encoded(), as: UTF8.self).replacingOccurrences(of: "photo-3.jpg", with: "photo-4.jpg")
        let altered = try ProofBundle(data: Data(text.utf8))
        #expect(throws: LedgerError.self) { try altered.verify(keys: [log.verifierKey], quorum: 1) }
    }

    @Test func anEntryMustBeCanonicalToBeRead() throws {
        let entry = try LedgerEntry(kind: "finding", organisation: "o", recordedAt: "2026-11-22T08:00:00Z", payload: "{\"a\":\"x\\ny\"}")
        #expect(entry.content == #"{"kind":"finding","organisation":"o","payload":"{\"a\":\"x\\ny\"}","recordedAt":"2026-11-22T08:00:00Z"}"#)
        #expect(try LedgerEntry(content: entry.content) == entry)
        #expect(throws: LedgerError.bundle("the entry is not in canonical form, so its leaf hash would not be reproducible")) {
            try LedgerEntry(content: entry.content.replacingOccurrences(of: ",", with: ", "))
        }
    }

    /// RFC 8259 §7 escaping, written out per character, to hold the fast byte-level escaping of entries against.
    static func reference(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test func everyCharacterThatNeedsEscapingIsEscapedWhereverItFalls() throws {
        var specials = (0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }
        specials += ["\"", "\\", "\u{7F}", "é", "€", "😀"]
        for special in specials {
            // Every offset within and across the 16-byte blocks the scan reads, after plain ASCII and before more of it.
            for offset in 0..<40 {
                let payload = String(repeating: "x", count: offset) + String(special) + String(repeating: "y", count: 9)
                let entry = try LedgerEntry(kind: "finding", organisation: "o", recordedAt: "t", payload: payload)
                #expect(entry.content == #"{"kind":"finding","organisation":"o","payload":"# + Self.reference(payload) + #","recordedAt":"t"}"#)
                #expect(try LedgerEntry(content: entry.content) == entry)
            }
        }
    }

    /// The encoder keeps where the first 32 escapes are and finds the rest again while writing; both ways must agree.
    @Test func aPayloadWithMoreEscapesThanAreKeptIsEscapedInFull() throws {
        for escapes in [31, 32, 33, 200] {
            let payload = (0..<escapes).map { ["\"", "\\", "\n", "\u{01}"][$0 % 4] + String(repeating: "z", count: $0 % 19) }.joined()
            let entry = try LedgerEntry(kind: "finding", organisation: "o", recordedAt: "t", payload: payload)
            #expect(entry.content == #"{"kind":"finding","organisation":"o","payload":"# + Self.reference(payload) + #","recordedAt":"t"}"#)
            #expect(try LedgerEntry(content: entry.content) == entry)
        }
    }
}
