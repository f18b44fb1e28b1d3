/// Decodes NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export messages into ``FlowRecord``s.
///
/// Templates and options templates are kept per exporter and observation domain (v9 source id), and expire when not
/// refreshed within `templateLifetime` seconds of export time (RFC 7011 §8.4 for UDP; RFC 3954 §9). Sequence numbers
/// are checked per exporter and domain: gaps (lost messages), duplicates and messages out of order are counted. A
/// malformed message, set or template is counted with its place and skipped; decoding goes on with the next one.
public struct FlowExportDecoder: Sendable {
    struct Domain: Hashable, StateKey {
        var exporter: HostAddress
        var id: UInt32
        var version: UInt16

        func hash(seed: UInt64) -> UInt64 { exporter.hash(seed: seed ^ UInt64(id) << 16 ^ UInt64(version)) }
    }

    struct SequenceState {
        var expected: UInt32
        /// The latest sequence numbers received, at most ``remembered``; once full, the oldest is overwritten.
        private(set) var recent: [UInt32]
        private var oldest = 0

        static let remembered = 64

        init(expected: UInt32, received: UInt32) {
            self.expected = expected
            recent = [received]
            recent.reserveCapacity(Self.remembered)
        }

        /// `sequence` arrived as the one expected (or after a gap): the next expected is `advance` past it.
        mutating func accept(_ sequence: UInt32, advance: UInt32) {
            expected = sequence &+ advance
            remember(sequence)
        }

        mutating func remember(_ sequence: UInt32) {
            if recent.count < Self.remembered {
                recent.append(sequence)
            } else {
                recent[oldest] = sequence
                oldest = (oldest + 1) % Self.remembered
            }
        }
    }

    public let templateLifetime: UInt32
    public private(set) var diagnostics = InputDiagnostics()
    public private(set) var messages = 0
    public private(set) var records = 0
    /// Options data records read (exporter statistics, sampling): counted, not flows.
    public private(set) var optionsRecords = 0
    // Looked up for every message: tables with a fast seeded hash rather than dictionaries (SipHash).
    private var templates = StateTable<Domain, [UInt16: FlowTemplate]>()
    private var sequences = StateTable<Domain, SequenceState>()
    /// v9 and v5 time flows by the exporter's uptime in milliseconds; this maps it to wall-clock.
    private var bootTimes = StateTable<Domain, Double>()

    /// Exporter domains whose templates and sequence numbers are kept; beyond this (spoofed sources, say) the state
    /// of an arbitrary other domain is forgotten and counted as ``InputDiagnostics/Kind/evictedEarly``.
    public let domainLimit: Int

    public init(templateLifetime: UInt32 = 1800, domainLimit: Int = 4096) {
        self.templateLifetime = templateLifetime
        self.domainLimit = Swift.max(1, domainLimit)
    }

    /// Makes room for `domain`'s state, forgetting another domain when the limit is reached.
    private mutating func admit(_ domain: Domain, place: FlowRecord.MessagePlace) {
        guard sequences.count >= domainLimit, sequences[domain] == nil, let victim = sequences.anyKey else { return }
        sequences[victim] = nil
        templates[victim] = nil
        bootTimes[victim] = nil
        diagnostics.record(.evictedEarly, at: place.text, "more than \(domainLimit) exporter domains: forgot domain \(victim.id) of \(victim.exporter)")
    }

    /// Exporter observation domains seen (one per exporter address, version and source id).
    public var domainCount: Int { sequences.count }

    /// How many templates are cached (all exporters and domains).
    public var templateCount: Int { templates.values.reduce(0) { $0 + $1.count } }

    /// Decodes one export message (one UDP datagram) from `exporter`; `place` names it in problems. The name is kept
    /// as an ``InternedName``: for a stream of messages, name each with ``decode(_:exporter:at:emit:)``.
    public mutating func decode(_ message: ArraySlice<UInt8>, exporter: HostAddress, place: String, emit: (FlowRecord) -> Void) {
        decode(message, exporter: exporter, at: .named(InternedName(place)), emit: emit)
    }

