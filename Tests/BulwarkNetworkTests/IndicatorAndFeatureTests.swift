import BulwarkNetwork
import Foundation
import Testing

@Suite struct IndicatorTests {
    @Test func matchesAddressesNetworksAndParentDomainsFromAPlainList() {
        var set = IndicatorSet()
        set.loadList("# feed\n203.0.113.7\n198.51.100.0/24  # range\nevil.example\nnot an indicator\n", file: "iocs.txt")
        #expect(set.count == 3)
        #expect(set.match(HostAddress("203.0.113.7")!) == "iocs.txt:2")
        #expect(set.match(HostAddress("198.51.100.200")!) == "iocs.txt:3")
        #expect(set.match(HostAddress("198.51.101.1")!) == nil)
        #expect(set.match(domain: "c2.Evil.example") == "iocs.txt:4")
        #expect(set.match(domain: "notevil.example") == nil)
        #expect(set.diagnostics.samples.map(\.description) == ["iocs.txt:5: \"not an indicator\" is not an IP address, network or domain"])
    }

    @Test func readsSTIXIndicatorPatterns() throws {
        let bundle = """
            {"type": "bundle", "id": "bundle--1", "objects": [
              {"type": "indicator", "spec_version": "2.1", "id": "indicator--a", "name": "C2", "pattern_type": "stix",
               "pattern": "[ipv4-addr:value = '141.193.213.21'] OR [domain-name:value = 'bad.example']"},
              {"type": "indicator", "spec_version": "2.1", "id": "indicator--b", "pattern_type": "stix", "pattern": "[url:value = 'http://dl.example.net/x.sh']"},
              {"type": "indicator", "spec_version": "2.1", "id": "indicator--c", "pattern_type": "stix", "pattern": "[file:hashes.'SHA-256' = 'aa']"},
              {"type": "malware", "id": "malware--1", "name": "x"}
            ]}
            """
        var set = IndicatorSet()
        try set.loadSTIX(Data(bundle.utf8), file: "bundle.json")
        #expect(set.match(HostAddress("141.193.213.21")!) == "C2 (indicator--a)")
        #expect(set.match(domain: "bad.example") == "C2 (indicator--a)")
        #expect(set.match(domain: "dl.example.net") == "indicator--b")
        #expect(set.diagnostics[.malformedRecord] == 1)
        #expect(set.diagnostics.samples.first?.place == "bundle.json: indicator--c")
    }

    @Test func aListedAddressInTheBeaconCaptureRaisesAnIndicatorAlert() throws {
        var set = IndicatorSet()
        set.add("141.193.213.21", label: "feed:1")
        var analyzer = TrafficAnalyzer(indicators: set)
        var statistics = StreamStatistics()
        _ = try TrafficFile.analyze(path: NetworkFixture.path("pcap/c2-beacon-capture-1.pcap"), into: &analyzer, statistics: &statistics)
        let alert = try #require(analyzer.finish().first { $0.rule == "indicator.ip" })
        #expect(alert.host.description == "147.32.80.37")
        #expect(alert.evidenceCount == 297)
    }
}

@Suite struct StreamStatisticsTests {
    @Test func dampedStatisticForgetsByHalfEveryOneOverLambdaSeconds() {
        var stat = DampedStatistic(lambda: 1)
        stat.add(10, at: 0)
        stat.add(20, at: 0)
        #expect(stat.weight == 2)
        #expect(stat.mean == 15)
        #expect(stat.standardDeviation == 5)
        stat.decay(to: 1)
        #expect(stat.weight == 1)
        #expect(stat.mean == 15, "decay scales every sum alike, so the mean stays")
        stat.add(30, at: 1)
        #expect(stat.weight == 2)
        #expect(stat.linearSum == 45)
    }

    @Test func computesKitsuneFeaturesForEveryPacketOfARealCapture() throws {
        var statistics = StreamStatistics()
        var decoder = PacketDecoder(file: "c2")
        var features: [Double] = []
        var count = 0
        var last = 0.0
        for packet in try PacketCaptureReader(path: NetworkFixture.path("pcap/c2-beacon-capture-1.pcap")) {
            guard let decoded = decoder.decode(packet) else { continue }
            statistics.update(decoded, features: &features)
            last = decoded.seconds
            #expect(features.allSatisfy { $0.isFinite })
            count += 1
        }
        #expect(count == 7931)
        #expect(features.count == 100)
        #expect(statistics.packets == 7931)
        let tracked = statistics.trackedStreams
        #expect(tracked > 300)
        // An hour of silence decays even the slowest window (λ = 0.01) below the idle weight.
        statistics.sweep(now: last + 3600)
        #expect(statistics.trackedStreams == 0)
        #expect(statistics.evictedIdle >= tracked)
    }

    @Test func memoryStaysBoundedUnderManyStreams() {
        var statistics = StreamStatistics(capacity: 100)
        var features: [Double] = []
        for k in 0..<1000 {
            let packet = DecodedPacket(
                timestamp: Int64(k) * 1_000_000, number: k, ipLength: 60, sourceMAC: nil, destinationMAC: nil, vlan: nil,
                source: HostAddress(ipv4: 0x0A00_0000 + UInt32(k)), destination: HostAddress(ipv4: 0x0A01_0001), transport: 6, sourcePort: 1000,
                destinationPort: 80, tcpFlags: 2, icmpType: 0, icmpCode: 0, payloadLength: 0, payload: [], dns: nil)
            statistics.update(packet, features: &features)
        }
        #expect(statistics.trackedStreams <= 400)
        #expect(statistics.evictedEarly > 0)
    }
}
