extension FlowExportDecoder {
    /// The fields of one data record that a flow needs, read in place: per ``FlowTemplate/Element``, where it starts
    /// in the set's body and its length (-1 when the template lacks it).
    struct RecordFields {
        let body: BinaryField
        var offsets: SIMD32<Int32>
        var lengths: SIMD32<Int32>

        @inline(__always)
        func bytes(_ element: FlowTemplate.Element) -> (offset: Int, length: Int)? {
            let length = lengths[element.rawValue]
            return length < 0 ? nil : (Int(offsets[element.rawValue]), Int(length))
        }

        func number(_ element: FlowTemplate.Element) -> UInt64? {
            guard let (offset, length) = bytes(element), length > 0, length <= 8 else { return nil }
            return body.unsigned(offset, length)
        }

        func address(_ v4: FlowTemplate.Element, _ v6: FlowTemplate.Element) -> HostAddress? {
            if let (offset, length) = bytes(v4), length == 4 { return HostAddress(ipv4: body.u32(offset)) }
            if let (offset, length) = bytes(v6), length == 16 { return HostAddress(bytes: body.slice(offset, 16)) }
            return nil
        }

        func mac(_ element: FlowTemplate.Element) -> HardwareAddress? {
            guard let (offset, length) = bytes(element), length == 6 else { return nil }
            return HardwareAddress(bytes: body.slice(offset, 6))
        }
    }

    /// `boot` is the exporter's boot time (v9), for times given as its uptime.
    func flowRecord(_ values: RecordFields, boot: Double?, exportTime: UInt32, source: FlowRecord.Source) -> FlowRecord? {
        guard let originator = values.address(.sourceIPv4, .sourceIPv6), let responder = values.address(.destinationIPv4, .destinationIPv6) else {
            return nil
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
        return record
    }
}
