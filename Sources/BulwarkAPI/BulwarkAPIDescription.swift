import Foundation

/// The HTTP API of Bulwark: `openapi.yaml` and the types and server protocol generated from it at build time.
public enum BulwarkAPIDescription {
    /// The OpenAPI document the server publishes at `/openapi.yaml`.
    public static func document() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}
