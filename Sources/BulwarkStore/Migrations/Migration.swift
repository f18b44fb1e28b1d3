import SQLKit

/// One step of the schema, applied once, in order, inside a transaction.
///
/// Statements use only SQL that SQLite and PostgreSQL read the same way: TEXT, BIGINT, PRIMARY KEY, UNIQUE,
/// REFERENCES and plain indexes.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]
}

/// Applies pending migrations and reports the schema version.
public struct Migrator: Sendable {
    public let database: Database
    public let migrations: [Migration]

    public init(database: Database, migrations: [Migration] = Schema.migrations) {
        self.database = database
        self.migrations = migrations
    }

    /// The highest applied version, or 0 for an empty database.
    public func currentVersion() async throws -> Int {
        try await database.withConnection { db in
            try await Self.ensureLedgerTable(db)
            let row = try await db.raw("SELECT MAX(version) AS v FROM schema_migrations").first()
            return try row?.decode(column: "v", as: Int?.self) ?? 0
        }
    }

    /// Applies every migration above the current version; returns the ones applied.
    @discardableResult
    public func migrate(now: String) async throws -> [Migration] {
        let current = try await currentVersion()
        let known = migrations.map(\.version).max() ?? 0
        if current > known { throw StoreError.newerSchema(found: current, known: known) }
        var applied: [Migration] = []
        for migration in migrations where migration.version > current {
            do {
                try await database.transaction { db in
                    for statement in migration.statements {
                        try await db.raw(SQLQueryString(stringLiteral: statement)).run()
                    }
                    try await db.raw(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: now))"
                    ).run()
                }
            } catch {
                throw StoreError.migration(version: migration.version, name: migration.name, reason: "\(error)")
            }
            applied.append(migration)
        }
        return applied
    }

    static func ensureLedgerTable(_ db: any SQLDatabase) async throws {
        try await db.raw(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        ).run()
    }
}
