#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, held in its canonical text form (RFC 5952 for IPv6).
public struct IPAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case v4, v6 }

    public let family: Family
    /// Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6.
    public let text: String

    /// Parses and canonicalises an address; `nil` when the text is not an address.
    public init?(_ raw: some StringProtocol) {
        let trimmed = String(raw)
        // inet_pton reads a C string: an embedded NUL would hide whatever follows it.
        guard !trimmed.isEmpty, trimmed.utf8.count <= 45, !trimmed.utf8.contains(0) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 {
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            self.family = .v4
            self.text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, trimmed, &v6) == 1 {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            self.family = .v6
            self.text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return
        }
        return nil
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let address = IPAddress(raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(raw)\" is not an IPv4 or IPv6 address")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// An IEEE 802 MAC-48 address in lower-case colon form (`00:1a:2b:3c:4d:5e`).
public struct MACAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    public let text: String

    /// Accepts colon, hyphen or dot-grouped (Cisco) forms, or twelve bare hex digits.
    public init?(_ raw: some StringProtocol) {
        var digits: [UInt8] = []
        digits.reserveCapacity(12)
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                digits.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                digits.append(byte + 32)
            case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "."):
                continue
            default:
                return nil
            }
            if digits.count > 12 { return nil }
        }
        guard digits.count == 12 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(17)
        for (index, digit) in digits.enumerated() {
            if index > 0, index % 2 == 0 { out.append(UInt8(ascii: ":")) }
            out.append(digit)
        }
        self.text = String(decoding: out, as: UTF8.self)
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        guard let address = MACAddress(raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(raw)\" is not a MAC address")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
