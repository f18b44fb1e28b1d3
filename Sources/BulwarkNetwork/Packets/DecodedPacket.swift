/// What the decoder read from one packet: addresses, transport header and, for DNS, the question.
public struct DecodedPacket: Sendable {
    public var timestamp: Int64
    public var number: Int
    /// Bytes on the wire at the IP layer (the IP total length, or what was captured when that is missing).
    public var ipLength: Int
    public var sourceMAC: HardwareAddress?
    public var destinationMAC: HardwareAddress?
    /// The innermost 802.1Q VLAN id, when tagged.
    public var vlan: UInt16?
    public var source: HostAddress
    public var destination: HostAddress
    /// IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
    public var transport: UInt8
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// TCP flags (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10); zero for other protocols.
    public var tcpFlags: UInt8
    /// ICMP type and code, for ICMP.
    public var icmpType: UInt8
    public var icmpCode: UInt8
    /// Transport payload bytes as sent (may exceed `payload.count` when the capture cut the packet).
    public var payloadLength: Int
    /// Captured transport payload.
    public var payload: ArraySlice<UInt8>
    /// A DNS message carried on port 53 or 5353.
    public var dns: DNSMessage?

    public var seconds: Double { Double(timestamp) / 1e9 }

    public init(
        timestamp: Int64, number: Int, ipLength: Int, sourceMAC: HardwareAddress?, destinationMAC: HardwareAddress?, vlan: UInt16?, source: HostAddress,
        destination: HostAddress, transport: UInt8, sourcePort: UInt16, destinationPort: UInt16, tcpFlags: UInt8, icmpType: UInt8, icmpCode: UInt8,
        payloadLength: Int, payload: ArraySlice<UInt8>, dns: DNSMessage?
    ) {
        self.timestamp = timestamp
        self.number = number
        self.ipLength = ipLength
        self.sourceMAC = sourceMAC
        self.destinationMAC = destinationMAC
        self.vlan = vlan
        self.source = source
        self.destination = destination
        self.transport = transport
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.tcpFlags = tcpFlags
        self.icmpType = icmpType
        self.icmpCode = icmpCode
        self.payloadLength = payloadLength
        self.payload = payload
        self.dns = dns
    }

    public static let fin: UInt8 = 0x01
    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04
    public static let ack: UInt8 = 0x10
}

/// The parts of a DNS message (RFC 1035 §4.1) that detection needs.
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    /// RCODE: 0 no error, 3 NXDOMAIN.
    public var responseCode: UInt8
    /// The first question's name, lower-cased, without the trailing dot.
    public var name: String
    public var questionType: UInt16
    public var answerCount: Int
    /// A and AAAA answers of a response, for mapping names to the addresses a device then talks to.
    public var addresses: [HostAddress] = []
}
