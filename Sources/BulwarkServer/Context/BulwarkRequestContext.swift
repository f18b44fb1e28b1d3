import BulwarkCore
import BulwarkStore
import Hummingbird
import NIOCore

/// The per-request context: the signed-in principal (if any), its browser session, and where the request came from.
public struct BulwarkRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` when the request carries a valid token or session cookie.
    public var principal: Principal?
    /// Set when the principal came from a browser session (not from a token).
    public var session: SessionRecord?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The largest request body accepted: big enough for a 64 MiB inventory file.
    public var maxUploadSize: Int { InventoryDocument.maximumBytes + 1024 }

    /// The client address for the audit log and rate limiting.
    public var origin: RequestOrigin {
        RequestOrigin(remoteAddress: remoteAddress?.ipAddress ?? "unknown")
    }

    /// The principal, or a 401 for requests that reached a protected route without one.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw HTTPError(.unauthorized, message: "sign in or send an API token") }
        return principal
    }
}

/// The principal of the request being served, for code that does not see the Hummingbird context (the generated
/// OpenAPI handlers). Set by `AuthenticationMiddleware` for the duration of the request.
enum RequestPrincipal {
    @TaskLocal static var current: Principal?
    @TaskLocal static var origin: RequestOrigin = RequestOrigin(remoteAddress: "unknown")
    @TaskLocal static var csrfVerified: Bool = false
}
