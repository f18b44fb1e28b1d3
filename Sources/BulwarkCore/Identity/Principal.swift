/// Who is acting, for which organisation, with which role, and which other organisations' data it may read.
///
/// Every store query takes a principal (or the scope derived from it), so no query can forget the tenant.
public struct Principal: Hashable, Sendable {
    public enum Actor: Hashable, Sendable {
        case user(Identifier<User>, email: String)
        case token(Identifier<APIToken>, name: String)
        /// The command line acting directly on the database it was pointed at.
        case system(String)
    }

    public let actor: Actor
    public let organisation: Identifier<Organisation>
    public let organisationKind: Organisation.Kind
    public let role: Role
    /// Organisations that shared their data with this principal's organisation (read-only).
    public let sharedWithMe: Set<Identifier<Organisation>>

    public init(
        actor: Actor, organisation: Identifier<Organisation>, organisationKind: Organisation.Kind, role: Role,
        sharedWithMe: Set<Identifier<Organisation>> = []
    ) {
        self.actor = actor
        self.organisation = organisation
        self.organisationKind = organisationKind
        self.role = role
        self.sharedWithMe = sharedWithMe
    }

    /// Whether this principal may read data owned by `owner`.
    public func canRead(_ owner: Identifier<Organisation>) -> Bool {
        owner == organisation || sharedWithMe.contains(owner)
    }

    /// Whether this principal may change data owned by `owner`: only its own organisation, and only with a writing role.
    public func canWrite(_ owner: Identifier<Organisation>) -> Bool {
        owner == organisation && role.canWrite
    }

    /// A short, log-safe name for the audit log.
    public var auditName: String {
        switch actor {
        case .user(_, let email): "user:\(email)"
        case .token(let id, let name): "token:\(name) (\(id.rawValue.prefix(8)))"
        case .system(let name): "system:\(name)"
        }
    }
}

/// Raised when a principal asks for something its organisation or role does not allow.
public enum AccessError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record exists in another tenant, or not at all; the two are reported the same so ids cannot be probed.
    case notFound(String)
    case forbidden(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) was not found"
        case .forbidden(let why): "forbidden: \(why)"
        }
    }
}
