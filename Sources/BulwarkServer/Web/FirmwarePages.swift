import BulwarkCore
import BulwarkFirmware
import BulwarkStore
import Foundation
import Hummingbird

/// The dashboard's firmware pages: the lineage tree of analysed releases, and a product's releases with their findings
/// and what changed from one release to the next.
struct FirmwarePages {
    typealias Context = BulwarkRequestContext

    let dashboard: DashboardController
    var store: SQLStore { dashboard.store }

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("/firmware/lineage") { request, context in try await lineage(request, context: context) }
        routes.get("/products/{model}") { request, context in try await product(request, context: context) }
        return routes
    }

    /// Link to a product's page, keeping the organisation being viewed.
    static func productLink(_ model: String, chrome: PageChrome) -> String {
        let path = "/products/\(model.addingPercentEncoding(withAllowedCharacters: DashboardController.pathSegment) ?? model)"
        return chrome.viewing.id == chrome.principal.organisation ? path : "\(path)?org=\(chrome.viewing.id.rawValue)"
    }

    func lineage(_ request: Request, context: Context) async throws -> Response {
        let chrome = try await dashboard.chrome(request, context: context, section: "firmware")
        var threshold = FirmwareLineage.defaultThreshold
        if let text = request.uri.queryParameters["threshold"] {
            guard let value = Int(String(text)), (1...100).contains(value) else {
                throw HTTPError(.badRequest, message: "threshold must be a whole number from 1 to 100")
            }
            threshold = value
        }
        let lineage = try await store.firmwareLineage(organisation: chrome.viewing.id, threshold: threshold, for: chrome.principal)
        return dashboard.pages.render(
            "lineage", title: "Firmware lineage",
            values: [
                "threshold": lineage.threshold, "hasTrunks": !lineage.trunks.isEmpty, "hasPairs": !lineage.pairs.isEmpty,
                "trunks": lineage.trunks.map { trunk -> [String: Any] in
                    [
                        "name": trunk.name, "hasComponents": !trunk.components.isEmpty,
                        "productLines": trunk.productLines.map { line -> [String: Any] in
                            [
                                "name": line.name, "sharedPercent": line.sharedPercent,
                                "releases": line.releases.map { r -> [String: Any] in
                                    [
                                        "productName": r.productName, "model": r.model, "version": r.version, "files": r.files, "bytes": r.bytes,
                                        "identicalBytes": r.identicalBytes, "similarBytes": r.similarBytes, "sharedPercent": r.sharedPercent,
                                        "link": Self.productLink(r.model, chrome: chrome),
                                    ]
                                },
                            ]
                        },
                        "components": trunk.components.map { c -> [String: Any] in
                            [
                                "name": c.name, "versions": c.versions.isEmpty ? "version not identified" : c.versions.joined(separator: ", "),
                                "match": c.match, "score": c.score, "releases": c.releases.joined(separator: ", "),
                                "files": c.files.joined(separator: ", "),
                            ]
                        },
                    ]
                },
                "pairs": lineage.pairs.map { p -> [String: Any] in
                    [
                        "first": p.first, "second": p.second, "identicalFiles": p.identicalFiles, "identicalBytes": p.identicalBytes,
                        "similarBinaries": p.similarBinaries, "similarBytes": p.similarBytes, "sharedPercent": p.sharedPercent,
                    ]
                },
            ], chrome: chrome)
    }

    /// Rows a list shows of changed files before the rest is left out; a full rebuild changes most files.
    static let fileListLimit = 200

    func product(_ request: Request, context: Context) async throws -> Response {
        let chrome = try await dashboard.chrome(request, context: context, section: "firmware")
        guard let raw = context.parameters.get("model"), let model = raw.removingPercentEncoding, !model.isEmpty, model.count <= 128 else {
            throw HTTPError(.badRequest, message: "the product model in the path must be 1 to 128 characters")
        }
        let history = try await store.releaseHistory(model: model, organisation: chrome.viewing.id, for: chrome.principal)
        func findings(_ list: [Finding]) -> [[String: Any]] {
            list.map { f in
                var values: [String: Any] = ["severity": f.severity.rawValue, "title": f.title]
                if let location = f.evidence.location { values["location"] = location }
                return values
            }
        }
        let lineageLink =
            chrome.viewing.id == chrome.principal.organisation ? "/firmware/lineage" : "/firmware/lineage?org=\(chrome.viewing.id.rawValue)"
        return dashboard.pages.render(
            "product", title: "\(history.productName) \(history.model)",
            values: [
                "productName": history.productName, "model": history.model, "releaseCount": history.releases.count,
                "hasReleases": !history.releases.isEmpty,
                "lineageLink": lineageLink,
                "releases": history.releases.map { r -> [String: Any] in
                    [
                        "version": r.version, "releasedOn": r.releasedOn ?? "unknown", "devices": r.devices, "components": r.components.count,
                        "files": r.analysed ? String(r.files.count) : "not analysed", "findings": findings(r.findings),
                    ]
                },
                "differences": history.differences.enumerated().map { index, d -> [String: Any] in
                    [
                        "id": index + 1, "from": d.from, "to": d.to, "findingsAdded": findings(d.findingsAdded),
                        "findingsRemoved": findings(d.findingsRemoved), "componentsAdded": d.componentsAdded,
                        "componentsRemoved": d.componentsRemoved,
                        "componentsChanged": d.componentsChanged.map { ["name": $0.name, "from": $0.from, "to": $0.to] },
                        "filesCompared": d.filesCompared, "filesAddedCount": d.filesAdded.count, "filesRemovedCount": d.filesRemoved.count,
                        "filesChangedCount": d.filesChanged.count,
                        "hasFileChanges": !(d.filesAdded.isEmpty && d.filesRemoved.isEmpty && d.filesChanged.isEmpty),
                        "filesAdded": Array(d.filesAdded.prefix(Self.fileListLimit)),
                        "filesRemoved": Array(d.filesRemoved.prefix(Self.fileListLimit)),
                        "filesChanged": Array(d.filesChanged.prefix(Self.fileListLimit)),
                    ]
                },
            ], chrome: chrome)
    }
}
