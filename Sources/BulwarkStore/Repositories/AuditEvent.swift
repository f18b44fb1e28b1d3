import BulwarkCore
import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// One write, recorded: who, what, when, from where.
public struct AuditEvent: Hashable, Sendable, Codable {
    public var id: String
    public var organisation: Identifier<Organisation>
    public var at: String
    public var actor: String
    public var action: String
    public var subject: String
    public var detail: String
    public var remoteAddress: String

    public init(
        id: String, organisation: Identifier<Organisation>, at: String, actor: String, action: String, subject: String, detail: String,
        remoteAddress: String
    ) {
        self.id = id
        self.organisation = organisation
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
        self.remoteAddress = remoteAddress
    }
}

/// Where a request came from, for the audit log: an IP address, or `cli` for the command line.
public struct RequestOrigin: Hashable, Sendable {
    public var remoteAddress: String
    public init(remoteAddress: String) { self.remoteAddress = remoteAddress }
    public static let commandLine = RequestOrigin(remoteAddress: "cli")
}

extension SQLStore {
    /// Appends an audit event inside the caller's transaction, so the write and its record commit together.
    func audit(
        _ db: any SQLDatabase, organisation: Identifier<Organisation>, actor: String, action: String, subject: String, detail: String,
        origin: RequestOrigin
    ) async throws {
        try await db.raw(
            """
            INSERT INTO audit_events (id, org_id, at, actor, action, subject, detail, remote_address)
            VALUES (\(bind: AuditSequence.next()), \(bind: organisation.rawValue), \(bind: now()), \(bind: actor),
                    \(bind: action), \(bind: subject), \(bind: detail), \(bind: origin.remoteAddress))
            """
        ).run()
    }

    /// The newest audit events of the principal's own organisation; owners only.
    public func auditEvents(for principal: Principal, limit: Int = 100) async throws -> [AuditEvent] {
        try requireOwner(principal)
        let limit = min(max(limit, 1), 1000)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id, org_id, at, actor, action, subject, detail, remote_address FROM audit_events
                WHERE org_id = \(bind: principal.organisation.rawValue) ORDER BY id DESC LIMIT \(bind: limit)
                """
            ).all().map { row in
                AuditEvent(
                    id: try row.string("id"), organisation: .init(rawValue: try row.string("org_id")), at: try row.string("at"),
                    actor: try row.string("actor"), action: try row.string("action"), subject: try row.string("subject"),
                    detail: try row.string("detail"), remoteAddress: try row.string("remote_address"))
            }
        }
    }

    /// How many audit events an organisation has; used by tests that prove a refused write left no trace.
    public func auditEventCount(organisation: Identifier<Organisation>) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM audit_events WHERE org_id = \(bind: organisation.rawValue)").first()?.int("n") ?? 0
        }
    }
}

/// Audit event ids that sort in the order the events were written: nanoseconds since 1970 from the system clock, made
/// strictly increasing within the process, then random bits so ids from different app nodes never collide.
enum AuditSequence {
    private static let last = NIOLockedValueBox<UInt64>(0)

    static func next() -> String {
        let now = UInt64(max(0, Date().timeIntervalSince1970) * 1_000_000_000)
        let value = last.withLockedValue { last -> UInt64 in
            last = max(now, last + 1)
            return last
        }
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "-" + String(UInt32.random(in: .min ... .max), radix: 16)
    }
}
