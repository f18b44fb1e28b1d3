/// Builds bidirectional flows from decoded packets and hands each one out when it ends or goes idle.
///
/// A flow is keyed by its 5-tuple in either direction; the originator is the sender of the first packet seen, or the
/// SYN sender. TCP flows end shortly after both FINs or an RST; every flow ends after `idleTimeout` seconds of silence.
/// The table holds at most `capacity` flows: past that the longest-idle flow is emitted early and counted.
public struct FlowTable: Sendable {
    struct Key: Hashable {
        var a: HostAddress
        var b: HostAddress
        var portA: UInt16
        var portB: UInt16
        var transport: UInt8
    }

    struct Entry {
        var record: FlowRecord
        var firstPacket: Int
        var lastPacket: Int
        var finFromOriginator = false
        var finFromResponder = false
        var reset = false
        var synAckSeen = false
        var synSeen = false
        var resetFromResponder = false
        var lastSeen: Double
    }

    public let idleTimeout: Double
    /// Seconds a TCP flow is kept after it closed, for stray retransmissions.
    public let closedTimeout: Double
    public let capacity: Int
    public let file: String
    /// `file`, as the origins of the flows name it.
    private let name: InternedName
    private var entries: [Key: Entry] = [:]
    private var lastSweep: Double = 0
    /// Flows emitted before they ended because the table was full.
    public private(set) var evictedEarly = 0
    public private(set) var flowsEmitted = 0

    public init(file: String, idleTimeout: Double = 120, closedTimeout: Double = 5, capacity: Int = 500_000) {
        self.file = file
        name = InternedName(file)
        self.idleTimeout = idleTimeout
        self.closedTimeout = closedTimeout
        self.capacity = max(capacity, 1)
    }

    public var activeFlows: Int { entries.count }

    /// Adds a packet; returns the flows that ended by now (closed or idle), oldest first.
    public mutating func add(_ packet: DecodedPacket, emit: (FlowRecord) -> Void) {
        let now = packet.seconds
        let forward = (packet.source, packet.sourcePort) <= (packet.destination, packet.destinationPort)
        let key =
            forward
            ? Key(a: packet.source, b: packet.destination, portA: packet.sourcePort, portB: packet.destinationPort, transport: packet.transport)
            : Key(a: packet.destination, b: packet.source, portA: packet.destinationPort, portB: packet.sourcePort, transport: packet.transport)
        let isSyn = packet.transport == 6 && packet.tcpFlags & DecodedPacket.syn != 0
        let isSynAck = isSyn && packet.tcpFlags & DecodedPacket.ack != 0
        if var entry = entries[key] {
            // A new SYN on a closed flow's 5-tuple starts a new connection (ports get reused).
            if isSyn, !isSynAck, entry.reset || (entry.finFromOriginator && entry.finFromResponder) {
                entries[key] = nil
                finish(entry, emit: emit)
            } else {
                update(&entry, with: packet, isSynAck: isSynAck)
                entries[key] = entry
                sweepIfDue(now, emit: emit)
                return
            }
        }
        // SYN-ACK first means we missed the SYN: the receiver of the SYN-ACK opened it.
        let reversed = isSynAck
        var record = FlowRecord(
            start: now, end: now, originator: reversed ? packet.destination : packet.source, responder: reversed ? packet.source : packet.destination,
            originatorPort: reversed ? packet.destinationPort : packet.sourcePort, responderPort: reversed ? packet.sourcePort : packet.destinationPort,
            transport: packet.transport, source: .capture(file: name, first: packet.number, last: packet.number))
        record.originatorMAC = reversed ? packet.destinationMAC : packet.sourceMAC
        record.responderMAC = reversed ? packet.sourceMAC : packet.destinationMAC
        var entry = Entry(record: record, firstPacket: packet.number, lastPacket: packet.number, lastSeen: now)
        update(&entry, with: packet, isSynAck: isSynAck)
        if entries.count >= capacity { evictOldest(emit: emit) }
        entries[key] = entry
        sweepIfDue(now, emit: emit)
    }

