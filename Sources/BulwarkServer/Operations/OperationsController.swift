import BulwarkAPI
import BulwarkStore
import Foundation
import Hummingbird
import Prometheus
import SQLKit

/// Routes for operators of the service itself: liveness, metrics, the API description and static assets.
struct OperationsController {
    typealias Context = BulwarkRequestContext

    let store: SQLStore
    let registry: PrometheusCollectorRegistry
    let openAPIDocument: Data
    let stylesheet: Data

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("/health") { _, _ in try await health() }
        routes.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        routes.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
        }
        routes.get("/static/style.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: stylesheet)))
        }
        return routes
    }

    /// 200 when the database answers, 503 otherwise, so a load balancer takes a broken node out.
    func health() async throws -> Response {
        let database = store.database
        do {
            _ = try await database.withConnection { db in try await db.raw("SELECT 1 AS ok").first()?.decode(column: "ok", as: Int.self) }
            return Self.json(status: .ok, ["status": "ok", "database": database.dialect.rawValue])
        } catch {
            return Self.json(status: .serviceUnavailable, ["status": "unavailable", "database": database.dialect.rawValue])
        }
    }

    static func json(status: HTTPResponse.Status, _ value: [String: String]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(value)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
