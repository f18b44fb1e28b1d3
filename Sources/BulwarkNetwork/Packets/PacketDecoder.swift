/// Decodes link, network and transport headers of captured packets, counting what it cannot read.
///
/// Ethernet (with any number of 802.1Q / 802.1ad tags), Linux cooked capture v1 and v2, BSD loopback and raw IP;
/// IPv4 (options, fragments) and IPv6 (extension headers); TCP, UDP, ICMP and ICMPv6; DNS questions on port 53/5353.
public struct PacketDecoder: Sendable {
    public private(set) var diagnostics = InputDiagnostics()
    /// Packets that were not IP (ARP, LLDP, …): not errors, only not analysed.
    public private(set) var nonIP = 0
    public let file: String

    public init(file: String) {
        self.file = file
    }

    private mutating func problem(_ kind: InputDiagnostics.Kind, _ packet: CapturedPacket, _ message: String) {
        diagnostics.record(kind, at: "\(file): packet \(packet.number)", message)
    }

    /// The decoded packet, or `nil` when it is not IP or cannot be read (then counted).
    public mutating func decode(_ packet: CapturedPacket) -> DecodedPacket? {
        let bytes = BinaryField(packet.data)
        var at = 0
        var etherType: UInt16
        var sourceMAC: HardwareAddress?
        var destinationMAC: HardwareAddress?
        var vlan: UInt16?
        switch packet.linkType.rawValue {
        case LinkType.ethernet.rawValue:
            guard bytes.has(0, 14) else {
                problem(.truncatedPacket, packet, "Ethernet header needs 14 bytes, \(bytes.count) captured")
                return nil
            }
            destinationMAC = HardwareAddress(bytes: bytes.slice(0, 6))
            sourceMAC = HardwareAddress(bytes: bytes.slice(6, 6))
            etherType = bytes.u16(12)
            at = 14
            // IEEE 802.1Q (0x8100) and 802.1ad (0x88A8, 0x9100) tags: 2 bytes of TCI, then the next type.
            while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
                guard bytes.has(at, 4) else {
                    problem(.truncatedPacket, packet, "VLAN tag cut short at byte \(at)")
                    return nil
                }
                vlan = bytes.u16(at) & 0x0FFF
                etherType = bytes.u16(at + 2)
                at += 4
            }
        case LinkType.linuxCooked.rawValue:
            guard bytes.has(0, 16) else {
                problem(.truncatedPacket, packet, "Linux cooked header needs 16 bytes, \(bytes.count) captured")
                return nil
            }
            if bytes.u16(4) == 6 { sourceMAC = HardwareAddress(bytes: bytes.slice(6, 6)) }
            etherType = bytes.u16(14)
            at = 16
        case LinkType.linuxCookedV2.rawValue:
            guard bytes.has(0, 20) else {
                problem(.truncatedPacket, packet, "Linux cooked v2 header needs 20 bytes, \(bytes.count) captured")
                return nil
            }
            etherType = bytes.u16(0)
            if bytes.u8(11) == 6 { sourceMAC = HardwareAddress(bytes: bytes.slice(12, 6)) }
            at = 20
        case LinkType.null.rawValue:
            guard bytes.has(0, 4) else {
                problem(.truncatedPacket, packet, "loopback header needs 4 bytes, \(bytes.count) captured")
                return nil
            }
            // The family is in the writer's byte order; 2 is AF_INET everywhere, AF_INET6 is 24, 28 or 30 by system.
            let family = max(bytes.u8(0), bytes.u8(3))
            etherType = family == 2 ? 0x0800 : (family == 24 || family == 28 || family == 30 ? 0x86DD : 0)
            at = 4
        case 12, 14, LinkType.raw.rawValue, LinkType.ipv4.rawValue, LinkType.ipv6.rawValue:
            guard bytes.has(0, 1) else {
                problem(.truncatedPacket, packet, "empty raw IP packet")
                return nil
            }
            etherType = bytes.u8(0) >> 4 == 6 ? 0x86DD : 0x0800
        default:
            problem(.unknownLinkType, packet, "link type \(packet.linkType.rawValue) is not one this reader decodes")
            return nil
        }
        var decoded = DecodedPacket(
            timestamp: packet.timestamp, number: packet.number, ipLength: 0, sourceMAC: sourceMAC, destinationMAC: destinationMAC, vlan: vlan,
            source: HostAddress(high: 0, low: 0), destination: HostAddress(high: 0, low: 0), transport: 0, sourcePort: 0, destinationPort: 0,
            tcpFlags: 0, icmpType: 0, icmpCode: 0, payloadLength: 0, payload: [], dns: nil)
        let ip = BinaryField(packet.data.dropFirst(at))
        let transportStart: Int
        let transportEnd: Int
        var firstFragment = true
        switch etherType {
        case 0x0800:
            guard ip.has(0, 20) else {
                problem(.truncatedPacket, packet, "IPv4 header needs 20 bytes, \(ip.count) captured")
                return nil
            }
            let headerLength = Int(ip.u8(0) & 0x0F) * 4
            guard ip.u8(0) >> 4 == 4, headerLength >= 20 else {
                problem(.malformedHeader, packet, "not a valid IPv4 header (version \(ip.u8(0) >> 4), header length \(headerLength))")
                return nil
            }
            guard ip.has(0, headerLength) else {
                problem(.truncatedPacket, packet, "IPv4 header of \(headerLength) bytes, \(ip.count) captured")
                return nil
            }
            let total = Int(ip.u16(2))
            // TSO captures may carry 0 here; then what was captured is the packet.
            decoded.ipLength = total >= headerLength ? total : max(ip.count, packet.originalLength - at)
            firstFragment = ip.u16(6) & 0x1FFF == 0
            decoded.transport = ip.u8(9)
            decoded.source = HostAddress(ipv4: ip.u32(12))
            decoded.destination = HostAddress(ipv4: ip.u32(16))
            transportStart = headerLength
            transportEnd = total >= headerLength ? total : max(ip.count, packet.originalLength - at)
        case 0x86DD:
            guard ip.has(0, 40) else {
                problem(.truncatedPacket, packet, "IPv6 header needs 40 bytes, \(ip.count) captured")
                return nil
            }
            guard ip.u8(0) >> 4 == 6 else {
                problem(.malformedHeader, packet, "IPv6 ethertype but IP version \(ip.u8(0) >> 4)")
                return nil
            }
            let payloadLength = Int(ip.u16(4))
            decoded.ipLength = 40 + payloadLength
            decoded.source = HostAddress(bytes: ip.slice(8, 16))
            decoded.destination = HostAddress(bytes: ip.slice(24, 16))
            var next = ip.u8(6)
            var offset = 40
            // RFC 8200 §4: hop-by-hop (0), routing (43), destination options (60), fragment (44), AH (51, RFC 4302).
            extensionHeaders: while true {
                switch next {
                case 0, 43, 60, 51, 44:
                    guard ip.has(offset, 8) else {
                        problem(.truncatedPacket, packet, "IPv6 extension header \(next) cut short at byte \(at + offset)")
                        return nil
                    }
                    let length: Int
                    if next == 44 {
                        length = 8
                        if ip.u16(offset + 2) & 0xFFF8 != 0 { firstFragment = false }
                    } else if next == 51 {
                        length = (Int(ip.u8(offset + 1)) + 2) * 4
                    } else {
                        length = (Int(ip.u8(offset + 1)) + 1) * 8
                    }
                    next = ip.u8(offset)
                    offset += length
                default:
                    break extensionHeaders
                }
            }
            decoded.transport = next
            transportStart = offset
            transportEnd = 40 + payloadLength
        default:
            nonIP += 1
            return nil
        }
        guard firstFragment else { return decoded }  // Later fragments carry no transport header.
        let available = min(ip.count, max(transportEnd, transportStart))
        let segment = BinaryField(ip.slice(min(transportStart, ip.count), max(0, available - transportStart)))
        let segmentLength = max(0, transportEnd - transportStart)
        switch decoded.transport {
        case 6:
            guard segment.has(0, 20) else {
                problem(.truncatedPacket, packet, "TCP header needs 20 bytes, \(segment.count) captured")
                return decoded
            }
            decoded.sourcePort = segment.u16(0)
            decoded.destinationPort = segment.u16(2)
            decoded.tcpFlags = segment.u8(13)
            let dataOffset = Int(segment.u8(12) >> 4) * 4
            guard dataOffset >= 20 else {
                problem(.malformedHeader, packet, "TCP data offset \(dataOffset) is below 20")
                return decoded
            }
            decoded.payloadLength = max(0, segmentLength - dataOffset)
            decoded.payload = segment.count > dataOffset ? segment.bytes.dropFirst(dataOffset) : []
        case 17:
            guard segment.has(0, 8) else {
                problem(.truncatedPacket, packet, "UDP header needs 8 bytes, \(segment.count) captured")
                return decoded
            }
            decoded.sourcePort = segment.u16(0)
            decoded.destinationPort = segment.u16(2)
            decoded.payloadLength = max(0, Int(segment.u16(4)) - 8)
            decoded.payload = segment.bytes.dropFirst(8).prefix(decoded.payloadLength)
        case 1, 58:
            guard segment.has(0, 4) else {
                problem(.truncatedPacket, packet, "ICMP header needs 4 bytes, \(segment.count) captured")
                return decoded
            }
            decoded.icmpType = segment.u8(0)
            decoded.icmpCode = segment.u8(1)
            decoded.payloadLength = max(0, segmentLength - 4)
        default:
            decoded.payloadLength = segmentLength
        }
        if decoded.transport == 17 || decoded.transport == 6 {
            let ports = (decoded.sourcePort, decoded.destinationPort)
            if ports.0 == 53 || ports.1 == 53 || ports.0 == 5353 || ports.1 == 5353, !decoded.payload.isEmpty {
                // DNS over TCP prefixes each message with its 2-byte length (RFC 1035 §4.2.2).
                let message = decoded.transport == 6 ? decoded.payload.dropFirst(2) : decoded.payload
                if decoded.transport == 17 || decoded.payload.count > 2 {
                    switch DNSParser.parse(message) {
                    case .success(let dns): decoded.dns = dns
                    case .failure(let error): problem(.malformedDNS, packet, error.message)
                    }
                }
            }
        }
        return decoded
    }
}
