import Foundation
import Testing

@Suite struct TrafficCommandTests {
    static var sharedData: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    @Test func analysesACaptureAndALogAsJSONWithoutADatabase() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let result = try cli.run(
            ["traffic", "analyze", Self.sharedData.appendingPathComponent("pcap/ssh-bruteforce.pcap").path,
             Self.sharedData.appendingPathComponent("zeek/portscan-vertical.conn.log").path, "--format", "json"], withDatabase: false)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let alerts = try #require(json["alerts"] as? [[String: Any]])
        #expect(alerts.compactMap { $0["rule"] as? String } == ["bruteforce.ssh", "scan.vertical"])
        #expect((alerts.first?["evidence"] as? [String])?.count == 10)
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.first?["packets"] as? Int == 1178)
        #expect(!FileManager.default.fileExists(atPath: cli.database), "no database is touched without --org")
    }

    @Test func storesAlertsAsFindingsOfTheOrganisationAndCountsBadInput() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        #expect(try cli.run(["org", "create", "Harbourside", "--kind", "operator"]).status == 0)
        let whole = try Data(contentsOf: Self.sharedData.appendingPathComponent("pcap/c2-beacon-capture-1.pcap"))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-cut.pcap")
        try whole.prefix(whole.count - 100).write(to: cut)
        defer { try? FileManager.default.removeItem(at: cut) }
        let result = try cli.run(["traffic", "analyze", cut.path, "--org", "Harbourside"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("truncated-file: 1"))
        #expect(result.stdout.contains("[high] c2.beacon"))
        #expect(result.stdout.contains("stored 1 findings for Harbourside"))
        let again = try cli.run(["traffic", "analyze", cut.path, "--org", "Harbourside", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["stored"] as? Int == 1)
        let missing = try cli.run(["traffic", "analyze", cut.path, "--org", "Nobody"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no organisation named \"Nobody\""))
    }

    @Test func refusesAFileItCannotRecogniseInOneLine() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let file = try cli.write("hello, world\n", name: "notes.txt")
        let result = try cli.run(["traffic", "analyze", file], withDatabase: false)
        #expect(result.status != 0)
        #expect(result.stderr.contains("notes.txt: not a pcap, pcapng, Zeek conn.log, IPFIX or NetFlow v5 file"))
    }

    @Test func plansAQuarantineFromAMUDProfile() throws {
        let cli = BulwarkProcess.make()
        defer { cli.remove() }
        let result = try cli.run(
            ["quarantine", "plan", "--device", "192.168.1.20", "--allow", "10.0.0.5:tcp:22", "--profile",
             Self.sharedData.appendingPathComponent("mud/lightbulb2000.json").path], withDatabase: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ip daddr 10.0.0.5 tcp dport 22 accept"))
        #expect(result.stdout.contains("delete table inet bulwark_quarantine_192_168_1_20"))
    }
}
