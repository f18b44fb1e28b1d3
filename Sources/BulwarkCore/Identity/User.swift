/// A person who signs in to the dashboard. The password is held only as a bcrypt hash, by the store.
public struct User: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<User>
    public let organisation: Identifier<Organisation>
    public var email: String
    public var name: String
    public var role: Role

    public init(id: Identifier<User>, organisation: Identifier<Organisation>, email: String, name: String, role: Role) {
        self.id = id
        self.organisation = organisation
        self.email = email
        self.name = name
        self.role = role
    }
}

/// A machine credential: the secret is shown once at creation and only its SHA-256 digest is kept.
public struct APIToken: Hashable, Sendable, Codable, Identifiable {
    public let id: Identifier<APIToken>
    public let organisation: Identifier<Organisation>
    public var name: String
    public var role: Role
    /// The first characters of the secret, kept so a user can tell tokens apart; never enough to use it.
    public var prefix: String
    public var createdAt: String
    public var revokedAt: String?

    public init(
        id: Identifier<APIToken>, organisation: Identifier<Organisation>, name: String, role: Role, prefix: String, createdAt: String,
        revokedAt: String?
    ) {
        self.id = id
        self.organisation = organisation
        self.name = name
        self.role = role
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
