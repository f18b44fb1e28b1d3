import BulwarkCore
import BulwarkStore
import SQLKit
import Testing

@Suite struct MigrationTests {
    /// Every version this build knows, and the newest; tests name them this way so new migrations need no edits here.
    static let versions = Schema.migrations.map(\.version).sorted()
    static let newest = versions.last ?? 0

    @Test(arguments: TestBackend.available)
    func appliesEveryMigrationOnceInOrder(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend, migrate: false) { test in
            let migrator = Migrator(database: test.database)
            #expect(try await migrator.currentVersion() == 0)
            let applied = try await test.store().migrate()
            #expect(applied.map(\.version) == Self.versions)
            #expect(try await migrator.currentVersion() == Self.newest)
        }
    }

    @Test(arguments: TestBackend.available)
    func migratingAgainAppliesNothing(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let second = try await test.store(after: 60).migrate()
            let third = try await test.store(after: 120).migrate()
            #expect(second.map(\.version) == [])
            #expect(third.map(\.version) == [])
            #expect(try await Migrator(database: test.database).currentVersion() == Self.newest)
        }
    }

    @Test(arguments: TestBackend.available)
    func rollsBackAFailingMigrationAndKeepsTheVersion(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend, migrate: false) { test in
            let migrator = Migrator(database: test.database)
            try await migrator.migrate(now: "2026-11-22T08:00:00Z")
            // Migration 2 creates product_lines and products before devices; a squatting devices table makes it fail midway.
            try await test.database.withConnection { db in
                try await db.raw("DROP TABLE findings").run()
                try await db.raw("DROP TABLE devices").run()
                try await db.raw("DROP TABLE network_segments").run()
                try await db.raw("DROP TABLE sites").run()
                try await db.raw("DROP TABLE components").run()
                try await db.raw("DROP TABLE firmware_releases").run()
                try await db.raw("DROP TABLE products").run()
                try await db.raw("DROP TABLE product_lines").run()
                try await db.raw("DELETE FROM schema_migrations WHERE version = 2").run()
                try await db.raw("CREATE TABLE devices (squatter TEXT)").run()
            }
            #expect(try await migrator.appliedVersions() == Set(Self.versions).subtracting([2]))
            let error = try await #require(throws: StoreError.self) { try await migrator.migrate(now: "2026-11-22T09:00:00Z") }
            guard case .migration(let version, _, _) = error else {
                Issue.record("expected a migration error, got \(error)")
                return
            }
            #expect(version == 2)
            #expect(try await migrator.appliedVersions() == Set(Self.versions).subtracting([2]))
            // Had product_lines survived the failed attempt, creating it again would fail now.
            try await test.database.withConnection { db in try await db.raw("DROP TABLE devices").run() }
            let applied = try await migrator.migrate(now: "2026-11-22T10:00:00Z")
            #expect(applied.map(\.version) == [2])
            #expect(try await migrator.appliedVersions() == Set(Self.versions))
        }
    }

    @Test(arguments: TestBackend.available)
    func refusesASchemaNewerThanThisBuildKnows(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let older = Migrator(database: test.database, migrations: [Schema.migrations[0]])
            let error = try await #require(throws: StoreError.self) { try await older.migrate(now: "2026-11-22T08:00:00Z") }
            guard case .newerSchema(let found, let known) = error else {
                Issue.record("expected newerSchema, got \(error)")
                return
            }
            #expect(found == Self.newest)
            #expect(known == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func appliesAMigrationNumberedBelowOneAlreadyApplied(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let late = Migration(version: 90, name: "landed first", statements: ["CREATE TABLE landed_first (id TEXT PRIMARY KEY)"])
            let early = Migration(version: 80, name: "landed second", statements: ["CREATE TABLE landed_second (id TEXT PRIMARY KEY)"])
            let first = try await Migrator(database: test.database, migrations: Schema.migrations + [late]).migrate(now: "2026-11-22T08:00:00Z")
            #expect(first.map(\.version) == [90])
            let second = try await Migrator(database: test.database, migrations: Schema.migrations + [early, late]).migrate(
                now: "2026-11-22T09:00:00Z")
            #expect(second.map(\.version) == [80])
            #expect(try await Migrator(database: test.database).appliedVersions() == Set(Self.versions + [80, 90]))
        }
    }
}
