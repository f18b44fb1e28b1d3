import BulwarkNetwork
import Foundation
import Testing

@Suite struct CaptureReaderTests {
    struct Summary: Equatable {
        var time: Int64
        var source: String
        var destination: String
        var ports: [UInt16]
        var transport: UInt8
        var flags: UInt8
        var payload: Int
    }

    static func summaries(_ reader: PacketCaptureReader, file: String) -> ([Summary], PacketDecoder) {
        var decoder = PacketDecoder(file: file)
        var out: [Summary] = []
        for packet in reader {
            if let d = decoder.decode(packet) {
                out.append(
                    Summary(
                        time: d.timestamp, source: d.source.description, destination: d.destination.description, ports: [d.sourcePort, d.destinationPort],
                        transport: d.transport, flags: d.tcpFlags, payload: d.payloadLength))
            }
        }
        return (out, decoder)
    }

    /// Compares decoded packets without printing thousands of them when they differ.
    static func same(_ a: [Summary], _ b: [Summary]) -> String {
        guard a.count == b.count else { return "\(a.count) packets, expected \(b.count)" }
        if let index = a.indices.first(where: { a[$0] != b[$0] }) { return "packet \(index + 1): \(a[index]) instead of \(b[index])" }
        return "same"
    }

    static func first(_ reader: inout PacketCaptureReader) -> CapturedPacket? { reader.next() }

    @Test func readsEveryPacketOfTheSharedCaptures() throws {
        var c2 = try PacketCaptureReader(path: NetworkFixture.path("pcap/c2-beacon-capture-1.pcap"))
        var count = 0
        var first: CapturedPacket?
        while let packet = c2.next() {
            if first == nil { first = packet }
            count += 1
        }
        #expect(count == 7931)
        #expect(c2.format == .pcap)
        #expect(c2.diagnostics.total == 0)
        #expect(first?.linkType == .ethernet)
        #expect(try NetworkFixture.packets("pcap/ssh-bruteforce.pcap").count == 1178)
        #expect(try NetworkFixture.packets("pcap/malicious-7.pcap").count == 2000)
    }

    @Test func decodesTheBeaconsAddressesAndPorts() throws {
        let (packets, decoder) = Self.summaries(try PacketCaptureReader(path: NetworkFixture.path("pcap/c2-beacon-capture-1.pcap")), file: "c2.pcap")
        #expect(decoder.diagnostics.total == 0)
        let toServer = packets.filter { $0.destination == "141.193.213.21" && $0.ports[1] == 443 }
        #expect(toServer.allSatisfy { $0.source == "147.32.80.37" && $0.transport == 6 })
        #expect(Set(toServer.filter { $0.flags & 0x12 == 0x02 }.map { $0.ports[0] }).count == 295, "one connection per beacon")
    }

    /// The same real packets written as big- and little-endian, micro- and nanosecond pcap and as pcapng decode the same.
    @Test func everyContainerAndByteOrderDecodesTheSamePackets() throws {
        let real = try NetworkFixture.packets("pcap/ssh-bruteforce.pcap").prefix(200).map { ($0.timestamp, Array($0.data)) }
        let (expected, _) = Self.summaries(try PacketCaptureReader(bytes: CaptureWriter.pcap(real, linkType: 1, littleEndian: true, nanosecond: false), file: "a"), file: "a")
        #expect(expected.count == 200)
        for littleEndian in [true, false] {
            for nanosecond in [true, false] {
                let bytes = CaptureWriter.pcap(real, linkType: 1, littleEndian: littleEndian, nanosecond: nanosecond)
                #expect(Self.same(Self.summaries(try PacketCaptureReader(bytes: bytes, file: "b"), file: "b").0, expected) == "same")
            }
            let ng = try PacketCaptureReader(bytes: CaptureWriter.pcapng(real, linkType: 1, littleEndian: littleEndian), file: "c.pcapng")
            #expect(ng.format == .pcapng)
            let (decoded, decoder) = Self.summaries(ng, file: "c")
            #expect(Self.same(decoded, expected) == "same")
            #expect(decoder.diagnostics.total == 0)
        }
    }

    @Test func nanosecondTimestampsKeepTheirDigits() throws {
        let packet = try #require(try NetworkFixture.packets("pcap/ssh-bruteforce.pcap").first)
        let time: Int64 = 1_774_219_636_123_456_789
        for bytes in [
            CaptureWriter.pcap([(time, Array(packet.data))], linkType: 1, littleEndian: false, nanosecond: true),
            CaptureWriter.pcapng([(time, Array(packet.data))], linkType: 1, littleEndian: true),
        ] {
            var reader = try PacketCaptureReader(bytes: bytes, file: "t")
            let read = reader.next()
            #expect(read?.timestamp == time)
        }
    }

