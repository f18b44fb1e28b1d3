import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A minimal W3C WebDriver client (https://www.w3.org/TR/webdriver2/) for driving headless Chromium through chromedriver.
struct WebDriver {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let base: URL
    let session: String

    /// Starts a browser session. JavaScript is switched off: the dashboard must work without it.
    static func start(driver: URL, chromium: String, javaScript: Bool) async throws -> WebDriver {
        var args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,1100"]
        if !javaScript { args.append("--blink-settings=scriptEnabled=false") }
        let capabilities: [String: Any] = [
            "capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": ["binary": chromium, "args": args]]]
        ]
        let value = try await request(driver.appendingPathComponent("session"), method: "POST", body: capabilities)
        guard let object = value as? [String: Any], let session = object["sessionId"] as? String else {
            throw Failure(description: "chromedriver did not start a session: \(String(describing: value))")
        }
        return WebDriver(base: driver, session: session)
    }

    private var sessionURL: URL { base.appendingPathComponent("session").appendingPathComponent(session) }

    func navigate(to url: String) async throws {
        _ = try await Self.request(sessionURL.appendingPathComponent("url"), method: "POST", body: ["url": url])
    }

    func currentURL() async throws -> String {
        try await Self.request(sessionURL.appendingPathComponent("url"), method: "GET", body: nil) as? String ?? ""
    }

    /// The id of the first element matching a CSS selector.
    func element(_ selector: String) async throws -> String {
        let value = try await Self.request(
            sessionURL.appendingPathComponent("element"), method: "POST", body: ["using": "css selector", "value": selector])
        guard let object = value as? [String: Any], let id = object.values.first as? String else {
            throw Failure(description: "no element matches \(selector)")
        }
        return id
    }

    func elements(_ selector: String) async throws -> [String] {
        let value = try await Self.request(
            sessionURL.appendingPathComponent("elements"), method: "POST", body: ["using": "css selector", "value": selector])
        return (value as? [[String: Any]] ?? []).compactMap { $0.values.first as? String }
    }

    func text(of selector: String) async throws -> String {
        let id = try await element(selector)
        return try await Self.request(sessionURL.appendingPathComponent("element/\(id)/text"), method: "GET", body: nil) as? String ?? ""
    }

    /// An attribute of the first element matching a CSS selector, as the page's HTML has it.
    func attribute(_ name: String, of selector: String) async throws -> String? {
        let id = try await element(selector)
        return try await Self.request(sessionURL.appendingPathComponent("element/\(id)/attribute/\(name)"), method: "GET", body: nil) as? String
    }

    /// The value of one of the browser's cookies for the current page.
    func cookie(named name: String) async throws -> String? {
        let value = try await Self.request(sessionURL.appendingPathComponent("cookie/\(name)"), method: "GET", body: nil) as? [String: Any]
        return value?["value"] as? String
    }

    func type(_ text: String, into selector: String) async throws {
        let id = try await element(selector)
        _ = try await Self.request(sessionURL.appendingPathComponent("element/\(id)/value"), method: "POST", body: ["text": text])
    }

    func click(_ selector: String) async throws {
        let id = try await element(selector)
        _ = try await Self.request(sessionURL.appendingPathComponent("element/\(id)/click"), method: "POST", body: [String: String]())
    }

    /// Clicks a link or a submit button and returns the URL the browser went to, once it left the page it was on (or
    /// the URL it is still on when `timeout` passed first).
    ///
    /// The click command can return before the browser has the answer: a form's POST on a loaded machine, say. Read
    /// at once, the URL and the elements would still be the old page's.
    func follow(_ selector: String, timeout: Duration = .seconds(30)) async throws -> String {
        let before = try await currentURL()
        try await click(selector)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var url = try await currentURL()
        while url == before, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            url = try await currentURL()
        }
        return url
    }

    /// A PNG of the viewport.
    func screenshot() async throws -> Data {
        guard let base64 = try await Self.request(sessionURL.appendingPathComponent("screenshot"), method: "GET", body: nil) as? String,
            let data = Data(base64Encoded: base64)
        else { throw Failure(description: "chromedriver returned no screenshot") }
        return data
    }

    func quit() async {
        _ = try? await Self.request(sessionURL, method: "DELETE", body: nil)
    }

    /// Sends one WebDriver command and returns its `value`, or throws the driver's error message.
    static func request(_ url: URL, method: String, body: Any?) async throws -> Any? {
        // Foundation's URLSession on Linux is unreliable against chromedriver, so commands go over Hummingbird's NIO test client.
        let client = TestClient(host: url.host ?? "127.0.0.1", port: url.port ?? 80, configuration: .init(timeout: .seconds(60)))
        client.connect()
        defer { Task { try? await client.shutdown() } }
        var headers: HTTPFields = [:]
        var buffer: ByteBuffer? = nil
        if let body {
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body))
            headers[.contentType] = "application/json"
        }
        let response = try await client.execute(
            .init(
                url.path, method: HTTPRequest.Method(method)!, authority: "\(url.host ?? "127.0.0.1"):\(url.port ?? 80)", headers: headers,
                body: buffer))
        let data = response.body.map { Data($0.readableBytesView) } ?? Data()
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let value = object?["value"]
        if let error = value as? [String: Any], let kind = error["error"] as? String {
            throw Failure(description: "\(method) \(url.path): \(kind): \(error["message"] as? String ?? "")")
        }
        return value is NSNull ? nil : value
    }
}
