import BulwarkNetwork
import Testing

/// Export messages built field by field from RFC 3954 (NetFlow v9), RFC 7011 (IPFIX) and Cisco's NetFlow v5 layout.
struct ExportWriter {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    mutating func u32(_ v: UInt32) { bytes += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func v5(sequence: UInt32, flows: [(src: UInt32, dst: UInt32, sport: UInt16, dport: UInt16, packets: UInt32, bytes: UInt32, flags: UInt8)]) -> [UInt8] {
        var w = ExportWriter()
        w.u16(5)
        w.u16(UInt16(flows.count))
        w.u32(60_000)  // uptime 60 s
        w.u32(1_700_000_000)
        w.u32(0)
        w.u32(sequence)
        w.u8(0)
        w.u8(1)
        w.u16(0)
        for f in flows {
            w.u32(f.src)
            w.u32(f.dst)
            w.u32(0)
            w.u16(1)
            w.u16(2)
            w.u32(f.packets)
            w.u32(f.bytes)
            w.u32(10_000)  // first: uptime 10 s
            w.u32(12_500)  // last
            w.u16(f.sport)
            w.u16(f.dport)
            w.u8(0)
            w.u8(f.flags)
            w.u8(6)
            w.u8(0)
            w.bytes += [UInt8](repeating: 0, count: 8)
        }
        return w.bytes
    }

    /// An IPFIX message with the given sets (each already framed with id and length).
    static func ipfix(sequence: UInt32, domain: UInt32, exportTime: UInt32 = 1_700_000_000, sets: [[UInt8]]) -> [UInt8] {
        let body = sets.flatMap { $0 }
        var w = ExportWriter()
        w.u16(10)
        w.u16(UInt16(16 + body.count))
        w.u32(exportTime)
        w.u32(sequence)
        w.u32(domain)
        return w.bytes + body
    }

    static func set(_ id: UInt16, _ content: [UInt8]) -> [UInt8] {
        var w = ExportWriter()
        w.u16(id)
        w.u16(UInt16(4 + content.count))
        return w.bytes + content
    }
}

@Suite struct FlowExportDecoderTests {
    let exporter = HostAddress("192.0.2.1")!

    @Test func decodesNetFlowV5AndCountsASequenceGap() {
        var decoder = FlowExportDecoder()
        var flows: [FlowRecord] = []
        let flow = (src: UInt32(0x0A00_0001), dst: UInt32(0x0A00_0002), sport: UInt16(40000), dport: UInt16(23), packets: UInt32(3), bytes: UInt32(180), flags: UInt8(0x02))
        decoder.decode(ExportWriter.v5(sequence: 100, flows: [flow, flow])[...], exporter: exporter, place: "m1") { flows.append($0) }
        decoder.decode(ExportWriter.v5(sequence: 102, flows: [flow])[...], exporter: exporter, place: "m2") { flows.append($0) }
        decoder.decode(ExportWriter.v5(sequence: 110, flows: [flow])[...], exporter: exporter, place: "m3") { flows.append($0) }
        decoder.decode(ExportWriter.v5(sequence: 102, flows: [flow])[...], exporter: exporter, place: "m4") { flows.append($0) }
        #expect(flows.count == 5)
        #expect(flows[0].originator.description == "10.0.0.1")
        #expect(flows[0].responderPort == 23)
        #expect(flows[0].originatorBytes == 180)
        #expect(flows[0].outcome == .unanswered)
        #expect(flows[0].start == 1_700_000_000 - 60 + 10)
        #expect(flows[0].end == 1_700_000_000 - 60 + 12.5)
        #expect(decoder.diagnostics[.sequenceGap] == 1)
        #expect(decoder.diagnostics[.sequenceDuplicate] == 1)
        #expect(decoder.diagnostics.samples.first?.description == "m3: expected sequence number 103, got 110: 7 missing")
    }

