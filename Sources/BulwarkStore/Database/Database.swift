@preconcurrency import AsyncKit
import BulwarkCore
import BulwarkLedger
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// A connection pool to the one database Bulwark uses: an embedded SQLite file (the default) or PostgreSQL.
///
/// The same SQL runs on both: queries are written with SQLKit and use only types both engines share
/// (TEXT, BIGINT, ISO 8601 text for time, 0/1 for flags).
public final class Database: Sendable {
    public enum Dialect: String, Sendable {
        case sqlite
        case postgres
    }

    // The pools are thread-safe classes (they guard their state with a lock) that predate Sendable annotations;
    // AsyncKit is imported @preconcurrency for that reason.
    private enum Pool: Sendable {
        case sqlite(EventLoopGroupConnectionPool<SQLiteSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    /// How long a caller waits for a pooled connection. AsyncKit's default of 10 s failed requests that were only queued
    /// behind busy writers on a loaded 2-core machine; a minute still surfaces a real deadlock.
    static let requestTimeout: TimeAmount = .seconds(60)

    public let dialect: Dialect
    /// A printable location with any password removed.
    public let location: String
    private let pool: Pool
    private let logger: Logger
    /// SQLite only: the ledger's entry and hash files, opened on first use (see `LedgerFile`).
    private let openedLedgerFiles: Mutex<LedgerFiles?>

    /// Opens a database from a URL: `postgres://user:pass@host:port/db`, `sqlite:PATH`, or a plain file path.
    public static func open(_ url: String, logger: Logger = Logger(label: "bulwark.store")) throws -> Database {
        let group = MultiThreadedEventLoopGroup.singleton
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.badDatabaseURL(url: Self.redact(url), reason: "\(error)")
            }
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: 4,
                requestTimeout: Self.requestTimeout,
                pruneInterval: .seconds(60),
                logger: logger,
                on: group
            )
            return Database(dialect: .postgres, location: Self.redact(url), pool: .postgres(pool), logger: logger)
        }
        var path = url
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) } else if path.hasPrefix("sqlite:") { path.removeFirst("sqlite:".count) }
        guard !path.isEmpty else { throw StoreError.badDatabaseURL(url: url, reason: "no file path given") }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.badDatabaseURL(url: url, reason: "directory \(directory) does not exist")
        }
        let pool = EventLoopGroupConnectionPool(
            source: SQLiteSource(path: path),
            maxConnectionsPerEventLoop: 2,
            requestTimeout: Self.requestTimeout,
            pruneInterval: nil,
            logger: logger,
            on: group
        )
        return Database(dialect: .sqlite, location: path, pool: .sqlite(pool), logger: logger)
    }

    private init(dialect: Dialect, location: String, pool: Pool, logger: Logger) {
        self.dialect = dialect
        self.location = location
        self.pool = pool
        self.logger = logger
        self.openedLedgerFiles = Mutex(nil)
    }

    /// SQLite only: where the ledger's entries are kept, beside the database file.
    public var ledgerEntryFilePath: String? { dialect == .sqlite ? LedgerFile.entriesPath(besideDatabase: location) : nil }

    /// SQLite only: where the ledger's tree hashes are kept, beside the database file.
    public var ledgerNodeFilePath: String? { dialect == .sqlite ? LedgerFile.nodesPath(besideDatabase: location) : nil }

    /// The ledger's entry and hash files on SQLite, opened (and created) on first use; nil on PostgreSQL, which keeps
    /// both in rows.
    func ledgerFiles() throws(StoreError) -> LedgerFiles? {
        guard let entryFilePath = ledgerEntryFilePath, let nodeFilePath = ledgerNodeFilePath else { return nil }
        return try openedLedgerFiles.withLock { (files: inout LedgerFiles?) throws(StoreError) -> LedgerFiles in
            if let files { return files }
            let opened = LedgerFiles(entries: try LedgerFile(path: entryFilePath), nodes: try LedgerFile(path: nodeFilePath))
            files = opened
            return opened
        }
    }

    /// Runs `body` with one connection held for its whole duration.
    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withSession { session in try await body(session.sql) }
    }

    /// Runs `body` with one connection, as a session that also offers driver-level bulk inserts.
    func withSession<T: Sendable>(_ body: @Sendable (DatabaseSession) async throws -> T) async throws -> T {
        do {
            switch pool {
            case .sqlite(let pool):
                let connection = try await pool.requestConnection(logger: logger).get()
                defer { pool.releaseConnection(connection, logger: logger) }
                return try await body(DatabaseSession(sql: connection.sql(), connection: .sqlite(connection), logger: logger, database: self))
            case .postgres(let pool):
                let connection = try await pool.requestConnection(logger: logger).get()
                defer { pool.releaseConnection(connection, logger: logger) }
                return try await body(DatabaseSession(sql: connection.sql(), connection: .postgres(connection), logger: logger, database: self))
            }
        } catch let error as StoreError {
            throw error
        } catch let error as AccessError {
            throw error
        } catch let error as ImportError {
            throw error
        } catch let error as LedgerError {
            throw error
        } catch {
            throw StoreError.wrap(error, location: location)
        }
    }

    /// Runs `body` inside one transaction: it commits when `body` returns and rolls back when it throws,
    /// so a failed import or write leaves nothing half-written.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transactionSession { session in try await body(session.sql) }
    }

    /// `transaction(_:)` with the session, for writes that use bulk inserts.
    func transactionSession<T: Sendable>(_ body: @Sendable (DatabaseSession) async throws -> T) async throws -> T {
        let dialect = self.dialect
        return try await withSession { session in
            let db = session.sql
            // SQLite: take the write lock up front, so two writers queue on busy_timeout instead of deadlocking.
            try await db.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
            do {
                let result = try await body(session)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Closes every pooled connection.
    public func close() async {
        switch pool {
        case .sqlite(let pool): try? await pool.shutdownAsync()
        case .postgres(let pool): try? await pool.shutdownAsync()
        }
    }

    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// The two files of a SQLite database's ledger.
struct LedgerFiles: Sendable {
    let entries: LedgerFile
    let nodes: LedgerFile
}

/// Opens SQLite connections with the settings Bulwark relies on.
struct SQLiteSource: ConnectionPoolSource, Sendable {
    let path: String

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        let promise = eventLoop.makePromise(of: SQLiteConnection.self)
        promise.completeWithTask {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: SQLiteThreads.pool, logger: logger, on: eventLoop
            )
            do {
                // WAL lets readers run beside the one writer; NORMAL sync is durable in WAL mode across
                // application crashes (SQLite docs, "Write-Ahead Logging" §5). Random UUID keys spread inserts over every
                // index, so the default 2 MiB page cache thrashes on large imports; 64 MiB keeps their pages in memory.
                let pragmas = [
                    "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000",
                    "PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY",
                ]
                for pragma in pragmas {
                    _ = try await connection.query(pragma)
                }
            } catch {
                try? await connection.close()
                throw error
            }
            return connection
        }
        return promise.futureResult
    }
}

/// The threads SQLite calls block on. SQLite waits for a busy database inside the calling thread (busy_timeout), so on a
/// 2-core machine NIO's shared pool of 2 threads let one waiting writer stall every other database call in the process;
/// a pool of its own, larger than the core count, keeps the rest moving. It lives as long as the process.
enum SQLiteThreads {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(8, System.coreCount * 4))
        pool.start()
        return pool
    }()
}
