/// What a user or token may do inside its own organisation.
public enum Role: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Everything, including users, tokens and data shares.
    case owner
    /// Reads and writes the organisation's data.
    case analyst
    /// Reads only.
    case viewer

    /// Whether this role may change data (import, record findings).
    public var canWrite: Bool { self != .viewer }

    /// Whether this role may manage users, tokens and shares.
    public var canAdminister: Bool { self == .owner }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .analyst: 1
        case .owner: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
