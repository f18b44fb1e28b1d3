import BulwarkCore
import Foundation
import SQLKit

/// The one SQL implementation of Bulwark's repositories, over SQLKit, unchanged on SQLite and PostgreSQL.
///
/// Every method that reads or writes tenant data takes a `Principal` and scopes its SQL by organisation id,
/// so a query cannot forget the tenant.
public struct SQLStore: Sendable {
    public let database: Database
    public let clock: any WallClock
    /// The advisories filed for matching, kept between requests and rebuilt after a feed import.
    let advisoryCache = AdvisoryIndexCache()

    public init(database: Database, clock: any WallClock = SystemClock()) {
        self.database = database
        self.clock = clock
    }

    /// Brings the schema up to date, and on SQLite moves ledger hashes kept in tiles into the hash file.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        let applied = try await Migrator(database: database).migrate(now: now())
        try await moveLedgerTilesToFile()
        return applied
    }

    func now() -> String { Timestamp.format(clock.now()) }

    /// The organisation a read is about: the one asked for if the principal may read it, otherwise its own.
    /// Another tenant's id is reported as not found, so ids cannot be probed.
    func readableOrganisation(_ requested: Identifier<Organisation>?, for principal: Principal) throws -> Identifier<Organisation> {
        guard let requested else { return principal.organisation }
        guard principal.canRead(requested) else { throw AccessError.notFound("organisation \(requested)") }
        return requested
    }

    /// Refuses a write by a principal that may not write its organisation's data.
    func requireWriter(_ principal: Principal) throws {
        guard principal.role.canWrite else { throw AccessError.forbidden("the \(principal.role.rawValue) role cannot change data") }
    }

    func requireOwner(_ principal: Principal) throws {
        guard principal.role.canAdminister else { throw AccessError.forbidden("only an owner may do this; you are \(principal.role.rawValue)") }
    }
}

extension SQLRow {
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try decode(column: column, as: Int?.self) }
    func day(_ column: String) throws -> CalendarDay? {
        guard let text = try optionalString(column) else { return nil }
        guard let day = CalendarDay(text) else { throw StoreError.corrupt("column \(column) holds \"\(text)\", not a date") }
        return day
    }
}
