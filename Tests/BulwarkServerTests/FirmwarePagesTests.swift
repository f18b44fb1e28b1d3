import BulwarkCore
import BulwarkFirmware
import BulwarkServer
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The lineage page and API, the product page with release-to-release differences, and the blast radius page's trunk
/// binaries, over TestWorld with Alpha's firmware analysed.
@Suite struct FirmwarePagesTests {
    func json(_ buffer: ByteBuffer) throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) }

    /// Pseudo-random bytes from a seed (xorshift64), the same on every run.
    static func bytes(seed: UInt64, count: Int) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        return Data(out)
    }

    static let busybox = bytes(seed: 5, count: 80_000)
    static var rebuiltBusybox: Data {
        var edited = Array(busybox)
        for offset in 0..<6 { edited[30_000 + offset] ^= 0x77 }
        return Data(edited)
    }

    /// A door and a gate controller of one trunk in two product lines, for Alpha.
    static let lines = """
        serial,model,product_name,manufacturer,product_line,trunk,firmware,released_on,site,credential_state
        ALPHA-9001,ALPHA-DOOR,Alpha Door,Alpha Devices,Doors,alpha-os,1.0.0,2025-01-01,Alpha Depot,changed
        ALPHA-9002,ALPHA-GATE,Alpha Gate,Alpha Devices,Gates,alpha-os,1.0.0,2025-02-01,Alpha Depot,changed
        ALPHA-9003,ALPHA-GATE,Alpha Gate,Alpha Devices,Gates,alpha-os,1.0.0,2025-02-01,Alpha Depot,changed

        """

    static func finding(_ rule: String, _ title: String, org: Organisation, release: Identifier<FirmwareRelease>) -> Finding {
        Finding(
            id: .derived(from: org.id.rawValue, release.rawValue, rule), organisation: org.id, subject: .release(release), kind: "firmware.\(rule)",
            severity: rule.hasPrefix("credentials") ? .critical : .high, title: title,
            evidence: .init(summary: "seen", location: "/etc/\(rule)", rule: rule),
            provenance: .init(source: SQLStore.firmwareFindingSource, observedAt: "2026-11-20T09:00:00Z", version: "test"))
    }

    static func analyse(_ world: TestWorld) async throws {
        let system = try await world.store.systemPrincipal(for: world.alpha)
        _ = try await world.store.importInventory(
            try InventoryDocument.parse(Array(lines.utf8), source: "lines.csv"), by: system, origin: .commandLine)
        let busyboxComponent = ComponentInput(name: "busybox", version: "1.31.1", supplier: nil, purl: "pkg:generic/busybox@1.31.1", cpe: nil)
        try await world.store.recordFirmwareAnalysis(
            model: "ALPHA-DOOR", version: "1.0.0", components: [busyboxComponent],
            fingerprints: [
                FileFingerprint(path: "/bin/busybox", content: Self.busybox, isBinary: true, component: "busybox", componentVersion: "1.31.1")
            ],
            by: system, origin: .commandLine
        ) { _ in [] }
        try await world.store.recordFirmwareAnalysis(
            model: "ALPHA-GATE", version: "1.0.0", components: [],
            fingerprints: [FileFingerprint(path: "/bin/busybox", content: Self.rebuiltBusybox, isBinary: true)], by: system, origin: .commandLine
        ) { _ in [] }

        let openssl = { (version: String) in
            ComponentInput(name: "openssl", version: version, supplier: nil, purl: "pkg:generic/openssl@\(version)", cpe: nil)
        }
        let org = world.alpha
        try await world.store.recordFirmwareAnalysis(
            model: "ALPHA-CAM", version: "1.0.0", components: [openssl("1.1.1k"), busyboxComponent],
            fingerprints: [
                FileFingerprint(path: "/etc/passwd", content: Data("root:x:0:0::/root:/bin/sh\n".utf8), isBinary: false),
                FileFingerprint(path: "/etc/old.conf", content: Data("old\n".utf8), isBinary: false),
            ],
            by: system, origin: .commandLine
        ) { release in
            [
                finding("credentials.default-password", "Default password <script>alert(1)</script>", org: org, release: release),
                finding("services.telnet", "Telnet server starts at boot", org: org, release: release),
            ]
        }
        try await world.store.recordFirmwareAnalysis(
            model: "ALPHA-CAM", version: "2.0.0",
            components: [openssl("1.1.1n"), ComponentInput(name: "dropbear", version: "2020.81", supplier: nil, purl: nil, cpe: nil)],
            fingerprints: [
                FileFingerprint(path: "/etc/passwd", content: Data("root:x:0:0::/root:/bin/false\n".utf8), isBinary: false),
                FileFingerprint(path: "/etc/new.conf", content: Data("new\n".utf8), isBinary: false),
            ],
            by: system, origin: .commandLine
        ) { release in [finding("services.telnet", "Telnet server starts at boot", org: org, release: release)] }
    }

    @Test func lineagePageAndAPIShowTheTrunkToItsOrganisationAndThoseItSharesWith() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Self.analyse(world)
        try await Application(router: try await world.router()).test(.router) { client in
            let alpha = try await BrowserSession.signIn(client, email: "owner@alpha.example", password: TestWorld.password)
            let page = String(buffer: try await client.execute(uri: "/firmware/lineage", method: .get, headers: alpha.headers, body: nil).body)
            #expect(page.contains("<strong>trunk alpha-os</strong>"))
            #expect(page.contains("Doors · <span class=\"shared\">100%</span> shared"))
            #expect(page.contains("<a href=\"/products/ALPHA-GATE\">Alpha Gate ALPHA-GATE 1.0.0</a>"))
            #expect(page.contains("<li class=\"trunk-component\"><strong>busybox</strong> 1.31.1 · similar binary"))
            #expect(page.contains("<td>ALPHA-DOOR 1.0.0</td><td>ALPHA-GATE 1.0.0</td>"))
            #expect(page.contains("aria-current=\"page\">Firmware</a>"))
            let badThreshold = try await client.execute(uri: "/firmware/lineage?threshold=0", method: .get, headers: alpha.headers, body: nil)
            #expect(badThreshold.status == .badRequest)

            let radius = String(
                buffer: try await client.execute(uri: "/blast-radius?component=busybox%401.31.1", method: .get, headers: alpha.headers, body: nil)
                    .body)
            #expect(radius.contains("Same trunk binary, found by digest"))
            #expect(
                radius.contains(
                    "<td>Gates</td><td>Alpha Gate <span class=\"muted\">ALPHA-GATE</span></td><td>1.0.0</td><td><code>/bin/busybox</code></td>"))
            #expect(radius.contains("<td>not identified</td><td>2</td>"))

            let owner: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)"]
            let api = try #require(
                try json(try await client.execute(uri: "/api/v1/firmware/lineage", method: .get, headers: owner, body: nil).body) as? [String: Any])
            let trunks = try #require(api["trunks"] as? [[String: Any]])
            #expect(trunks.compactMap { $0["name"] as? String } == ["(no trunk)", "alpha-os"])
            #expect((api["pairs"] as? [[String: Any]])?.first?["similarBinaries"] as? Int == 1)
            let strict = try await client.execute(uri: "/api/v1/firmware/lineage?threshold=101", method: .get, headers: owner, body: nil)
            #expect(strict.status.code >= 400 && strict.status.code < 500)

            let apiRadius = try #require(
                try json(try await client.execute(uri: "/api/v1/blast-radius?component=busybox%401.31.1", method: .get, headers: owner, body: nil).body)
                    as? [String: Any])
            let relatives = try #require(apiRadius["trunkBinaries"] as? [[String: Any]])
            #expect(relatives.compactMap { $0["model"] as? String } == ["ALPHA-GATE"])
            #expect(relatives.first?["match"] as? String == "similar")
            #expect(relatives.first?["devices"] as? Int == 2)

            let bravo: HTTPFields = [.authorization: "Bearer \(world.bravoOwnerToken)"]
            let own = try #require(
                try json(try await client.execute(uri: "/api/v1/firmware/lineage", method: .get, headers: bravo, body: nil).body) as? [String: Any])
            #expect((own["trunks"] as? [Any])?.isEmpty == true)
            let leak = try await client.execute(
                uri: "/api/v1/firmware/lineage?organisation=\(world.alpha.id.rawValue)", method: .get, headers: bravo, body: nil)
            #expect(leak.status == .notFound)
            #expect(!String(buffer: leak.body).contains("alpha-os"))
            let insurer: HTTPFields = [.authorization: "Bearer \(world.insurerToken)"]
            let shared = String(
                buffer: try await client.execute(
                    uri: "/api/v1/firmware/lineage?organisation=\(world.alpha.id.rawValue)", method: .get, headers: insurer, body: nil
                ).body)
            #expect(shared.contains("alpha-os"))

            let bravoSession = try await BrowserSession.signIn(client, email: "owner@bravo.example", password: TestWorld.password)
            let empty = String(
                buffer: try await client.execute(uri: "/firmware/lineage", method: .get, headers: bravoSession.headers, body: nil).body)
            #expect(empty.contains("No release has been analysed for this organisation yet"))
            #expect(!empty.contains("alpha-os"))
            let refused = try await client.execute(
                uri: "/firmware/lineage?org=\(world.alpha.id.rawValue)", method: .get, headers: bravoSession.headers, body: nil)
            #expect(refused.status == .notFound)
        }
    }

    @Test func productPageShowsFindingsPerReleaseAndWhatChangedBetweenThem() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Self.analyse(world)
        try await Application(router: try await world.router()).test(.router) { client in
            let alpha = try await BrowserSession.signIn(client, email: "owner@alpha.example", password: TestWorld.password)
            let response = try await client.execute(uri: "/products/ALPHA-CAM", method: .get, headers: alpha.headers, body: nil)
            #expect(response.status == .ok)
            let page = String(buffer: response.body)
            #expect(page.contains("<h1>ALPHA ALPHA-CAM <span class=\"muted\">ALPHA-CAM</span></h1>"))
            #expect(page.contains("<tr data-version=\"1.0.0\">\n      <td>1.0.0</td><td>2021-01-10</td><td>5</td><td>2</td><td>2</td>"))
            #expect(page.contains("Default password &lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.contains("<script>"))
            #expect(page.contains("<h3>1.0.0 → 2.0.0</h3>"))
            #expect(page.contains("<dd class=\"findings-added\">none</dd>"))
            #expect(
                page.contains(
                    "<dd class=\"findings-removed\"><span class=\"badge sev-critical\">critical</span> Default password &lt;script&gt;alert(1)&lt;/script&gt; <span class=\"muted\">at /etc/credentials.default-password</span><br></dd>"
                ))
            #expect(page.contains("<dd class=\"components-added\">dropbear 2020.81<br></dd>"))
            #expect(page.contains("<dd class=\"components-removed\">busybox 1.31.1<br></dd>"))
            #expect(page.contains("<dd class=\"components-changed\">openssl 1.1.1k → 1.1.1n<br></dd>"))
            #expect(page.contains("<dd class=\"files\">1 added, 1 removed, 1 changed</dd>"))
            #expect(
                page.contains(
                    "<li>added <code>/etc/new.conf</code></li><li>removed <code>/etc/old.conf</code></li><li>changed <code>/etc/passwd</code></li>"))

            let plug = String(buffer: try await client.execute(uri: "/products/ALPHA-PLUG", method: .get, headers: alpha.headers, body: nil).body)
            #expect(plug.contains("not compared: analyse both releases"))

            let bravo = try await BrowserSession.signIn(client, email: "owner@bravo.example", password: TestWorld.password)
            let hidden = try await client.execute(uri: "/products/ALPHA-CAM", method: .get, headers: bravo.headers, body: nil)
            #expect(hidden.status == .notFound)
            #expect(!String(buffer: hidden.body).contains("Default password"))
            let insurer = try await BrowserSession.signIn(client, email: "analyst@charlie.example", password: TestWorld.password)
            let shared = try await client.execute(
                uri: "/products/ALPHA-CAM?org=\(world.alpha.id.rawValue)", method: .get, headers: insurer.headers, body: nil)
            #expect(shared.status == .ok)
            #expect(String(buffer: shared.body).contains("<h3>1.0.0 → 2.0.0</h3>"))
        }
    }
}
