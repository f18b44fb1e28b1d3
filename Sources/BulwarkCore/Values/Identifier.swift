import Foundation

/// A typed identifier: an `Identifier<Device>` can never be passed where an `Identifier<Site>` is expected.
///
/// Stored as the canonical lower-case UUID text so it reads the same in SQLite, PostgreSQL, URLs and JSON.
public struct Identifier<Subject>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A fresh random identifier.
    public static func random() -> Self {
        Self(rawValue: UUID().uuidString.lowercased())
    }

    /// A deterministic identifier derived from a name, so that demo data and imports produce stable ids.
    public static func derived(from parts: String...) -> Self {
        Self(rawValue: StableUUID.make(from: parts.joined(separator: "\u{1F}")))
    }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Name-based UUIDs (RFC 9562 §5.8, version 8 layout) from a 128-bit FNV-1a digest.
///
/// Not cryptographic: used only to give the same name the same id across runs.
enum StableUUID {
    static func make(from text: String) -> String {
        // 128-bit FNV-1a, computed as two independent 64-bit lanes with different offsets.
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = b &+ (a >> 29)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (56 - 8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3f) | 0x80  // RFC 9562 variant
        let hex = bytes.map { byte -> String in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16]) + "-"
            + String(chars[16..<20]) + "-" + String(chars[20..<32])
    }
}