    /// Decodes message `number` received from `exporter`, named `exporter ADDRESS message NUMBER` in problems and in its
    /// records' origins. The name is written out only when read, so a collector makes no text for a datagram.
    public mutating func decode(_ message: ArraySlice<UInt8>, exporter: HostAddress, messageNumber number: Int, emit: (FlowRecord) -> Void) {
        decode(message, exporter: exporter, at: .received(exporter: exporter, number: number), emit: emit)
    }

    /// Decodes one export message from `exporter`, named by `place` in problems and in its records' origins.
    public mutating func decode(_ message: ArraySlice<UInt8>, exporter: HostAddress, at place: FlowRecord.MessagePlace, emit: (FlowRecord) -> Void) {
        let field = BinaryField(message)
        guard field.has(0, 2) else {
            diagnostics.record(.truncatedPacket, at: place.text, "export message shorter than its version field")
            return
        }
        messages += 1
        switch field.u16(0) {
        case 5: decodeV5(field, exporter: exporter, place: place, emit: emit)
        case 9: decodeV9(field, exporter: exporter, place: place, emit: emit)
        case 10: decodeIPFIX(field, exporter: exporter, place: place, emit: emit)
        case let version: diagnostics.record(.unsupportedVersion, at: place.text, "flow export version \(version) is not NetFlow v5, v9 or IPFIX")
        }
    }

    private mutating func checkSequence(_ domain: Domain, sequence: UInt32, advance: UInt32, place: FlowRecord.MessagePlace) {
        // Read and changed in the table: a copy taken out would make the first change copy its numbers.
        guard let expected = sequences[domain]?.expected else {
            sequences[domain] = SequenceState(expected: sequence &+ advance, received: sequence)
            return
        }
        if sequence != expected {
            let ahead = sequence &- expected
            if sequences[domain]?.recent.contains(sequence) == true {
                diagnostics.record(.sequenceDuplicate, at: place.text, "sequence number \(sequence) was already received")
                return
            } else if ahead > UInt32.max / 2 {
                diagnostics.record(.sequenceOutOfOrder, at: place.text, "sequence number \(sequence) arrived after \(expected &- 1)")
                sequences[domain]?.remember(sequence)
                return
            } else {
                diagnostics.record(.sequenceGap, at: place.text, "expected sequence number \(expected), got \(sequence): \(ahead) missing")
            }
        }
        sequences[domain]?.accept(sequence, advance: advance)
    }

    // MARK: NetFlow v5

    private mutating func decodeV5(_ field: BinaryField, exporter: HostAddress, place: FlowRecord.MessagePlace, emit: (FlowRecord) -> Void) {
        guard field.has(0, 24) else {
            diagnostics.record(.truncatedPacket, at: place.text, "NetFlow v5 header needs 24 bytes, \(field.count) received")
            return
        }
        let count = Int(field.u16(2))
        let uptime = Double(field.u32(4)) / 1000
        let now = Double(field.u32(8)) + Double(field.u32(12)) / 1e9
        let domain = Domain(exporter: exporter, id: UInt32(field.u8(20)) << 8 | UInt32(field.u8(21)), version: 5)
        guard (1...30).contains(count), field.has(24, count * 48) else {
            diagnostics.record(.malformedRecord, at: place.text, "NetFlow v5 header announces \(count) records, the message holds \((field.count - 24) / 48)")
            return
        }
        admit(domain, place: place)
        // v5's flow_sequence counts flows, not messages.
        checkSequence(domain, sequence: field.u32(16), advance: UInt32(count), place: place)
        let boot = now - uptime
        for index in 0..<count {
            let at = 24 + index * 48
            let first = boot + Double(field.u32(at + 24)) / 1000
            let last = boot + Double(field.u32(at + 28)) / 1000
            let flags = field.u8(at + 37)
            let transport = field.u8(at + 38)
            records += 1
            emit(
                FlowRecord(
                    start: first, end: Swift.max(first, last), originator: HostAddress(ipv4: field.u32(at)), responder: HostAddress(ipv4: field.u32(at + 4)),
                    originatorPort: field.u16(at + 32), responderPort: field.u16(at + 34), transport: transport,
                    originatorPackets: UInt64(field.u32(at + 16)), originatorBytes: UInt64(field.u32(at + 20)),
                    outcome: Self.outcome(transport: transport, flags: flags), source: .exportRecord(message: place, set: nil, offset: 0, index: index + 1)))
        }
    }

