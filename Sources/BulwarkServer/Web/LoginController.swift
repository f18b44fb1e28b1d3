import BulwarkCore
import BulwarkStore
import Foundation
import Hummingbird

/// Sign-in and sign-out for the dashboard.
///
/// Passwords are checked with bcrypt; failures are counted per email and per client address in the database (so every
/// app node sees them) and sign-in is refused for a while once a limit is reached.
struct LoginController {
    typealias Context = BulwarkRequestContext

    static let loginCSRFCookie = "bulwark_login_csrf"
    /// Failures allowed per email, and per client address, inside `window`.
    static let maximumFailuresPerEmail = 5
    static let maximumFailuresPerAddress = 20
    static let window: TimeInterval = 15 * 60
    static let sessionLifetime: TimeInterval = 8 * 3600
    let store: SQLStore
    let pages: PageRenderer
    let hasher: PasswordHasher
    let secureCookies: Bool
    /// A bcrypt hash of a random string, checked when the email is unknown so that response time does not reveal which emails exist.
    let decoyHash: String

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("/login") { request, context in try await showForm(request, context: context, error: nil, email: "", status: .ok) }
        routes.post("/login") { request, context in try await signIn(request, context: context) }
        routes.post("/logout") { request, context in try await signOut(request, context: context) }
        return routes
    }

    func showForm(_ request: Request, context: Context, error: String?, email: String, status: HTTPResponse.Status) async throws -> Response {
        if context.principal != nil, error == nil { return Response(status: .seeOther, headers: [.location: "/"]) }
        // Keep the token of a form already open in another tab, so opening a second sign-in page does not break the first.
        let existing = request.cookies[Self.loginCSRFCookie]?.value ?? ""
        let token =
            existing.count == 43 && existing.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) ? existing : Secrets.random()
        let next = Self.safeNext(request.uri.queryParameters["next"].map(String.init))
        var response = pages.render(
            "login", title: "Sign in",
            values: ["csrf": token, "next": next, "error": error as Any, "hasError": error != nil, "email": email], chrome: nil, status: status)
        response.setCookie(
            Cookie(name: Self.loginCSRFCookie, value: token, maxAge: 3600, path: "/login", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func signIn(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let form = FormFields(String(buffer: buffer))
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form["password"] ?? ""
        // Double-submit cookie: a cross-site page cannot read our cookie to copy it into its own form.
        guard let cookie = request.cookies[Self.loginCSRFCookie]?.value, let sent = form["_csrf"], Secrets.constantTimeEquals(cookie, sent) else {
            return try await showForm(
                request, context: context, error: "The sign-in form expired. Please try again.", email: email, status: .forbidden)
        }
        let since = store.clock.now().addingTimeInterval(-Self.window)
        let emailKey = "email:\(email)"
        let addressKey = "address:\(context.origin.remoteAddress)"
        let emailFailures = try await store.failedLogins(key: emailKey, since: since)
        let addressFailures = try await store.failedLogins(key: addressKey, since: since)
        if emailFailures >= Self.maximumFailuresPerEmail || addressFailures >= Self.maximumFailuresPerAddress {
            return try await showForm(
                request, context: context, error: "Too many failed sign-ins. Wait 15 minutes and try again.", email: email, status: .tooManyRequests)
        }
        let candidate = try await store.loginCandidate(email: email)
        let valid = try await hasher.verify(password, against: candidate?.passwordHash ?? decoyHash)
        guard let candidate, valid else {
            _ = try await store.recordFailedLogin(key: emailKey, since: since)
            _ = try await store.recordFailedLogin(key: addressKey, since: since)
            return try await showForm(request, context: context, error: "The email or password is not right.", email: email, status: .unauthorized)
        }
        try await store.clearFailedLogins(key: emailKey)
        let secret = Secrets.random()
        try await store.createSession(
            for: candidate.user, secretHash: Secrets.digest(secret), csrfToken: Secrets.random(), lifetime: Self.sessionLifetime,
            origin: context.origin)
        var response = Response(status: .seeOther, headers: [.location: Self.safeNext(form["next"])])
        response.setCookie(
            Cookie(
                name: AuthenticationMiddleware.sessionCookie, value: secret, maxAge: Int(Self.sessionLifetime), path: "/", secure: secureCookies,
                httpOnly: true, sameSite: .lax))
        response.setCookie(
            Cookie(name: Self.loginCSRFCookie, value: "", maxAge: 0, path: "/login", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func signOut(_ request: Request, context: Context) async throws -> Response {
        if let cookie = request.cookies[AuthenticationMiddleware.sessionCookie] {
            try await store.endSession(secretHash: Secrets.digest(cookie.value), origin: context.origin)
        }
        var response = Response(status: .seeOther, headers: [.location: "/login"])
        response.setCookie(
            Cookie(
                name: AuthenticationMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// Only same-site paths are followed after sign-in, never another host (`//evil.example`) or scheme.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count < 512 else { return "/" }
        return next
    }
}
