import BulwarkCore
import BulwarkServer
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every route the router knows is called by organisation Alpha (and by Alpha's insurer) aimed at organisation Bravo's
/// data. Routes are enumerated from the router itself, so a route added later is covered without editing this test.
@Suite struct TenantIsolationTests {
    /// What each route is called with: path parameters filled with Bravo's ids, Bravo named in the query, and a body.
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var description: String { "\(method) \(path)" }
    }

    static func routes(of router: Router<BulwarkRequestContext>) -> [Route] {
        router.routes.map { Route(method: $0.method, path: $0.path.description.hasPrefix("/") ? $0.path.description : "/" + $0.path.description) }
    }

    func requests(for route: Route, world: TestWorld) -> (uri: String, body: ByteBuffer?, contentType: String?) {
        var path = route.path
        if !path.hasPrefix("/") { path = "/" + path }
        path = path.replacingOccurrences(of: "{serial}", with: "BRAVO-0004").replacingOccurrences(of: "{id}", with: world.bravoTokenID.rawValue)
            .replacingOccurrences(of: "{index}", with: String(world.bravoLedgerIndex)).replacingOccurrences(of: "{model}", with: "BRAVO-CAM")
        #expect(!path.contains("{"), "route \(route) has a path parameter this test does not know how to aim at Bravo: add it")
        var uri = path + "?organisation=\(world.bravo.id.rawValue)&org=\(world.bravo.id.rawValue)"
        if path.hasSuffix("/blast-radius") { uri += "&component=CVE-2022-0778" }
        switch (route.method, path) {
        case (.post, "/api/v1/inventory"):
            return (uri, ByteBuffer(string: "serial,model,firmware\nBRAVO-0004,BRAVO-CAM,9.9.9\n"), "text/csv")
        case (.post, "/api/v1/shares"):
            return (uri, ByteBuffer(string: "{\"organisation\":\"\(world.bravo.id.rawValue)\"}"), "application/json")
        case (.post, "/api/v1/tokens"):
            return (uri, ByteBuffer(string: "{\"name\":\"intruder\",\"role\":\"owner\"}"), "application/json")
        case (.put, "/api/v1/vex"):
            let statement = #"{"vulnerability":"CVE-2024-1086","component":"pkg:generic/linux@5.15.148","status":"fixed"}"#
            return (uri, ByteBuffer(string: statement), "application/json")
        case (.post, "/login"):
            return (uri, ByteBuffer(string: "email=owner%40bravo.example&password=wrong"), "application/x-www-form-urlencoded")
        default:
            return (uri, route.method == .get ? nil : ByteBuffer(string: "{}"), route.method == .get ? nil : "application/json")
        }
    }

    @Test func noRouteShowsOrChangesAnotherOrganisationsData() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let router = try await world.router()
        let routes = Self.routes(of: router)
        // The enumeration must see the routes this issue defines, or the test would pass vacuously.
        let listed = Set(routes.map { "\($0.method) \($0.path)" })
        for expected in [
            "GET /api/v1/devices", "GET /api/v1/devices/{serial}", "POST /api/v1/inventory", "GET /inventory", "GET /devices/{serial}",
            "DELETE /api/v1/tokens/{id}", "GET /api/v1/ledger/entries/{index}/proof", "GET /ledger/entries/{index}/bundle",
        ] {
            #expect(listed.contains(expected), "router does not list \(expected); it lists \(listed.sorted())")
        }
        #expect(routes.count >= 20)
        let before = try await world.bravoFingerprint()
        let app = Application(router: router)
        let checked = try await app.test(.router) { client in
            var checked = 0
            let alphaBrowser = try await BrowserSession.signIn(client, email: "owner@alpha.example", password: TestWorld.password)
            let insurerBrowser = try await BrowserSession.signIn(client, email: "analyst@charlie.example", password: TestWorld.password)
            let callers: [(String, HTTPFields, String?)] = [
                ("Alpha's owner token", [.authorization: "Bearer \(world.alphaOwnerToken)", .accept: "application/json"], nil),
                ("the insurer's token", [.authorization: "Bearer \(world.insurerToken)", .accept: "application/json"], nil),
                ("Alpha's owner session", alphaBrowser.headers, alphaBrowser.csrf),
                ("the insurer's session", insurerBrowser.headers, insurerBrowser.csrf),
            ]
            for route in routes where route.path != "/logout" {
                let request = requests(for: route, world: world)
                for (caller, baseHeaders, csrf) in callers {
                    var headers = baseHeaders
                    if let contentType = request.contentType { headers[.contentType] = contentType }
                    if let csrf { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
                    let response = try await client.execute(uri: request.uri, method: route.method, headers: headers, body: request.body)
                    // The serial or model the caller itself sent may be echoed back (problem `instance`, "not found" text); anything
                    // else of Bravo's may not.
                    let body = String(buffer: response.body).replacingOccurrences(of: "BRAVO-0004", with: "").replacingOccurrences(
                        of: "BRAVO-CAM", with: "")
                    #expect(!body.contains("BRAVO-"), "\(caller) saw Bravo's devices through \(route): \(response.status)")
                    #expect(!body.contains("Bravo Hotels"), "\(caller) saw Bravo's name through \(route)")
                    // With the model stripped, a product page of Bravo's would show little; it must not be served at all.
                    if route.path.contains("{model}") { #expect([.notFound, .forbidden].contains(response.status), "\(caller) reached \(route)") }
                    #expect(!body.contains("bravo-owner"), "\(caller) saw Bravo's token through \(route)")
                    checked += 1
                }
            }
            return checked
        }
        #expect(checked >= routes.count * 4 - 4)
        #expect(try await world.bravoFingerprint() == before, "a request by another organisation changed Bravo's data")
    }

    @Test func insurerReadsOnlyTheOperatorThatSharedWithIt() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let app = Application(router: try await world.router())
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(world.insurerToken)"]
            let shared = try await client.execute(
                uri: "/api/v1/devices?perPage=500&organisation=\(world.alpha.id.rawValue)", method: .get, headers: headers, body: nil)
            #expect(shared.status == .ok)
            let page = try JSONSerialization.jsonObject(with: Data(shared.body.readableBytesView)) as? [String: Any]
            #expect(page?["total"] as? Int == 30)
            let other = try await client.execute(
                uri: "/api/v1/devices?organisation=\(world.bravo.id.rawValue)", method: .get, headers: headers, body: nil)
            #expect(other.status == .notFound)
            let write = try await client.execute(
                uri: "/api/v1/inventory?organisation=\(world.alpha.id.rawValue)", method: .post, headers: headers.merging([.contentType: "text/csv"]),
                body: ByteBuffer(string: "serial,model\nX-1,Y\n"))
            // The import lands in the insurer's own organisation, never in Alpha's.
            let alphaDevices = try await world.store.devices(DeviceQuery(perPage: 500), for: try await world.store.systemPrincipal(for: world.alpha))
            #expect(write.status == .ok)
            #expect(alphaDevices.total == 30)
            #expect(!alphaDevices.devices.contains { $0.serial == "X-1" })
        }
    }

    @Test func viewerCannotWriteThroughAnyRoute() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let router = try await world.router()
        let routes = Self.routes(of: router)
        let app = Application(router: router)
        let auditBefore = try await world.store.auditEventCount(organisation: world.alpha.id)
        try await app.test(.router) { client in
            let viewerBrowser = try await BrowserSession.signIn(client, email: "viewer@alpha.example", password: TestWorld.password)
            let unsafe = routes.filter { $0.method != .get && $0.method != .head && !["/login", "/logout"].contains($0.path) }
            #expect(unsafe.count >= 4)
            for route in unsafe {
                let request = requests(for: route, world: world)
                for headers in [
                    [.authorization: "Bearer \(world.alphaViewerToken)", .contentType: request.contentType ?? "application/json"],
                    viewerBrowser.headers.merging([
                        HTTPField.Name("X-CSRF-Token")!: viewerBrowser.csrf, .contentType: request.contentType ?? "application/json",
                    ]),
                ] as [HTTPFields] {
                    let response = try await client.execute(uri: request.uri, method: route.method, headers: headers, body: request.body)
                    #expect(response.status == .forbidden, "a viewer got \(response.status) from \(route)")
                }
            }
        }
        // Signing in writes audit events (two sessions); no data write may add any other.
        let events = try await world.store.auditEvents(for: try await world.store.systemPrincipal(for: world.alpha), limit: 1000)
        #expect(events.filter { $0.action != "session.login" }.count == auditBefore)
    }

    @Test func revokedTokenIsRefusedOnTheNextRequest() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let app = Application(router: try await world.router())
        try await app.test(.router) { client in
            let owner: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)", .contentType: "application/json"]
            let created = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: owner, body: ByteBuffer(string: "{\"name\":\"short-lived\",\"role\":\"viewer\"}"))
            #expect(created.status == .created)
            let json = try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as? [String: Any]
            let secret = try #require(json?["secret"] as? String)
            let id = try #require((json?["token"] as? [String: Any])?["id"] as? String)
            #expect(secret.hasPrefix("bwk_"))
            let first = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(secret)"], body: nil)
            #expect(first.status == .ok)
            let revoked = try await client.execute(uri: "/api/v1/tokens/\(id)", method: .delete, headers: owner, body: nil)
            #expect(revoked.status == .noContent)
            let after = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(secret)"], body: nil)
            #expect(after.status == .unauthorized)
            #expect(after.headers[.contentType] == "application/problem+json")
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var merged = self
        for field in other { merged[field.name] = field.value }
        return merged
    }
}
