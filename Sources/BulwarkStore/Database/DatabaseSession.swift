import Logging
import PostgresKit
import SQLKit
import SQLiteKit

/// One pooled connection: the SQLKit handle every query uses, and a bulk insert for large imports.
///
/// The bulk insert sends the same SQL text to both engines but hands each driver its own bind values, skipping SQLKit's
/// per-value `Encodable` encoding: importing 100,000 devices spent most of its time there (see `Benchmarks/`).
struct DatabaseSession: Sendable {
    enum Connection: Sendable {
        case sqlite(SQLiteConnection)
        case postgres(PostgresConnection)
    }

    let sql: any SQLDatabase
    let connection: Connection
    let logger: Logger
    /// The database the connection belongs to, for what lives beside its rows (the ledger's entry file).
    let database: Database

    /// One bound value of a bulk insert.
    enum Value: Sendable {
        case text(String)
        case integer(Int)
        case null
    }

    /// Inserts rows of text values (or NULL) into `table`. `table` and `columns` must be identifiers written in code,
    /// never input; every value is bound as a parameter.
    func insert(into table: String, columns: [String], rows: [[String?]]) async throws {
        try await insert(into: table, columns: columns, values: rows.map { row in row.map { $0.map(Value.text) ?? .null } })
    }

    /// Inserts rows of text, integer or NULL values into `table`; the same rules as `insert(into:columns:rows:)`.
    ///
    /// `then`, when given, is SQL written in code that follows the VALUES list (an `ON CONFLICT` clause).
    func insert(into table: String, columns: [String], values rows: [[Value]], then clause: String? = nil) async throws {
        guard !rows.isEmpty else { return }
        var text = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        text.reserveCapacity(text.utf8.count + rows.count * columns.count * 6)
        var parameter = 0
        for (index, row) in rows.enumerated() {
            precondition(row.count == columns.count, "row \(index) has \(row.count) values for \(columns.count) columns")
            text += index == 0 ? "(" : ", ("
            for column in 0..<columns.count {
                parameter += 1
                if column > 0 { text += ", " }
                switch connection {
                case .sqlite: text += "?"
                case .postgres: text += "$\(parameter)"
                }
            }
            text += ")"
        }
        if let clause { text += " " + clause }
        switch connection {
        case .sqlite(let connection):
            var binds: [SQLiteData] = []
            binds.reserveCapacity(parameter)
            for row in rows {
                for value in row {
                    switch value {
                    case .text(let text): binds.append(.text(text))
                    case .integer(let number): binds.append(.integer(number))
                    case .null: binds.append(.null)
                    }
                }
            }
            try await connection.query(text, binds) { _ in }
        case .postgres(let connection):
            var binds = PostgresBindings(capacity: parameter)
            for row in rows {
                for value in row {
                    switch value {
                    case .text(let text): binds.append(text)
                    case .integer(let number): binds.append(number)
                    case .null: binds.appendNull()
                    }
                }
            }
            _ = try await connection.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger)
        }
    }
}
