import Crypto
import Foundation

/// Random secrets for tokens, sessions and CSRF, and the digests the store keeps instead of them.
enum Secrets {
    /// API token secrets start with this, so secret scanners and people can recognise them.
    static let tokenPrefix = "bwk_"

    /// 32 random bytes (256 bits) from the system's CSPRNG, base64url without padding.
    static func random(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A new API token secret: `bwk_` and 43 characters of randomness.
    static func newToken() -> String { tokenPrefix + random() }

    /// SHA-256 of a secret, hex. Token and session secrets have 256 bits of entropy, so a fast hash is
    /// enough to make a stolen database useless (no dictionary to try); passwords use bcrypt instead.
    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings in time independent of where they differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
