import BulwarkCore
import BulwarkNetwork
import Foundation
import Testing

@Suite struct SharedDataDetectionTests {
    static func analyze(_ relative: String, devices: DeviceDirectory = DeviceDirectory()) throws -> ([NetworkAlert], TrafficFile.Summary) {
        var analyzer = TrafficAnalyzer(devices: devices)
        var statistics = StreamStatistics()
        let summary = try TrafficFile.analyze(path: NetworkFixture.path(relative), into: &analyzer, statistics: &statistics)
        return (analyzer.finish(), summary)
    }

    @Test func findsTheBeaconInTheC2Capture() throws {
        let (alerts, summary) = try Self.analyze("pcap/c2-beacon-capture-1.pcap")
        #expect(summary.packets == 7931)
        #expect(summary.diagnostics.total == 0)
        #expect(alerts.map(\.rule) == ["c2.beacon"])
        let beacon = try #require(alerts.first)
        #expect(beacon.host.description == "147.32.80.37")
        #expect(beacon.target == "141.193.213.21:443")
        #expect(beacon.evidenceCount == 297)
        #expect(beacon.evidence.count == NetworkAlert.evidenceLimit)
        #expect(beacon.reason.contains("every 2.2 s"))
        #expect(beacon.windowEnd - beacon.windowStart > 600)
    }

    @Test func findsTheSSHBruteForceOnItsUnusualPortByTheBanner() throws {
        let (alerts, _) = try Self.analyze("pcap/ssh-bruteforce.pcap")
        #expect(alerts.map(\.rule) == ["bruteforce.ssh"])
        #expect(alerts.first?.host.description == "147.32.80.40")
        #expect(alerts.first?.target == "147.32.80.37:902")
        #expect(alerts.first?.evidenceCount == 66)
    }

    @Test func findsBothZeekPortScans() throws {
        let (horizontal, _) = try Self.analyze("zeek/portscan-horizontal.conn.log")
        #expect(horizontal.map(\.rule) == ["scan.horizontal"])
        #expect(horizontal.first?.target == "port 80/tcp")
        #expect(horizontal.first?.evidenceCount == 10)
        // 10 failures of 25 hosts is above Slips' floor but not significant at TRW's 1%: low severity.
        #expect(horizontal.first?.severity == .low)
        #expect(horizontal.first?.evidence.first?.contains("portscan-horizontal.conn.log:") == true)
        let (vertical, _) = try Self.analyze("zeek/portscan-vertical.conn.log")
        #expect(vertical.map(\.rule) == ["scan.vertical"])
        #expect(vertical.first?.target == "45.33.32.156")
        #expect(vertical.first?.evidenceCount == 42)
        #expect(vertical.first?.severity == .medium)
    }

    @Test func theMixedZeekLogRaisesNoAlerts() throws {
        let (alerts, summary) = try Self.analyze("zeek/mixed-9.conn.log")
        #expect(summary.flows == 576)
        #expect(alerts.isEmpty, "\(alerts.map { "\($0.rule) \($0.host)" })")
    }

    @Test func namesTheInventoryDeviceBehindTheScanner() throws {
        let device = Device(
            id: .derived(from: "cam"), organisation: .derived(from: "org"), serial: "CAM-9", product: .derived(from: "p"), firmware: nil, site: nil,
            segment: nil, ipAddress: nil, macAddress: MACAddress("c4:23:60:3d:fd:d3"), credentialState: .unknown, lastSeen: nil)
        let (alerts, _) = try Self.analyze("zeek/portscan-vertical.conn.log", devices: DeviceDirectory(devices: [device]))
        #expect(alerts.first?.deviceSerial == "CAM-9")
        #expect(alerts.first?.mac == "c4:23:60:3d:fd:d3")
    }

    @Test func theMiraiLikeCaptureShowsTelnetScanning() throws {
        let (alerts, _) = try Self.analyze("pcap/malicious-7.pcap")
        let scanned = Set(alerts.filter { $0.rule == "scan.horizontal" }.map(\.target))
        #expect(scanned.isSuperset(of: ["port 23/tcp", "port 2323/tcp"]))
        #expect(alerts.allSatisfy { $0.host.description == "192.168.2.16" })
    }
}

@Suite struct RuleTests {
    static let device = HostAddress("192.168.1.20")!

