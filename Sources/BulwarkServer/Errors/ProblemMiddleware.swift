import BulwarkCore
import BulwarkLedger
import BulwarkStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every error into an answer a client can act on: RFC 9457 problem+json for the API, a plain HTML page for the
/// dashboard. Internal failures are logged with detail and answered without it.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BulwarkRequestContext

    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem(error, instance: request.uri.path)
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            }
            if AuthenticationMiddleware.isAPI(request.uri.path) || !(request.headers[.accept]?.contains("text/html") ?? false) {
                return problem.response()
            }
            return pages.errorPage(problem, principal: context.principal)
        }
    }
}

/// An RFC 9457 problem document.
struct Problem: Codable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String?

    init(status: HTTPResponse.Status, detail: String, instance: String?) {
        self.type = "about:blank"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.instance = instance
    }

    init(_ error: any Error, instance: String?) {
        var error = error
        // The OpenAPI runtime wraps what handlers throw; answer for the original error.
        while let wrapped = error as? ServerError {
            if wrapped.underlyingError is ServerError || wrapped.underlyingError is AccessError || wrapped.underlyingError is ImportError
                || wrapped.underlyingError is HTTPError || wrapped.underlyingError is StoreError || wrapped.underlyingError is APIInputError
                || wrapped.underlyingError is LedgerError
            {
                error = wrapped.underlyingError
            } else {
                self.init(status: .badRequest, detail: "the request does not match the API: \(wrapped.underlyingError)", instance: instance)
                return
            }
        }
        switch error {
        case let error as HTTPError:
            self.init(status: error.status, detail: error.body ?? error.status.reasonPhrase, instance: instance)
        case let error as AccessError:
            switch error {
            case .notFound: self.init(status: .notFound, detail: error.description, instance: instance)
            case .forbidden: self.init(status: .forbidden, detail: error.description, instance: instance)
            }
        case let error as ImportError:
            switch error {
            case .tooLarge: self.init(status: .contentTooLarge, detail: error.description, instance: instance)
            default: self.init(status: .unprocessableContent, detail: error.description, instance: instance)
            }
        case let error as APIInputError:
            self.init(status: .badRequest, detail: error.description, instance: instance)
        case let error as LedgerError:
            switch error {
            // A size or index the ledger has not reached (or no checkpoint yet): nothing there to prove.
            case .outOfRange: self.init(status: .notFound, detail: error.description, instance: instance)
            case .tampered:
                self.init(status: .internalServerError, detail: "the stored ledger does not verify; see the server log", instance: instance)
            default: self.init(status: .unprocessableContent, detail: error.description, instance: instance)
            }
        case let error as StoreError:
            switch error {
            case .constraint(let what): self.init(status: .conflict, detail: what, instance: instance)
            case .invalid(let why): self.init(status: .unprocessableContent, detail: why, instance: instance)
            default:
                self.init(status: .internalServerError, detail: "the database could not complete the request; see the server log", instance: instance)
            }
        default:
            self.init(status: .internalServerError, detail: "an internal error occurred; see the server log", instance: instance)
        }
    }

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(self)) ?? Data("{\"title\":\"error\"}".utf8)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A request value that is well-formed JSON but not acceptable (an unknown role, an empty name).
struct APIInputError: Error, CustomStringConvertible {
    var description: String
}