    /// The latest 64 sequence numbers are remembered: one of them seen again is a duplicate, an older one arrives out of
    /// order.
    @Test func remembersTheLatestSequenceNumbers() {
        var decoder = FlowExportDecoder()
        let flow = (src: UInt32(0x0A00_0001), dst: UInt32(0x0A00_0002), sport: UInt16(40000), dport: UInt16(23), packets: UInt32(3), bytes: UInt32(180), flags: UInt8(0x02))
        var flows = 0
        // v5 sequence numbers count flows: one flow a message.
        for sequence in UInt32(0)..<100 {
            decoder.decode(ExportWriter.v5(sequence: sequence, flows: [flow])[...], exporter: exporter, place: "m\(sequence)") { _ in flows += 1 }
        }
        #expect(decoder.diagnostics.total == 0)
        for (sequence, kind) in [(99, InputDiagnostics.Kind.sequenceDuplicate), (36, .sequenceDuplicate), (35, .sequenceOutOfOrder), (35, .sequenceDuplicate)] {
            let before = decoder.diagnostics[kind]
            decoder.decode(ExportWriter.v5(sequence: UInt32(sequence), flows: [flow])[...], exporter: exporter, place: "again \(sequence)") { _ in flows += 1 }
            #expect(decoder.diagnostics[kind] == before + 1, "sequence \(sequence)")
        }
        #expect(decoder.diagnostics.total == 4)
        #expect(flows == 104, "counted, and read all the same")
    }

    /// A template with IPv6 addresses, a variable-length field and an enterprise field, then its data; an options
    /// template and its record; data for an unknown template; a withdrawn template; an expired template.
    @Test func decodesIPFIXTemplatesOptionsVariableLengthAndExpiry() {
        var template = ExportWriter()
        template.u16(300)
        template.u16(7)
        for (id, length) in [(27, 16), (28, 16), (7, 2), (11, 2), (4, 1), (1, 8)] as [(UInt16, UInt16)] {
            template.u16(id)
            template.u16(length)
        }
        template.u16(0x8000 | 100)  // enterprise-specific, variable length
        template.u16(0xFFFF)
        template.u32(29305)
        var options = ExportWriter()
        options.u16(301)
        options.u16(2)
        options.u16(1)
        options.u16(149)  // observationDomainId (scope)
        options.u16(4)
        options.u16(41)  // exportedMessageTotalCount
        options.u16(8)
        var data = ExportWriter()
        let src: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7]
        let dst: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [8]
        for (index, note) in ["hi", String(repeating: "x", count: 300)].enumerated() {
            data.bytes += src + dst
            data.u16(50000 + UInt16(index))
            data.u16(443)
            data.u8(6)
            data.bytes += [0, 0, 0, 0, 0, 0, 0x10, 0]
            if note.count < 255 {
                data.u8(UInt8(note.count))
            } else {
                data.u8(255)
                data.u16(UInt16(note.count))
            }
            data.bytes += Array(note.utf8)
        }
        var optionsData = ExportWriter()
        optionsData.u32(7)
        optionsData.bytes += [0, 0, 0, 0, 0, 0, 0, 42]
        var decoder = FlowExportDecoder(templateLifetime: 600)
        var flows: [FlowRecord] = []
        let first = ExportWriter.ipfix(
            sequence: 0, domain: 7,
            sets: [ExportWriter.set(2, template.bytes), ExportWriter.set(3, options.bytes), ExportWriter.set(300, data.bytes), ExportWriter.set(301, optionsData.bytes)])
        decoder.decode(first[...], exporter: exporter, place: "ipfix 1") { flows.append($0) }
        #expect(flows.count == 2)
        #expect(flows[0].originator.description == "2001:db8::7")
        #expect(flows[1].originatorPort == 50001)
        #expect(flows[0].originatorBytes == 4096)
        #expect(decoder.optionsRecords == 1)
        #expect(decoder.templateCount == 2)
        #expect(decoder.diagnostics.total == 0)
        // The sequence number counts data records: 3 were sent, so the next message must say 3.
        let unknown = ExportWriter.ipfix(sequence: 3, domain: 7, sets: [ExportWriter.set(999, [1, 2, 3, 4])])
        decoder.decode(unknown[...], exporter: exporter, place: "ipfix 2") { flows.append($0) }
        #expect(decoder.diagnostics[.missingTemplate] == 1)
        #expect(decoder.diagnostics[.sequenceGap] == 0)
        // Another domain of the same exporter has its own templates.
        decoder.decode(ExportWriter.ipfix(sequence: 0, domain: 8, sets: [ExportWriter.set(300, data.bytes)])[...], exporter: exporter, place: "ipfix 3") {
            flows.append($0)
        }
        #expect(decoder.diagnostics[.missingTemplate] == 2)
        // 601 s later the template has expired.
        decoder.decode(
            ExportWriter.ipfix(sequence: 3, domain: 7, exportTime: 1_700_000_601, sets: [ExportWriter.set(300, data.bytes)])[...], exporter: exporter,
            place: "ipfix 4"
        ) { flows.append($0) }
        #expect(decoder.diagnostics[.expiredTemplate] == 2)
        #expect(decoder.diagnostics[.missingTemplate] == 3)
        #expect(flows.count == 2)
    }