    static func flow(_ start: Double, to destination: String, port: UInt16, transport: UInt8 = 6, outcome: FlowRecord.Outcome = .established,
        bytes: UInt64 = 500, service: String? = nil, from source: HostAddress = device) -> FlowRecord
    {
        FlowRecord(
            start: start, end: start + 0.5, originator: source, responder: HostAddress(destination)!, originatorPort: UInt16(40000 + Int(start) % 20000),
            responderPort: port, transport: transport, originatorPackets: 3, responderPackets: outcome == .unanswered ? 0 : 3, originatorBytes: bytes,
            responderBytes: outcome == .unanswered ? 0 : 300, outcome: outcome, service: service, origin: "test \(start)")
    }

    @Test func beaconDispersionRarelyFlagsPoissonArrivals() {
        // Seeded exponential arrivals (a memoryless, human-like process) at the minimum series length.
        var generator = SplitMix(seed: 7)
        var flagged = 0
        let trials = 2000
        for trial in 0..<trials {
            var analyzer = TrafficAnalyzer()
            var t = 0.0
            for _ in 0...DetectionSettings().beaconMinimumIntervals {
                t += -log(1 - generator.nextUnit()) * 30
                analyzer.observe(Self.flow(t, to: "203.0.113.\(trial % 200 + 1)", port: 443))
            }
            if !analyzer.finish().isEmpty { flagged += 1 }
        }
        #expect(flagged <= 6, "\(flagged) of \(trials) Poisson series looked periodic")
    }

    @Test func beaconToleratesJitterButNotRandomness() {
        var generator = SplitMix(seed: 11)
        var jittered = TrafficAnalyzer()
        var t = 0.0
        for _ in 0..<40 {
            t += 60 * (1 + 0.4 * (2 * generator.nextUnit() - 1))
            jittered.observe(Self.flow(t, to: "198.51.100.7", port: 8443))
        }
        #expect(jittered.finish().map(\.rule) == ["c2.beacon"])
        var local = TrafficAnalyzer()
        for k in 0..<40 { local.observe(Self.flow(Double(k) * 60, to: "192.168.1.1", port: 8443)) }
        #expect(local.finish().isEmpty, "periodic polling of a local hub is not a beacon")
    }

    @Test func beaconIsRaisedWhileFlowsArriveNotOnlyAtTheEnd() {
        var analyzer = TrafficAnalyzer()
        let minimum = DetectionSettings().beaconMinimumIntervals
        // One connection fewer than the rule needs: nothing yet, and no early guess.
        for k in 0..<minimum { analyzer.observe(Self.flow(1_000 + Double(k) * 60, to: "198.51.100.9", port: 443)) }
        #expect(analyzer.alertCount == 0)
        analyzer.observe(Self.flow(1_000 + Double(minimum) * 60, to: "198.51.100.9", port: 443))
        #expect(analyzer.currentAlerts.map(\.rule) == ["c2.beacon"], "judged on arrival of the flow that completes the series")
        #expect(analyzer.currentAlerts.first?.evidenceCount == minimum + 1)
        #expect(analyzer.currentAlerts.first?.reason.hasPrefix("\(minimum + 1) connections every 60.0 s") == true)
        // Judged again once a quarter of the series (at least the minimum) is new, widening the same alert.
        for k in (minimum + 1)..<(2 * minimum + 1) { analyzer.observe(Self.flow(1_000 + Double(k) * 60, to: "198.51.100.9", port: 443)) }
        #expect(analyzer.alertCount == 1)
        #expect(analyzer.currentAlerts.first?.evidenceCount == 2 * minimum + 1)
        #expect(analyzer.currentAlerts.first?.windowEnd == 1_000 + Double(2 * minimum) * 60)
        #expect(analyzer.finish().map(\.evidenceCount) == [2 * minimum + 1])
    }

    @Test func aLongIrregularSeriesThatTurnsPeriodicIsRaisedWithinTwoSeriesLengths() {
        // 400 random connections fill the series (it keeps the latest 256 starts); then one every 60 s. A full series is
        // judged again whenever all it keeps is new, so the beacon is raised while flows arrive, at the first judgement
        // at which most kept intervals lie near the period.
        var generator = SplitMix(seed: 5)
        var analyzer = TrafficAnalyzer()
        var t = 10_000.0
        for _ in 0..<400 {
            t += -log(1 - generator.nextUnit()) * 60
            analyzer.observe(Self.flow(t, to: "198.51.100.21", port: 443))
        }
        #expect(analyzer.alertCount == 0, "random arrivals are not a beacon")
        var raisedAfter: Int?
        for k in 1...512 {
            t += 60
            analyzer.observe(Self.flow(t, to: "198.51.100.21", port: 443))
            if raisedAfter == nil, analyzer.alertCount > 0 { raisedAfter = k }
        }
        #expect(raisedAfter != nil, "not raised within 512 regular connections")
        #expect(analyzer.currentAlerts.first?.reason.contains("every 60.0 s") == true)
    }

