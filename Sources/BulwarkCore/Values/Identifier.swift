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
        // Version 8 in the top nibble of byte 6, the RFC 9562 variant in the top bits of byte 8.
        let high = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_8000
        let low = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        var position = 0
        for nibble in 0..<32 {
            if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
            let word = nibble < 16 ? high : low
            let shift = UInt64(60 - 4 * (nibble % 16))
            text[position] = digits[Int((word >> shift) & 0xf)]
            position += 1
        }
        return String(decoding: text, as: UTF8.self)
    }
}
