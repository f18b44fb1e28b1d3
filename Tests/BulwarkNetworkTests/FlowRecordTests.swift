import Foundation
import Testing

@testable import BulwarkNetwork

@Suite struct FlowRecordTests {
    /// A record is kept by several windows at once and copied for each; with no reference-counted part (origins and
    /// services are interned names), a copy is a plain copy of bytes.
    @Test func aRecordIsPlainData() {
        #expect(_isPOD(FlowRecord.self))
        #expect(_isPOD(FlowRecord.Source.self))
    }

    @Test func aNameIsKeptOnceAndReadBack() {
        let name = InternedName("capture \(UUID().uuidString).pcap")
        #expect(InternedName(name.text) == name)
        #expect(InternedName(name.text + "x") != name)
        #expect(name.description == name.text)
    }

    /// Input full of distinct names (a hostile log's service column) fills the book only to its limits; past them a
    /// new name reads as a note, and never as one of the names the rules compare.
    @Test func theBookOfNamesStopsAtItsLimits() {
        let book = InternedName.Book(limit: 4, byteLimit: 16, reserving: ["ssh", "telnet"])
        #expect(book.number(for: "ssh") == 0)
        #expect(book.number(for: "telnet") == 1)
        #expect(book.number(for: "dns") == 2)
        #expect(book.number(for: String(repeating: "x", count: 8)) == InternedName.notKept, "past the bytes")
        #expect(book.number(for: "ssl") == 3)
        #expect(book.number(for: "ftp") == InternedName.notKept, "past the count")
        #expect(book.number(for: "dns") == 2, "a kept name is still found")
        #expect(book.text(2) == "dns")
        #expect(book.text(InternedName.notKept).hasPrefix("(name not kept"))
        #expect(InternedName.ssh.text == "ssh" && InternedName.telnet.text == "telnet")
        #expect(InternedName(number: InternedName.notKept) != .ssh)
    }

    /// Flows built from a capture name the packets they were built from, as the alerts' evidence shows them.
    @Test func captureFlowsNameTheirPackets() throws {
        var decoder = PacketDecoder(file: "c2.pcap")
        var table = FlowTable(file: "c2.pcap")
        var flows: [FlowRecord] = []
        for packet in try NetworkFixture.packets("pcap/c2-beacon-capture-1.pcap") {
            guard let decoded = decoder.decode(packet) else { continue }
            table.add(decoded) { flows.append($0) }
        }
        table.flush { flows.append($0) }
        #expect(flows.count == 299)
        let pattern = /c2\.pcap packets? (\d+)(?:–(\d+))?/
        for flow in flows {
            let match = try #require(flow.origin.wholeMatch(of: pattern), "\(flow.origin)")
            let first = try #require(Int(match.1))
            let last = match.2.flatMap { Int($0) }
            #expect(first >= 1 && first <= 7931)
            if let last { #expect(last > first) }
        }
        let file = InternedName("c2.pcap")
        #expect(FlowRecord.Source.capture(file: file, first: 5, last: 5).text == "c2.pcap packet 5")
        #expect(FlowRecord.Source.capture(file: file, first: 5, last: 9).text == "c2.pcap packets 5–9")
    }

    @Test func aCallersOriginAndServiceAreKeptAsGiven() {
        var flow = FlowRecord(
            start: 1, end: 2, originator: HostAddress(ipv4: 1), responder: HostAddress(ipv4: 2), originatorPort: 1, responderPort: 22, transport: 6,
            service: "ssh", origin: "sensor 4 record 9")
        #expect(flow.origin == "sensor 4 record 9")
        #expect(flow.service == "ssh")
        #expect(flow.source.isExportRecord, "a text naming a record is read as an export record, as before")
        flow.origin = "lab capture"
        flow.service = nil
        #expect(flow.origin == "lab capture")
        #expect(flow.service == nil)
        #expect(!flow.source.isExportRecord)
    }
}
