import Crypto
import Foundation

/// The public half of an Ed25519 note key, in the C2SP signed-note verifier key form `name+keyid+base64(0x01||key)`.
public struct NoteVerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let publicKey: [UInt8]

    /// signed-note: the signature type byte of Ed25519.
    static let ed25519: UInt8 = 0x01

    public init(name: String, publicKey: [UInt8]) throws(LedgerError) {
        try Self.check(name: name)
        guard publicKey.count == 32 else { throw .key("an Ed25519 public key has 32 bytes, not \(publicKey.count)") }
        self.name = name
        self.publicKey = publicKey
    }

    /// signed-note: key ID = SHA-256(key name || 0x0A || signature type || public key)[:4].
    public var keyID: [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, Self.ed25519] + publicKey)
        return Array(hasher.finalize().prefix(4))
    }

    /// The verifier key text to hand to anyone who checks notes signed by this key.
    public var description: String {
        "\(name)+\(keyID.map { String(format: "%02x", $0) }.joined())+\(Data([Self.ed25519] + publicKey).base64EncodedString())"
    }

    /// Reads `name+keyid+base64(0x01||key)`; the key id must match the key.
    public init(_ text: String) throws(LedgerError) {
        // Base64 may itself hold '+', so only the first two separate fields.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .key("\"\(text)\" is not a verifier key of the form name+keyid+base64") }
        guard let decoded = Data(base64Encoded: String(parts[2])), decoded.first == Self.ed25519 else {
            throw .key("verifier key \(parts[0]): the key part is not base64 of an Ed25519 key (type 0x01)")
        }
        try self.init(name: String(parts[0]), publicKey: Array(decoded.dropFirst()))
        let id = keyID.map { String(format: "%02x", $0) }.joined()
        guard parts[1].lowercased() == id else { throw .key("verifier key \(name): key id \(parts[1]) does not match the key (expected \(id))") }
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    func accepts(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// signed-note: a key name is non-empty UTF-8 with no Unicode spaces and no plus sign.
    static func check(name: String) throws(LedgerError) {
        guard !name.isEmpty, !name.contains("+"), !name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw .key("\"\(name)\" cannot name a key: it must be non-empty, without spaces or '+'")
        }
    }
}

/// An Ed25519 signing key for notes: the log's key, or a witness's.
public struct NoteSigningKey: Sendable {
    public let name: String
    /// The 32-byte Ed25519 seed; kept as bytes because swift-crypto's key type is not Sendable.
    public let seed: [UInt8]
    private let publicKey: [UInt8]

    /// A new random key.
    public init(generatingFor name: String) throws(LedgerError) {
        try self.init(name: name, seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    /// A key from its 32-byte seed.
    public init(name: String, seed: [UInt8]) throws(LedgerError) {
        try NoteVerifierKey.check(name: name)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .key("an Ed25519 seed has 32 bytes, not \(seed.count)")
        }
        self.name = name
        self.seed = seed
        self.publicKey = Array(key.publicKey.rawRepresentation)
    }

    private var key: Curve25519.Signing.PrivateKey {
        // The seed was accepted by the same initializer in init(name:seed:).
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    public var verifierKey: NoteVerifierKey {
        // The name was checked and the key is 32 bytes, so this cannot fail.
        try! NoteVerifierKey(name: name, publicKey: publicKey)
    }

    /// The signature line for `text`: `— name base64(keyid || signature)`.
    public func signatureLine(for text: String) throws(LedgerError) -> String {
        guard let signature = try? key.signature(for: Array(text.utf8)) else { throw .note("the key \(name) could not sign") }
        return "\u{2014} \(name) \(Data(verifierKey.keyID + Array(signature)).base64EncodedString())\n"
    }

    /// signer key text, after golang.org/x/mod/sumdb/note: `PRIVATE+KEY+name+keyid+base64(0x01||seed)`.
    public var privateText: String {
        "PRIVATE+KEY+\(name)+\(verifierKey.keyID.map { String(format: "%02x", $0) }.joined())+\(Data([0x01] + seed).base64EncodedString())"
    }

    /// Reads the private key text written by `privateText`.
    public init(privateText text: String) throws(LedgerError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", let decoded = Data(base64Encoded: String(parts[4])),
            decoded.first == 0x01
        else { throw .key("not a private note key of the form PRIVATE+KEY+name+keyid+base64") }
        try self.init(name: String(parts[2]), seed: Array(decoded.dropFirst()))
        guard parts[3].lowercased() == verifierKey.keyID.map({ String(format: "%02x", $0) }).joined() else {
            throw .key("private key \(name): key id \(parts[3]) does not match the key")
        }
    }
}