    private func update(_ entry: inout Entry, with packet: DecodedPacket, isSynAck: Bool) {
        let fromOriginator = packet.source == entry.record.originator && packet.sourcePort == entry.record.originatorPort
        entry.record.end = max(entry.record.end, packet.seconds)
        entry.lastSeen = max(entry.lastSeen, packet.seconds)
        entry.lastPacket = packet.number
        if fromOriginator {
            entry.record.originatorPackets += 1
            entry.record.originatorBytes += UInt64(packet.ipLength)
        } else {
            entry.record.responderPackets += 1
            entry.record.responderBytes += UInt64(packet.ipLength)
        }
        guard packet.transport == 6 else { return }
        let flags = packet.tcpFlags
        if flags & DecodedPacket.syn != 0 {
            if isSynAck { entry.synAckSeen = true } else { entry.synSeen = true }
        }
        if flags & DecodedPacket.fin != 0 {
            if fromOriginator { entry.finFromOriginator = true } else { entry.finFromResponder = true }
        }
        if flags & DecodedPacket.rst != 0 {
            entry.reset = true
            if !fromOriginator { entry.resetFromResponder = true }
        }
        if entry.record.serviceName == nil, !packet.payload.isEmpty {
            entry.record.serviceName = ApplicationProtocol.recognise(packet.payload, port: entry.record.responderPort).map(InternedName.init)
        }
    }

    private mutating func sweepIfDue(_ now: Double, emit: (FlowRecord) -> Void) {
        guard now - lastSweep >= min(1, closedTimeout) else { return }
        lastSweep = now
        var ended: [(Key, Entry)] = []
        for (key, entry) in entries {
            let closed = entry.reset || (entry.finFromOriginator && entry.finFromResponder)
            if now - entry.lastSeen >= idleTimeout || (closed && now - entry.lastSeen >= closedTimeout) { ended.append((key, entry)) }
        }
        ended.sort { $0.1.record.start < $1.1.record.start }
        for (key, entry) in ended {
            entries[key] = nil
            finish(entry, emit: emit)
        }
    }

    private mutating func evictOldest(emit: (FlowRecord) -> Void) {
        guard let oldest = entries.min(by: { $0.value.lastSeen < $1.value.lastSeen }) else { return }
        entries[oldest.key] = nil
        evictedEarly += 1
        finish(oldest.value, emit: emit)
    }

    /// Emits every flow still open, oldest first (the end of the input).
    public mutating func flush(emit: (FlowRecord) -> Void) {
        let all = entries.values.sorted { $0.record.start < $1.record.start }
        entries.removeAll()
        for entry in all { finish(entry, emit: emit) }
    }

    private mutating func finish(_ entry: Entry, emit: (FlowRecord) -> Void) {
        var record = entry.record
        if record.transport == 6 {
            if entry.synAckSeen || (record.originatorPackets > 0 && record.responderPackets > 0 && !entry.resetFromResponder) {
                record.outcome = .established
            } else if entry.resetFromResponder {
                record.outcome = .rejected
            } else if entry.synSeen && record.responderPackets == 0 {
                record.outcome = .unanswered
            }
        }
        record.source = .capture(file: name, first: entry.firstPacket, last: entry.lastPacket)
        flowsEmitted += 1
        emit(record)
    }
}

/// Recognises an application protocol from the first payload bytes, whatever the port.
public enum ApplicationProtocol {
    /// `ssh` for an RFC 4253 §4.2 identification string, `telnet` for option negotiation (RFC 854 IAC) or port 23/2323.
    public static func recognise(_ payload: ArraySlice<UInt8>, port: UInt16) -> String? {
        if payload.starts(with: Array("SSH-".utf8)) { return "ssh" }
        if let first = payload.first, first == 0xFF, payload.count >= 3, (251...254).contains(payload[payload.startIndex + 1]) { return "telnet" }
        if port == 23 || port == 2323 { return "telnet" }
        return nil
    }
}
