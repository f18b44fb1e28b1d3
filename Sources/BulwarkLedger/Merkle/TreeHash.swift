import Crypto
import Foundation

/// One SHA-256 value in the log: a leaf hash, an interior node or a root.
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes in memory order, held inline: an append makes about two hashes per entry, and an array for each
    /// cost an allocation and its reference counting. (Four words rather than a `SIMD4<UInt64>`, whose 32-byte
    /// alignment is more than the task allocator of async functions guarantees.)
    private var storage: Words

    private struct Words: Hashable, Sendable {
        var a: UInt64 = 0
        var b: UInt64 = 0
        var c: UInt64 = 0
        var d: UInt64 = 0
    }

    /// The 32 bytes of the digest.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes, without copying them.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    private static func words<Bytes: ContiguousBytes>(_ bytes: Bytes) -> Words {
        var words = Words()
        Swift.withUnsafeMutableBytes(of: &words) { target in bytes.withUnsafeBytes { target.copyMemory(from: $0) } }
        return words
    }

    /// Wraps 32 bytes; anything else is not a SHA-256 value and is refused.
    public init?(bytes: [UInt8]) {
        guard bytes.count == TreeHash.size else { return nil }
        storage = Self.words(bytes)
    }

    init(digest: SHA256.Digest) {
        storage = digest.withUnsafeBytes { Self.words($0) }
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
        self.init(hexDigits: hex.utf8)
    }

    /// Reads 64 hex digits given as UTF-8 bytes (a slice of a stored tile, say); nil otherwise.
    public init?<Digits: Collection<UInt8>>(hexDigits: Digits) {
        guard hexDigits.count == TreeHash.size * 2 else { return nil }
        var bytes = [UInt8](repeating: 0, count: TreeHash.size)
        var digit = hexDigits.startIndex
        for index in 0..<TreeHash.size {
            guard let high = Self.nibble(hexDigits[digit]) else { return nil }
            digit = hexDigits.index(after: digit)
            guard let low = Self.nibble(hexDigits[digit]) else { return nil }
            digit = hexDigits.index(after: digit)
            bytes[index] = high << 4 | low
        }
        storage = Self.words(bytes)
    }

    public var base64: String { Data(bytes).base64EncodedString() }

    /// Lowercase hex, as the store keeps hashes in TEXT columns.
    public var hex: String {
        var out = [UInt8]()
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the 64 lowercase hex digits of `hex` to the end of `out`.
    public func appendHex(to out: inout [UInt8]) {
        let start = out.count
        // Grown once, then filled in place: appends of thousands of hashes spent most of their hex time in `append`.
        out.append(contentsOf: repeatElement(0, count: TreeHash.size * 2))
        out.withUnsafeMutableBufferPointer { buffer in
            withUnsafeBytes { bytes in
                var at = start
                for byte in bytes {
                    buffer[at] = Self.hexDigit(byte >> 4)
                    buffer[at + 1] = Self.hexDigit(byte & 0x0F)
                    at += 2
                }
            }
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") &- 10)
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
