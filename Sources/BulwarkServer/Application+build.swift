import BulwarkAPI
import BulwarkCore
import BulwarkStore
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOConcurrencyHelpers
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus

/// How the server is run.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The address people use to reach the server; `https://` turns on Secure cookies (TLS is terminated in front).
    public var publicURL: String?
    /// bcrypt cost for new and checked passwords.
    public var bcryptCost: UInt8

    public init(host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil, bcryptCost: UInt8 = 12) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.bcryptCost = bcryptCost
    }

    /// Whether session cookies carry the Secure attribute.
    public var secureCookies: Bool { publicURL?.lowercased().hasPrefix("https://") ?? false }

    /// The URL printed for people to open.
    public var displayURL: String { publicURL ?? "http://\(host):\(port)" }
}

/// Builds the whole HTTP application: routes, middleware and services.
/// `onServerRunning` is called once the socket is listening.
public func buildApplication(
    _ configuration: ServerConfiguration, store: SQLStore, logger: Logger, onServerRunning: @escaping @Sendable () async -> Void = {}
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(configuration, store: store)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Bulwark"),
        onServerRunning: { _ in await onServerRunning() },
        logger: logger)
}

/// Builds the router with every route and middleware; tests drive it in-process.
public func buildRouter(_ configuration: ServerConfiguration, store: SQLStore) async throws -> Router<BulwarkRequestContext> {
    let registry = MetricsBootstrap.registry()
    let pages = try await PageRenderer.load()
    let hasher = PasswordHasher(cost: configuration.bcryptCost)
    let decoyHash = try await hasher.hash(Secrets.random())
    guard let stylesheetURL = Bundle.module.url(forResource: "Public/style.css", withExtension: nil) else {
        throw HTTPError(.internalServerError, message: "the dashboard stylesheet is missing from the build")
    }

    let router = Router(context: BulwarkRequestContext.self)
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(ProblemMiddleware(pages: pages))
    router.middlewares.add(AuthenticationMiddleware(store: store))

    router.addRoutes(
        OperationsController(
            store: store, registry: registry, openAPIDocument: try BulwarkAPIDescription.document(), stylesheet: try Data(contentsOf: stylesheetURL)
        ).endpoints)
    router.addRoutes(
        LoginController(store: store, pages: pages, hasher: hasher, secureCookies: configuration.secureCookies, decoyHash: decoyHash).endpoints)
    router.addRoutes(DashboardController(store: store, pages: pages).endpoints)
    router.addRoutes(VulnerabilityPages(dashboard: DashboardController(store: store, pages: pages)).endpoints)
    router.addRoutes(FirmwarePages(dashboard: DashboardController(store: store, pages: pages)).endpoints)
    router.addRoutes(InventoryImportController(store: store).endpoints)
    // Compact JSON: pretty-printing made a 50-device page a third larger and slower to send (Benchmarks/device-list-wrk.sh).
    try APIHandlers(store: store).registerHandlers(on: router, configuration: .init(jsonEncodingOptions: [.sortedKeys]))
    return router
}

/// The process-wide Prometheus registry; swift-metrics can be bootstrapped only once per process.
enum MetricsBootstrap {
    private static let state = NIOLockedValueBox<PrometheusCollectorRegistry?>(nil)

    static func registry() -> PrometheusCollectorRegistry {
        state.withLockedValue { existing in
            if let existing { return existing }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            existing = registry
            return registry
        }
    }
}