    @Test func telnetBruteForceNeedsFiveSessionsInTenMinutes() {
        var analyzer = TrafficAnalyzer()
        for k in 0..<4 { analyzer.observe(Self.flow(Double(k) * 200, to: "192.168.1.50", port: 23, service: "telnet")) }
        #expect(analyzer.currentAlerts.isEmpty, "four sessions spread over ten minutes")
        analyzer.observe(Self.flow(700, to: "192.168.1.50", port: 23, service: "telnet"))
        #expect(analyzer.currentAlerts.isEmpty, "the first fell out of the window")
        analyzer.observe(Self.flow(710, to: "192.168.1.50", port: 23, service: "telnet"))
        #expect(analyzer.currentAlerts.map(\.rule) == ["bruteforce.telnet"])
    }

    @Test func synFloodUDPFloodAndFanOut() {
        var analyzer = TrafficAnalyzer()
        for k in 0..<250 { analyzer.observe(Self.flow(Double(k) * 0.02, to: "203.0.113.9", port: 80, outcome: .unanswered)) }
        for k in 0..<250 { analyzer.observe(Self.flow(100 + Double(k) * 0.02, to: "203.0.113.10", port: UInt16(1000 + k), transport: 17)) }
        for k in 0..<250 { analyzer.observe(Self.flow(200 + Double(k) * 0.02, to: "198.18.\(k / 200).\(k % 200 + 1)", port: 53, transport: 17)) }
        let rules = analyzer.currentAlerts.map(\.rule)
        #expect(rules.contains("ddos.syn-flood"))
        #expect(rules.contains("ddos.udp-flood"))
        #expect(rules.contains("ddos.fan-out"))
        var slow = TrafficAnalyzer()
        for k in 0..<250 { slow.observe(Self.flow(Double(k), to: "203.0.113.9", port: 80, outcome: .unanswered)) }
        #expect(!slow.currentAlerts.map(\.rule).contains("ddos.syn-flood"), "one attempt a second is not a flood")
    }

    @Test func synFloodCountsPortsOnlyWhileTheyAreInTheWindow() {
        var analyzer = TrafficAnalyzer()
        // Unanswered attempts to 250 ports of one host in 5 s: a scan of its ports, not a SYN flood.
        for k in 0..<250 { analyzer.observe(Self.flow(Double(k) * 0.02, to: "203.0.113.9", port: UInt16(1000 + k), outcome: .unanswered)) }
        #expect(!analyzer.currentAlerts.map(\.rule).contains("ddos.syn-flood"), "250 ports is not two")
        // A minute later those ports have left the 10 s window; 250 attempts to port 80 alone are a flood.
        for k in 0..<250 { analyzer.observe(Self.flow(60 + Double(k) * 0.02, to: "203.0.113.9", port: 80, outcome: .unanswered)) }
        let floods = analyzer.currentAlerts.filter { $0.rule == "ddos.syn-flood" }
        #expect(floods.count == 1, "one alert, widened as the flood goes on")
        #expect(floods.first?.evidenceCount == 250)
        #expect(floods.first?.windowStart == 60)
        #expect(floods.first?.windowEnd == 60 + 249 * 0.02)
        #expect(floods.first?.evidence.count == NetworkAlert.evidenceLimit)
        #expect(floods.first?.evidence.allSatisfy { $0.contains("→ 203.0.113.9:80 tcp unanswered") } == true)
    }