    /// Unidirectional exports say only what one side sent: a SYN with no ACK and no more means no answer came back.
    static func outcome(transport: UInt8, flags: UInt8?) -> FlowRecord.Outcome {
        guard transport == 6, let flags else { return .unknown }
        if flags & 0x02 != 0, flags & 0x10 == 0 { return flags & 0x04 != 0 ? .rejected : .unanswered }
        return flags & 0x10 != 0 ? .established : .unknown
    }

    // MARK: NetFlow v9

    private mutating func decodeV9(_ field: BinaryField, exporter: HostAddress, place: FlowRecord.MessagePlace, emit: (FlowRecord) -> Void) {
        guard field.has(0, 20) else {
            diagnostics.record(.truncatedPacket, at: place.text, "NetFlow v9 header needs 20 bytes, \(field.count) received")
            return
        }
        let uptime = Double(field.u32(4)) / 1000
        let exportTime = field.u32(8)
        let domain = Domain(exporter: exporter, id: field.u32(16), version: 9)
        admit(domain, place: place)
        // RFC 3954 §5.1: the v9 sequence number counts export packets.
        checkSequence(domain, sequence: field.u32(12), advance: 1, place: place)
        bootTimes[domain] = Double(exportTime) - uptime
        expireTemplates(domain, now: exportTime, place: place)
        var at = 20
        while field.has(at, 4) {
            let setID = field.u16(at)
            let length = Int(field.u16(at + 2))
            // Built only when needed: most sets are read without a problem to report.
            let setPlace = SetPlace(message: place, word: .flowset, offset: at)
            guard length >= 4, field.has(at, length) else {
                diagnostics.record(.malformedRecord, at: setPlace.text, "flowset length \(length) runs past the message (\(field.count - at) bytes left)")
                return
            }
            let body = BinaryField(field.slice(at + 4, length - 4))
            switch setID {
            case 0: readTemplates(body, domain: domain, now: exportTime, ipfix: false, options: false, place: setPlace)
            case 1: readTemplates(body, domain: domain, now: exportTime, ipfix: false, options: true, place: setPlace)
            case 256...: readData(body, templateID: setID, domain: domain, exportTime: exportTime, place: setPlace, emit: emit)
            default: diagnostics.record(.malformedRecord, at: setPlace.text, "flowset id \(setID) is reserved")
            }
            at += length
        }
    }

    // MARK: IPFIX

