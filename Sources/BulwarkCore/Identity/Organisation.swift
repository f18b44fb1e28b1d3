/// A tenant: every record Bulwark stores belongs to exactly one organisation.
public struct Organisation: Hashable, Sendable, Codable, Identifiable {
    /// The three sides of the IoT risk market.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Builds devices and ships their firmware.
        case manufacturer
        /// Runs a fleet of devices.
        case `operator`
        /// Prices and pays for the fleet's cyber risk.
        case insurer
    }

    public let id: Identifier<Organisation>
    public var name: String
    public var kind: Kind

    public init(id: Identifier<Organisation>, name: String, kind: Kind) {
        self.id = id
        self.name = name
        self.kind = kind
    }
}

/// An operator's read-only grant of its data to an insurer. The insurer sees the operator's fleet and nothing else.
public struct DataShare: Hashable, Sendable, Codable {
    public let owner: Identifier<Organisation>
    public let reader: Identifier<Organisation>

    public init(owner: Identifier<Organisation>, reader: Identifier<Organisation>) {
        self.owner = owner
        self.reader = reader
    }
}