    @Test func aScanTargetTriedAgainAfterTheWindowIsANewAttempt() {
        var analyzer = TrafficAnalyzer()
        let later = 10 * analyzer.settings.scanWindow
        // Four hosts refuse port 23, then nothing on that port for a long while.
        for k in 0..<4 { analyzer.observe(Self.flow(Double(k), to: "203.0.113.\(k + 1)", port: 23, outcome: .rejected)) }
        // The same four tried again, still refusing, and a fifth: five failed first attempts within one window. The
        // first of them was still remembered from long before and must count as tried now, not be forgotten with the
        // old attempts.
        for k in 0..<4 { analyzer.observe(Self.flow(later + Double(k), to: "203.0.113.\(k + 1)", port: 23, outcome: .rejected)) }
        #expect(analyzer.currentAlerts.isEmpty)
        analyzer.observe(Self.flow(later + 4, to: "203.0.113.9", port: 23, outcome: .rejected))
        let scan = analyzer.currentAlerts.first { $0.rule == "scan.horizontal" }
        #expect(scan?.evidenceCount == 5)
        #expect(scan?.windowStart == later)
        #expect(scan?.windowEnd == later + 4)
    }

    @Test func aScanAlertsReasonFollowsTargetsThatAnsweredMeanwhile() {
        var analyzer = TrafficAnalyzer()
        for k in 0..<5 { analyzer.observe(Self.flow(Double(k), to: "203.0.113.\(k + 1)", port: 23, outcome: .rejected)) }
        #expect(analyzer.currentAlerts.first?.reason.hasPrefix("5 of 5 hosts") == true)
        // A sixth host answers (no judgement on a success), then a refused host is tried again: judged with six.
        analyzer.observe(Self.flow(10, to: "203.0.113.20", port: 23))
        analyzer.observe(Self.flow(11, to: "203.0.113.1", port: 23, outcome: .rejected))
        #expect(analyzer.currentAlerts.first?.reason.hasPrefix("5 of 6 hosts") == true)
        // Tried yet again, nothing new: the same alert, the same reason.
        analyzer.observe(Self.flow(12, to: "203.0.113.1", port: 23, outcome: .rejected))
        #expect(analyzer.alertCount == 1)
        #expect(analyzer.currentAlerts.first?.reason.hasPrefix("5 of 6 hosts") == true)
        #expect(analyzer.currentAlerts.first?.evidenceCount == 5)
    }

