import Crypto
import Foundation

/// What a note key's signatures are: plain signed-note signatures, or C2SP tlog-cosignature/v1 cosignatures.
///
/// Both are Ed25519; the type byte goes into the key ID, so one key's two kinds of line are never mistaken for each other.
public enum NoteSignatureType: UInt8, Hashable, Sendable {
    /// signed-note: an Ed25519 signature of the note text (the log's own signature).
    case ed25519 = 0x01
    /// tlog-cosignature: a timestamped Ed25519 cosignature of a checkpoint (a witness's).
    case cosignatureV1 = 0x04
}

/// The public half of an Ed25519 note key, in the C2SP signed-note verifier key form `name+keyid+base64(type||key)`.
public struct NoteVerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let publicKey: [UInt8]
    public let type: NoteSignatureType

    public init(name: String, publicKey: [UInt8], type: NoteSignatureType = .ed25519) throws(LedgerError) {
        try Self.check(name: name)
        guard publicKey.count == 32 else { throw .key("an Ed25519 public key has 32 bytes, not \(publicKey.count)") }
        self.name = name
        self.publicKey = publicKey
        self.type = type
    }

    /// signed-note and tlog-cosignature: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4].
    public var keyID: [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, type.rawValue] + publicKey)
        return Array(hasher.finalize().prefix(4))
    }

    /// The verifier key text to hand to anyone who checks notes signed by this key.
    public var description: String {
        "\(name)+\(keyID.map { String(format: "%02x", $0) }.joined())+\(Data([type.rawValue] + publicKey).base64EncodedString())"
    }

    /// Reads `name+keyid+base64(type||key)` with type 0x01 (signed note) or 0x04 (cosignature/v1); the key id must match.
    public init(_ text: String) throws(LedgerError) {
        // Base64 may itself hold '+', so only the first two separate fields.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .key("\"\(text)\" is not a verifier key of the form name+keyid+base64") }
        guard let decoded = Data(base64Encoded: String(parts[2])), let first = decoded.first, let type = NoteSignatureType(rawValue: first) else {
            throw .key("verifier key \(parts[0]): the key part is not base64 of an Ed25519 key (type 0x01) or cosigner key (type 0x04)")
        }
        try self.init(name: String(parts[0]), publicKey: Array(decoded.dropFirst()), type: type)
        let id = keyID.map { String(format: "%02x", $0) }.joined()
        guard parts[1].lowercased() == id else { throw .key("verifier key \(name): key id \(parts[1]) does not match the key (expected \(id))") }
    }

    /// Whether `signature` (the bytes after the key ID) is this key's signature of the note `text`.
    ///
    /// A cosignature must be tlog-cosignature/v1's 8-byte timestamp, at most 2^63 - 1, and 64 bytes of Ed25519.
    func accepts(_ signature: [UInt8], forText text: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        switch type {
        case .ed25519:
            return key.isValidSignature(signature, for: Array(text.utf8))
        case .cosignatureV1:
            guard signature.count == 8 + 64 else { return false }
            let timestamp = signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard timestamp < UInt64(1) << 63 else { return false }
            return key.isValidSignature(signature.suffix(64), for: NoteSigningKey.cosignedMessage(text: text, timestamp: timestamp))
        }
    }

    /// signed-note: a key name is non-empty UTF-8 with no Unicode spaces and no plus sign.
    static func check(name: String) throws(LedgerError) {
        guard !name.isEmpty, !name.contains("+"), !name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw .key("\"\(name)\" cannot name a key: it must be non-empty, without spaces or '+'")
        }
    }
}

/// An Ed25519 signing key for notes: the log's key (plain signatures), or a witness's (cosignatures).
public struct NoteSigningKey: Sendable {
    public let name: String
    /// The 32-byte Ed25519 seed; kept as bytes because swift-crypto's key type is not Sendable.
    public let seed: [UInt8]
    public let type: NoteSignatureType
    private let publicKey: [UInt8]

    /// A new random key.
    public init(generatingFor name: String, type: NoteSignatureType = .ed25519) throws(LedgerError) {
        try self.init(name: name, seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation), type: type)
    }

    /// A key from its 32-byte seed.
    public init(name: String, seed: [UInt8], type: NoteSignatureType = .ed25519) throws(LedgerError) {
        try NoteVerifierKey.check(name: name)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .key("an Ed25519 seed has 32 bytes, not \(seed.count)")
        }
        self.name = name
        self.seed = seed
        self.type = type
        self.publicKey = Array(key.publicKey.rawRepresentation)
    }

    /// The same key making the other kind of signature (a witness key kept from before cosignatures, say).
    public func signing(as type: NoteSignatureType) -> NoteSigningKey {
        // The name and seed were accepted when this key was made.
        try! NoteSigningKey(name: name, seed: seed, type: type)
    }

    private var key: Curve25519.Signing.PrivateKey {
        // The seed was accepted by the same initializer in init(name:seed:).
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    public var verifierKey: NoteVerifierKey {
        // The name was checked and the key is 32 bytes, so this cannot fail.
        try! NoteVerifierKey(name: name, publicKey: publicKey, type: type)
    }

    /// The signature line for `text`: `— name base64(keyid || signature)`.
    ///
    /// A cosigner's signature is tlog-cosignature/v1's `timestamped_signature`: `time` as 8 big-endian bytes of POSIX
    /// seconds, then the Ed25519 signature of "cosignature/v1\ntime T\n" followed by the checkpoint text.
    public func signatureLine(for text: String, at time: Date) throws(LedgerError) -> String {
        var blob = verifierKey.keyID
        let message: [UInt8]
        switch type {
        case .ed25519:
            message = Array(text.utf8)
        case .cosignatureV1:
            let seconds = time.timeIntervalSince1970.rounded(.down)
            guard seconds >= 0, seconds < 0x1p63 else { throw .note("the time \(time) cannot be a cosignature timestamp") }
            let timestamp = UInt64(seconds)
            message = Self.cosignedMessage(text: text, timestamp: timestamp)
            for shift in stride(from: 56, through: 0, by: -8) { blob.append(UInt8(truncatingIfNeeded: timestamp >> UInt64(shift))) }
        }
        guard let signature = try? key.signature(for: message) else { throw .note("the key \(name) could not sign") }
        blob += Array(signature)
        return "\u{2014} \(name) \(Data(blob).base64EncodedString())\n"
    }

    /// tlog-cosignature: the header line, the timestamp line, then the whole checkpoint text.
    static func cosignedMessage(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(text.utf8)
    }

    /// Signer key text, after golang.org/x/mod/sumdb/note: `PRIVATE+KEY+name+keyid+base64(type||seed)`.
    public var privateText: String {
        "PRIVATE+KEY+\(name)+\(verifierKey.keyID.map { String(format: "%02x", $0) }.joined())+\(Data([type.rawValue] + seed).base64EncodedString())"
    }

    /// Reads the private key text written by `privateText`.
    public init(privateText text: String) throws(LedgerError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let decoded = Data(base64Encoded: String(parts[4])),
            let first = decoded.first, let type = NoteSignatureType(rawValue: first)
        else { throw .key("not a private note key of the form PRIVATE+KEY+name+keyid+base64") }
        try self.init(name: String(parts[2]), seed: Array(decoded.dropFirst()), type: type)
        guard parts[3].lowercased() == verifierKey.keyID.map({ String(format: "%02x", $0) }).joined() else {
            throw .key("private key \(name): key id \(parts[3]) does not match the key")
        }
    }
}
