import BulwarkNetwork
import Testing

@Suite struct ZeekConnReaderTests {
    @Test func readsTheTabSeparatedHorizontalScanLog() throws {
        var reader = try ZeekConnReader(path: NetworkFixture.path("zeek/portscan-horizontal.conn.log"))
        var records: [FlowRecord] = []
        while let record = reader.next() { records.append(record) }
        #expect(reader.format == .tsv)
        #expect(records.count == 41)
        #expect(reader.diagnostics.total == 0)
        let first = try #require(records.first)
        #expect(first.originator.description == "10.0.2.112")
        #expect(first.responder.description == "195.113.214.219")
        #expect(first.responderPort == 80)
        #expect(first.outcome == .established)
        #expect(first.originatorBytes == 473)
        #expect(first.service == "http")
        #expect(first.origin.hasSuffix("portscan-horizontal.conn.log:9"))
        #expect(records.filter { $0.outcome == .unanswered }.count == 11)
    }

    @Test func readsTheJSONVerticalScanLogWithMACAddresses() throws {
        var reader = try ZeekConnReader(path: NetworkFixture.path("zeek/portscan-vertical.conn.log"))
        var records: [FlowRecord] = []
        while let record = reader.next() { records.append(record) }
        #expect(reader.format == .json)
        #expect(records.count == 50)
        #expect(reader.diagnostics.total == 0)
        #expect(records[0].outcome == .rejected)
        #expect(records[0].originatorMAC?.description == "c4:23:60:3d:fd:d3")
        #expect(Set(records.filter { $0.responder.description == "45.33.32.156" }.map(\.responderPort)).count >= 40)
    }

    @Test func skipsABadLineNamingItsNumber() throws {
        let log = """
            #separator \\x09
            #unset_field\t-
            #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state
            1.5\tC1\t10.0.0.1\t5000\t10.0.0.2\t22\ttcp\tS0
            1.6\tC2\t10.0.0.999\t5000\t10.0.0.2\t22\ttcp\tS0
            1.7\tC3\t10.0.0.1\t5001\t10.0.0.2\t22\tsctp\tS0
            1.8\tC4\t10.0.0.1\t5002\t10.0.0.2\t23\ttcp\tREJ

            """
        var reader = try ZeekConnReader(bytes: Array(log.utf8), file: "conn.log")
        var records: [FlowRecord] = []
        while let record = reader.next() { records.append(record) }
        #expect(records.map(\.originatorPort) == [5000, 5002])
        #expect(records.map(\.origin) == ["conn.log:4", "conn.log:7"])
        #expect(records[1].service == "telnet")
        #expect(records[1].outcome == .rejected)
        #expect(reader.diagnostics[.malformedRecord] == 2)
        #expect(reader.diagnostics.samples.map(\.description) == [
            "conn.log:5: field 'id.orig_h': \"10.0.0.999\" is not an IP address", "conn.log:6: field 'proto': unknown protocol \"sctp\"",
        ])
    }

    @Test func refusesTimesAndDurationsThatAreNotFinite() throws {
        let log = """
            #separator \\x09
            #unset_field\t-
            #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration
            inf\tC1\t10.0.0.1\t5000\t10.0.0.2\t22\ttcp\t-
            1e300\tC2\t10.0.0.1\t5001\t10.0.0.2\t22\ttcp\t-
            1.5\tC3\t10.0.0.1\t5002\t10.0.0.2\t22\ttcp\tnan
            1.6\tC4\t10.0.0.1\t5003\t10.0.0.2\t22\ttcp\t-
            1.7\tC5\t10.0.0.1\t5004\t10.0.0.2\t22\ttcp\t0.25

            """
        var reader = try ZeekConnReader(bytes: Array(log.utf8), file: "conn.log")
        var records: [FlowRecord] = []
        while let record = reader.next() { records.append(record) }
        #expect(records.map(\.originatorPort) == [5003, 5004])
        #expect(records.map(\.duration) == [0, 0.25])
        #expect(reader.diagnostics.samples.map(\.description) == [
            "conn.log:4: field 'ts': \"inf\" is not a time", "conn.log:5: field 'ts': \"1e300\" is not a time",
            "conn.log:6: field 'duration': \"nan\" is not a duration",
        ])
    }

    @Test func refusesAFileThatIsNotAConnLog() {
        #expect(throws: CaptureError.self) { try ZeekConnReader(bytes: Array("hello".utf8), file: "x.log") }
    }
}
