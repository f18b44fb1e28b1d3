/// Reads the packets of a pcap or pcapng file one at a time, in constant memory.
///
/// Classic pcap in either byte order, with microsecond or nanosecond timestamps; pcapng sections in either byte order
/// with any number of interfaces, each with its own link type and timestamp resolution (Enhanced, Simple and obsolete
/// Packet Blocks). A truncated last record, an impossible length or a malformed block is counted in ``diagnostics`` and
/// ends or skips what cannot be read; it never traps.
public struct PacketCaptureReader: IteratorProtocol, Sequence {
    public enum Format: String, Sendable { case pcap, pcapng }

    public let file: String
    public let format: Format
    public private(set) var diagnostics = InputDiagnostics()

    private let input: ByteInput
    private var littleEndian: Bool
    private var nanosecond = false
    private var linkType = LinkType.ethernet
    private var interfaces: [Interface] = []
    private var packetNumber = 0
    private var finished = false

    private struct Interface {
        var linkType: LinkType
        var snapLength: UInt32
        /// Ticks per second of this interface's timestamps.
        var ticksPerSecond: UInt64
    }

    // No record in a real capture comes near this; a bigger length means the file is corrupt here.
    private static let maximumRecord = 1 << 26

    /// Opens a capture file and reads its header.
    public init(path: String) throws(CaptureError) {
        try self.init(input: ByteInput(path: path), file: path)
    }

    /// Reads a capture held in memory; `file` names it in problems.
    public init(bytes: [UInt8], file: String) throws(CaptureError) {
        try self.init(input: ByteInput(bytes: bytes), file: file)
    }

