/// Reads one capture, log or flow-export file of any supported kind into a ``TrafficAnalyzer``.
///
/// The kind is recognised from the first bytes, not the name. Packets go through the decoder, the flow table and the
/// stream statistics; UDP datagrams to a flow-export port (2055, 4739, 9995, 9996) inside a capture are decoded as
/// NetFlow/IPFIX, so a capture of export traffic is read as the flows it carries.
public struct TrafficFile: Sendable {
    public enum Kind: String, Sendable, Codable { case pcap, pcapng, zeek, flowExport = "flow-export" }

    /// What was read from a file, and what could not be.
    public struct Summary: Sendable, Codable, Hashable {
        public var file: String
        public var kind: Kind
        public var packets = 0
        public var nonIPPackets = 0
        public var flows = 0
        public var lookups = 0
        public var exportMessages = 0
        /// Stream statistics tracked at the end, and evicted on the way (idle or over capacity).
        public var streamsTracked = 0
        public var streamsEvicted = 0
        public var diagnostics = InputDiagnostics()
    }

    public static let flowExportPorts: Set<UInt16> = [2055, 4739, 9995, 9996]

    /// Recognises the file's kind from its first bytes.
    public static func kind(of path: String) throws(CaptureError) -> Kind {
        let input = try ByteInput(path: path, chunkSize: 4096)
        guard let head = input.peek(Swift.min(input.fill(64), 64)), head.count >= 2 else {
            throw CaptureError.unknownFormat(file: path, detail: "empty file")
        }
        if head.count >= 4 {
            switch BinaryField(head).u32(0) {
            case 0xA1B2_C3D4, 0xA1B2_3C4D, 0xD4C3_B2A1, 0x4D3C_B2A1: return .pcap
            case 0x0A0D_0D0A: return .pcapng
            default: break
            }
        }
        if head.first == UInt8(ascii: "#") || head.first == UInt8(ascii: "{") { return .zeek }
        if FlowExportFileReader.looksLikeExport(head) { return .flowExport }
        throw CaptureError.unknownFormat(file: path, detail: "not a pcap, pcapng, Zeek conn.log, IPFIX or NetFlow v5 file")
    }

    /// Streams the file through `analyzer`; `progress` is called now and then with the bytes read so far, and
    /// `featuresOf` with each IP packet and its stream features (for the anomaly detector).
    public static func analyze(
        path: String, into analyzer: inout TrafficAnalyzer, statistics: inout StreamStatistics, progress: (Int) -> Void = { _ in },
        featuresOf: (DecodedPacket, [Double]) -> Void = { _, _ in }
    ) throws(CaptureError) -> Summary {
        let kind = try kind(of: path)
        var summary = Summary(file: path, kind: kind)
        switch kind {
        case .pcap, .pcapng:
            let input = try ByteInput(path: path)
            var reader = try PacketCaptureReader(input: input, file: path)
            var decoder = PacketDecoder(file: path)
            var table = FlowTable(file: path)
            var exports = FlowExportDecoder()
            let name = InternedName(path)
            var features: [Double] = []
            while let packet = reader.next() {
                summary.packets += 1
                if summary.packets % 65_536 == 0 { progress(input.offset) }
                guard let decoded = decoder.decode(packet) else { continue }
                if decoded.transport == 17, flowExportPorts.contains(decoded.destinationPort), decoded.payload.count == decoded.payloadLength {
                    summary.exportMessages += 1
                    exports.decode(decoded.payload, exporter: decoded.source, at: .packet(file: name, number: packet.number)) { analyzer.observe($0) }
                    continue
                }
                statistics.update(decoded, features: &features)
                featuresOf(decoded, features)
                if let dns = decoded.dns {
                    // The client is the side that is not the DNS server port.
                    let fromClient = !dns.isResponse
                    analyzer.observe(
                        DNSObservation(
                            time: decoded.seconds, client: fromClient ? decoded.source : decoded.destination,
                            clientMAC: fromClient ? decoded.sourceMAC : decoded.destinationMAC, name: dns.name, isResponse: dns.isResponse,
                            responseCode: dns.responseCode, origin: "\(path) packet \(packet.number)"))
                }
                table.add(decoded) { analyzer.observe($0) }
            }
            table.flush { analyzer.observe($0) }
            summary.flows = table.flowsEmitted + exports.records
            summary.nonIPPackets = decoder.nonIP
            summary.diagnostics = reader.diagnostics
            summary.diagnostics.merge(decoder.diagnostics)
            summary.diagnostics.merge(exports.diagnostics)
            for _ in 0..<table.evictedEarly { summary.diagnostics.record(.evictedEarly, at: path, "flow table full: a flow was ended early") }
        case .zeek:
            var reader = try ZeekConnReader(path: path)
            while let flow = reader.next() {
                summary.flows += 1
                analyzer.observe(flow)
            }
            summary.diagnostics = reader.diagnostics
        case .flowExport:
            var reader = try FlowExportFileReader(path: path)
            var exports = FlowExportDecoder()
            let exporter = HostAddress(ipv4: 0)
            while let (message, place) = reader.next() {
                summary.exportMessages += 1
                exports.decode(message, exporter: exporter, at: place) { analyzer.observe($0) }
            }
            summary.flows = exports.records
            summary.diagnostics = reader.diagnostics
            summary.diagnostics.merge(exports.diagnostics)
        }
        summary.lookups = analyzer.lookups
        summary.streamsTracked = statistics.trackedStreams
        summary.streamsEvicted = statistics.evictedIdle + statistics.evictedEarly
        return summary
    }
}
