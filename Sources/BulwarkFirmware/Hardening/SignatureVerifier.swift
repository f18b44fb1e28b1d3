internal import Crypto
import Foundation
internal import _CryptoExtras

/// Checks a detached signature over an image with the manufacturer's public key (PEM SubjectPublicKeyInfo): Ed25519,
/// ECDSA on P-256 or P-384, or RSA PKCS #1 v1.5, with the digests `openssl dgst -sign` uses (SHA-256, SHA-384, SHA-512).
public enum SignatureVerifier {
    /// The outcome: which algorithm the key is for, and whether the signature holds.
    public struct Verification: Hashable, Sendable, Codable {
        public var algorithm: String
        /// The digest the signature was made over, when it verified and the scheme has a choice.
        public var digest: String?
        public var valid: Bool
    }

    public static func verify(image: Data, signature: Data, publicKeyPEM: String, keyFile: String) throws(FirmwareError) -> Verification {
        guard let der = pemBody(publicKeyPEM), let (root, _) = DER.parse(der), let info = root.children(), info.count == 2,
            let algorithm = info[0].children(), let oid = algorithm.first.flatMap({ DER.objectIdentifier($0.content) })
        else { throw FirmwareError(file: keyFile, "is not a PEM public key (-----BEGIN PUBLIC KEY-----)") }
        let parameter = algorithm.count > 1 ? DER.objectIdentifier(algorithm[1].content) : nil
        let digests: [(String, (Data) -> any Digest)] = [
            ("SHA-256", { SHA256.hash(data: $0) }), ("SHA-384", { SHA384.hash(data: $0) }), ("SHA-512", { SHA512.hash(data: $0) }),
        ]
        do {
            switch (oid, parameter) {
            case ("1.3.101.112", _):
                let key = try Curve25519.Signing.PublicKey(rawRepresentation: info[1].content.dropFirst())
                return Verification(algorithm: "Ed25519", digest: nil, valid: key.isValidSignature(signature, for: image))
            case ("1.2.840.10045.2.1", "1.2.840.10045.3.1.7"):
                let key = try P256.Signing.PublicKey(pemRepresentation: publicKeyPEM)
                guard let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: signature) else {
                    return .init(algorithm: "ECDSA P-256", valid: false)
                }
                for (name, hash) in digests where verifies(key, ecdsa, hash(image)) {
                    return .init(algorithm: "ECDSA P-256", digest: name, valid: true)
                }
                return .init(algorithm: "ECDSA P-256", valid: false)
            case ("1.2.840.10045.2.1", "1.3.132.0.34"):
                let key = try P384.Signing.PublicKey(pemRepresentation: publicKeyPEM)
                guard let ecdsa = try? P384.Signing.ECDSASignature(derRepresentation: signature) else {
                    return .init(algorithm: "ECDSA P-384", valid: false)
                }
                for (name, hash) in digests where verifies(key, ecdsa, hash(image)) {
                    return .init(algorithm: "ECDSA P-384", digest: name, valid: true)
                }
                return .init(algorithm: "ECDSA P-384", valid: false)
            case ("1.2.840.113549.1.1.1", _):
                let key = try _RSA.Signing.PublicKey(pemRepresentation: publicKeyPEM)
                let rsa = _RSA.Signing.RSASignature(rawRepresentation: signature)
                for (name, hash) in digests where verifies(key, rsa, hash(image)) {
                    return .init(algorithm: "RSA \(key.keySizeInBits)", digest: name, valid: true)
                }
                return .init(algorithm: "RSA \(key.keySizeInBits)", valid: false)
            default:
                throw FirmwareError(
                    file: keyFile, "holds a key of algorithm \(oid) \(parameter ?? ""); Ed25519, ECDSA P-256/P-384 and RSA are verified")
            }
        } catch let error as FirmwareError {
            throw error
        } catch {
            throw FirmwareError(file: keyFile, "cannot be read as a public key: \(error)")
        }
    }

    private static func verifies(_ key: P256.Signing.PublicKey, _ signature: P256.Signing.ECDSASignature, _ digest: any Digest) -> Bool {
        switch digest {
        case let d as SHA256.Digest: key.isValidSignature(signature, for: d)
        case let d as SHA384.Digest: key.isValidSignature(signature, for: d)
        case let d as SHA512.Digest: key.isValidSignature(signature, for: d)
        default: false
        }
    }

    private static func verifies(_ key: P384.Signing.PublicKey, _ signature: P384.Signing.ECDSASignature, _ digest: any Digest) -> Bool {
        switch digest {
        case let d as SHA256.Digest: key.isValidSignature(signature, for: d)
        case let d as SHA384.Digest: key.isValidSignature(signature, for: d)
        case let d as SHA512.Digest: key.isValidSignature(signature, for: d)
        default: false
        }
    }

    private static func verifies(_ key: _RSA.Signing.PublicKey, _ signature: _RSA.Signing.RSASignature, _ digest: any Digest) -> Bool {
        switch digest {
        case let d as SHA256.Digest: key.isValidSignature(signature, for: d, padding: .insecurePKCS1v1_5)
        case let d as SHA384.Digest: key.isValidSignature(signature, for: d, padding: .insecurePKCS1v1_5)
        case let d as SHA512.Digest: key.isValidSignature(signature, for: d, padding: .insecurePKCS1v1_5)
        default: false
        }
    }

    private static func pemBody(_ text: String) -> Data? {
        guard let begin = text.range(of: "-----BEGIN PUBLIC KEY-----"),
            let end = text.range(of: "-----END PUBLIC KEY-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        return Data(base64Encoded: text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace })
    }
}

extension SignatureVerifier.Verification {
    init(algorithm: String, valid: Bool) {
        self.init(algorithm: algorithm, digest: nil, valid: valid)
    }
}
