import BulwarkCore
import BulwarkLedger
import BulwarkStore
import Foundation
import Hummingbird

/// The signed-in dashboard: the fleet at a glance, the inventory list, and one device.
///
/// Insurers pick which shared organisation they look at with `?org=`; the store refuses any organisation the user may not read.
struct DashboardController {
    typealias Context = BulwarkRequestContext

    let store: SQLStore
    let pages: PageRenderer

    /// Characters left as they are in one path segment (RFC 3986 §3.3 `pchar` without `:` and `@`, to stay unambiguous).
    static let pathSegment = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~!$&'()*+,;="))

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("/") { request, context in try await home(request, context: context) }
        routes.get("/inventory") { request, context in try await inventory(request, context: context) }
        routes.get("/devices/{serial}") { request, context in try await device(request, context: context) }
        routes.get("/ledger/entries/{index}/bundle") { request, context in try await proofBundle(request, context: context) }
        return routes
    }

    /// The page chrome for the organisation asked for with `?org=`, or the user's own.
    func chrome(_ request: Request, context: Context, section: String) async throws -> PageChrome {
        let principal = try context.requirePrincipal()
        guard let session = context.session else {
            throw HTTPError(.forbidden, message: "the dashboard needs a signed-in session; API tokens use /api/v1")
        }
        let readable = try await store.organisations(visibleTo: principal)
        let requested = request.uri.queryParameters["org"].map { Identifier<Organisation>(rawValue: String($0)) } ?? principal.organisation
        guard let viewing = readable.first(where: { $0.id == requested }) else { throw AccessError.notFound("organisation \(requested)") }
        return PageChrome(
            principal: principal, email: session.user.email, csrfToken: session.csrfToken, viewing: viewing, readable: readable, section: section)
    }

    func home(_ request: Request, context: Context) async throws -> Response {
        let chrome = try await chrome(request, context: context, section: "fleet")
        let today = CalendarDay(store.clock.now())
        let overview = try await store.fleetOverview(organisation: chrome.viewing.id, for: chrome.principal, on: today)
        let products = BarChart(bars: overview.byProduct.map { .init(label: $0.label, value: $0.count) }, title: "Devices by product")
        let ages = BarChart(
            bars: overview.byFirmwareAge.enumerated().map { index, count in
                .init(label: count.label, value: count.count, style: index >= 2 && index <= 3 ? "bar-warn" : "bar")
            }, title: "Devices by age of installed firmware")
        let sites = try await store.sites(organisation: chrome.viewing.id, for: chrome.principal)
        let query = chrome.values["orgQuery"] as? String ?? ""
        let amp = query.isEmpty ? "" : "&" + query
        return pages.render(
            "home", title: "Fleet",
            values: [
                "overview": [
                    "total": overview.totalDevices, "defaults": overview.defaultCredentials, "exposed": overview.internetExposed,
                    "exposedDefaults": overview.exposedWithDefaultCredentials, "outOfSupport": overview.outOfSupport, "sites": overview.sites,
                ],
                "hasDevices": overview.totalDevices > 0,
                "productChart": products.svg(), "ageChart": ages.svg(),
                "defaultsLink": "/inventory?credential=default\(amp)", "exposedLink": "/inventory?exposed=yes\(amp)",
                "sites": sites.map { site -> [String: Any] in
                    [
                        "name": site.name, "devices": site.deviceCount,
                        "segments": site.segments.map {
                            ["site": site.name, "name": $0.name, "exposed": $0.internetExposed, "devices": $0.deviceCount]
                        },
                    ]
                },
            ], chrome: chrome)
    }

    func inventory(_ request: Request, context: Context) async throws -> Response {
        let chrome = try await chrome(request, context: context, section: "inventory")
        let params = request.uri.queryParameters
        func text(_ name: String) -> String? {
            guard let value = params[name[...]].map(String.init)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return String(value.prefix(128))
        }
        let exposed: Bool? = text("exposed").flatMap { $0 == "yes" ? true : $0 == "no" ? false : nil }
        let credential = text("credential").flatMap(CredentialState.init(rawValue:))
        let page = Int(text("page") ?? "1") ?? 1
        let query = DeviceQuery(
            organisation: chrome.viewing.id, model: text("model"), site: text("site"), segment: text("segment"), credentialState: credential,
            internetExposed: exposed, search: text("q"), page: page, perPage: 50)
        var result = try await store.devices(query, for: chrome.principal)
        if result.page > result.pageCount {
            // A page past the end (after filtering narrowed the list) shows the last page instead of an empty one.
            var last = query
            last.page = result.pageCount
            result = try await store.devices(last, for: chrome.principal)
        }
        let products = try await store.products(organisation: chrome.viewing.id, for: chrome.principal)
        let sites = try await store.sites(organisation: chrome.viewing.id, for: chrome.principal)
        let today = CalendarDay(store.clock.now())

        // Links keep the current filters and organisation and change only the page.
        var kept: [(String, String)] = []
        if chrome.viewing.id != chrome.principal.organisation { kept.append(("org", chrome.viewing.id.rawValue)) }
        for name in ["model", "site", "segment", "credential", "exposed", "q"] { if let value = text(name) { kept.append((name, value)) } }
        func link(page: Int) -> String {
            var items = URLComponents()
            items.queryItems = (kept + [("page", String(page))]).map { URLQueryItem(name: $0.0, value: $0.1) }
            return "/inventory?" + (items.percentEncodedQuery ?? "")
        }
        let orgSuffix = chrome.viewing.id == chrome.principal.organisation ? "" : "?org=\(chrome.viewing.id.rawValue)"
        return pages.render(
            "inventory", title: "Inventory",
            values: [
                "devices": result.devices.map { d -> [String: Any] in
                    [
                        "serial": d.serial,
                        "link": "/devices/\(d.serial.addingPercentEncoding(withAllowedCharacters: Self.pathSegment) ?? d.serial)\(orgSuffix)",
                        "model": d.model, "product": d.productName, "firmware": d.firmwareVersion ?? "unknown", "site": d.site ?? "",
                        "segment": d.segment ?? "", "exposed": d.internetExposed, "ip": d.ipAddress ?? "", "credential": d.credentialState.rawValue,
                        "isDefault": d.credentialState == .default, "outOfSupport": d.isOutOfSupport(on: today), "lastSeen": d.lastSeen ?? "",
                    ]
                },
                "total": result.total, "page": result.page, "pageCount": result.pageCount,
                "hasPrevious": result.page > 1, "previous": link(page: result.page - 1),
                "hasNext": result.page < result.pageCount, "next": link(page: result.page + 1),
                "models": products.map {
                    ["value": $0.product.model, "label": "\($0.product.name) (\($0.product.model))", "selected": $0.product.model == query.model]
                },
                "sites": sites.map { ["value": $0.name, "selected": $0.name == query.site] },
                "segments": Set(sites.flatMap { $0.segments.map(\.name) }).sorted().map { ["value": $0, "selected": $0 == query.segment] },
                "credentialOptions": CredentialState.allCases.map { ["value": $0.rawValue, "selected": $0 == credential] },
                "exposedYes": exposed == true, "exposedNo": exposed == false, "search": query.search ?? "",
                "orgID": chrome.viewing.id == chrome.principal.organisation ? "" : chrome.viewing.id.rawValue,
            ], chrome: chrome)
    }

    func device(_ request: Request, context: Context) async throws -> Response {
        let chrome = try await chrome(request, context: context, section: "inventory")
        guard let raw = context.parameters.get("serial"), let serial = raw.removingPercentEncoding else {
            throw HTTPError(.badRequest, message: "no serial in the path")
        }
        let device = try await store.device(serial: serial, organisation: chrome.viewing.id, for: chrome.principal)
        let findings = try await DeviceFindings.all(for: device, store: store, principal: chrome.principal)
        let logged = try await store.ledgerEntries(of: findings, for: chrome.principal)
        let today = CalendarDay(store.clock.now())
        let age = device.firmwareAgeInDays(on: today)
        let update = try await store.updateAdvice(serial: device.serial, organisation: chrome.viewing.id, for: chrome.principal)
        let timeline = AlertTimeline(findings: findings, title: "Network alerts of \(device.serial) over time")
        let timelineAlerts: [[String: Any]] = timeline.marks.map { mark in
            ["time": Timestamp.format(mark.time), "severity": mark.severity.rawValue, "rule": mark.rule, "title": mark.title]
        }
        let timelineValues: [String: Any] = [
            "drawn": !timeline.marks.isEmpty, "svg": timeline.svg(), "hasUnreadable": timeline.unreadable > 0, "unreadable": timeline.unreadable,
            "alerts": timelineAlerts,
        ]
        let updateLabels: [UpdateAdvice.Status: (String, String)] = [
            .updateRequired: ("update required", "bad"), .unsupported: ("unsupported: replace or isolate", "bad"),
            .noUpdateAvailable: ("no fixing update yet", "warn"), .upToDate: ("up to date", ""), .unknown: ("firmware unknown", ""),
        ]
        return pages.render(
            "device", title: "Device \(device.serial)",
            values: [
                "device": [
                    "serial": device.serial, "model": device.model, "productLink": FirmwarePages.productLink(device.model, chrome: chrome),
                    "product": device.productName, "manufacturer": device.manufacturer,
                    "category": device.category, "firmware": device.firmwareVersion ?? "unknown",
                    "releasedOn": device.firmwareReleasedOn?.description ?? "unknown",
                    "age": age.map { "\($0 / 365) years \($0 % 365 / 30) months" } ?? "unknown",
                    "supportUntil": device.supportUntil?.description ?? "not stated", "outOfSupport": device.isOutOfSupport(on: today),
                    "site": device.site ?? "unknown", "segment": device.segment ?? "unknown", "exposed": device.internetExposed,
                    "ip": device.ipAddress ?? "unknown", "mac": device.macAddress ?? "unknown", "credential": device.credentialState.rawValue,
                    "isDefault": device.credentialState == .default, "lastSeen": device.lastSeen ?? "never",
                ],
                "findings": findings.map { f -> [String: Any] in
                    var values: [String: Any] = [
                        "severity": f.severity.rawValue, "title": f.title, "summary": f.evidence.summary, "rule": f.evidence.rule,
                        "location": f.evidence.location ?? "", "source": f.provenance.source, "observedAt": f.provenance.observedAt,
                        "version": f.provenance.version,
                    ]
                    if let entry = logged[f.id] {
                        values["ledger"] = [
                            "index": String(entry.index), "provable": entry.provable, "bundleLink": "/ledger/entries/\(entry.index)/bundle",
                        ]
                    }
                    return values
                },
                "hasFindings": !findings.isEmpty,
                "timeline": timelineValues,
                "update": [
                    "status": update.status.rawValue, "label": updateLabels[update.status]!.0, "badge": updateLabels[update.status]!.1,
                    "recommended": update.recommendedRelease ?? "", "reason": update.reason,
                ],
            ], chrome: chrome)
    }

    /// The offline proof bundle of one ledger entry, as a file to save; the same bundle as the API's, for the signed-in
    /// dashboard. The store answers "not found" for an entry of an organisation the user may not read.
    func proofBundle(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard context.session != nil else {
            throw HTTPError(.forbidden, message: "the dashboard needs a signed-in session; API tokens use /api/v1/ledger/entries/{index}/proof")
        }
        guard let raw = context.parameters.get("index"), let index = UInt64(raw) else {
            throw HTTPError(.badRequest, message: "the ledger entry in the path must be a whole number, as the device page links it")
        }
        let data = try await store.ledgerProofBundle(index, for: principal).encoded()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.contentDisposition] = "attachment; filename=\"entry-\(index).proof.json\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
