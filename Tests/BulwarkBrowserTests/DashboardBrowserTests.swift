import BulwarkCore
import BulwarkFirmware
import BulwarkLedger
import BulwarkServer
import BulwarkStore
import BulwarkVulnerability
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceLifecycle
import Testing

/// Where the browser lives. In CI (`CI` set) a missing browser fails the run; locally the test is skipped, visibly.
enum BrowserEnvironment {
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { chromedriver != nil && chromium != nil }
    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
    static var runs: Bool { available || required }
}

@Suite(.serialized) struct DashboardBrowserTests {
    @Test(
        "A person signs in with JavaScript off, sees the fleet, filters the inventory and opens a device",
        .enabled(
            if: BrowserEnvironment.runs, "SKIPPED: headless Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"))
    func signsInAndBrowsesTheInventory() async throws {
        let chromedriver = try #require(BrowserEnvironment.chromedriver, "chromedriver is required in CI")
        let chromium = try #require(BrowserEnvironment.chromium, "chromium is required in CI")

        // A real server on a real socket, filled with the demo world.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-browser-\(UUID().uuidString).sqlite").path
        let store = SQLStore(database: try Database.open(path))
        do {
            try await browse(store: store, chromedriver: chromedriver, chromium: chromium)
        } catch {
            // Close the pool on failure too, or its debug-build check at deinit ends the whole test process.
            await store.database.close()
            for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            throw error
        }
        await store.database.close()
        for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func browse(store: SQLStore, chromedriver: String, chromium: String) async throws {
        try await store.migrate()
        _ = try await DemoWorld(store: store, hasher: PasswordHasher(cost: 4)).create(password: "browser-test-password")
        let ledgerKey = try NoteSigningKey(generatingFor: "bulwark.test/ledger")
        _ = try await store.publishLedgerCheckpoint(origin: "bulwark.test/ledger", signers: [ledgerKey])
        let operatorOrg = try #require(try await store.organisation(named: DemoWorld.operatorName))
        let principal = try await store.systemPrincipal(for: operatorOrg)
        let overview = try await store.fleetOverview(organisation: nil, for: principal, on: CalendarDay(Date()))

        let router = try await buildRouter(ServerConfiguration(bcryptCost: 4), store: store)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "Bulwark"),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) })
        let services = ServiceGroup(configuration: .init(services: [app], logger: app.logger))
        let server = Task { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let site = "http://127.0.0.1:\(port)"

        let driverPort = 9515 + Int.random(in: 1...400)
        let driverProcess = Process()
        driverProcess.executableURL = URL(fileURLWithPath: chromedriver)
        driverProcess.arguments = ["--port=\(driverPort)"]
        driverProcess.standardOutput = FileHandle.nullDevice
        driverProcess.standardError = FileHandle.nullDevice
        try driverProcess.run()
        defer { driverProcess.terminate() }
        let driverURL = URL(string: "http://127.0.0.1:\(driverPort)")!
        try await Self.waitUntilReady(driverURL)
        let browser = try await WebDriver.start(driver: driverURL, chromium: chromium, javaScript: false)

        do {
            try await browser.navigate(to: site + "/inventory")
            #expect(try await browser.currentURL().hasPrefix(site + "/login"), "an anonymous visit must land on the sign-in page")
            try await browser.type("ops@harbourside.example", into: "#email")
            try await browser.type("browser-test-password", into: "#password")
            let landed = try await browser.follow("button[type=submit]")
            #expect(landed == site + "/inventory", "sign-in returns to the page that was asked for")

            try await browser.navigate(to: site + "/")
            #expect(try await browser.text(of: "#total-devices") == String(overview.totalDevices))
            #expect(try await browser.text(of: "#default-credentials") == String(overview.defaultCredentials))
            #expect(try await browser.text(of: "#exposed-defaults") == String(overview.exposedWithDefaultCredentials))
            try await Self.keep(try await browser.screenshot(), name: "fleet.png")

            // The tile links to the inventory filtered to default passwords.
            _ = try await browser.follow("a.tile.warn")
            #expect(try await browser.text(of: "#result-count").hasPrefix("\(overview.defaultCredentials) devices match"))
            let rows = try await browser.elements("table.devices tbody tr")
            #expect(rows.count == min(50, overview.defaultCredentials))
            let badges = try await browser.elements("table.devices tbody .badge.bad")
            #expect(badges.count >= rows.count, "every listed device shows its default-password badge")
            try await Self.keep(try await browser.screenshot(), name: "inventory-default-passwords.png")

            _ = try await browser.follow("table.devices tbody tr:first-child td a")
            let heading = try await browser.text(of: "h1")
            #expect(heading.contains("Lumen"))
            #expect(try await browser.text(of: "ul.findings").contains("Default password"))
            try await Self.keep(try await browser.screenshot(), name: "device.png")

            // Each finding is in the evidence ledger; its link gives the proof bundle, fetched as the browser would
            // with its session cookie (the browser itself would save the file rather than show it).
            let links = try await browser.elements("ul.findings a.bundle")
            #expect(links.count == (try await browser.elements("ul.findings li.finding")).count)
            let href = try #require(try await browser.attribute("href", of: "ul.findings a.bundle"))
            #expect(href.hasPrefix("/ledger/entries/") && href.hasSuffix("/bundle"))
            let cookie = try #require(try await browser.cookie(named: "bulwark_session"))
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
            client.connect()
            let download = try await client.execute(
                .init(href, method: .get, authority: "127.0.0.1:\(port)", headers: [.cookie: "bulwark_session=\(cookie)"], body: nil))
            try? await client.shutdown()
            #expect(download.status == .ok)
            let bundle = try ProofBundle(data: Data(try #require(download.body).readableBytesView))
            let verdict = try bundle.verify(keys: [ledgerKey.verifierKey], quorum: 1)
            #expect(verdict.entry.kind == "finding")
            #expect(verdict.entry.organisation == operatorOrg.id.rawValue)

            let serial = try #require(heading.split(separator: " ").last.map(String.init))
            let advice = try await store.updateAdvice(serial: serial, organisation: nil, for: principal)
            #expect(try await browser.text(of: "#update-reason") == advice.reason)

            // Vulnerabilities by priority, then the first one's blast radius as a tree.
            let vulnerabilities = try await store.fleetVulnerabilities(organisation: nil, for: principal)
            _ = try await browser.follow("nav a[href^='/vulnerabilities']")
            let kev = vulnerabilities.filter { $0.match.priority.level == .actNow && !$0.suppressed }.count
            #expect(try await browser.text(of: "#priority-act-now") == String(kev))
            #expect(try await browser.elements("#vulnerabilities tbody tr").count == vulnerabilities.count)
            try await Self.keep(try await browser.screenshot(), name: "vulnerabilities.png")
            _ = try await browser.follow("#vulnerabilities tbody tr:first-child td a")
            let first = try #require(vulnerabilities.first)
            let radius = try await store.blastRadius(.advisory(first.id), organisation: nil, for: principal)
            #expect(try await browser.text(of: "#blast-summary").contains("\(radius.deviceCount) deployed devices"))
            #expect(try await browser.elements("#blast-tree .release-devices").count == radius.releaseCount)
            try await Self.keep(try await browser.screenshot(), name: "blast-radius.png")

            // Firmware: the lineage tree, then a product's releases with their findings and what changed between them.
            _ = try await browser.follow("nav a[href^='/firmware/lineage']")
            #expect(try await browser.text(of: "h1").hasPrefix("Firmware lineage"))
            let lineage = try await store.firmwareLineage(organisation: nil, for: principal)
            #expect(try await browser.elements("#lineage-tree > ul > li").count == lineage.trunks.count)
            try await browser.navigate(to: site + "/devices/\(serial)")
            let product = try await browser.follow("dl.facts dd a")
            let model = try #require(product.split(separator: "/").last.map(String.init))
            let history = try await store.releaseHistory(model: model, organisation: nil, for: principal)
            #expect(try await browser.elements("#release-findings tbody tr").count == history.releases.count)
            #expect(try await browser.elements("section.release-diff").count == max(0, history.releases.count - 1))
            try await Self.keep(try await browser.screenshot(), name: "product.png")
        } catch {
            await browser.quit()
            await services.triggerGracefulShutdown()
            throw error
        }
        await browser.quit()
        await services.triggerGracefulShutdown()
        try await server.value
    }

    static func waitUntilReady(_ driver: URL) async throws {
        var last: String = "no answer"
        for _ in 0..<100 {
            do {
                let value = try await WebDriver.request(driver.appendingPathComponent("status"), method: "GET", body: nil) as? [String: Any]
                if value?["ready"] as? Bool == true { return }
                last = "not ready: \(String(describing: value))"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriver.Failure(description: "chromedriver did not become ready on \(driver): \(last)")
    }

    /// Screenshots are kept under `artifacts/browser/` in the package root for people (and CI) to look at.
    static func keep(_ png: Data, name: String) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("artifacts/browser")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try png.write(to: directory.appendingPathComponent(name))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "the screenshot is a PNG")
    }
}
