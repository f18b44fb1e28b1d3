#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as two machine words, cheap to hash and compare on the packet path.
///
/// IPv4 addresses are held IPv4-mapped (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2) so both families share one key space.
public struct HostAddress: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(ipv4 value: UInt32) {
        self.high = 0
        self.low = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    /// Parses dotted-quad IPv4 or any RFC 4291 IPv6 text.
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        guard !string.isEmpty, string.utf8.count <= 45, !string.utf8.contains(0) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, string, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, string, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        self.init(bytes: bytes[...])
    }

    /// Sixteen bytes in network order.
    init(bytes: ArraySlice<UInt8>) {
        var h: UInt64 = 0
        var l: UInt64 = 0
        let s = bytes.startIndex
        for k in 0..<8 { h = h << 8 | UInt64(bytes[s + k]) }
        for k in 8..<16 { l = l << 8 | UInt64(bytes[s + k]) }
        self.high = h
        self.low = l
    }

    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The IPv4 address as an integer, for an IPv4 address.
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// Private, loopback, link-local, multicast, broadcast or otherwise not routed on the internet
    /// (RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291, RFC 5737 documentation ranges count as local too).
    public var isLocal: Bool {
        if let v4 = ipv4 {
            let a = v4 >> 24
            let b = (v4 >> 16) & 0xFF
            return a == 10 || a == 127 || a == 0 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254)
                || (a == 100 && (64...127).contains(b)) || a >= 224
        }
        let first = high >> 48
        return (high == 0 && low <= 1) || first & 0xFE00 == 0xFC00 || first & 0xFFC0 == 0xFE80 || first & 0xFF00 == 0xFF00
    }

    public var isMulticastOrBroadcast: Bool {
        if let v4 = ipv4 { return v4 >> 28 == 0xE || v4 == 0xFFFF_FFFF }
        return high >> 56 == 0xFF
    }

    /// Whether this address lies in `network`/`prefixLength` (prefix counted in the address's own family).
    public func isIn(_ network: HostAddress, prefixLength: Int) -> Bool {
        guard isIPv4 == network.isIPv4 else { return false }
        let bits = isIPv4 ? 96 + min(max(prefixLength, 0), 32) : min(max(prefixLength, 0), 128)
        let highMask: UInt64 = bits >= 64 ? .max : (bits == 0 ? 0 : ~UInt64(0) << (64 - bits))
        let lowBits = bits - 64
        let lowMask: UInt64 = lowBits <= 0 ? 0 : (lowBits >= 64 ? .max : ~UInt64(0) << (64 - lowBits))
        return high & highMask == network.high & highMask && low & lowMask == network.low & lowMask
    }

    public var description: String {
        if let v4 = ipv4 { return "\(v4 >> 24).\((v4 >> 16) & 0xFF).\((v4 >> 8) & 0xFF).\(v4 & 0xFF)" }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { out in
            for k in 0..<8 { out[k] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(k))) }
            for k in 0..<8 { out[8 + k] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(k))) }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = HostAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an IP address")
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A 48-bit IEEE 802 MAC address in the low bits of a word.
public struct HardwareAddress: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    init(bytes: ArraySlice<UInt8>) {
        var v: UInt64 = 0
        for byte in bytes.prefix(6) { v = v << 8 | UInt64(byte) }
        self.value = v
    }

    /// Reads `00:1a:2b:3c:4d:5e` and the other forms the inventory accepts.
    public init?(_ text: some StringProtocol) {
        var v: UInt64 = 0
        var digits = 0
        for byte in text.utf8 {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - 55
            case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "."): continue
            default: return nil
            }
            v = v << 4 | UInt64(nibble)
            digits += 1
        }
        guard digits == 12 else { return nil }
        self.value = v
    }

    public var description: String {
        (0..<6).map { k in
            let byte = UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64(k)))
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined(separator: ":")
    }
}
