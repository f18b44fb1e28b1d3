import BulwarkAPI
import BulwarkCore
import BulwarkStore
import Foundation
import Hummingbird

/// `POST /api/v1/inventory`: the body is a CSV or JSON inventory file, imported all or nothing.
///
/// Served by hand rather than through the generated handlers because the importer needs the raw bytes to report
/// line numbers; the operation is still described in `openapi.yaml` (tag `raw-body`).
struct InventoryImportController {
    typealias Context = BulwarkRequestContext

    let store: SQLStore

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("/api/v1/inventory") { request, context in try await importInventory(request, context: context) }
        return routes
    }

    func importInventory(_ request: Request, context: Context) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard principal.role.canWrite else { throw AccessError.forbidden("the \(principal.role.rawValue) role cannot import") }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: InventoryDocument.maximumBytes)
        } catch {
            throw ImportError.tooLarge(source: "request body", bytes: InventoryDocument.maximumBytes + 1, limit: InventoryDocument.maximumBytes)
        }
        let bytes = Array(buffer.readableBytesView)
        guard !bytes.isEmpty else {
            throw ImportError.format(source: "request body", line: 1, message: "the body is empty; send the CSV or JSON file")
        }
        let document = try InventoryDocument.parse(bytes, source: "request body")
        let report = try await store.importInventory(document, by: principal, origin: context.origin)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(ImportReportBody(report))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The `ImportReport` schema of `openapi.yaml`: the counts and a one-line summary.
struct ImportReportBody: Encodable {
    let report: ImportReport

    init(_ report: ImportReport) {
        self.report = report
    }

    enum CodingKeys: String, CodingKey {
        case summary
    }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report.summary, forKey: .summary)
    }
}
