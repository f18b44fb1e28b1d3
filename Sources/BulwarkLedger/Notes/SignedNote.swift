import Foundation

/// A C2SP signed note: text ending in a newline, a blank line, then one `— name base64(keyid||signature)` line per signer.
public struct SignedNote: Hashable, Sendable {
    /// One signature line, not yet checked.
    public struct Signature: Hashable, Sendable {
        public let name: String
        public let keyID: [UInt8]
        public let signature: [UInt8]
    }

    /// The signed text, with its final newline.
    public let text: String
    public let signatures: [Signature]

    /// signed-note: verifiers may refuse notes with more than 100 signatures.
    static let maximumSignatures = 100

    /// Signs `text` with each key, in order (the log's key first, then witnesses); cosigners stamp `time`.
    public init(text: String, signedBy keys: [NoteSigningKey], at time: Date) throws(LedgerError) {
        try Self.check(text: text)
        var lines = ""
        for key in keys { lines += try key.signatureLine(for: text, at: time) }
        try self.init(parsing: text + "\n" + lines)
    }

    /// Reads a note; its signatures are checked by `verify`.
    public init(parsing note: String) throws(LedgerError) {
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw .note("no blank line separates the text from its signatures") }
        let text = String(note[..<split.lowerBound]) + "\n"
        try Self.check(text: text)
        let block = note[split.upperBound...]
        guard block.hasSuffix("\n") else { throw .note("the last signature line does not end with a newline") }
        var signatures: [Signature] = []
        for (offset, line) in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            guard line.hasPrefix("\u{2014} ") else { throw .note("signature line \(number) does not start with an em dash and a space") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, let blob = Data(base64Encoded: String(fields[1])), blob.count > 4 else {
                throw .note("signature line \(number) is not '— name base64(keyid||signature)'")
            }
            signatures.append(Signature(name: String(fields[0]), keyID: Array(blob.prefix(4)), signature: Array(blob.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw .note("the note has no signatures") }
        guard signatures.count <= Self.maximumSignatures else { throw .note("the note has \(signatures.count) signatures, more than 100") }
        self.text = text
        self.signatures = signatures
    }

    /// The note as text: body, blank line, signature lines.
    public var serialized: String {
        text + "\n" + signatures.map { "\u{2014} \($0.name) \(Data($0.keyID + $0.signature).base64EncodedString())\n" }.joined()
    }

    /// Checks the signatures of the given keys and returns the names of those that signed.
    ///
    /// signed-note: signatures by unknown keys are ignored, but a known key whose signature is wrong rejects the note.
    /// Plain signatures and tlog-cosignature/v1 cosignatures are both read; which one a line is follows from the key it
    /// matches. At least `quorum` distinct keys must have signed: a public key given twice, under two names or as both
    /// kinds, counts once, since an Ed25519 cosignature does not commit to the cosigner's name.
    @discardableResult
    public func verify(keys: [NoteVerifierKey], quorum: Int) throws(LedgerError) -> [String] {
        let distinct = Set(keys.map(\.publicKey)).count
        guard quorum >= 1, quorum <= distinct else {
            throw .note("a quorum of \(quorum) cannot be met by \(distinct) distinct key\(distinct == 1 ? "" : "s")")
        }
        var signers: [String] = []
        var counted: Set<[UInt8]> = []
        for key in keys {
            guard let line = signatures.first(where: { $0.name == key.name && $0.keyID == key.keyID }) else { continue }
            guard key.accepts(line.signature, forText: text) else { throw .note("the signature of \(key.name) does not match the text") }
            if counted.insert(key.publicKey).inserted { signers.append(key.name) }
        }
        guard signers.count >= quorum else {
            let names = signers.isEmpty ? "none of the given keys" : signers.joined(separator: ", ")
            throw .note("\(quorum) of \(distinct) keys must sign; signed by \(names)")
        }
        return signers
    }

    /// tlog-cosignature: the time a cosigner's line says it cosigned, in POSIX seconds; nil if `key` has no such line.
    public func cosignatureTime(of key: NoteVerifierKey) -> UInt64? {
        guard key.type == .cosignatureV1, let line = signatures.first(where: { $0.name == key.name && $0.keyID == key.keyID }),
            line.signature.count == 72
        else { return nil }
        return line.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// A copy with one more signature line (a witness cosigning the same text at `time`).
    public func cosigned(by key: NoteSigningKey, at time: Date) throws(LedgerError) -> SignedNote {
        try SignedNote(parsing: serialized + key.signatureLine(for: text, at: time))
    }

    private static func check(text: String) throws(LedgerError) {
        guard text.hasSuffix("\n") else { throw .note("the text must end with a newline") }
        guard !text.contains("\n\n") else { throw .note("the text may not contain a blank line") }
    }
}
