import BulwarkCore
import BulwarkStore
import Foundation
import SQLKit
import Testing

/// The database engines every store test runs on.
///
/// SQLite always runs. PostgreSQL runs when `BULWARK_TEST_POSTGRES_URL` names an account that may create databases
/// (`scripts/postgres-test-server.sh start` prints one); without it `StoreBackendTests` reports the PostgreSQL run as skipped.
enum TestBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let postgresURL: String? = ProcessInfo.processInfo.environment["BULWARK_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The backends to run parameterised store tests on.
    static var available: [TestBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }
}

/// A fresh, migrated database for one test, and stores over it whose clocks say a chosen instant.
struct TestDatabase: Sendable {
    /// 2026-11-22T08:00:00Z, the instant the tests' fixed clocks start at.
    static let start = Date(timeIntervalSince1970: 1_795_334_400)
    /// The calendar day of `start`.
    static let today = CalendarDay(year: 2026, month: 11, day: 22)!
    /// The store never hashes passwords; it keeps whatever bcrypt text it is given.
    static let passwordHash = "$2b$12$TestFixtureSaltOnly22uNotADigestOfAnyPasswordAtAll.00"

    let backend: TestBackend
    let database: Database

    /// A store whose clock stands at `start` plus `seconds`.
    func store(after seconds: TimeInterval = 0) -> SQLStore {
        SQLStore(database: database, clock: FixedClock(Self.start.addingTimeInterval(seconds)))
    }
}

/// Runs `body` against a new database on `backend` and removes the database afterwards, whether `body` succeeds or throws.
///
/// SQLite: a new file in the temporary directory. PostgreSQL: a new database created through the account in
/// `BULWARK_TEST_POSTGRES_URL` and dropped (forcibly, in case a pooled connection lingers) at the end.
func withTestDatabase<T>(_ backend: TestBackend, migrate: Bool = true, _ body: (TestDatabase) async throws -> T) async throws -> T {
    let name = "bulwark_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    switch backend {
    case .sqlite:
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm", "-ledger", "-ledger-nodes"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        return try await run(body, on: Database.open(path), backend: backend, migrate: migrate)
    case .postgres:
        guard let adminURL = TestBackend.postgresURL else {
            throw TestDatabaseError("BULWARK_TEST_POSTGRES_URL is not set; start a server with scripts/postgres-test-server.sh start")
        }
        guard var components = URLComponents(string: adminURL) else { throw TestDatabaseError("BULWARK_TEST_POSTGRES_URL is not a URL") }
        components.path = "/" + name
        guard let testURL = components.string else { throw TestDatabaseError("cannot build a database URL from \(adminURL)") }
        let admin = try Database.open(adminURL)
        do {
            try await admin.withConnection { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        } catch {
            await admin.close()
            throw error
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await run(body, on: Database.open(testURL), backend: backend, migrate: migrate))
        } catch {
            result = .failure(error)
        }
        try? await admin.withConnection { db in try await db.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
        await admin.close()
        return try result.get()
    }
}

private func run<T>(_ body: (TestDatabase) async throws -> T, on database: Database, backend: TestBackend, migrate: Bool) async throws -> T {
    let test = TestDatabase(backend: backend, database: database)
    do {
        if migrate { try await test.store().migrate() }
        let result = try await body(test)
        await database.close()
        return result
    } catch {
        await database.close()
        throw error
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
