import BulwarkCore
import SQLKit

/// A user found for sign-in, with the bcrypt hash to check the password against.
public struct LoginCandidate: Sendable {
    public let user: User
    public let passwordHash: String
}

extension SQLStore {
    /// Creates a user. `passwordHash` must already be a bcrypt hash; the store never sees passwords.
    @discardableResult
    public func createUser(
        email: String, name: String, role: Role, passwordHash: String, in organisation: Identifier<Organisation>, actor: String,
        origin: RequestOrigin
    ) async throws -> User {
        let user = User(id: .random(), organisation: organisation, email: email.lowercased(), name: name, role: role)
        try await database.transaction { db in
            if try await db.raw("SELECT id FROM users WHERE email = \(bind: user.email)").first() != nil {
                throw StoreError.constraint("a user with email \(user.email) already exists")
            }
            try await db.raw(
                """
                INSERT INTO users (id, org_id, email, name, role, password_hash, created_at)
                VALUES (\(bind: user.id.rawValue), \(bind: organisation.rawValue), \(bind: user.email), \(bind: name), \(bind: role.rawValue),
                        \(bind: passwordHash), \(bind: now()))
                """
            ).run()
            try await audit(
                db, organisation: organisation, actor: actor, action: "user.create", subject: user.email, detail: role.rawValue, origin: origin)
        }
        return user
    }

    /// Replaces a user's password hash. Administrative (command line, demo).
    public func setPasswordHash(email: String, passwordHash: String, actor: String, origin: RequestOrigin) async throws {
        try await database.transaction { db in
            guard let row = try await db.raw("SELECT org_id FROM users WHERE email = \(bind: email.lowercased())").first() else {
                throw AccessError.notFound("user \(email)")
            }
            try await db.raw("UPDATE users SET password_hash = \(bind: passwordHash) WHERE email = \(bind: email.lowercased())").run()
            try await db.raw("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email = \(bind: email.lowercased()))").run()
            try await audit(
                db, organisation: .init(rawValue: try row.string("org_id")), actor: actor, action: "user.password", subject: email.lowercased(),
                detail: "password replaced; sessions ended", origin: origin)
        }
    }

    /// The user with this email, for checking a password at sign-in.
    public func loginCandidate(email: String) async throws -> LoginCandidate? {
        try await database.withConnection { db in
            guard
                let row = try await db.raw(
                    "SELECT id, org_id, email, name, role, password_hash FROM users WHERE email = \(bind: email.lowercased())"
                ).first()
            else { return nil }
            return LoginCandidate(user: try Self.user(from: row), passwordHash: try row.string("password_hash"))
        }
    }

    /// Users of the principal's organisation.
    public func users(for principal: Principal) async throws -> [User] {
        try await database.withConnection { db in
            try await db.raw(
                "SELECT id, org_id, email, name, role FROM users WHERE org_id = \(bind: principal.organisation.rawValue) ORDER BY email"
            ).all().map(Self.user(from:))
        }
    }

    /// The principal a signed-in user acts as.
    public func principal(for user: User) async throws -> Principal {
        try await database.withConnection { db in try await principal(forUser: user, db: db) }
    }

    func principal(forUser user: User, db: any SQLDatabase) async throws -> Principal {
        guard let principal = try await principal(actor: .user(user.id, email: user.email), organisation: user.organisation, role: user.role, db: db)
        else { throw StoreError.corrupt("user \(user.email) belongs to a missing organisation") }
        return principal
    }

    /// A principal acting for `organisation` with `role`, with the shares granted to that organisation; `nil` when the
    /// organisation does not exist.
    func principal(actor: Principal.Actor, organisation id: Identifier<Organisation>, role: Role, db: any SQLDatabase) async throws -> Principal? {
        guard let row = try await db.raw("SELECT id, name, kind FROM organisations WHERE id = \(bind: id.rawValue)").first() else { return nil }
        let organisation = try Self.organisation(from: row)
        return Principal(
            actor: actor, organisation: organisation.id, organisationKind: organisation.kind, role: role,
            sharedWithMe: try await sharedWith(organisation.id, db: db))
    }

    static func user(from row: any SQLRow) throws -> User {
        let roleText = try row.string("role")
        guard let role = Role(rawValue: roleText) else { throw StoreError.corrupt("role \"\(roleText)\"") }
        return User(
            id: .init(rawValue: try row.string("id")), organisation: .init(rawValue: try row.string("org_id")), email: try row.string("email"),
            name: try row.string("name"), role: role)
    }
}