    private mutating func decodeIPFIX(_ field: BinaryField, exporter: HostAddress, place: FlowRecord.MessagePlace, emit: (FlowRecord) -> Void) {
        guard field.has(0, 16) else {
            diagnostics.record(.truncatedPacket, at: place.text, "IPFIX header needs 16 bytes, \(field.count) received")
            return
        }
        let length = Int(field.u16(2))
        guard length >= 16, length <= field.count else {
            diagnostics.record(.truncatedPacket, at: place.text, "IPFIX message length \(length), \(field.count) bytes received")
            return
        }
        let exportTime = field.u32(4)
        let domain = Domain(exporter: exporter, id: field.u32(12), version: 10)
        admit(domain, place: place)
        expireTemplates(domain, now: exportTime, place: place)
        let before = records + optionsRecords
        var at = 16
        while at + 4 <= length {
            let setID = field.u16(at)
            let setLength = Int(field.u16(at + 2))
            let setPlace = SetPlace(message: place, word: .set, offset: at)
            guard setLength >= 4, at + setLength <= length else {
                diagnostics.record(.malformedRecord, at: setPlace.text, "set length \(setLength) runs past the message (\(length - at) bytes left)")
                break
            }
            let body = BinaryField(field.slice(at + 4, setLength - 4))
            switch setID {
            case 2: readTemplates(body, domain: domain, now: exportTime, ipfix: true, options: false, place: setPlace)
            case 3: readTemplates(body, domain: domain, now: exportTime, ipfix: true, options: true, place: setPlace)
            case 256...: readData(body, templateID: setID, domain: domain, exportTime: exportTime, place: setPlace, emit: emit)
            default: diagnostics.record(.malformedRecord, at: setPlace.text, "set id \(setID) is reserved")
            }
            at += setLength
        }
        // RFC 7011 §3.1: the sequence number counts data records sent before this message, so it advances by this message's count.
        checkSequence(domain, sequence: field.u32(8), advance: UInt32(truncatingIfNeeded: records + optionsRecords - before), place: place)
    }

    // MARK: Templates

    private mutating func expireTemplates(_ domain: Domain, now: UInt32, place: FlowRecord.MessagePlace) {
        guard let known = templates[domain] else { return }
        // Nearly always nothing has expired, and the table is left as it is.
        for (id, template) in known where now > template.refreshed && now - template.refreshed > templateLifetime {
            templates[domain]?[id] = nil
            diagnostics.record(
                .expiredTemplate, at: place.text, "template \(id) of domain \(domain.id) expired: not refreshed for \(now - template.refreshed) s")
        }
    }

    private mutating func readTemplates(_ body: BinaryField, domain: Domain, now: UInt32, ipfix: Bool, options: Bool, place: SetPlace) {
        var at = 0
        // Padding at the end of a set is shorter than any template header.
        while body.has(at, options ? 6 : 4) {
            let id = body.u16(at)
            // Written out only for a problem to report.
            var tail: String { place.text + " template \(id)" }
            var fieldCount: Int
            var scopeCount = 0
            if options && !ipfix {
                // RFC 3954 §6.1: option scope length and option length, in bytes (4 per field).
                let scopeBytes = Int(body.u16(at + 2))
                let optionBytes = Int(body.u16(at + 4))
                guard scopeBytes % 4 == 0, optionBytes % 4 == 0, scopeBytes > 0 else {
                    diagnostics.record(.malformedTemplate, at: tail, "options template scope/option lengths \(scopeBytes)/\(optionBytes) are not whole fields")
                    return
                }
                scopeCount = scopeBytes / 4
                fieldCount = scopeCount + optionBytes / 4
                at += 6
            } else if options {
                fieldCount = Int(body.u16(at + 2))
                scopeCount = Int(body.u16(at + 4))
                guard scopeCount > 0, scopeCount <= fieldCount else {
                    diagnostics.record(.malformedTemplate, at: tail, "options template has \(scopeCount) scope fields of \(fieldCount)")
                    return
                }
                at += 6
            } else {
                fieldCount = Int(body.u16(at + 2))
                at += 4
            }
            guard id >= 256 else {
                diagnostics.record(.malformedTemplate, at: tail, "template id \(id) is below 256")
                return
            }
            if fieldCount == 0 {
                // RFC 7011 §8.1: a template with no fields withdraws it.
                templates[domain]?[id] = nil
                continue
            }
            var fields: [FlowTemplate.Field] = []
            for _ in 0..<fieldCount {
                guard body.has(at, 4) else {
                    diagnostics.record(.malformedTemplate, at: tail, "template announces \(fieldCount) fields, the set ends after \(fields.count)")
                    return
                }
                var element = body.u16(at)
                let length = body.u16(at + 2)
                var enterprise: UInt32 = 0
                at += 4
                if ipfix, element & 0x8000 != 0 {
                    guard body.has(at, 4) else {
                        diagnostics.record(.malformedTemplate, at: tail, "enterprise number cut short")
                        return
                    }
                    element &= 0x7FFF
                    enterprise = body.u32(at)
                    at += 4
                }
                guard length > 0, length == 0xFFFF ? ipfix : true else {
                    diagnostics.record(.malformedTemplate, at: tail, "field \(element) has length \(length)")
                    return
                }
                fields.append(FlowTemplate.Field(id: element, length: length, enterprise: enterprise))
            }
            // Exporters send their templates again every few seconds: the same one only refreshes its time, so its
            // layout is not worked out again.
            if let known = templates[domain]?[id], known.fields == fields, known.scopeFieldCount == scopeCount {
                templates[domain]?[id]?.refreshed = now
            } else {
                templates[domain, default: [:]][id] = FlowTemplate(id: id, fields: fields, scopeFieldCount: scopeCount, refreshed: now)
            }
        }
    }

