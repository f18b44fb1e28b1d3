import Crypto
import Foundation

/// One SHA-256 value in the log: a leaf hash, an interior node or a root.
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// Wraps 32 bytes; anything else is not a SHA-256 value and is refused.
    public init?(bytes: [UInt8]) {
        guard bytes.count == TreeHash.size else { return nil }
        self.bytes = bytes
    }

    init(digest: SHA256.Digest) {
        self.bytes = Array(digest)
    }

    /// The size of a SHA-256 digest in bytes.
    public static let size = 32

    /// RFC 9162 §2.1.1: the hash of an empty tree is the hash of the empty string.
    public static let emptyTree = TreeHash(digest: SHA256.hash(data: [UInt8]()))

    /// Reads standard base64 (the checkpoint and proof encoding); nil unless it decodes to exactly 32 bytes.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64) else { return nil }
        self.init(bytes: Array(data))
    }

    /// Reads 64 lowercase or uppercase hex digits; nil otherwise.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == TreeHash.size * 2 else { return nil }
        var bytes = [UInt8](repeating: 0, count: TreeHash.size)
        for index in 0..<TreeHash.size {
            guard let high = Self.nibble(utf8[2 * index]), let low = Self.nibble(utf8[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        self.bytes = bytes
    }

    public var base64: String { Data(bytes).base64EncodedString() }

    /// Lowercase hex, as the store keeps hashes in TEXT columns.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(TreeHash.size * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { base64 }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
