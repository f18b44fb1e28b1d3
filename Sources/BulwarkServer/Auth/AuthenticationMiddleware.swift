import BulwarkCore
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Works out who is calling, refuses requests to protected routes without a principal, and checks CSRF tokens.
///
/// Every route is protected unless it is listed in `publicPaths`: a route added later is closed by default.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = BulwarkRequestContext

    static let sessionCookie = "bulwark_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let publicPaths: Set<String> = ["/health", "/metrics", "/openapi.yaml", "/login"]
    static let publicPrefixes = ["/static/"]

    let store: SQLStore

    static func isPublic(_ path: String) -> Bool {
        publicPaths.contains(path) || publicPrefixes.contains { path.hasPrefix($0) }
    }

    static func isAPI(_ path: String) -> Bool { path.hasPrefix("/api/") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let path = request.uri.path
        if let authorization = request.headers[.authorization] {
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
                throw HTTPError(.unauthorized, message: "the Authorization header must be 'Bearer <token>'")
            }
            let secret = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            guard let principal = try await store.principal(forTokenHash: Secrets.digest(secret)) else {
                throw HTTPError(.unauthorized, message: "the API token is unknown or has been revoked")
            }
            context.principal = principal
        } else if let cookie = request.cookies[Self.sessionCookie], !cookie.value.isEmpty {
            if let session = try await store.session(secretHash: Secrets.digest(cookie.value)) {
                context.principal = session.principal
                context.session = session
            }
        }
        if context.principal == nil, !Self.isPublic(path) {
            // Only page navigations are sent to the sign-in form; a browser's own fetches (favicon, images) get a plain 401,
            // so they cannot replace the sign-in form's token behind the person's back.
            let wantsPage = request.headers[.accept]?.contains("text/html") ?? false
            if Self.isAPI(path) || !wantsPage {
                throw HTTPError(.unauthorized, message: "sign in or send an API token (Authorization: Bearer bwk_…)")
            }
            let next = request.uri.string.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            return Response(status: .seeOther, headers: [.location: "/login?next=\(next)"])
        }
        // Cookies ride along on cross-site requests, so a write authenticated by a session must prove it came from our own
        // page (OWASP CSRF Prevention Cheat Sheet, synchronizer token pattern). Token-authenticated calls carry no cookie.
        var csrfVerified = false
        if let session = context.session, !Self.isSafe(request.method) {
            if let header = request.headers[Self.csrfHeader] {
                csrfVerified = Secrets.constantTimeEquals(header, session.csrfToken)
            } else if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                let buffer = try await request.body.collect(upTo: 1 << 20)
                let form = String(buffer: buffer)
                let token = FormFields(form)["_csrf"] ?? ""
                csrfVerified = Secrets.constantTimeEquals(token, session.csrfToken)
                request.body = .init(buffer: buffer)
            }
            guard csrfVerified else {
                throw HTTPError(.forbidden, message: "the form's CSRF token is missing or stale; reload the page and try again")
            }
        }
        let principal = context.principal
        let origin = context.origin
        return try await RequestPrincipal.$current.withValue(principal) {
            try await RequestPrincipal.$origin.withValue(origin) {
                try await RequestPrincipal.$csrfVerified.withValue(csrfVerified) {
                    try await next(request, context)
                }
            }
        }
    }

    static func isSafe(_ method: HTTPRequest.Method) -> Bool {
        method == .get || method == .head || method == .options
    }
}

/// `application/x-www-form-urlencoded` fields (WHATWG URL Standard §5.1).
struct FormFields {
    private var values: [String: String] = [:]

    init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if values[key] == nil { values[key] = value }
        }
    }

    subscript(_ key: String) -> String? { values[key] }

    static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}
