/// One conversation between two endpoints, whatever it was read from: a capture's flow table, a Zeek conn.log line or
/// a NetFlow/IPFIX record. "Originator" is the side that opened it (or sent first).
public struct FlowRecord: Sendable, Hashable {
    /// How a TCP connection attempt ended, as far as the record tells.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The responder answered (SYN-ACK seen, or data both ways).
        case established
        /// The responder refused (RST in answer to the SYN).
        case rejected
        /// No answer at all.
        case unanswered
        /// Not TCP, or the record does not say.
        case unknown
    }

    /// Seconds since 1970 UTC.
    public var start: Double
    public var end: Double
    public var originator: HostAddress
    public var responder: HostAddress
    public var originatorPort: UInt16
    public var responderPort: UInt16
    public var transport: UInt8
    public var originatorPackets: UInt64
    public var responderPackets: UInt64
    public var originatorBytes: UInt64
    public var responderBytes: UInt64
    public var outcome: Outcome
    public var originatorMAC: HardwareAddress?
    public var responderMAC: HardwareAddress?
    /// Application protocol when known: a Zeek `service`, or `ssh` / `telnet` recognised from the first payload.
    public var service: String? {
        get { serviceName?.text }
        set { serviceName = newValue.map(InternedName.init) }
    }
    var serviceName: InternedName?
    /// Where the record came from: `conn.log:17`, `capture.pcap packets 12–40`, `exporter 10.0.0.1 message 3 set at byte 20 record 5`.
    /// Text set here is kept as an ``InternedName``: meant for names that repeat, not a new one for every record.
    public var origin: String {
        get { source.text }
        set { source = .text(InternedName(newValue)) }
    }
    /// `origin` in parts, joined only when read: a collector decodes millions of records and reads the origin of the
    /// few that become evidence. Every part is a number, so a record is plain data.
    var source: Source

    /// Where a record came from: a caller's text, or the place of a captured flow, a log line or an exported record.
    enum Source: Sendable, Hashable {
        case text(InternedName)
        /// A flow built from packets `first` to `last` (numbered from 1) of a capture file.
        case capture(file: InternedName, first: Int, last: Int)
        /// Line `line` of a log file.
        case logLine(file: InternedName, line: Int)
        /// Record `index` (from 1) of `message`, in the set (or flowset) at byte `offset` when the export has sets.
        case exportRecord(message: MessagePlace, set: SetWord?, offset: Int, index: Int)

        var text: String {
            switch self {
            case .text(let text): text.text
            case .capture(let file, let first, let last) where first == last: "\(file) packet \(first)"
            case .capture(let file, let first, let last): "\(file) packets \(first)–\(last)"
            case .logLine(let file, let line): "\(file):\(line)"
            case .exportRecord(let message, let set?, let offset, let index): "\(message.text) \(set.rawValue) at byte \(offset) record \(index)"
            case .exportRecord(let message, nil, _, let index): "\(message.text) record \(index)"
            }
        }

        /// A record of a flow export (NetFlow, IPFIX), which tells what one side sent and nothing of the other.
        var isExportRecord: Bool {
            switch self {
            case .exportRecord: true
            case .capture, .logLine: false
            case .text(let text): text.text.contains("record")
            }
        }

        // The same origin is the same text, however it is held.
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.text == rhs.text }
        func hash(into hasher: inout Hasher) { hasher.combine(text) }
    }

    /// Where an export message came from, held as numbers so that a record carrying it is plain data.
    public enum MessagePlace: Sendable, Hashable, CustomStringConvertible {
        /// A name the caller gave the message.
        case named(InternedName)
        /// Message `number` received by a collector from `exporter`.
        case received(exporter: HostAddress, number: Int)
        /// Message `number` (from 1) of an export file, at byte `offset`.
        case fileMessage(file: InternedName, number: Int, offset: Int)
        /// The export carried by packet `number` of a capture file.
        case packet(file: InternedName, number: Int)

        public var text: String {
            switch self {
            case .named(let name): name.text
            case .received(let exporter, let number): "exporter \(exporter) message \(number)"
            case .fileMessage(let file, let number, let offset): "\(file) message \(number) at byte \(offset)"
            case .packet(let file, let number): "\(file) packet \(number)"
            }
        }

        public var description: String { text }
    }

    /// What an export calls its groups of records: NetFlow v9 flowsets, IPFIX sets.
    enum SetWord: String, Sendable, Hashable {
        case flowset, set
    }

    public init(
        start: Double, end: Double, originator: HostAddress, responder: HostAddress, originatorPort: UInt16, responderPort: UInt16,
        transport: UInt8, originatorPackets: UInt64 = 0, responderPackets: UInt64 = 0, originatorBytes: UInt64 = 0, responderBytes: UInt64 = 0,
        outcome: Outcome = .unknown, originatorMAC: HardwareAddress? = nil, responderMAC: HardwareAddress? = nil, service: String? = nil,
        origin: String
    ) {
        self.init(
            start: start, end: end, originator: originator, responder: responder, originatorPort: originatorPort, responderPort: responderPort,
            transport: transport, originatorPackets: originatorPackets, responderPackets: responderPackets, originatorBytes: originatorBytes,
            responderBytes: responderBytes, outcome: outcome, originatorMAC: originatorMAC, responderMAC: responderMAC, serviceName: service.map(InternedName.init),
            source: .text(InternedName(origin)))
    }

    init(
        start: Double, end: Double, originator: HostAddress, responder: HostAddress, originatorPort: UInt16, responderPort: UInt16,
        transport: UInt8, originatorPackets: UInt64 = 0, responderPackets: UInt64 = 0, originatorBytes: UInt64 = 0, responderBytes: UInt64 = 0,
        outcome: Outcome = .unknown, originatorMAC: HardwareAddress? = nil, responderMAC: HardwareAddress? = nil, serviceName: InternedName? = nil,
        source: Source
    ) {
        self.start = start
        self.end = end
        self.originator = originator
        self.responder = responder
        self.originatorPort = originatorPort
        self.responderPort = responderPort
        self.transport = transport
        self.originatorPackets = originatorPackets
        self.responderPackets = responderPackets
        self.originatorBytes = originatorBytes
        self.responderBytes = responderBytes
        self.outcome = outcome
        self.originatorMAC = originatorMAC
        self.responderMAC = responderMAC
        self.serviceName = serviceName
        self.source = source
    }

    public var duration: Double { max(0, end - start) }

    public var transportName: String {
        switch transport {
        case 6: "tcp"
        case 17: "udp"
        case 1: "icmp"
        case 58: "icmp6"
        default: "ip-proto-\(transport)"
        }
    }

    /// One line naming the flow, for evidence.
    public var summary: String {
        let state = outcome == .unknown ? "" : " \(outcome.rawValue)"
        return "\(originator):\(originatorPort) → \(responder):\(responderPort) \(transportName)\(state), "
            + "\(originatorPackets)/\(responderPackets) packets, \(originatorBytes)/\(responderBytes) bytes (\(origin))"
    }
}
