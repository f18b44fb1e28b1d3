import BulwarkCore
import BulwarkServer
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct APITests {
    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func deviceListFiltersAndPages() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)"]
            let page = try json(try await client.execute(uri: "/api/v1/devices?perPage=7&page=2", method: .get, headers: auth, body: nil).body)
            #expect(page["total"] as? Int == 30)
            #expect(page["page"] as? Int == 2)
            let devices = try #require(page["devices"] as? [[String: Any]])
            #expect(devices.map { $0["serial"] as? String } == (8...14).map { "ALPHA-\(String(format: "%04d", $0))" })
            // Every fifth device is on its default password, every fourth on the exposed segment: 20 is both.
            let both = try json(
                try await client.execute(uri: "/api/v1/devices?credentialState=default&internetExposed=true", method: .get, headers: auth, body: nil)
                    .body)
            #expect(both["total"] as? Int == 1)
            #expect((both["devices"] as? [[String: Any]])?.first?["serial"] as? String == "ALPHA-0020")
            let search = try json(try await client.execute(uri: "/api/v1/devices?search=alpha-001", method: .get, headers: auth, body: nil).body)
            #expect(search["total"] as? Int == 10)
            let bad = try await client.execute(uri: "/api/v1/devices?credentialState=sometimes", method: .get, headers: auth, body: nil)
            #expect(bad.status == .badRequest)
            #expect(bad.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func deviceDetailCarriesInventoryFindingsWithTheirRules() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)"]
            // ALPHA-0015: firmware 1.0.0 (support ended 2024-01-10), default password, internal segment.
            let detail = try json(try await client.execute(uri: "/api/v1/devices/ALPHA-0015", method: .get, headers: auth, body: nil).body)
            let device = try #require(detail["device"] as? [String: Any])
            #expect(device["outOfSupport"] as? Bool == true)
            #expect(device["credentialState"] as? String == "default")
            let findings = try #require(detail["findings"] as? [[String: Any]])
            #expect(Set(findings.compactMap { $0["rule"] as? String }) == ["credentials.default", "firmware.out-of-support"])
            let missing = try await client.execute(uri: "/api/v1/devices/ALPHA-9999", method: .get, headers: auth, body: nil)
            #expect(missing.status == .notFound)
        }
    }

    @Test func fleetOverviewCountsTheFleet() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let overview = try json(
                try await client.execute(
                    uri: "/api/v1/fleet/overview", method: .get, headers: [.authorization: "Bearer \(world.alphaOwnerToken)"], body: nil
                ).body)
            #expect(overview["totalDevices"] as? Int == 30)
            #expect(overview["defaultCredentials"] as? Int == 6)
            #expect(overview["internetExposed"] as? Int == 7)
            #expect(overview["exposedWithDefaultCredentials"] as? Int == 1)
            #expect(overview["outOfSupport"] as? Int == 10)
        }
    }

    @Test func inventoryImportRejectsABadRowByLineAndFieldAndWritesNothing() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)", .contentType: "text/csv"]
            let csv = "serial,model,ip\nNEW-1,ALPHA-CAM,10.9.9.1\nNEW-2,ALPHA-CAM,10.9.9.2\nNEW-3,ALPHA-CAM,10.9.9.300\n"
            let refused = try await client.execute(uri: "/api/v1/inventory", method: .post, headers: auth, body: ByteBuffer(string: csv))
            #expect(refused.status == .unprocessableContent)
            let problem = try json(refused.body)
            #expect(problem["detail"] as? String == "request body:4: field 'ip': \"10.9.9.300\" is not an IPv4 or IPv6 address; nothing was imported")
            let devices = try await world.store.devices(DeviceQuery(search: "NEW-"), for: try await world.store.systemPrincipal(for: world.alpha))
            #expect(devices.total == 0)
        }
    }

    @Test func inventoryImportTwiceChangesNothingTheSecondTime() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)", .contentType: "application/json"]
            let body = """
                {"devices": [
                  {"serial": "JS-1", "model": "ALPHA-CAM", "firmware": "2.0.0", "site": "Annex", "segment": "cams", "internetExposed": true},
                  {"serial": "JS-2", "model": "ALPHA-NEW", "productName": "Alpha New", "credential_state": "default"}
                ]}
                """
            let first = try json(
                try await client.execute(uri: "/api/v1/inventory", method: .post, headers: auth, body: ByteBuffer(string: body)).body)
            #expect(first["devicesCreated"] as? Int == 2)
            #expect(first["productsCreated"] as? Int == 1)
            #expect(first["sitesCreated"] as? Int == 1)
            #expect(first["segmentsCreated"] as? Int == 1)
            let auditAfterFirst = try await world.store.auditEventCount(organisation: world.alpha.id)
            let second = try json(
                try await client.execute(uri: "/api/v1/inventory", method: .post, headers: auth, body: ByteBuffer(string: body)).body)
            #expect(second["devicesCreated"] as? Int == 0)
            #expect(second["devicesUpdated"] as? Int == 0)
            #expect(second["devicesUnchanged"] as? Int == 2)
            #expect(second["summary"] as? String == "0 devices created, 0 updated, 2 unchanged")
            #expect(try await world.store.auditEventCount(organisation: world.alpha.id) == auditAfterFirst)
        }
    }

    @Test func everyWriteIsInTheAuditLogWithWhoWhatAndWhere() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(world.alphaOwnerToken)", .contentType: "text/csv"]
            _ = try await client.execute(
                uri: "/api/v1/inventory", method: .post, headers: auth, body: ByteBuffer(string: "serial,model\nAUD-1,ALPHA-CAM\n"))
            let events = try await client.execute(uri: "/api/v1/audit?limit=1", method: .get, headers: auth, body: nil)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(events.body.readableBytesView)) as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list[0]["action"] as? String == "inventory.import")
            #expect((list[0]["actor"] as? String)?.hasPrefix("token:alpha-owner") == true)
            #expect(list[0]["detail"] as? String == "1 devices created, 0 updated, 0 unchanged")
            #expect(list[0]["at"] as? String == "2026-11-20T09:00:00Z")
            #expect(list[0]["remoteAddress"] as? String != nil)
        }
    }

    @Test func operationsRoutesAnswerWithoutSigningIn() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == "{\"database\":\"sqlite\",\"status\":\"ok\"}")
            let spec = try await client.execute(uri: "/openapi.yaml", method: .get, headers: [:], body: nil)
            #expect(String(buffer: spec.body).hasPrefix("openapi: \"3.1.0\""))
            _ = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(world.alphaOwnerToken)"], body: nil)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [:], body: nil).body)
            #expect(metrics.contains("hb_requests{http_route=\"/api/v1/me\",http_request_method=\"GET\",http_response_status_code=\"200\"}"))
        }
    }

    @Test func openAPIDocumentListsEveryAPIRouteTheRouterServes() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let router = try await world.router()
        let spec = String(decoding: try BulwarkAPIDocument.data(), as: UTF8.self)
        let apiRoutes = router.routes.map { $0.path.description }.filter { $0.hasPrefix("/api/") || $0.hasPrefix("api/") }
        #expect(apiRoutes.count >= 12)
        for path in Set(apiRoutes) {
            let normalised = path.hasPrefix("/") ? path : "/" + path
            #expect(spec.contains("  \(normalised):\n"), "openapi.yaml does not describe \(normalised)")
        }
    }
}