    /// Real Ethernet frames rewritten as Linux cooked v1 and v2, raw IP and 802.1Q/802.1ad-tagged Ethernet.
    @Test func decodesCookedRawAndVLANTaggedFrames() throws {
        let frames = try NetworkFixture.packets("pcap/c2-beacon-capture-1.pcap").prefix(100).map { ($0.timestamp, Array($0.data)) }
        let (expected, _) = Self.summaries(try PacketCaptureReader(bytes: CaptureWriter.pcap(frames, linkType: 1, littleEndian: true, nanosecond: false), file: "e"), file: "e")
        func rewrite(_ linkType: UInt32, _ transform: ([UInt8]) -> [UInt8]) throws -> [Summary] {
            let bytes = CaptureWriter.pcap(frames.map { ($0.0, transform($0.1)) }, linkType: linkType, littleEndian: false, nanosecond: false)
            return Self.summaries(try PacketCaptureReader(bytes: bytes, file: "x"), file: "x").0
        }
        let sll = try rewrite(113) { frame in [0, 0, 0, 1, 0, 6] + Array(frame[6..<12]) + [0, 0] + Array(frame[12...]) }
        let sll2 = try rewrite(276) { frame in Array(frame[12..<14]) + [0, 0, 0, 0, 0, 2, 0, 1, 0, 6] + Array(frame[6..<12]) + [0, 0] + Array(frame[14...]) }
        let raw = try rewrite(101) { frame in Array(frame[14...]) }
        let tagged = try rewrite(1) { frame in Array(frame[0..<12]) + [0x88, 0xA8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x2A] + Array(frame[12...]) }
        #expect(Self.same(sll, expected) == "same")
        #expect(Self.same(sll2, expected) == "same")
        #expect(Self.same(raw, expected) == "same")
        #expect(Self.same(tagged, expected) == "same")
        var reader = try PacketCaptureReader(
            bytes: CaptureWriter.pcap([frames[0]].map { ($0.0, Array($0.1[0..<12]) + [0x81, 0x00, 0x20, 0x2A] + Array($0.1[12...])) }, linkType: 1, littleEndian: true, nanosecond: false),
            file: "v")
        var decoder = PacketDecoder(file: "v")
        let vlanPacket = try #require(Self.first(&reader))
        let tagged1 = decoder.decode(vlanPacket)
        #expect(tagged1?.vlan == 42)
    }

