/// A software component found in an image, named for vulnerability matching (purl and CPE), with where it was seen.
public struct IdentifiedComponent: Hashable, Sendable, Codable {
    /// One place the component was recognised.
    public struct Evidence: Hashable, Sendable, Codable {
        /// `binary-signature`, `file-name`, `package-database` or `kernel-modules`.
        public var method: String
        public var file: String
        /// The matched text, e.g. `BusyBox v1.36.1`.
        public var detail: String
    }

    public var name: String
    public var version: String
    /// CycloneDX component type.
    public var type: String
    public var purl: String
    public var cpe: String?
    public var evidence: [Evidence]
    /// BusyBox's compiled-in applets, when the component is BusyBox.
    public var applets: [String]?

    /// The key one component is known by in an image.
    public var key: String { "\(name)@\(version)" }
}
