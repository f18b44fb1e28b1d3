extension FlowExportDecoder {
    /// The fields of one data record that a flow needs, read in place: per ``FlowTemplate/Element``, where it starts
    /// in the set's body and its length (-1 when the template lacks it).
    struct RecordFields {
        /// The set's body. Every offset and length below lies within it: the record loop checks the record's extent
        /// before it sets them, and each read checks again.
        let body: UnsafeRawBufferPointer
        var offsets: SIMD32<Int32>
        var lengths: SIMD32<Int32>

        @inline(__always)
        func bytes(_ element: FlowTemplate.Element) -> (offset: Int, length: Int)? {
            let length = lengths[element.rawValue]
            guard length >= 0 else { return nil }
            let offset = Int(offsets[element.rawValue])
            precondition(offset >= 0 && offset + Int(length) <= body.count, "a record field outside its set")
            return (offset, Int(length))
        }

        /// An unsigned big-endian integer of 1 to 8 bytes (fields may be reduced-size encoded, RFC 7011 §6.2).
        @inline(__always)
        func number(_ element: FlowTemplate.Element) -> UInt64? {
            guard let (offset, length) = bytes(element), length > 0, length <= 8 else { return nil }
            switch length {
            case 8: return UInt64(bigEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            case 4: return UInt64(UInt32(bigEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            case 2: return UInt64(UInt16(bigEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            default:
                var value: UInt64 = 0
                for k in 0..<length { value = value << 8 | UInt64(body[offset + k]) }
                return value
            }
        }

        @inline(__always)
        func address(_ v4: FlowTemplate.Element, _ v6: FlowTemplate.Element) -> HostAddress? {
            if let (offset, length) = bytes(v4), length == 4 {
                return HostAddress(ipv4: UInt32(bigEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            }
            if let (offset, length) = bytes(v6), length == 16 {
                return HostAddress(
                    high: UInt64(bigEndian: body.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                    low: UInt64(bigEndian: body.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
            }
            return nil
        }

        func mac(_ element: FlowTemplate.Element) -> HardwareAddress? {
            guard let (offset, length) = bytes(element), length == 6 else { return nil }
            var value: UInt64 = 0
            for k in 0..<6 { value = value << 8 | UInt64(body[offset + k]) }
            return HardwareAddress(value: value)
        }
    }

    /// Makes the record's flow and hands it to `emit`; a record without addresses makes none.
    /// `boot` is the exporter's boot time (v9), for times given as its uptime.
    ///
    /// The flow is handed over where it was made: returned as an optional, it would be copied whole (some 180 bytes)
    /// on its way out.
    func emitFlow(_ values: RecordFields, boot: Double?, exportTime: UInt32, source: FlowRecord.Source, emit: (FlowRecord) -> Void) {
        guard let originator = values.address(.sourceIPv4, .sourceIPv6), let responder = values.address(.destinationIPv4, .destinationIPv6) else {
            return
        }
        let transport = UInt8(truncatingIfNeeded: values.number(.protocolIdentifier) ?? 0)
        var start = Double(exportTime)
        var end = Double(exportTime)
        let startMilliseconds = values.number(.flowStartMilliseconds)
        let startSeconds = values.number(.flowStartSeconds)
        let endMilliseconds = values.number(.flowEndMilliseconds)
        let endSeconds = values.number(.flowEndSeconds)
        if let ms = startMilliseconds { start = Double(ms) / 1000 } else if let s = startSeconds { start = Double(s) }
        if let ms = endMilliseconds { end = Double(ms) / 1000 } else if let s = endSeconds { end = Double(s) }
        if startMilliseconds == nil, startSeconds == nil, let first = values.number(.flowStartSysUpTime), let boot {
            start = boot + Double(first) / 1000
        }
        if endMilliseconds == nil, endSeconds == nil, let last = values.number(.flowEndSysUpTime), let boot {
            end = boot + Double(last) / 1000
        }
        var record = FlowRecord(
            start: start, end: Swift.max(start, end), originator: originator, responder: responder,
            originatorPort: UInt16(truncatingIfNeeded: values.number(.sourceTransportPort) ?? 0),
            responderPort: UInt16(truncatingIfNeeded: values.number(.destinationTransportPort) ?? 0), transport: transport,
            originatorPackets: values.number(.packetDeltaCount) ?? values.number(.packetTotalCount) ?? 0,
            originatorBytes: values.number(.octetDeltaCount) ?? values.number(.octetTotalCount) ?? 0,
            outcome: Self.outcome(transport: transport, flags: values.number(.tcpControlBits).map { UInt8(truncatingIfNeeded: $0) }), source: source)
        record.originatorMAC = values.mac(.sourceMacAddress)
        record.responderMAC = values.mac(.postDestinationMacAddress)
        emit(record)
    }
}
