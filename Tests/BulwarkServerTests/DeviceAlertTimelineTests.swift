import BulwarkCore
import BulwarkServer
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The device page draws the device's stored network alerts on a timeline, one lane per rule, and only its own.
@Suite struct DeviceAlertTimelineTests {
    static func alert(
        _ rule: String, _ severity: Severity, at time: String, device: DeviceSummary, organisation: Identifier<Organisation>, title: String
    ) -> Finding {
        Finding(
            id: .derived(from: organisation.rawValue, rule, device.serial, time), organisation: organisation, subject: .device(device.id),
            kind: "network.\(rule)", severity: severity, title: title,
            evidence: .init(summary: "host 10.0.0.9, \(time): test traffic", location: nil, rule: rule),
            provenance: .init(source: "traffic", observedAt: time, version: "network-rules-1"))
    }

    static func marks(in html: String) -> [String] {
        html.components(separatedBy: "<circle class=\"").dropFirst().map { String($0.prefix { $0 != ">" }) }
    }

    @Test func devicePageDrawsEachNetworkAlertInItsRuleLaneAtItsTime() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let alpha = try await world.store.systemPrincipal(for: world.alpha)
        let device = try await world.store.device(serial: "ALPHA-0003", organisation: nil, for: alpha)
        try await world.store.record(
            [
                Self.alert(
                    "scan.horizontal", .medium, at: "2026-11-19T08:00:00Z", device: device, organisation: world.alpha.id,
                    title: "Horizontal scan of port 23/tcp"),
                Self.alert(
                    "c2.beacon", .high, at: "2026-11-19T10:00:00Z", device: device, organisation: world.alpha.id, title: "Periodic connections"),
                Self.alert("c2.beacon", .high, at: "2026-11-19T12:00:00Z", device: device, organisation: world.alpha.id, title: "Periodic <again>"),
            ], by: alpha, origin: .commandLine)
        let bravo = try await world.store.systemPrincipal(for: world.bravo)
        let bravoDevice = try await world.store.device(serial: "BRAVO-0003", organisation: nil, for: bravo)
        try await world.store.record(
            [Self.alert("ddos.syn-flood", .high, at: "2026-11-19T09:00:00Z", device: bravoDevice, organisation: world.bravo.id, title: "SYN flood")],
            by: bravo, origin: .commandLine)

        try await Application(router: try await world.router()).test(.router) { client in
            let owner = try await BrowserSession.signIn(client, email: "owner@alpha.example", password: TestWorld.password)
            let response = try await client.execute(uri: "/devices/ALPHA-0003", method: .get, headers: owner.headers, body: nil)
            #expect(response.status == .ok)
            let html = String(buffer: response.body)
            #expect(html.contains("<h2>Network alerts over time</h2>"))
            #expect(html.contains("aria-label=\"Network alerts of ALPHA-0003 over time\""))
            // Lanes in the order of each rule's first alert; the span is 08:00–12:00 across 530 plot pixels from x = 170.
            #expect(html.contains(">scan.horizontal</text>"))
            #expect(html.contains(">c2.beacon</text>"))
            #expect(html.range(of: ">scan.horizontal</text>")!.lowerBound < html.range(of: ">c2.beacon</text>")!.lowerBound)
            #expect(
                Self.marks(in: html) == [
                    "mark sev-medium\" cx=\"170\" cy=\"14\" r=\"6\"", "mark sev-high\" cx=\"435\" cy=\"42\" r=\"6\"",
                    "mark sev-high\" cx=\"700\" cy=\"42\" r=\"6\"",
                ])
            #expect(html.contains("<title>2026-11-19T12:00:00Z · high · Periodic &lt;again&gt;</title>"))
            #expect(html.contains(">11-19 08:00</text>"))
            #expect(html.contains(">11-19 12:00</text>"))
            #expect(!html.contains("ddos.syn-flood"), "another organisation's alert is never drawn")

            let bravoOwner = try await BrowserSession.signIn(client, email: "owner@bravo.example", password: TestWorld.password)
            let own = String(buffer: try await client.execute(uri: "/devices/BRAVO-0003", method: .get, headers: bravoOwner.headers, body: nil).body)
            #expect(Self.marks(in: own) == ["mark sev-high\" cx=\"435\" cy=\"14\" r=\"6\""], "a single alert sits mid-axis, an hour either side")
            #expect(!own.contains("scan.horizontal"))

            let quiet = String(buffer: try await client.execute(uri: "/devices/ALPHA-0004", method: .get, headers: owner.headers, body: nil).body)
            #expect(quiet.contains("No network alerts for this device."))
            #expect(Self.marks(in: quiet).isEmpty)
        }
    }
}