    @Test func decodesIPv6WithExtensionHeadersAndDNSQuestions() throws {
        // An IPv6 UDP DNS query for "Example.COM" behind a hop-by-hop header, built by hand (RFC 8200, RFC 1035).
        let dns: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7] + Array("Example".utf8) + [3] + Array("COM".utf8) + [0, 0, 1, 0, 1]
        let udp: [UInt8] = [0xC0, 0x00, 0x00, 0x35, 0, UInt8(8 + dns.count), 0, 0] + dns
        let hopByHop: [UInt8] = [17, 0, 1, 4, 0, 0, 0, 0]
        let source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        let destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x35]
        let payloadLength = hopByHop.count + udp.count
        let ipv6: [UInt8] = [0x60, 0, 0, 0, UInt8(payloadLength >> 8), UInt8(payloadLength & 0xFF), 0, 64] + source + destination + hopByHop + udp
        var reader = try PacketCaptureReader(bytes: CaptureWriter.pcap([(1_000_000_000, ipv6)], linkType: 229, littleEndian: true, nanosecond: false), file: "v6")
        var decoder = PacketDecoder(file: "v6")
        let captured = try #require(Self.first(&reader))
        let decodedPacket = decoder.decode(captured)
        let packet = try #require(decodedPacket)
        #expect(packet.source.description == "2001:db8::1")
        #expect(packet.destination.description == "2001:db8::35")
        #expect(packet.transport == 17)
        #expect(packet.destinationPort == 53)
        #expect(packet.dns?.name == "example.com")
        #expect(packet.dns?.isResponse == false)
        #expect(packet.dns?.questionType == 1)
    }

    @Test func countsUnknownLinkTypesAndTruncatedHeadersWithTheirPacket() throws {
        let frame = Array(try #require(try NetworkFixture.packets("pcap/c2-beacon-capture-1.pcap").first).data)
        var reader = try PacketCaptureReader(bytes: CaptureWriter.pcap([(0, frame)], linkType: 147, littleEndian: true, nanosecond: false), file: "odd.pcap")
        var decoder = PacketDecoder(file: "odd.pcap")
        let odd = try #require(Self.first(&reader))
        let oddDecoded = decoder.decode(odd)
        #expect(oddDecoded == nil)
        #expect(decoder.diagnostics[.unknownLinkType] == 1)
        #expect(decoder.diagnostics.samples.first?.place == "odd.pcap: packet 1")
        var short = try PacketCaptureReader(bytes: CaptureWriter.pcap([(0, Array(frame.prefix(30)))], linkType: 1, littleEndian: true, nanosecond: false), file: "s.pcap")
        var shortDecoder = PacketDecoder(file: "s.pcap")
        let cut = try #require(Self.first(&short))
        let cutDecoded = shortDecoder.decode(cut)
        #expect(cutDecoded == nil)
        #expect(shortDecoder.diagnostics[.truncatedPacket] == 1)
        #expect(shortDecoder.diagnostics.samples.first?.message == "IPv4 header needs 20 bytes, 16 captured")
    }

    /// Every prefix length of a real capture (in steps, plus the bytes around each record boundary) reads without a trap,
    /// yields only whole records, and reports a cut record as a truncated file.
    @Test func survivesEveryTruncationOfARealCapture() throws {
        let file = try NetworkFixture.bytes("pcap/ssh-bruteforce.pcap")
        let all = Array(try PacketCaptureReader(bytes: file, file: "w").prefix(150))
        let whole = file.prefix(24 + all.reduce(0) { $0 + 16 + $1.data.count })
        var cuts = Set(stride(from: 24, to: whole.count, by: 97))
        var boundary = 24
        for packet in all.prefix(40) {
            cuts.formUnion([boundary - 1, boundary, boundary + 1, boundary + 15, boundary + 16, boundary + 17])
            boundary += 16 + packet.data.count
        }
        for cut in cuts.sorted() where cut >= 24 && cut <= whole.count {
            var reader = try PacketCaptureReader(bytes: Array(whole.prefix(cut)), file: "cut.pcap")
            var decoder = PacketDecoder(file: "cut.pcap")
            var read = 0
            while let packet = reader.next() {
                #expect(packet.data.elementsEqual(all[read].data))
                _ = decoder.decode(packet)
                read += 1
            }
            let endsOnBoundary = read < all.count ? cut == 24 + all.prefix(read).reduce(0) { $0 + 16 + $1.data.count } : true
            #expect(reader.diagnostics[.truncatedFile] == (endsOnBoundary ? 0 : 1), "cut at \(cut)")
        }
        #expect(throws: CaptureError.self) { try PacketCaptureReader(bytes: Array(whole.prefix(10)), file: "tiny.pcap") }
    }

    @Test func survivesTruncatedAndCorruptedPcapngBlocks() throws {
        let real = try NetworkFixture.packets("pcap/ssh-bruteforce.pcap").prefix(30).map { ($0.timestamp, Array($0.data)) }
        let ng = CaptureWriter.pcapng(real, linkType: 1, littleEndian: true)
        for cut in stride(from: 28, to: ng.count, by: 13) {
            var reader = try PacketCaptureReader(bytes: Array(ng.prefix(cut)), file: "cut.pcapng")
            var decoder = PacketDecoder(file: "cut.pcapng")
            while let packet = reader.next() { _ = decoder.decode(packet) }
            #expect(reader.diagnostics.total <= 1)
        }
        var corrupt = ng
        corrupt[28 + 32 + 16 + 4] = 0x03  // the first packet block's length is no longer a multiple of 4
        var reader = try PacketCaptureReader(bytes: corrupt, file: "bad.pcapng")
        let none = reader.next()
        #expect(none == nil)
        #expect(reader.diagnostics[.malformedBlock] == 1)
        #expect(reader.diagnostics.samples.first?.place == "bad.pcapng: block at byte 76")
    }

    @Test func readsAFileFromDiskInSmallChunks() throws {
        let path = NetworkFixture.path("pcap/malicious-7.pcap")
        let chunked = Array(try PacketCaptureReader(input: ByteInput(path: path, chunkSize: 4096), file: path)).map(\.timestamp)
        #expect(chunked == (try NetworkFixture.packets("pcap/malicious-7.pcap")).map(\.timestamp))
    }
}
