/// One packet as a capture file holds it: when, on which link type, and the bytes captured (maybe fewer than were sent).
public struct CapturedPacket: Sendable {
    /// Nanoseconds since 1970-01-01 UTC.
    public var timestamp: Int64
    public var linkType: LinkType
    /// Bytes on the wire; `data.count` may be smaller when the capture cut the packet at its snap length.
    public var originalLength: Int
    public var data: ArraySlice<UInt8>
    /// 1-based position in the file, for evidence ("packet 812").
    public var number: Int

    public init(timestamp: Int64, linkType: LinkType, originalLength: Int, data: ArraySlice<UInt8>, number: Int) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.originalLength = originalLength
        self.data = data
        self.number = number
    }

    public var seconds: Double { Double(timestamp) / 1e9 }
}

/// A tcpdump.org link-layer header type (LINKTYPE_*).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IPv4 or IPv6 (LINKTYPE_RAW; 12 and 14 are historical DLT_RAW values some systems write).
    public static let raw = LinkType(rawValue: 101)
    public static let linuxCooked = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxCookedV2 = LinkType(rawValue: 276)

    public var description: String {
        switch rawValue {
        case 0: "null"
        case 1: "ethernet"
        case 12, 14, 101: "raw"
        case 113: "linux-sll"
        case 228: "ipv4"
        case 229: "ipv6"
        case 276: "linux-sll2"
        default: "link type \(rawValue)"
        }
    }
}
