import BulwarkNetwork
import Foundation
import Testing

@Suite struct MUDTests {
    static func load(_ name: String) throws -> MUDProfile {
        try MUDProfile.read(try Data(contentsOf: NetworkFixture.sharedData.appendingPathComponent("mud/\(name)")), file: name)
    }

    @Test func everySharedMUDFileParses() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: NetworkFixture.path("mud")).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count == 5)
        for name in names {
            let profile = try Self.load(name)
            #expect(!profile.rules.isEmpty, "\(name) has rules")
            #expect(profile.url.hasPrefix("https://"))
        }
    }

    @Test func readsTheLightbulbsDraftFormRules() throws {
        let profile = try Self.load("lightbulb2000.json")
        #expect(profile.url == "https://bms.example.com/.well-known/mud/lightbulb2000")
        let out = try #require(profile.rules.first { $0.direction == .fromDevice })
        #expect(out.remoteName == "service.bms.example.com")
        #expect(out.transport == 6)
        #expect(out.remotePort?.matches(443) == true)
        #expect(out.remotePort?.matches(80) == false)
        #expect(out.initiatedBy == .fromDevice)
        let back = try #require(profile.rules.first { $0.direction == .toDevice })
        #expect(back.remoteName == "service.bms.example.com")
        #expect(back.remotePort?.matches(443) == true)
    }

    @Test func reportsAnUndefinedAccessListWithItsPlace() {
        let json = #"{"ietf-mud:mud": {"mud-version": 1, "mud-url": "https://x.example/m", "from-device-policy": {"access-lists": {"access-list": [{"name": "nope"}]}}}}"#
        #expect(throws: MUDError(file: "m.json", path: "$['ietf-mud:mud']['from-device-policy']", message: "names access list 'nope', which the file does not define")) {
            try MUDProfile.read(Data(json.utf8), file: "m.json")
        }
    }

    @Test func checksFlowsAndGeneratesAProfileThatAllowsWhatItSaw() throws {
        let device = HostAddress("192.168.1.20")!
        let cloud = HostAddress("203.0.113.10")!
        let resolved: [HostAddress: Set<String>] = [cloud: ["service.bms.example.com"]]
        func flow(_ to: HostAddress, _ port: UInt16, transport: UInt8 = 6) -> FlowRecord {
            FlowRecord(start: 0, end: 1, originator: device, responder: to, originatorPort: 50000, responderPort: port, transport: transport, outcome: .established, origin: "t")
        }
        let allowed = flow(cloud, 443)
        let strange = flow(HostAddress("198.51.100.66")!, 23)
        let policy = MUDPolicy(profile: try Self.load("lightbulb2000.json"), resolved: resolved)
        #expect(policy.allowingRule(allowed, device: device)?.name == "cl0-frdev")
        #expect(policy.violations([allowed, strange, flow(cloud, 80)], device: device).count == 2)
        let benign = [allowed, flow(HostAddress("192.168.1.1")!, 53, transport: 17)]
        let data = try MUDPolicy.generate(
            url: "https://example.com/.well-known/mud/bulb", systemInfo: "bulb", flows: benign, device: device, resolved: resolved, lastUpdate: "2026-01-01T00:00:00Z")
        let generated = try MUDProfile.read(data, file: "generated.json")
        #expect(generated.rules.count == 2)
        let regenerated = MUDPolicy(profile: generated, resolved: resolved)
        #expect(regenerated.violations(benign, device: device).isEmpty)
        #expect(regenerated.violations([strange], device: device).count == 1)
    }

    @Test func quarantinePlanKeepsManagementAndProfileEndpoints() throws {
        let plan = QuarantinePlan(
            device: HostAddress("192.168.1.20")!, mac: HardwareAddress("3c:71:bf:00:00:01"), name: "CAM-1",
            management: [.init(host: "10.0.0.5", transport: 6, port: 22, why: "management ssh")], profile: try Self.load("lightbulb2000.json"))
        #expect(plan.table == "bulwark_quarantine_cam_1")
        #expect(plan.rules.contains("ip saddr 192.168.1.20 ip daddr 10.0.0.5 tcp dport 22 accept"))
        #expect(plan.rules.contains("ip saddr 192.168.1.20 ip daddr service.bms.example.com tcp dport 443 accept"))
        #expect(plan.rules.contains("ip daddr 192.168.1.20 ip saddr 10.0.0.5 tcp sport 22 ct state established,related accept"))
        #expect(plan.rules.contains("ether saddr 3c:71:bf:00:00:01 counter drop"))
        #expect(plan.rules.contains("        ip saddr 192.168.1.20 counter drop comment \"quarantined device, from\"\n        ip daddr 192.168.1.20 counter drop"))
        #expect(!plan.rules.contains("ct state established,related ip"), "no blanket acceptance of earlier sessions")
        for hook in ["forward", "input", "output"] { #expect(plan.rules.contains("type filter hook \(hook) priority -10; policy accept;\n        jump isolate")) }
        #expect(plan.rollback == "delete table inet bulwark_quarantine_cam_1\n")
    }
}
