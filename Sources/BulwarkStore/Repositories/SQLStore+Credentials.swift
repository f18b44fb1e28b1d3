import BulwarkCore
import Foundation
import SQLKit

/// A signed-in browser session: who, and the token every form must echo back (CSRF).
public struct SessionRecord: Sendable {
    public let principal: Principal
    public let user: User
    public let csrfToken: String
    public let expiresAt: String
}

extension SQLStore {
    // MARK: API tokens

    /// Stores a new API token by the SHA-256 digest of its secret. The caller shows the secret once and forgets it.
    public func createToken(
        name: String, role: Role, secretHash: String, prefix: String, by principal: Principal, origin: RequestOrigin
    ) async throws -> APIToken {
        try requireOwner(principal)
        guard role <= principal.role else { throw AccessError.forbidden("a token cannot have more rights than its creator") }
        let token = APIToken(
            id: .random(), organisation: principal.organisation, name: name, role: role, prefix: prefix, createdAt: now(), revokedAt: nil)
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO api_tokens (id, org_id, name, role, prefix, secret_hash, created_by, created_at, revoked_at)
                VALUES (\(bind: token.id.rawValue), \(bind: token.organisation.rawValue), \(bind: name), \(bind: role.rawValue), \(bind: prefix),
                        \(bind: secretHash), \(bind: principal.auditName), \(bind: token.createdAt), NULL)
                """
            ).run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "token.create", subject: name,
                detail: "\(role.rawValue), \(prefix)…", origin: origin)
        }
        return token
    }

    /// Revokes a token of the principal's organisation; from the next request on it is refused.
    public func revokeToken(_ id: Identifier<APIToken>, by principal: Principal, origin: RequestOrigin) async throws {
        try requireOwner(principal)
        try await database.transaction { db in
            guard
                let row = try await db.raw(
                    "SELECT name, revoked_at FROM api_tokens WHERE id = \(bind: id.rawValue) AND org_id = \(bind: principal.organisation.rawValue)"
                ).first()
            else { throw AccessError.notFound("token \(id)") }
            guard try row.optionalString("revoked_at") == nil else { return }
            try await db.raw(
                "UPDATE api_tokens SET revoked_at = \(bind: now()) WHERE id = \(bind: id.rawValue) AND org_id = \(bind: principal.organisation.rawValue)"
            ).run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "token.revoke", subject: try row.string("name"),
                detail: id.rawValue, origin: origin)
        }
    }

    /// Tokens of the principal's organisation, newest first, without secrets.
    public func tokens(for principal: Principal) async throws -> [APIToken] {
        try requireOwner(principal)
        return try await database.withConnection { db in
            try await db.raw(
                "SELECT id, org_id, name, role, prefix, created_at, revoked_at FROM api_tokens WHERE org_id = \(bind: principal.organisation.rawValue) ORDER BY created_at DESC, id"
            ).all().map(Self.token(from:))
        }
    }

    /// The principal for a presented token secret's digest, or `nil` when unknown or revoked.
    public func principal(forTokenHash secretHash: String) async throws -> Principal? {
        try await database.withConnection { db in
            guard
                let row = try await db.raw(
                    "SELECT id, org_id, name, role, prefix, created_at, revoked_at FROM api_tokens WHERE secret_hash = \(bind: secretHash)"
                ).first()
            else { return nil }
            let token = try Self.token(from: row)
            guard token.revokedAt == nil else { return nil }
            return try await principal(actor: .token(token.id, name: token.name), organisation: token.organisation, role: token.role, db: db)
        }
    }

    static func token(from row: any SQLRow) throws -> APIToken {
        let roleText = try row.string("role")
        guard let role = Role(rawValue: roleText) else { throw StoreError.corrupt("role \"\(roleText)\"") }
        return APIToken(
            id: .init(rawValue: try row.string("id")), organisation: .init(rawValue: try row.string("org_id")), name: try row.string("name"),
            role: role, prefix: try row.string("prefix"), createdAt: try row.string("created_at"), revokedAt: try row.optionalString("revoked_at"))
    }

    // MARK: Sessions

    /// Starts a browser session stored by the digest of its cookie secret.
    public func createSession(for user: User, secretHash: String, csrfToken: String, lifetime: TimeInterval, origin: RequestOrigin) async throws {
        let expires = Timestamp.format(clock.now().addingTimeInterval(lifetime))
        try await database.transaction { db in
            try await db.raw(
                """
                INSERT INTO sessions (secret_hash, user_id, org_id, csrf_token, created_at, expires_at)
                VALUES (\(bind: secretHash), \(bind: user.id.rawValue), \(bind: user.organisation.rawValue), \(bind: csrfToken), \(bind: now()), \(bind: expires))
                """
            ).run()
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: now())").run()
            try await audit(
                db, organisation: user.organisation, actor: "user:\(user.email)", action: "session.login", subject: user.email, detail: "",
                origin: origin)
        }
    }

    /// The live session for a cookie secret's digest, or `nil` when unknown or expired.
    public func session(secretHash: String) async throws -> SessionRecord? {
        try await database.withConnection { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT u.id, u.org_id, u.email, u.name, u.role, s.csrf_token, s.expires_at
                    FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.secret_hash = \(bind: secretHash) AND s.expires_at > \(bind: now())
                    """
                ).first()
            else { return nil }
            let user = try Self.user(from: row)
            return SessionRecord(
                principal: try await principal(forUser: user, db: db), user: user, csrfToken: try row.string("csrf_token"),
                expiresAt: try row.string("expires_at"))
        }
    }

    /// Ends a session (sign-out).
    public func endSession(secretHash: String, origin: RequestOrigin) async throws {
        try await database.transaction { db in
            guard
                let row = try await db.raw(
                    "SELECT s.org_id, u.email FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = \(bind: secretHash)"
                ).first()
            else { return }
            try await db.raw("DELETE FROM sessions WHERE secret_hash = \(bind: secretHash)").run()
            try await audit(
                db, organisation: .init(rawValue: try row.string("org_id")), actor: "user:\(try row.string("email"))", action: "session.logout",
                subject: try row.string("email"), detail: "", origin: origin)
        }
    }

    // MARK: Sign-in rate limiting

    /// Records a failed sign-in for a key (an email or a client address) and returns how many failures it has since `since`.
    /// Kept in the database so every app node sees the same count.
    public func recordFailedLogin(key: String, since: Date) async throws -> Int {
        let sinceText = Timestamp.format(since)
        return try await database.transaction { db in
            try await db.raw(
                "INSERT INTO login_attempts (id, attempt_key, at) VALUES (\(bind: Identifier<Principal>.random().rawValue), \(bind: key), \(bind: now()))"
            ).run()
            try await db.raw("DELETE FROM login_attempts WHERE at < \(bind: sinceText)").run()
            return try await db.raw(
                "SELECT COUNT(*) AS n FROM login_attempts WHERE attempt_key = \(bind: key) AND at >= \(bind: sinceText)"
            ).first()?.int("n") ?? 0
        }
    }

    /// Failed sign-ins for a key since `since`.
    public func failedLogins(key: String, since: Date) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw(
                "SELECT COUNT(*) AS n FROM login_attempts WHERE attempt_key = \(bind: key) AND at >= \(bind: Timestamp.format(since))"
            ).first()?.int("n") ?? 0
        }
    }

    /// Forgets failures for a key after a successful sign-in.
    public func clearFailedLogins(key: String) async throws {
        try await database.withConnection { db in
            try await db.raw("DELETE FROM login_attempts WHERE attempt_key = \(bind: key)").run()
        }
    }
}
