import Foundation

/// A private key or certificate found in an image, with the fingerprint used to spot it in other releases.
public struct KeyMaterial: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case privateKey = "private-key"
        case certificate
    }

    public var kind: Kind
    public var file: String
    /// `pem`, `der` or `openssh`.
    public var encoding: String
    /// `RSA`, `EC`, `DSA`, `Ed25519` or the algorithm identifier when unknown.
    public var algorithm: String
    /// RSA modulus size or EC curve size, when known.
    public var bits: Int?
    public var encrypted: Bool
    /// SHA-256 over the key or certificate bytes (hex); the same value in two images means the same key.
    public var fingerprint: String
    /// Certificates only.
    public var subject: String?
    public var notAfter: Date?
    public var signatureAlgorithm: String?
}

/// Which keys occur in more than one image: the index behind "the same key ships in these releases".
public struct KeyReuseIndex: Sendable {
    private var holders: [String: Set<String>] = [:]
    private var samples: [String: KeyMaterial] = [:]

    public init() {}

    /// Files the keys of one image (a release label such as `LC-200 3.0.1`).
    public mutating func add(_ keys: [KeyMaterial], in image: String) {
        for key in keys {
            holders[key.fingerprint, default: []].insert(image)
            if samples[key.fingerprint] == nil { samples[key.fingerprint] = key }
        }
    }

    /// Each key found in two or more images, with those images, most widely shared first.
    public var reused: [(key: KeyMaterial, images: [String])] {
        holders.filter { $0.value.count > 1 }.compactMap { fingerprint, images in samples[fingerprint].map { ($0, images.sorted()) } }
            .sorted { ($0.images.count, $0.key.fingerprint) > ($1.images.count, $1.key.fingerprint) }
    }
}