    @Test func aScanAlertsReasonIsUpToDateOnceItHoldsAllItsEvidence() {
        var analyzer = TrafficAnalyzer()
        // Ten refusals fill the alert's evidence; nineteen hosts answer, then an eleventh refuses.
        for k in 0..<10 { analyzer.observe(Self.flow(Double(k), to: "203.0.113.\(k + 1)", port: 23, outcome: .rejected)) }
        for k in 0..<19 { analyzer.observe(Self.flow(20 + Double(k), to: "198.51.100.\(k + 1)", port: 23)) }
        analyzer.observe(Self.flow(50, to: "203.0.113.99", port: 23, outcome: .rejected))
        let scan = analyzer.currentAlerts.first { $0.rule == "scan.horizontal" }
        // P(X ≥ 11) for X ~ Binomial(30, 0.2) is 0.0262.
        #expect(
            scan?.reason
                == "11 of 30 hosts contacted within 300 s did not answer or refused; a benign host would fail this often with probability 2.6e-02")
        #expect(scan?.evidence.count == NetworkAlert.evidenceLimit)
        #expect(scan?.evidenceCount == 11)
        #expect(scan?.windowEnd == 50)
        #expect(scan?.severity == .medium, "set when it first fired, at five of five")
        #expect(analyzer.alerts(from: 0) == analyzer.currentAlerts)
    }

    @Test func floodWindowEmptiesAfterAQuietSpellAndCountsAfresh() {
        var analyzer = TrafficAnalyzer()
        for k in 0..<150 { analyzer.observe(Self.flow(Double(k) * 0.02, to: "203.0.113.9", port: 80, outcome: .unanswered)) }
        // A minute of silence, then another 150: neither burst alone reaches 200 within 10 s.
        for k in 0..<150 { analyzer.observe(Self.flow(60 + Double(k) * 0.02, to: "203.0.113.9", port: 80, outcome: .unanswered)) }
        #expect(!analyzer.currentAlerts.map(\.rule).contains("ddos.syn-flood"))
        // 60 more within the second burst's window make 210.
        for k in 0..<60 { analyzer.observe(Self.flow(63 + Double(k) * 0.01, to: "203.0.113.9", port: 80, outcome: .unanswered)) }
        let flood = analyzer.currentAlerts.first { $0.rule == "ddos.syn-flood" }
        #expect(flood?.evidenceCount == 210)
        #expect(flood?.windowStart == 60)
    }

    @Test func fanOutCountsOnlyDestinationsStillInTheWindow() {
        var analyzer = TrafficAnalyzer()
        // 100 s of one flow every 0.1 s over 300 destinations in turn: any 10 s window holds 100 of them.
        for k in 0..<1_000 { analyzer.observe(Self.flow(Double(k) * 0.1, to: "198.18.\(k % 300 / 200).\(k % 300 % 200 + 1)", port: 53, transport: 17)) }
        #expect(!analyzer.currentAlerts.map(\.rule).contains("ddos.fan-out"))
        // Then 250 new destinations within 2.5 s.
        for k in 0..<250 { analyzer.observe(Self.flow(200 + Double(k) * 0.01, to: "198.19.\(k / 200).\(k % 200 + 1)", port: 53, transport: 17)) }
        let fanOut = analyzer.currentAlerts.first { $0.rule == "ddos.fan-out" }
        #expect(fanOut?.reason.hasPrefix("250 distinct destinations") == true)
        #expect(fanOut?.windowStart == 200)
    }

    @Test func dnsTunnelAndGeneratedDomains() {
        var analyzer = TrafficAnalyzer()
        for k in 0..<25 {
            let label = String(repeating: String(k, radix: 16), count: 40).prefix(40)
            analyzer.observe(DNSObservation(time: Double(k), client: Self.device, clientMAC: nil, name: "\(label).t.example.org", isResponse: false, responseCode: 0, origin: "p\(k)"))
        }
        for k in 0..<12 {
            analyzer.observe(DNSObservation(time: 100 + Double(k), client: Self.device, clientMAC: nil, name: "qx\(k)zv\(k * 7)kw.com", isResponse: true, responseCode: 3, origin: "r\(k)"))
        }
        for k in 0..<30 {
            analyzer.observe(DNSObservation(time: Double(k), client: HostAddress("192.168.1.21")!, clientMAC: nil, name: "img\(k).cdn.example.net", isResponse: false, responseCode: 0, origin: "c\(k)"))
        }
        let alerts = analyzer.currentAlerts
        #expect(alerts.map(\.rule) == ["dns.tunnel", "dns.generated-domains"])
        #expect(alerts.first?.target == "example.org")
        #expect(alerts.last?.evidenceCount == 12)
    }

    @Test func unusualOutboundVolumeAgainstTheDevicesOwnHistory() {
        var analyzer = TrafficAnalyzer()
        for bucket in 0..<12 { analyzer.observe(Self.flow(Double(bucket) * 600 + 10, to: "203.0.113.5", port: 443, bytes: 2_000_000 + UInt64(bucket) * 10_000)) }
        analyzer.observe(Self.flow(12 * 600 + 10, to: "203.0.113.5", port: 443, bytes: 400_000_000))
        #expect(analyzer.currentAlerts.isEmpty, "the bucket is judged when it closes")
        analyzer.observe(Self.flow(13 * 600 + 10, to: "203.0.113.5", port: 443))
        #expect(analyzer.currentAlerts.map(\.rule) == ["exfiltration.volume"])
    }

    @Test func newExternalDestinationsOnlyAfterLearning() {
        var settings = DetectionSettings()
        settings.learningPeriod = 3600
        var analyzer = TrafficAnalyzer(settings: settings)
        analyzer.observe(Self.flow(0, to: "203.0.113.5", port: 443))
        analyzer.observe(Self.flow(1000, to: "203.0.113.6", port: 443))
        analyzer.observe(Self.flow(4000, to: "203.0.113.5", port: 443))
        #expect(analyzer.currentAlerts.isEmpty)
        analyzer.observe(Self.flow(4100, to: "198.51.100.99", port: 443))
        analyzer.observe(Self.flow(4200, to: "198.51.100.98", port: 443))
        #expect(analyzer.currentAlerts.map(\.rule) == ["destination.new"])
        #expect(analyzer.currentAlerts.first?.evidenceCount == 2)
    }
}

/// A small seeded generator (SplitMix64) so the statistical tests are repeatable.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Moves a traffic clock: mostly forward by `step`, one time in ten back by `back` (exports are not in start
    /// order), and once in `quietEvery` on by `quiet`, a spell longer than the windows under test.
    mutating func wander(_ time: inout Double, step: Double, back: Double, quiet: Double, quietEvery: UInt64) {
        switch next() % quietEvery {
        case 0: time += quiet
        case 1...(quietEvery / 10): time -= back
        default: time += step
        }
    }
}
