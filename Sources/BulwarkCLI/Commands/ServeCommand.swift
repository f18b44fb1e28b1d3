import ArgumentParser
import BulwarkCore
import BulwarkLedger
import BulwarkServer
import BulwarkStore
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the dashboard and JSON API.",
        discussion: """
            Serves the dashboard at / and the API at /api/v1 (described at /openapi.yaml), with /health and Prometheus \
            /metrics. Stops gracefully on SIGTERM or Ctrl-C, finishing requests in flight.

            Examples:
              bulwark serve --demo                          # fill an empty database with the demo world first
              bulwark serve --host 0.0.0.0 --port 8080 --public-url https://bulwark.example.com
              BULWARK_DATABASE_URL=postgres://bulwark:secret@db:5432/bulwark bulwark serve
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: ArgumentHelp("The URL people use to reach this server; https:// marks session cookies Secure.", valueName: "url"))
    var publicURL: String?
    @Flag(help: "Create the demo world first if the database has none, and print its logins.") var demo = false
    @Option(help: .hidden) var bcryptCost: UInt8 = 12

    func run() async throws {
        let configuration = ServerConfiguration(host: host, port: port, publicURL: publicURL, bcryptCost: bcryptCost)
        try await database.withStore { store in
            if demo {
                try await DemoCommand.createWorld(store: store, password: nil, bcryptCost: bcryptCost, url: configuration.displayURL)
            }
            try await Self.serve(store: store, configuration: configuration)
        }
    }

    static func serve(store: SQLStore, configuration: ServerConfiguration) async throws {
        var logger = Logger(label: "bulwark")
        logger.logLevel = .info
        let location = "\(configuration.displayURL) (database: \(store.database.dialect.rawValue) \(store.database.location))"
        let app = try await buildApplication(configuration, store: store, logger: logger) {
            Terminal.printError("Bulwark is serving \(location); Ctrl-C stops it.")
        }
        do {
            try await app.runService()
        } catch let error where String(describing: error).contains("Address already in use") {
            throw CLIError("\(configuration.host):\(configuration.port) is already in use; stop the other server or pick another --port")
        }
        Terminal.printError("Bulwark stopped.")
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a realistic fictional world, print logins, and serve the dashboard.",
        discussion: """
            One manufacturer with camera, smart-plug and thermostat lines on one firmware trunk; one retail business with \
            about 300 devices at three sites, some on default passwords and old firmware; one insurer it shares its data with. \
            Run again to get fresh passwords; the world itself is created once.

            Examples:
              bulwark demo                                  # then open the printed URL and sign in
              bulwark demo --no-serve --database /tmp/demo.sqlite     # keys for its ledger checkpoint go in /tmp/bulwark-keys
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Create the world and print logins, but do not start the server.") var noServe = false
    @Option(help: ArgumentHelp("Use this password for every demo user instead of random ones.", valueName: "password")) var password: String?
    @Option(help: .hidden) var bcryptCost: UInt8 = 12
    @OptionGroup var keys: LedgerKeyOptions

    func run() async throws {
        let configuration = ServerConfiguration(host: host, port: port, bcryptCost: bcryptCost)
        let signer = try keys.signingKey(named: keys.origin, database: database.resolved)
        try await database.withStore { store in
            try await Self.createWorld(store: store, password: password, bcryptCost: bcryptCost, url: configuration.displayURL)
            // A signed checkpoint over the world's findings, so the dashboard's evidence links give bundles at once.
            let note = try await store.publishLedgerCheckpoint(origin: keys.origin, signers: [signer])
            let size = note.text.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
            print("Evidence ledger: checkpoint of \(size) entries signed by \(keys.origin); its verifier key is in \(keys.directory(for: database.resolved))")
            // Standard output is buffered when it is a pipe or a file; the logins must be readable while the server runs.
            fflush(nil)
            if noServe { return }
            try await ServeCommand.serve(store: store, configuration: configuration)
        }
    }

    static func createWorld(store: SQLStore, password: String?, bcryptCost: UInt8, url: String) async throws {
        let world = DemoWorld(store: store, hasher: PasswordHasher(cost: bcryptCost))
        let logins = try await world.create(password: password) { Terminal.progress("demo: \($0)…") }
        Terminal.endProgress()
        print("Open \(url) and sign in as one of:")
        print(
            Terminal.table(
                ["organisation", "kind", "email", "role", "password"],
                logins.map { [$0.organisation, $0.kind.rawValue, $0.email, $0.role.rawValue, $0.password] }))
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the database schema up to date (other commands do this too) and print its version.",
        discussion: """
            Each migration runs in its own transaction; a failing one is rolled back and stops the run.

            Example:
              bulwark migrate --database postgres://bulwark:secret@127.0.0.1:5432/bulwark
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await database.withStore(migrate: false) { store in
            let applied = try await store.migrate()
            let version = try await Migrator(database: store.database).currentVersion()
            for migration in applied { print("applied \(migration.version): \(migration.name)") }
            print("schema version \(version) (\(store.database.dialect.rawValue) \(store.database.location))")
        }
    }
}