    @Test func decodesNetFlowV9WithOptionsAndRejectsMalformedTemplates() {
        var w = ExportWriter()
        w.u16(9)
        w.u16(3)
        w.u32(100_000)
        w.u32(1_700_000_000)
        w.u32(1)
        w.u32(5)
        var template = ExportWriter()
        template.u16(260)
        template.u16(7)
        for (id, length) in [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (22, 4)] as [(UInt16, UInt16)] {
            template.u16(id)
            template.u16(length)
        }
        var options = ExportWriter()
        options.u16(261)
        options.u16(4)
        options.u16(4)
        options.u16(1)  // scope: system
        options.u16(4)
        options.u16(34)  // sampling interval
        options.u16(4)
        var data = ExportWriter()
        data.u32(0xC0A8_0102)
        data.u32(0x0808_0808)
        data.u16(5353)
        data.u16(53)
        data.u8(17)
        data.u32(1)
        data.u32(95_000)
        data.bytes += [0, 0, 0]  // padding to a 4-byte boundary
        var optionsData = ExportWriter()
        optionsData.u32(0)
        optionsData.u32(100)
        let message = w.bytes + ExportWriter.set(0, template.bytes) + ExportWriter.set(1, options.bytes) + ExportWriter.set(260, data.bytes)
            + ExportWriter.set(261, optionsData.bytes)
        var decoder = FlowExportDecoder()
        var flows: [FlowRecord] = []
        decoder.decode(message[...], exporter: exporter, place: "v9") { flows.append($0) }
        #expect(flows.count == 1)
        #expect(flows.first?.responder.description == "8.8.8.8")
        #expect(flows.first?.transport == 17)
        #expect(flows.first.map { $0.start - 1_699_999_900 } == 95)
        #expect(decoder.optionsRecords == 1)
        #expect(decoder.diagnostics.total == 0)
        // A template whose fields run past its flowset, and a template id below 256.
        var bad = ExportWriter()
        bad.u16(262)
        bad.u16(9)
        bad.u16(8)
        bad.u16(4)
        var low = ExportWriter()
        low.u16(12)
        low.u16(1)
        low.u16(8)
        low.u16(4)
        var header = ExportWriter()
        header.u16(9)
        header.u16(1)
        header.u32(100_000)
        header.u32(1_700_000_000)
        header.u32(2)
        header.u32(5)
        decoder.decode((header.bytes + ExportWriter.set(0, bad.bytes) + ExportWriter.set(0, low.bytes))[...], exporter: exporter, place: "v9b") { flows.append($0) }
        #expect(decoder.diagnostics[.malformedTemplate] == 2)
        #expect(decoder.diagnostics.samples.first?.message == "template announces 9 fields, the set ends after 1")
    }

    /// Every truncation of a valid IPFIX message decodes without a trap and never yields a record that was not sent.
    @Test func survivesEveryTruncationOfAnExportMessage() {
        var template = ExportWriter()
        template.u16(256)
        template.u16(3)
        for (id, length) in [(8, 4), (12, 4), (1, 4)] as [(UInt16, UInt16)] {
            template.u16(id)
            template.u16(length)
        }
        var data = ExportWriter()
        for k in 0..<5 {
            data.u32(0x0A00_0000 + UInt32(k))
            data.u32(0x0A00_00FF)
            data.u32(100)
        }
        let message = ExportWriter.ipfix(sequence: 0, domain: 1, sets: [ExportWriter.set(2, template.bytes), ExportWriter.set(256, data.bytes)])
        for cut in 0...message.count {
            var decoder = FlowExportDecoder()
            var count = 0
            decoder.decode(message.prefix(cut), exporter: exporter, place: "cut") { _ in count += 1 }
            #expect(count == (cut == message.count ? 5 : 0))
            #expect(cut == message.count ? decoder.diagnostics.total == 0 : decoder.diagnostics.total == 1)
        }
    }

