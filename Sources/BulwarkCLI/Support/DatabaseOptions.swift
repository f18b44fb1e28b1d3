import ArgumentParser
import BulwarkCore
import BulwarkStore
import Foundation
import Logging

/// `--database`, shared by every command that touches data.
public struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where data lives: an SQLite file path (created on first use) or postgres://user:password@host:port/database.",
            discussion: "Defaults to $BULWARK_DATABASE_URL, or bulwark.sqlite in the current directory.", valueName: "url"))
    public var database: String?

    public init() {}

    /// The database URL after applying the environment and the default.
    public var resolved: String {
        database ?? ProcessInfo.processInfo.environment["BULWARK_DATABASE_URL"] ?? "bulwark.sqlite"
    }

    /// Runs `body` with an open, migrated store and closes it afterwards, whether `body` succeeds or throws.
    func withStore<T>(migrate: Bool = true, _ body: (SQLStore) async throws -> T) async throws -> T {
        let store = try await openStore(migrate: false)
        do {
            if migrate { try await store.migrate() }
            let result = try await body(store)
            await store.database.close()
            return result
        } catch {
            await store.database.close()
            throw error
        }
    }

    /// Opens the database and brings its schema up to date.
    func openStore(migrate: Bool = true) async throws -> SQLStore {
        var logger = Logger(label: "bulwark.store")
        logger.logLevel = .warning
        let store = SQLStore(database: try Database.open(resolved, logger: logger))
        if migrate { try await store.migrate() }
        return store
    }
}

/// `--org`, naming the organisation a command acts for.
struct OrganisationOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The organisation to act for, by name. May be left out when only one exists.", valueName: "name"))
    var org: String?

    /// The organisation named, or the only one there is.
    func resolve(in store: SQLStore) async throws -> Organisation {
        if let org {
            guard let found = try await store.organisation(named: org) else {
                let known = try await store.allOrganisations().map(\.name)
                throw CLIError(
                    "no organisation named \"\(org)\"; known: \(known.isEmpty ? "none (create one with 'bulwark org create')" : known.joined(separator: ", "))"
                )
            }
            return found
        }
        let all = try await store.allOrganisations()
        guard all.count == 1 else {
            throw CLIError(
                all.isEmpty
                    ? "the database has no organisations yet; create one with 'bulwark org create NAME --kind operator' or run 'bulwark demo'"
                    : "several organisations exist; pick one with --org (\(all.map(\.name).joined(separator: ", ")))")
        }
        return all[0]
    }
}

/// `--format table|json` for commands whose output scripts may read.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

/// An error the command line explains in one line.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
