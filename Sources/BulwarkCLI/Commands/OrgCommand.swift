import ArgumentParser
import BulwarkCore
import BulwarkStore
import Foundation

struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Create and list organisations, and share an operator's data with an insurer.",
        subcommands: [Create.self, List.self, Share.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organisation.",
            discussion: """
                Examples:
                  bulwark org create "Harbourside Retail Group" --kind operator
                  bulwark org create "Northgate Mutual" --kind insurer
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The organisation's name, unique in this database.") var name: String
        @Option(help: "manufacturer, operator or insurer.") var kind: Organisation.Kind

        func run() async throws {
            try await database.withStore { store in
                let trimmed = name.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, trimmed.count <= 200 else { throw CLIError("an organisation name needs 1 to 200 characters") }
                let org = try await store.createOrganisation(name: trimmed, kind: kind)
                print("created \(org.kind.rawValue) \(org.name) (\(org.id))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organisations.", discussion: "Example:\n  bulwark org list --format json")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let all = try await store.allOrganisations()
                switch format {
                case .json: print(try Terminal.json(all))
                case .table: print(Terminal.table(["name", "kind", "id"], all.map { [$0.name, $0.kind.rawValue, $0.id.rawValue] }))
                }
            }
        }
    }

    struct Share: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let an insurer read an operator's fleet data (read-only).",
            discussion: "Example:\n  bulwark org share --org \"Harbourside Retail Group\" --with \"Northgate Mutual\"")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(name: .customLong("with"), help: "The insurer's name.") var reader: String

        func run() async throws {
            try await database.withStore { store in
                let owner = try await organisation.resolve(in: store)
                guard let insurer = try await store.organisation(named: reader) else { throw CLIError("no organisation named \"\(reader)\"") }
                try await store.share(with: insurer.id, by: try await store.systemPrincipal(for: owner), origin: .commandLine)
                print("\(insurer.name) can now read \(owner.name)'s fleet data")
            }
        }
    }
}

extension Organisation.Kind: ExpressibleByArgument {}
extension Role: ExpressibleByArgument {}
extension CredentialState: ExpressibleByArgument {}