    /// Seeded random corruption of a message whose template mixes fixed, reduced-size, IPv6, MAC and variable-length
    /// fields: every corrupted message decodes without a trap, and what it yields is counted.
    @Test func survivesRandomCorruptionOfEveryKindOfField() {
        var template = ExportWriter()
        template.u16(300)
        let fields: [(UInt16, UInt16)] = [(27, 16), (28, 16), (7, 2), (11, 2), (4, 1), (1, 3), (2, 8), (56, 6), (82, 0xFFFF), (152, 8)]
        template.u16(UInt16(fields.count))
        for (id, length) in fields {
            template.u16(id)
            template.u16(length)
        }
        var data = ExportWriter()
        for k in 0..<6 {
            for _ in 0..<2 { data.bytes += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: UInt8(k), count: 12) }
            data.u16(40_000 + UInt16(k))
            data.u16(443)
            data.u8(6)
            data.bytes += [0, 1, UInt8(k)]
            data.bytes += [0, 0, 0, 0, 0, 0, 0, 9]
            data.bytes += [0x02, 0, 0, 0, 0, UInt8(k)]
            // A variable-length interface name: short form for some, the 255 + two-byte form for others.
            if k.isMultiple(of: 2) {
                data.u8(4)
                data.bytes += Array("eth\(k)".utf8)
            } else {
                data.u8(255)
                data.u16(5)
                data.bytes += Array("wlan\(k)".utf8)
            }
            data.bytes += [0, 0, 1, 0x8B, 0xCF, 0xE5, 0x68, 0x00]
        }
        let message = ExportWriter.ipfix(sequence: 0, domain: 9, sets: [ExportWriter.set(2, template.bytes), ExportWriter.set(300, data.bytes)])
        var clean = FlowExportDecoder()
        var cleanCount = 0
        clean.decode(message[...], exporter: exporter, place: "clean") { flow in
            cleanCount += 1
            #expect(flow.originatorMAC?.description == "02:00:00:00:00:0\(cleanCount - 1)")
            #expect(flow.originator.description.hasPrefix("2001:db8:"))
        }
        #expect(cleanCount == 6 && clean.diagnostics.total == 0)
        var generator = SeededGenerator(seed: 23)
        var decoded = 0
        for _ in 0..<20_000 {
            var corrupted = message
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                corrupted[Int(generator.next() % UInt64(corrupted.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            var decoder = FlowExportDecoder()
            var emitted = 0
            decoder.decode(corrupted[...], exporter: exporter, place: "corrupted") { _ in emitted += 1 }
            #expect(emitted <= decoder.records, "a flow comes only from a counted record")
            decoded += emitted
        }
        #expect(decoded > 0, "most corruptions leave some records readable")
    }

    @Test func readsAnIPFIXFileMessageByMessage() throws {
        var template = ExportWriter()
        template.u16(256)
        template.u16(2)
        template.u16(8)
        template.u16(4)
        template.u16(12)
        template.u16(4)
        let one = ExportWriter.ipfix(sequence: 0, domain: 1, sets: [ExportWriter.set(2, template.bytes), ExportWriter.set(256, [10, 0, 0, 1, 10, 0, 0, 2])])
        let two = ExportWriter.ipfix(sequence: 1, domain: 1, sets: [ExportWriter.set(256, [10, 0, 0, 3, 10, 0, 0, 2])])
        var reader = try FlowExportFileReader(bytes: one + two + Array(two.prefix(9)), file: "flows.ipfix")
        var decoder = FlowExportDecoder()
        var flows: [FlowRecord] = []
        while let (message, place) = reader.next() { decoder.decode(message, exporter: exporter, at: place) { flows.append($0) } }
        #expect(flows.map(\.originator.description) == ["10.0.0.1", "10.0.0.3"])
        #expect(flows.map(\.origin) == ["flows.ipfix message 1 at byte 0 set at byte 32 record 1", "flows.ipfix message 2 at byte \(one.count) set at byte 16 record 1"])
        #expect(reader.diagnostics[.truncatedFile] == 1)
        #expect(reader.diagnostics.samples.first?.place == "flows.ipfix: byte \(one.count + two.count)")
    }
}
