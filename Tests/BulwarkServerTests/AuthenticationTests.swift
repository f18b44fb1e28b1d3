import BulwarkCore
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import BulwarkServer

@Suite struct AuthenticationTests {
    @Test func signInSetsAnHttpOnlySameSiteSessionCookieAndSignOutEndsIt() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let app = Application(router: try await world.router())
        try await app.test(.router) { client in
            let form = try await client.execute(uri: "/login", method: .get, headers: [.accept: "text/html"], body: nil)
            let token = try #require(BrowserSession.hiddenField("_csrf", in: String(buffer: form.body)))
            let loginCookie = try #require(BrowserSession.cookie(named: "bulwark_login_csrf", in: form.headers))
            #expect(token == loginCookie)
            let response = try await client.execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "bulwark_login_csrf=\(loginCookie)"],
                body: ByteBuffer(string: "_csrf=\(token)&next=%2Finventory&email=OWNER%40alpha.example&password=correct+horse+battery+staple"))
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/inventory")
            let setCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("bulwark_session=") })
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Lax"))
            #expect(!setCookie.contains("Secure"), "plain-HTTP deployments must not mark the cookie Secure, or browsers drop it")
            let session = try #require(BrowserSession.cookie(named: "bulwark_session", in: response.headers))
            let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: "bulwark_session=\(session)"], body: nil)
            #expect(home.status == .ok)
            #expect(String(buffer: home.body).contains("id=\"total-devices\">30<"))
            let csrf = try #require(BrowserSession.hiddenField("_csrf", in: String(buffer: home.body)))
            let out = try await client.execute(
                uri: "/logout", method: .post, headers: [.cookie: "bulwark_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(out.status == .seeOther)
            let again = try await client.execute(
                uri: "/", method: .get, headers: [.cookie: "bulwark_session=\(session)", .accept: "text/html"], body: nil)
            #expect(again.status == .seeOther)
            #expect(again.headers[.location] == "/login?next=%2F")
        }
    }

    @Test func sessionCookieIsSecureWhenServedOverHTTPS() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        let router = try await buildRouter(ServerConfiguration(publicURL: "https://bulwark.example", bcryptCost: 4), store: world.store)
        try await Application(router: router).test(.router) { client in
            let form = try await client.execute(uri: "/login", method: .get, headers: [:], body: nil)
            let token = try #require(BrowserSession.hiddenField("_csrf", in: String(buffer: form.body)))
            let response = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "bulwark_login_csrf=\(token)"],
                body: ByteBuffer(string: "_csrf=\(token)&email=owner%40alpha.example&password=correct+horse+battery+staple"))
            let setCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("bulwark_session=") })
            #expect(setCookie.contains("Secure"))
        }
    }

    @Test func aSecondSignInPageKeepsTheFirstFormsToken() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let first = try await client.execute(uri: "/login", method: .get, headers: [:], body: nil)
            let cookie = try #require(BrowserSession.cookie(named: "bulwark_login_csrf", in: first.headers))
            let second = try await client.execute(uri: "/login", method: .get, headers: [.cookie: "bulwark_login_csrf=\(cookie)"], body: nil)
            #expect(BrowserSession.hiddenField("_csrf", in: String(buffer: second.body)) == cookie)
        }
    }

    @Test func signInWithoutTheFormsCSRFTokenIsRefused() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let response = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "email=owner%40alpha.example&password=correct+horse+battery+staple"))
            #expect(response.status == .forbidden)
            #expect(BrowserSession.cookie(named: "bulwark_session", in: response.headers) == nil)
        }
    }

    @Test func sessionWriteWithoutCSRFTokenIsRefusedAndWithItAccepted() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let browser = try await BrowserSession.signIn(client, email: "owner@alpha.example", password: TestWorld.password)
            let body = ByteBuffer(string: "{\"name\":\"from-browser\",\"role\":\"viewer\"}")
            let refused = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: [.cookie: "bulwark_session=\(browser.cookie)", .contentType: "application/json"],
                body: body)
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("CSRF"))
            let accepted = try await client.execute(
                uri: "/api/v1/tokens", method: .post,
                headers: [
                    .cookie: "bulwark_session=\(browser.cookie)", .contentType: "application/json", HTTPField.Name("X-CSRF-Token")!: browser.csrf,
                ],
                body: body)
            #expect(accepted.status == .created)
        }
        let tokens = try await world.store.tokens(for: try await world.store.systemPrincipal(for: world.alpha))
        #expect(tokens.map(\.name).sorted() == ["alpha-owner", "alpha-viewer", "from-browser"])
    }

    @Test func fiveWrongPasswordsLockTheAccountForAWhileEvenForTheRightOne() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            func attempt(_ password: String) async throws -> HTTPResponse.Status {
                let form = try await client.execute(uri: "/login", method: .get, headers: [:], body: nil)
                let token = try #require(BrowserSession.hiddenField("_csrf", in: String(buffer: form.body)))
                return try await client.execute(
                    uri: "/login", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "bulwark_login_csrf=\(token)"],
                    body: ByteBuffer(string: "_csrf=\(token)&email=owner%40alpha.example&password=\(password)")
                ).status
            }
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 { statuses.append(try await attempt("wrong-password")) }
            #expect(statuses == Array(repeating: .unauthorized, count: 5))
            let afterLimit = try await attempt("correct+horse+battery+staple")
            #expect(afterLimit == .tooManyRequests)
        }
    }

    @Test func unknownEmailAndWrongPasswordGetTheSameAnswer() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            var bodies: [String] = []
            for email in ["owner%40alpha.example", "nobody%40alpha.example"] {
                let form = try await client.execute(uri: "/login", method: .get, headers: [:], body: nil)
                let token = try #require(BrowserSession.hiddenField("_csrf", in: String(buffer: form.body)))
                let response = try await client.execute(
                    uri: "/login", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "bulwark_login_csrf=\(token)"],
                    body: ByteBuffer(string: "_csrf=\(token)&email=\(email)&password=nope"))
                #expect(response.status == .unauthorized)
                let html = String(buffer: response.body)
                bodies.append(String(html[html.range(of: "role=\"alert\">")!.upperBound...].prefix { $0 != "<" }))
            }
            #expect(bodies == ["The email or password is not right.", "The email or password is not right."])
        }
    }

    @Test func protectedRoutesAnswer401ForTheAPIAndRedirectForPages() async throws {
        let world = try await TestWorld.make()
        defer { Task { await world.close() } }
        try await Application(router: try await world.router()).test(.router) { client in
            let api = try await client.execute(uri: "/api/v1/devices", method: .get, headers: [:], body: nil)
            #expect(api.status == .unauthorized)
            #expect(api.headers[.contentType] == "application/problem+json")
            let problem = try JSONSerialization.jsonObject(with: Data(api.body.readableBytesView)) as? [String: Any]
            #expect(problem?["status"] as? Int == 401)
            #expect(problem?["title"] as? String == "Unauthorized")
            #expect(problem?["type"] as? String == "about:blank")
            let page = try await client.execute(
                uri: "/inventory?site=x", method: .get, headers: [.accept: "text/html,application/xhtml+xml"], body: nil)
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/login?next=%2Finventory%3Fsite%3Dx")
            // A browser's background fetch is not sent to the sign-in form (that would replace the open form's token).
            let favicon = try await client.execute(uri: "/favicon.ico", method: .get, headers: [.accept: "image/avif,image/webp,*/*"], body: nil)
            #expect(favicon.status == .unauthorized)
            let badToken = try await client.execute(
                uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer bwk_not-a-real-token"], body: nil)
            #expect(badToken.status == .unauthorized)
        }
    }

    @Test func signInNeverRedirectsToAnotherSite() {
        #expect(LoginController.safeNext("//evil.example/") == "/")
        #expect(LoginController.safeNext("https://evil.example/") == "/")
        #expect(LoginController.safeNext("/\\evil.example") == "/")
        #expect(LoginController.safeNext("/inventory?site=A") == "/inventory?site=A")
    }
}
