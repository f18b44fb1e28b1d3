import Foundation

/// A context-triggered piecewise hash of a file (the CTPH scheme of Kornblum, "Identifying almost identical files using
/// context triggered piecewise hashing", DFRWS 2006, the scheme ssdeep implements): two near-identical binaries get
/// digests that differ in a few characters, so their similarity can be scored from 0 (nothing in common) to 100 (the same).
///
/// The text form is laid out as ssdeep prints it, `blocksize:signature:double-signature` (e.g. `96:Kq3fYl...:Kq3f...`);
/// digests are compared only with digests Bulwark made, since the last piece is closed slightly differently.
public struct SimilarityDigest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The block size the first signature was cut at; the second was cut at twice this.
    public let blockSize: Int
    /// Up to 64 characters: one per piece cut at `blockSize`.
    public let signature: String
    /// Up to 32 characters: one per piece cut at `2 * blockSize`.
    public let doubleSignature: String

    /// The smallest block size; block sizes are this times a power of two.
    static let minimumBlockSize = 3
    /// How many characters the first signature aims at.
    static let signatureLength = 64
    /// The rolling hash's window, in bytes.
    static let window = 7

    public init(blockSize: Int, signature: String, doubleSignature: String) {
        self.blockSize = blockSize
        self.signature = signature
        self.doubleSignature = doubleSignature
    }

    /// Reads the `blocksize:signature:double-signature` text form.
    public init(parsing text: String) throws(FirmwareError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let size = Int(parts[0]), size >= Self.minimumBlockSize, size % Self.minimumBlockSize == 0,
            (size / Self.minimumBlockSize).nonzeroBitCount == 1
        else {
            throw FirmwareError(
                file: "similarity digest", place: "\"\(text.prefix(80))\"",
                "is not blocksize:signature:signature with a block size of 3 times a power of two")
        }
        let alphabet = Set(Self.base64)
        for (index, part) in parts.dropFirst().enumerated() where !part.utf8.allSatisfy({ alphabet.contains($0) }) {
            throw FirmwareError(file: "similarity digest", place: "part \(index + 2)", "holds a character outside the base64 alphabet")
        }
        self.init(blockSize: size, signature: String(parts[1]), doubleSignature: String(parts[2]))
    }

    public var description: String { "\(blockSize):\(signature):\(doubleSignature)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Computing

    static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The digest of `data`.
    public init(of data: Data) {
        var blockSize = Self.minimumBlockSize
        // The block size is chosen so that about `signatureLength` pieces are cut from the whole input.
        while blockSize * Self.signatureLength < data.count { blockSize *= 2 }
        while true {
            let (first, second) = data.withUnsafeBytes { Self.signatures(UnsafeRawBufferPointer($0), blockSize: blockSize) }
            // Too few triggers at this size (content is not random): halve the size and cut again, as CTPH prescribes.
            if first.count < Self.signatureLength / 2, blockSize > Self.minimumBlockSize {
                blockSize /= 2
                continue
            }
            self.init(
                blockSize: blockSize, signature: String(decoding: first, as: UTF8.self), doubleSignature: String(decoding: second, as: UTF8.self))
            return
        }
    }

    /// Cuts `bytes` into pieces where the rolling hash over the last seven bytes hits `blockSize - 1` modulo the block
    /// size (and likewise for twice the size), and keeps six bits of each piece's hash.
    static func signatures(_ bytes: UnsafeRawBufferPointer, blockSize: Int) -> ([UInt8], [UInt8]) {
        var first: [UInt8] = []
        var second: [UInt8] = []
        first.reserveCapacity(signatureLength)
        second.reserveCapacity(signatureLength / 2)
        var rolling = RollingHash()
        var pieceFirst = PieceHash()
        var pieceSecond = PieceHash()
        // Block sizes are 3·2^k, so `value % size == size - 1` is `value + 1` divisible by 2^k and by 3: the cheap
        // mask test fails for all but one value in 2^k, and only then is the division by 3 made (in 64 bits, so that
        // value + 1 cannot wrap).
        let mask = UInt64(blockSize / minimumBlockSize - 1)
        let doubleMask = mask << 1 | 1
        var sinceFirst = 0
        var sinceSecond = 0
        for byte in bytes {
            rolling.add(byte)
            pieceFirst.add(byte)
            pieceSecond.add(byte)
            sinceFirst += 1
            sinceSecond += 1
            let next = UInt64(rolling.value) + 1
            if next & mask == 0, next % 3 == 0 {
                // The last character takes the rest of the input, so the signature never exceeds its length.
                if first.count < signatureLength - 1 {
                    first.append(base64[Int(pieceFirst.value & 63)])
                    pieceFirst = PieceHash()
                    sinceFirst = 0
                }
                if next & doubleMask == 0, second.count < signatureLength / 2 - 1 {
                    second.append(base64[Int(pieceSecond.value & 63)])
                    pieceSecond = PieceHash()
                    sinceSecond = 0
                }
            }
        }
        if sinceFirst > 0 { first.append(base64[Int(pieceFirst.value & 63)]) }
        if sinceSecond > 0 { second.append(base64[Int(pieceSecond.value & 63)]) }
        return (first, second)
    }

    /// The rolling hash of CTPH: a sum, a position-weighted sum and a shift-xor over a window of seven bytes.
    ///
    /// The window's seven bytes are packed into one integer, newest in the low byte, so the byte leaving it is a shift
    /// away rather than a lookup by position.
    struct RollingHash {
        var window: UInt64 = 0
        var sum: UInt32 = 0
        var weighted: UInt32 = 0
        var shifted: UInt32 = 0

        @inline(__always)
        mutating func add(_ byte: UInt8) {
            let c = UInt32(byte)
            weighted = weighted &- sum &+ UInt32(SimilarityDigest.window) &* c
            let leaving = UInt32(truncatingIfNeeded: window >> UInt64(8 * (SimilarityDigest.window - 1)))
            sum = sum &+ c &- leaving
            window = (window << 8 | UInt64(byte)) & (1 << UInt64(8 * SimilarityDigest.window) - 1)
            shifted = (shifted << 5) ^ c
        }

        var value: UInt32 { sum &+ weighted &+ shifted }
    }

    /// The hash of one piece: 32-bit FNV-1 from CTPH's fixed starting value.
    struct PieceHash {
        var value: UInt32 = 0x2802_1967

        @inline(__always)
        mutating func add(_ byte: UInt8) { value = (value &* 0x0100_0193) ^ UInt32(byte) }
    }
}