    public init(input: ByteInput, file: String) throws(CaptureError) {
        self.input = input
        self.file = file
        guard let magic = input.peek(4) else { throw CaptureError.unknownFormat(file: file, detail: "too short for a pcap or pcapng header") }
        let big = BinaryField(magic).u32(0)
        switch big {
        case 0xA1B2_C3D4, 0xA1B2_3C4D:
            format = .pcap
            littleEndian = false
            nanosecond = big == 0xA1B2_3C4D
        case 0xD4C3_B2A1, 0x4D3C_B2A1:
            format = .pcap
            littleEndian = true
            nanosecond = big == 0x4D3C_B2A1
        case 0x0A0D_0D0A:
            format = .pcapng
            littleEndian = false
        default:
            throw CaptureError.unknownFormat(file: file, detail: "not a pcap or pcapng file (magic \(Self.hex(magic)))")
        }
        if format == .pcap {
            guard let header = input.take(24) else {
                throw CaptureError.unknownFormat(file: file, detail: "pcap header is cut short (\(input.fill(24)) of 24 bytes)")
            }
            let fields = BinaryField(header, littleEndian: littleEndian)
            // The top four bits of the link-type field may carry FCS information (pcap spec §5); the type is the low 16.
            linkType = LinkType(rawValue: fields.u32(20) & 0xFFFF)
        }
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    public mutating func next() -> CapturedPacket? {
        guard !finished else { return nil }
        let packet = format == .pcap ? nextPcap() : nextPcapng()
        if packet == nil { finished = true }
        return packet
    }

    private mutating func nextPcap() -> CapturedPacket? {
        let recordOffset = input.offset
        guard let header = input.take(16) else {
            let left = input.remaining()
            if left > 0 {
                diagnostics.record(.truncatedFile, at: "\(file): byte \(recordOffset)", "record header cut short (\(left) of 16 bytes)")
            }
            return nil
        }
        let fields = BinaryField(header, littleEndian: littleEndian)
        let seconds = Int64(fields.u32(0))
        let fraction = Int64(fields.u32(4))
        let captured = Int(fields.u32(8))
        let original = Int(fields.u32(12))
        guard captured <= Self.maximumRecord else {
            diagnostics.record(
                .malformedHeader, at: "\(file): record \(packetNumber + 1) at byte \(recordOffset)",
                "captured length \(captured) is impossible; the rest of the file cannot be framed")
            return nil
        }
        guard let data = input.take(captured) else {
            let left = input.remaining()
            diagnostics.record(
                .truncatedFile, at: "\(file): record \(packetNumber + 1) at byte \(recordOffset)", "packet data cut short (\(left) of \(captured) bytes)")
            return nil
        }
        packetNumber += 1
        let nanos = seconds * 1_000_000_000 + (nanosecond ? fraction : fraction * 1000)
        return CapturedPacket(timestamp: nanos, linkType: linkType, originalLength: Swift.max(original, captured), data: data, number: packetNumber)
    }

    private mutating func nextPcapng() -> CapturedPacket? {
        while true {
            let blockOffset = input.offset
            guard let head = input.peek(12) else {
                let left = input.remaining()
                if left > 0 { diagnostics.record(.truncatedFile, at: "\(file): byte \(blockOffset)", "block header cut short (\(left) bytes)") }
                return nil
            }
            var fields = BinaryField(head, littleEndian: littleEndian)
            let type = fields.u32(0)
            if type == 0x0A0D_0D0A {
                // Section Header Block: its byte-order magic decides how everything up to the next section is read.
                let magic = BinaryField(head, littleEndian: false).u32(8)
                switch magic {
                case 0x1A2B_3C4D: littleEndian = false
                case 0x4D3C_2B1A: littleEndian = true
                default:
                    diagnostics.record(.malformedBlock, at: "\(file): byte \(blockOffset)", "section header has no byte-order magic")
                    return nil
                }
                interfaces = []
                fields = BinaryField(head, littleEndian: littleEndian)
            }
            let length = Int(fields.u32(4))
            guard length >= 12, length % 4 == 0, length <= Self.maximumRecord else {
                diagnostics.record(
                    .malformedBlock, at: "\(file): block at byte \(blockOffset)",
                    "block length \(length) is not a multiple of 4 of at least 12; the rest of the file cannot be framed")
                return nil
            }
            guard let block = input.take(length) else {
                let left = input.remaining()
                diagnostics.record(.truncatedFile, at: "\(file): block at byte \(blockOffset)", "block cut short (\(left) of \(length) bytes)")
                return nil
            }
            let body = BinaryField(block.dropFirst(8).dropLast(4), littleEndian: littleEndian)
            let trailer = BinaryField(block.suffix(4), littleEndian: littleEndian).u32(0)
            guard Int(trailer) == length else {
                diagnostics.record(
                    .malformedBlock, at: "\(file): block at byte \(blockOffset)", "trailing length \(trailer) differs from leading length \(length)")
                continue
            }
            let place = "\(file): block at byte \(blockOffset)"
            switch type {
            case 0x0A0D_0D0A:
                continue
            case 1:
                guard body.has(0, 8) else {
                    diagnostics.record(.malformedBlock, at: place, "interface description is shorter than 8 bytes")
                    continue
                }
                var interface = Interface(linkType: LinkType(rawValue: UInt32(body.u16(0))), snapLength: body.u32(4), ticksPerSecond: 1_000_000)
                // Options: if_tsresol (9) sets the timestamp resolution; high bit set means a power of two.
                forEachOption(body, from: 8) { code, value in
                    if code == 9, let resolution = value.first {
                        let exponent = UInt64(resolution & 0x7F)
                        if resolution & 0x80 != 0 {
                            if exponent < 63 { interface.ticksPerSecond = 1 << exponent }
                        } else if exponent <= 19 {
                            var ticks: UInt64 = 1
                            for _ in 0..<exponent { ticks *= 10 }
                            interface.ticksPerSecond = ticks
                        }
                    }
                }
                interfaces.append(interface)
            case 6, 2:
                // Enhanced Packet Block (6): interface id u32; obsolete Packet Block (2): interface id u16 + drops u16.
                guard body.has(0, 20) else {
                    diagnostics.record(.malformedBlock, at: place, "packet block is shorter than its 20-byte header")
                    continue
                }
                let interfaceID = type == 6 ? Int(body.u32(0)) : Int(body.u16(0))
                let ticks = UInt64(body.u32(4)) << 32 | UInt64(body.u32(8))
                let captured = Int(body.u32(12))
                let original = Int(body.u32(16))
                guard interfaceID < interfaces.count else {
                    diagnostics.record(.malformedBlock, at: place, "packet names interface \(interfaceID), but only \(interfaces.count) are described")
                    continue
                }
                guard body.has(20, captured) else {
                    diagnostics.record(.malformedBlock, at: place, "captured length \(captured) runs past the block")
                    continue
                }
                packetNumber += 1
                let interface = interfaces[interfaceID]
                return CapturedPacket(
                    timestamp: Self.nanoseconds(ticks, perSecond: interface.ticksPerSecond), linkType: interface.linkType,
                    originalLength: Swift.max(original, captured), data: body.slice(20, captured), number: packetNumber)
            case 3:
                // Simple Packet Block: original length, then Swift.min(original, snap length) bytes, on interface 0.
                guard body.has(0, 4), let interface = interfaces.first else {
                    diagnostics.record(.malformedBlock, at: place, "simple packet block without an interface or a length")
                    continue
                }
                let original = Int(body.u32(0))
                let captured = Swift.min(original, interface.snapLength == 0 ? original : Int(interface.snapLength), body.count - 4)
                packetNumber += 1
                return CapturedPacket(
                    timestamp: 0, linkType: interface.linkType, originalLength: original, data: body.slice(4, captured), number: packetNumber)
            default:
                continue  // Name resolution, statistics and custom blocks carry no packets.
            }
        }
    }

    private func forEachOption(_ body: BinaryField, from start: Int, _ visit: (UInt16, ArraySlice<UInt8>) -> Void) {
        var at = start
        while body.has(at, 4) {
            let code = body.u16(at)
            let length = Int(body.u16(at + 2))
            if code == 0 || !body.has(at + 4, length) { return }
            visit(code, body.slice(at + 4, length))
            at += 4 + (length + 3) / 4 * 4
        }
    }

    static func nanoseconds(_ ticks: UInt64, perSecond: UInt64) -> Int64 {
        let seconds = ticks / perSecond
        let rest = ticks % perSecond
        // rest < perSecond, so rest × 10⁹ fits in 128 bits and the quotient in 64: exact for every resolution.
        let product = rest.multipliedFullWidth(by: 1_000_000_000)
        let fraction = perSecond.dividingFullWidth((product.high, product.low)).quotient
        return Int64(truncatingIfNeeded: seconds &* 1_000_000_000 &+ fraction)
    }
}
