import BulwarkCore

/// The releases of one product in order, with what each carries, and what changed from each release to the next:
/// findings added and removed, components added, removed or at another version, and files added, removed or changed.
public struct ReleaseHistory: Hashable, Sendable, Codable {
    /// What one release carries.
    public struct Snapshot: Hashable, Sendable, Codable {
        public var version: String
        public var releasedOn: String?
        public var devices: Int
        public var findings: [Finding]
        /// Component name to version (the first version when a name occurs twice).
        public var components: [String: String]
        /// Path to SHA-256 of each regular file; empty when the release was never analysed.
        public var files: [String: String]

        public init(version: String, releasedOn: String?, devices: Int, findings: [Finding], components: [String: String], files: [String: String]) {
            self.version = version
            self.releasedOn = releasedOn
            self.devices = devices
            self.findings = findings
            self.components = components
            self.files = files
        }

        /// Whether file fingerprints were recorded for this release.
        public var analysed: Bool { !files.isEmpty }
    }

    /// A component whose version differs between two releases.
    public struct VersionChange: Hashable, Sendable, Codable {
        public var name: String
        public var from: String
        public var to: String
    }

    /// What changed from one release to the next.
    public struct Difference: Hashable, Sendable, Codable {
        public var from: String
        public var to: String
        public var findingsAdded: [Finding]
        public var findingsRemoved: [Finding]
        /// `name version`, sorted.
        public var componentsAdded: [String]
        public var componentsRemoved: [String]
        public var componentsChanged: [VersionChange]
        public var filesAdded: [String]
        public var filesRemoved: [String]
        /// Paths in both releases with different contents.
        public var filesChanged: [String]
        /// Whether both releases have file fingerprints, so that the file lists mean something.
        public var filesCompared: Bool
    }

    public var model: String
    public var productName: String
    /// Oldest first: by release date (undated last), then version.
    public var releases: [Snapshot]
    /// One per pair of consecutive releases.
    public var differences: [Difference]

    public init(model: String, productName: String, releases: [Snapshot]) {
        self.model = model
        self.productName = productName
        self.releases = releases
        differences = zip(releases, releases.dropFirst()).map { Self.difference(from: $0, to: $1) }
    }

    /// The same problem in two releases has a different finding id (ids derive from the release), so findings are
    /// matched by rule and file; the line is left out, because an edit above it moves it without changing the problem.
    static func findingKey(_ finding: Finding) -> String {
        var location = Substring(finding.evidence.location ?? "")
        if let colon = location.lastIndex(of: ":"), !location[location.index(after: colon)...].isEmpty,
            location[location.index(after: colon)...].allSatisfy(\.isNumber)
        {
            location = location[..<colon]
        }
        return "\(finding.evidence.rule)|\(location)"
    }

    static func difference(from old: Snapshot, to new: Snapshot) -> Difference {
        let oldKeys = Set(old.findings.map(findingKey))
        let newKeys = Set(new.findings.map(findingKey))
        let compared = old.analysed && new.analysed
        let oldPaths = Set(old.files.keys)
        let newPaths = Set(new.files.keys)
        return Difference(
            from: old.version, to: new.version,
            findingsAdded: new.findings.filter { !oldKeys.contains(findingKey($0)) },
            findingsRemoved: old.findings.filter { !newKeys.contains(findingKey($0)) },
            componentsAdded: new.components.filter { old.components[$0.key] == nil }.map { "\($0.key) \($0.value)" }.sorted(),
            componentsRemoved: old.components.filter { new.components[$0.key] == nil }.map { "\($0.key) \($0.value)" }.sorted(),
            componentsChanged: new.components.compactMap { name, version in
                guard let before = old.components[name], before != version else { return nil }
                return VersionChange(name: name, from: before, to: version)
            }.sorted { $0.name < $1.name },
            filesAdded: compared ? newPaths.subtracting(oldPaths).sorted() : [],
            filesRemoved: compared ? oldPaths.subtracting(newPaths).sorted() : [],
            filesChanged: compared ? oldPaths.intersection(newPaths).filter { old.files[$0] != new.files[$0] }.sorted() : [],
            filesCompared: compared)
    }
}
