/// A place where devices run: a building, a plant, a store.
public struct Site: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<Site>
    public let organisation: Identifier<Organisation>
    public var name: String

    public init(id: Identifier<Site>, organisation: Identifier<Organisation>, name: String) {
        self.id = id
        self.organisation = organisation
        self.name = name
    }
}

/// A network segment (VLAN, subnet) inside a site.
public struct NetworkSegment: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<NetworkSegment>
    public let organisation: Identifier<Organisation>
    public let site: Identifier<Site>
    public var name: String
    /// Whether hosts on this segment are reachable from the internet; such devices are scanned by botnets within minutes.
    public var internetExposed: Bool

    public init(id: Identifier<NetworkSegment>, organisation: Identifier<Organisation>, site: Identifier<Site>, name: String, internetExposed: Bool) {
        self.id = id
        self.organisation = organisation
        self.site = site
        self.name = name
        self.internetExposed = internetExposed
    }
}