    // MARK: Data

    /// A set's place in its message, as problems and origins name it.
    struct SetPlace {
        var message: FlowRecord.MessagePlace
        var word: FlowRecord.SetWord
        var offset: Int

        var text: String { "\(message.text) \(word.rawValue) at byte \(offset)" }
    }

    private mutating func readData(
        _ body: BinaryField, templateID: UInt16, domain: Domain, exportTime: UInt32, place: SetPlace, emit: (FlowRecord) -> Void
    ) {
        guard let template = templates[domain]?[templateID] else {
            diagnostics.record(
                .missingTemplate, at: place.text,
                "data for template \(templateID), which exporter \(domain.exporter) domain \(domain.id) has not sent (or let expire)")
            return
        }
        let minimum = Swift.max(template.minimumRecordLength, 1)
        let boot = bootTimes[domain]
        let layout = template.layout
        // The records are read from the set's bytes in place: no reference counting per record.
        body.bytes.withUnsafeBytes { raw in
            var at = 0
            var index = 0
            while raw.count - at >= minimum {
                var fields = RecordFields(body: raw, offsets: .zero, lengths: layout.fixedLengths)
                if let fixed = layout.fixedOffsets {
                    // Every field has a fixed length, so the record is `minimum` bytes and each element sits at a known place.
                    fields.offsets = fixed &+ SIMD32(repeating: Int32(at))
                    at += minimum
                } else {
                    for (position, field) in template.fields.enumerated() {
                        var length = Int(field.length)
                        if field.length == 0xFFFF {
                            // RFC 7011 §7: one length byte, or 255 followed by a 2-byte length.
                            guard body.has(at, 1) else { return malformed(place, index) }
                            length = Int(body.u8(at))
                            at += 1
                            if length == 255 {
                                guard body.has(at, 2) else { return malformed(place, index) }
                                length = Int(body.u16(at))
                                at += 2
                            }
                        }
                        guard body.has(at, length) else { return malformed(place, index) }
                        let element = Int(layout.elementOfField[position])
                        if element >= 0 {
                            fields.offsets[element] = Int32(at)
                            fields.lengths[element] = Int32(length)
                        }
                        at += length
                    }
                }
                index += 1
                if template.isOptions {
                    optionsRecords += 1
                    continue
                }
                records += 1
                emitFlow(
                    fields, boot: boot, exportTime: exportTime,
                    source: .exportRecord(message: place.message, set: place.word, offset: place.offset, index: index), emit: emit)
            }
        }
    }

    private mutating func malformed(_ place: SetPlace, _ index: Int) {
        diagnostics.record(.malformedRecord, at: place.text, "record \(index + 1) runs past the end of its set")
    }
}
