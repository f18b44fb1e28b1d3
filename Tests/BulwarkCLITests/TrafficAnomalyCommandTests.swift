import Foundation
import Testing

@Suite struct TrafficAnomalyCommandTests {
    @Test func trainsTheDetectorOnThePacketsAskedAndReportsItsThreshold() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let capture = TrafficCommandTests.sharedData.appendingPathComponent("pcap/c2-beacon-capture-1.pcap").path
        let result = try cli.run(["traffic", "analyze", capture, "--train", "5000", "--format", "json"], withDatabase: false)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let anomaly = try #require(json["anomaly"] as? [String: Any])
        #expect(anomaly["training"] as? String == "5000 packets")
        #expect(anomaly["packetsScored"] as? Int == 2931)
        #expect(anomaly["calibrationPackets"] as? Int == 1000)
        #expect((anomaly["threshold"] as? Double ?? 0) > 0)
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts.first?["rule"] as? String == "c2.beacon")
        let anomalies = alerts.filter { $0["rule"] as? String == "anomaly.autoencoder" }
        #expect(anomalies.reduce(0) { $0 + ($1["evidenceCount"] as? Int ?? 0) } == anomaly["anomalousPackets"] as? Int)
    }

    @Test func rejectsATrainingWindowTooShortToSplit() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let capture = TrafficCommandTests.sharedData.appendingPathComponent("pcap/ssh-bruteforce.pcap").path
        let result = try cli.run(["traffic", "analyze", capture, "--train", "3"], withDatabase: false)
        #expect(result.status != 0)
        #expect(result.stderr.contains("--train"))
        let seconds = try cli.run(["traffic", "analyze", capture, "--train", "60s"], withDatabase: false)
        #expect(seconds.status == 0, "\(seconds.stderr)")
        #expect(seconds.stdout.contains("the traffic ended inside the training window (1178 packets): nothing scored"))
    }
}
