import BulwarkCore
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the dashboard's Mustache templates into complete HTML responses with safe default headers.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every `.mustache` template shipped with the server.
    public static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw HTTPError(.internalServerError, message: "the dashboard templates are missing from the build")
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    /// Renders `template` inside the page layout. `values` are the template's own; the layout's come from `chrome`.
    func render(_ template: String, title: String, values: [String: Any], chrome: PageChrome?, status: HTTPResponse.Status = .ok) -> Response {
        var context = values
        context["title"] = title
        if let chrome { context["chrome"] = chrome.values }
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><title>Bulwark</title><p>template \(template) is missing</p>"
        return Self.htmlResponse(html, status: status)
    }

    func errorPage(_ problem: Problem, principal: Principal?) -> Response {
        render(
            "error", title: problem.title,
            values: ["status": problem.status, "detail": problem.detail, "signedIn": principal != nil], chrome: nil,
            status: .init(code: problem.status))
    }

    static func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // No script runs on these pages, so the policy forbids all of it; SVG charts are markup, not script.
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// What every signed-in page shows around its content: who is signed in, the organisation being viewed, the switcher
/// between organisations the user may read, and the CSRF token for the sign-out form.
struct PageChrome {
    var principal: Principal
    var email: String
    var csrfToken: String
    var viewing: Organisation
    var readable: [Organisation]
    var section: String

    var values: [String: Any] {
        [
            "email": email, "role": principal.role.rawValue, "csrf": csrfToken, "viewingName": viewing.name, "viewingKind": viewing.kind.rawValue,
            "viewingShared": viewing.id != principal.organisation,
            "organisations": readable.map { org -> [String: Any] in
                ["id": org.id.rawValue, "name": org.name, "kind": org.kind.rawValue, "current": org.id == viewing.id]
            },
            "multipleOrganisations": readable.count > 1,
            "onFleet": section == "fleet", "onInventory": section == "inventory", "onVulnerabilities": section == "vulnerabilities",
            "onFirmware": section == "firmware",
            "orgQuery": viewing.id == principal.organisation ? "" : "org=\(viewing.id.rawValue)",
        ]
    }
}
