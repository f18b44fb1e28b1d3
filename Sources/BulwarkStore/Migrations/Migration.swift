import SQLKit

/// One step of the schema, applied once, in order, inside a transaction.
///
/// Statements use only SQL that SQLite and PostgreSQL read the same way: TEXT, BIGINT, PRIMARY KEY, UNIQUE,
/// REFERENCES and plain indexes.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
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

    /// The versions already applied.
    public func appliedVersions() async throws -> Set<Int> {
        try await database.withConnection { db in
            try await Self.ensureLedgerTable(db)
            return Set(try await db.raw("SELECT version FROM schema_migrations").all().map { try $0.decode(column: "version", as: Int.self) })
        }
    }

    /// Applies, in version order, every migration not yet recorded as applied; returns the ones applied.
    ///
    /// Gaps are allowed: work developed side by side may number its migrations 3 and 4 and land 4 first.
    @discardableResult
    public func migrate(now: String) async throws -> [Migration] {
        let applied = try await appliedVersions()
        let known = Set(migrations.map(\.version))
        if let unknown = applied.subtracting(known).max() { throw StoreError.newerSchema(found: unknown, known: known.max() ?? 0) }
        var done: [Migration] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
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
            done.append(migration)
        }
        return done
    }

    static func ensureLedgerTable(_ db: any SQLDatabase) async throws {
        try await db.raw(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        ).run()
    }
}
