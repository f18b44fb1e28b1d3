/// Whether a device still accepts the password it shipped with.
public enum CredentialState: String, Hashable, Sendable, Codable, CaseIterable {
    /// The factory default still works: the first thing Mirai-style botnets try (EN 303 645 provision 5.1-1).
    case `default`
    case changed
    case unknown
}

/// One deployed device in an operator's fleet, keyed by serial number within its organisation.
public struct Device: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<Device>
    public let organisation: Identifier<Organisation>
    public var serial: String
    public var product: Identifier<Product>
    public var firmware: Identifier<FirmwareRelease>?
    public var site: Identifier<Site>?
    public var segment: Identifier<NetworkSegment>?
    public var ipAddress: IPAddress?
    public var macAddress: MACAddress?
    public var credentialState: CredentialState
    public var lastSeen: String?

    public init(
        id: Identifier<Device>, organisation: Identifier<Organisation>, serial: String, product: Identifier<Product>,
        firmware: Identifier<FirmwareRelease>?, site: Identifier<Site>?, segment: Identifier<NetworkSegment>?, ipAddress: IPAddress?,
        macAddress: MACAddress?, credentialState: CredentialState, lastSeen: String?
    ) {
        self.id = id
        self.organisation = organisation
        self.serial = serial
        self.product = product
        self.firmware = firmware
        self.site = site
        self.segment = segment
        self.ipAddress = ipAddress
        self.macAddress = macAddress
        self.credentialState = credentialState
        self.lastSeen = lastSeen
    }
}
