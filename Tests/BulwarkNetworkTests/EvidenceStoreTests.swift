import Testing

@testable import BulwarkNetwork

/// The flows the rule windows keep as evidence: held while a window refers to them, given back when none does.
@Suite struct EvidenceStoreTests {
    @Test func holdsExactlyTheFlowsTheWindowsReferTo() {
        var generator = SplitMix(seed: 23)
        var settings = DetectionSettings()
        // Few tracked hosts, so windows are dropped whole; low thresholds, so alerts read their evidence meanwhile.
        settings.trackedHosts = 6
        settings.synFloodAttempts = 8
        settings.udpFloodFlows = 8
        settings.fanOutDestinations = 8
        var analyzer = TrafficAnalyzer(settings: settings)
        let outcomes: [FlowRecord.Outcome] = [.established, .rejected, .unanswered, .unknown]
        var time = 1_000_000.0
        var stored = 0
        for step in 0..<20_000 {
            generator.wander(&time, step: 0.5, back: 3, quiet: 4000, quietEvery: 1000)
            let flow = FlowRecord(
                start: time, end: time + 1, originator: HostAddress(ipv4: 0x0A00_0000 | UInt32(generator.next() % 12)),
                responder: HostAddress(ipv4: 0xC633_6400 | UInt32(generator.next() % 40)), originatorPort: 40_000,
                responderPort: UInt16(20 + generator.next() % 8), transport: generator.next() % 3 == 0 ? 17 : 6, originatorPackets: 1,
                outcome: outcomes[Int(generator.next() % 4)], origin: "step \(step)")
            analyzer.observe(flow)
            let held = analyzer.flowsTheWindowsHold
            #expect(analyzer.keptFlows.count == held.count, "after step \(step)")
            guard analyzer.keptFlows.count == held.count else { break }
            stored = Swift.max(stored, held.count)
        }
        #expect(analyzer.stateEvicted > 0)
        #expect(stored > 0)
        // Then a SYN flood and a UDP flood, whose alerts read their evidence from one destination's flows.
        for k in 0..<20 {
            let flood = FlowRecord(
                start: time + Double(k) * 0.01, end: time + Double(k) * 0.01, originator: HostAddress(ipv4: 0x0A00_0001),
                responder: HostAddress(ipv4: 0xC633_64C8), originatorPort: UInt16(50_000 + k), responderPort: 23, transport: k % 2 == 0 ? 6 : 17,
                originatorPackets: 1, outcome: k % 2 == 0 ? .unanswered : .unknown, origin: "step flood \(k)")
            analyzer.observe(flood)
        }
        #expect(analyzer.keptFlows.count == analyzer.flowsTheWindowsHold.count)
        let alerts = analyzer.finish()
        // Which windows are dropped when the table is full depends on each table's random seed, so only the floods
        // of the last burst are certain.
        #expect(Set(alerts.map(\.rule)).isSuperset(of: ["ddos.syn-flood", "ddos.udp-flood"]))
        // Every alert's evidence names flows the analyzer saw.
        #expect(alerts.allSatisfy { alert in !alert.evidence.isEmpty && alert.evidence.allSatisfy { $0.hasSuffix(")") && $0.contains("(step ") } })
    }
}
