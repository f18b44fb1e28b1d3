import BulwarkCore
import BulwarkLedger
import BulwarkServer
import BulwarkStore
import BulwarkVulnerability
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Two operators (Alpha, Bravo) and an insurer that Alpha shares with, each with users and tokens, on a fresh SQLite file.
///
/// Alpha's devices have serials starting `ALPHA-`, Bravo's `BRAVO-`, so a leak is visible as text in any response.
struct TestWorld {
    let store: SQLStore
    let path: String
    let alpha: Organisation
    let bravo: Organisation
    let insurer: Organisation
    let alphaOwnerToken: String
    let alphaViewerToken: String
    let bravoOwnerToken: String
    let bravoTokenID: Identifier<APIToken>
    let insurerToken: String
    /// Ledger entry 0 is Alpha's evidence, entry 1 Bravo's; a checkpoint covers both.
    let bravoLedgerIndex: UInt64
    /// The key that signed the ledger checkpoint.
    let ledgerKey: NoteSigningKey
    static let password = "correct horse battery staple"

    static func make(clock: any WallClock = FixedClock(Timestamp.parse("2026-11-20T09:00:00Z")!)) async throws -> TestWorld {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-server-test-\(UUID().uuidString).sqlite").path
        let store = SQLStore(database: try Database.open(path), clock: clock)
        try await store.migrate()
        let alpha = try await store.createOrganisation(name: "Alpha Logistics", kind: .operator)
        let bravo = try await store.createOrganisation(name: "Bravo Hotels", kind: .operator)
        let insurer = try await store.createOrganisation(name: "Charlie Insurance", kind: .insurer)
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash(password)
        for (org, email, role) in [
            (alpha, "owner@alpha.example", Role.owner), (alpha, "viewer@alpha.example", .viewer), (bravo, "owner@bravo.example", .owner),
            (insurer, "analyst@charlie.example", .analyst),
        ] {
            try await store.createUser(email: email, name: email, role: role, passwordHash: hash, in: org.id, actor: "test", origin: .commandLine)
        }
        let alphaSystem = try await store.systemPrincipal(for: alpha)
        let bravoSystem = try await store.systemPrincipal(for: bravo)
        _ = try await store.importInventory(
            try inventory(prefix: "ALPHA", count: 30, exposedSite: "Alpha Depot"), by: alphaSystem, origin: .commandLine)
        _ = try await store.importInventory(
            try inventory(prefix: "BRAVO", count: 20, exposedSite: "Bravo Lobby"), by: bravoSystem, origin: .commandLine)
        try await store.share(with: insurer.id, by: alphaSystem, origin: .commandLine)
        // OpenSSL 1.1.1k (CVE-2022-0778) on each operator's old camera release, fixed in its newer one.
        for (system, prefix) in [(alphaSystem, "ALPHA"), (bravoSystem, "BRAVO")] {
            for (release, openssl) in [("1.0.0", "1.1.1k"), ("2.0.0", "1.1.1n")] {
                try await store.setComponents(
                    [
                        ComponentInput(
                            name: "openssl", version: openssl, supplier: nil, purl: "pkg:generic/openssl@\(openssl)",
                            cpe: "cpe:2.3:a:openssl:openssl:\(openssl):*:*:*:*:*:*:*"),
                        ComponentInput(name: "\(prefix.lowercased())-core", version: release, supplier: nil, purl: nil, cpe: nil),
                    ], model: "\(prefix)-CAM", version: release, by: system, origin: .commandLine)
            }
        }
        _ = try await store.importAdvisories(
            [
                Advisory(
                    id: "CVE-2022-0778", aliases: [], source: "nvd", modified: "2022-03-15T00:00:00Z", published: nil,
                    summary: "BN_mod_sqrt() infinite loop", affected: [],
                    cpeMatches: [
                        .init(
                            criteria: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", vulnerable: true, versionStartIncluding: "1.1.0",
                            versionEndExcluding: "1.1.1n")
                    ], severities: [.init(type: "CVSS_V3", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", baseScore: nil)],
                    withdrawn: nil)
            ], source: "nvd", file: "test", skipped: 0)
        try await store.appendToLedger(
            [
                try LedgerItem(
                    kind: LedgerEntry.Kind.evidenceFile, value: EvidenceFile(name: "ALPHA-depot.jpg", sha256: "aa", size: 1, description: nil))
            ],
            by: alphaSystem, origin: .commandLine)
        let bravoLedger = try await store.appendToLedger(
            [
                try LedgerItem(
                    kind: LedgerEntry.Kind.evidenceFile, value: EvidenceFile(name: "BRAVO-lobby.jpg", sha256: "bb", size: 2, description: nil))
            ],
            by: bravoSystem, origin: .commandLine)
        let ledgerKey = try NoteSigningKey(generatingFor: "bulwark.test/ledger")
        _ = try await store.publishLedgerCheckpoint(origin: "bulwark.test/ledger", signers: [ledgerKey])
        let issuer = TokenIssuer(store: store)
        let alphaOwner = try await issuer.issue(name: "alpha-owner", role: .owner, by: alphaSystem, origin: .commandLine)
        let alphaViewer = try await issuer.issue(name: "alpha-viewer", role: .viewer, by: alphaSystem, origin: .commandLine)
        let bravoOwner = try await issuer.issue(name: "bravo-owner", role: .owner, by: bravoSystem, origin: .commandLine)
        let insurerToken = try await issuer.issue(
            name: "charlie", role: .analyst, by: try await store.systemPrincipal(for: insurer), origin: .commandLine)
        return TestWorld(
            store: store, path: path, alpha: alpha, bravo: bravo, insurer: insurer, alphaOwnerToken: alphaOwner.secret,
            alphaViewerToken: alphaViewer.secret,
            bravoOwnerToken: bravoOwner.secret, bravoTokenID: bravoOwner.token.id, insurerToken: insurerToken.secret,
            bravoLedgerIndex: bravoLedger.lowerBound, ledgerKey: ledgerKey)
    }

    static func inventory(prefix: String, count: Int, exposedSite: String) throws -> InventoryDocument {
        var csv = "serial,model,product_name,manufacturer,firmware,released_on,support_until,site,segment,internet_exposed,ip,mac,credential_state\n"
        for i in 1...count {
            let model = i % 2 == 0 ? "\(prefix)-CAM" : "\(prefix)-PLUG"
            let firmware = i % 3 == 0 ? "1.0.0" : "2.0.0"
            let released = firmware == "1.0.0" ? "2021-01-10" : "2025-06-01"
            let until = firmware == "1.0.0" ? "2024-01-10" : "2029-06-01"
            let segment = i % 4 == 0 ? "public" : "internal"
            let credential = i % 5 == 0 ? "default" : "changed"
            csv += "\(prefix)-\(String(format: "%04d", i)),\(model),\(prefix) \(model),\(prefix) Devices,\(firmware),\(released),\(until),"
            csv +=
                "\(exposedSite),\(segment),\(segment == "public"),10.0.\(i / 250).\(i % 250),02:00:00:00:\(String(format: "%02x", i / 256)):\(String(format: "%02x", i % 256)),\(credential)\n"
        }
        return try InventoryDocument.parse(Array(csv.utf8), source: "\(prefix).csv")
    }

    func router() async throws -> Router<BulwarkRequestContext> {
        try await buildRouter(ServerConfiguration(bcryptCost: 4), store: store)
    }

    func close() async {
        await store.database.close()
        for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Everything of Bravo's that a request by someone else must never change.
    func bravoFingerprint() async throws -> String {
        let system = try await store.systemPrincipal(for: bravo)
        let devices = try await store.devices(DeviceQuery(perPage: 500), for: system)
        let tokens = try await store.tokens(for: system)
        let audit = try await store.auditEventCount(organisation: bravo.id)
        let rows = devices.devices.map { "\($0.serial)|\($0.model)|\($0.firmwareVersion ?? "")|\($0.credentialState.rawValue)|\($0.ipAddress ?? "")" }
        let ledger = try await store.ledgerSize()
        let vex = try await store.vexStatements(organisation: nil, for: system).map { "\($0.vulnerability)|\($0.component)|\($0.status.rawValue)" }
        return (rows + tokens.map { "\($0.id)|\($0.revokedAt ?? "live")" } + vex + ["audit=\(audit)", "ledger=\(ledger)"]).joined(separator: "\n")
    }
}

/// A signed-in browser: its session cookie and the CSRF token its pages carry.
struct BrowserSession {
    var cookie: String
    var csrf: String

    /// Signs in through the real login form, as a browser would.
    static func signIn(_ client: some TestClientProtocol, email: String, password: String) async throws -> BrowserSession {
        let form = try await client.execute(uri: "/login", method: .get, headers: [.accept: "text/html"], body: nil)
        let loginCookie = try #require(Self.cookie(named: "bulwark_login_csrf", in: form.headers))
        let token = try #require(Self.hiddenField("_csrf", in: String(buffer: form.body)))
        let body =
            "_csrf=\(token)&next=%2F&email=\(email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        let response = try await client.execute(
            uri: "/login", method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "bulwark_login_csrf=\(loginCookie)", .accept: "text/html"],
            body: ByteBuffer(string: body))
        let session = try #require(Self.cookie(named: "bulwark_session", in: response.headers), "sign-in of \(email) failed with \(response.status)")
        let home = try await client.execute(
            uri: "/", method: .get, headers: [.cookie: "bulwark_session=\(session)", .accept: "text/html"], body: nil)
        let csrf = try #require(Self.hiddenField("_csrf", in: String(buffer: home.body)))
        return BrowserSession(cookie: session, csrf: csrf)
    }

    var headers: HTTPFields { [.cookie: "bulwark_session=\(cookie)", .accept: "text/html"] }

    static func cookie(named name: String, in headers: HTTPFields) -> String? {
        for value in headers[values: .setCookie] where value.hasPrefix(name + "=") {
            let rest = value.dropFirst(name.count + 1)
            let cookie = String(rest.prefix { $0 != ";" })
            if !cookie.isEmpty { return cookie }
        }
        return nil
    }

    static func hiddenField(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}
