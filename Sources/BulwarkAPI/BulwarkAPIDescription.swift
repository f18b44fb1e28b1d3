/// The HTTP API of Bulwark: `openapi.yaml` and the types and server stubs generated from it at build time.
public enum BulwarkAPIDescription {
    /// The file name of the OpenAPI document the server publishes at `/openapi.yaml`.
    public static let documentName = "openapi.yaml"
}
