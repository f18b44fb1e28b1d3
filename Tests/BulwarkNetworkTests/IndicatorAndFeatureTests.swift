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

    @Test func pairDirectionsEqualOneWayStatisticsFedTheSamePackets() {
        var pair = DampedPairStatistic(lambda: 1)
        var forward = DampedStatistic(lambda: 1)
        var backward = DampedStatistic(lambda: 1)
        // Both directions, two packets at one time, one packet arriving late, and long gaps.
        let script: [(Double, Bool, Double)] = [
            (60, true, 0), (1500, false, 0.01), (52, true, 0.3), (40, true, 0.3), (590, false, 0.2), (60, false, 2.5), (1500, true, 7),
        ]
        for (value, isForward, time) in script {
            pair.add(value, forwardDirection: isForward, at: time)
            if isForward {
                forward.add(value, at: time)
                backward.decay(to: time)
            } else {
                backward.add(value, at: time)
                forward.decay(to: time)
            }
            #expect(pair.forward == forward, "at \(time)")
            #expect(pair.backward == backward, "at \(time)")
        }
        #expect(forward.weight > 0 && backward.weight > 0)
    }

    @Test func featuresOfAConversationAreTheDampedStatisticsOfItsPackets() {
        // Two hosts talking both ways on one socket, with a third host's packet between: every window of every stream
        // kind must carry exactly what the damped statistics of its own packets say, packet after packet.
        let a = HostAddress(ipv4: 0x0A00_0001)
        let b = HostAddress(ipv4: 0x0A00_0002)
        let c = HostAddress(ipv4: 0x0A00_0003)
        let lambdas = [5.0, 0.1]
        var statistics = StreamStatistics(lambdas: lambdas)
        var hostA = lambdas.map { DampedStatistic(lambda: $0) }
        var hostB = lambdas.map { DampedStatistic(lambda: $0) }
        var jitter = lambdas.map { DampedStatistic(lambda: $0) }
        var pair = lambdas.map { DampedPairStatistic(lambda: $0) }
        var lastSeen: Double?
        var features: [Double] = []
        let script: [(HostAddress, HostAddress, Int, Double)] = [
            (a, b, 60, 0.0), (b, a, 1500, 0.01), (c, b, 40, 0.02), (a, b, 60, 0.5), (a, b, 590, 0.5), (b, a, 52, 2.25), (a, b, 60, 9.0),
        ]
        for (index, (source, destination, length, time)) in script.enumerated() {
            let packet = DecodedPacket(
                timestamp: Int64(time * 1e9), number: index, ipLength: length, sourceMAC: nil, destinationMAC: nil, vlan: nil, source: source,
                destination: destination, transport: 6, sourcePort: source == b ? 80 : 40000, destinationPort: destination == b ? 80 : 40000,
                tcpFlags: 16, icmpType: 0, icmpCode: 0, payloadLength: 0, payload: [], dns: nil)
            statistics.update(packet, features: &features)
            guard source != c else { continue }
            let forward = source < destination
            let gap = lastSeen.map { packet.seconds - $0 }
            lastSeen = packet.seconds
            var expected: [Double] = []
            for k in lambdas.indices {
                if source == a { hostA[k].add(Double(length), at: packet.seconds) } else { hostB[k].add(Double(length), at: packet.seconds) }
                let host = source == a ? hostA[k] : hostB[k]
                if let gap { jitter[k].add(gap, at: packet.seconds) } else { jitter[k].decay(to: packet.seconds) }
                pair[k].add(Double(length), forwardDirection: forward, at: packet.seconds)
                let own = forward ? pair[k].forward : pair[k].backward
                let conversation = [
                    own.weight, own.mean, own.standardDeviation, pair[k].magnitude, pair[k].radius, pair[k].covariance, pair[k].correlation,
                ]
                expected += [host.weight, host.mean, host.standardDeviation, jitter[k].weight, jitter[k].mean, jitter[k].standardDeviation]
                expected += conversation + conversation
            }
            #expect(features == expected, "packet \(index)")
        }
        #expect(statistics.trackedStreams == 3 + 2 + 2 + 2)
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
