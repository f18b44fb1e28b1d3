import BulwarkCore
import BulwarkStore
import SQLKit
import Testing

@Suite struct StoreBackendTests {
    @Test(
        "PostgreSQL store tests (set BULWARK_TEST_POSTGRES_URL to run every store test on PostgreSQL as well as SQLite)",
        .enabled(
            if: TestBackend.postgresURL != nil,
            "BULWARK_TEST_POSTGRES_URL is not set, so the store tests ran on SQLite only; see scripts/postgres-test-server.sh")
    )
    func postgresServerIsVersionFifteenOrNewer() async throws {
        let version = try await withTestDatabase(.postgres, migrate: false) { test in
            try await test.database.withConnection { db in
                try await db.raw("SELECT current_setting('server_version_num') AS v").first()?.decode(column: "v", as: String.self)
            }
        }
        #expect((Int(try #require(version)) ?? 0) >= 150_000)
    }

    @Test(arguments: TestBackend.available)
    func opensTheEngineTheTestAskedFor(_ backend: TestBackend) async throws {
        let dialect = try await withTestDatabase(backend, migrate: false) { $0.database.dialect }
        #expect(dialect == (backend == .sqlite ? .sqlite : .postgres))
    }

    @Test(arguments: ["sqlite:", "/no/such/directory/bulwark.sqlite"])
    func refusesASQLiteLocationItCannotUse(_ url: String) async {
        let error = await storeError { _ = try Database.open(url) }
        guard case .badDatabaseURL(let reported, let reason) = error else {
            Issue.record("expected badDatabaseURL, got \(String(describing: error))")
            return
        }
        #expect(reported == url)
        #expect(reason == (url == "sqlite:" ? "no file path given" : "directory /no/such/directory does not exist"))
    }
}
