import ArgumentParser
import BulwarkCore
import BulwarkServer
import BulwarkStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.", subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for machines. The secret is printed once and stored only as a hash.",
            discussion: """
                Use it as 'Authorization: Bearer <secret>'. It acts for one organisation with one role.

                Examples:
                  bulwark token create --org "Harbourside Retail Group" --name collector --role analyst
                  curl -H "Authorization: Bearer $(bulwark token create --name ci --role viewer --format json | jq -r .secret)" \\
                       http://127.0.0.1:8080/api/v1/devices
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "A name that says what uses the token.") var name: String
        @Option(help: "owner, analyst or viewer.") var role: Role = .viewer
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let issued = try await TokenIssuer(store: store).issue(
                    name: name, role: role, by: try await store.systemPrincipal(for: org), origin: .commandLine)
                switch format {
                case .json:
                    struct Output: Encodable {
                        let id: String
                        let name: String
                        let role: String
                        let secret: String
                    }
                    print(
                        try Terminal.json(
                            Output(id: issued.token.id.rawValue, name: issued.token.name, role: issued.token.role.rawValue, secret: issued.secret)))
                case .table:
                    print("token \(issued.token.id) (\(issued.token.role.rawValue) in \(org.name))")
                    print("secret: \(issued.secret)")
                    Terminal.printError("The secret is shown only now; store it somewhere safe.")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token; it is refused from the next request on.",
            discussion: "Example:\n  bulwark token revoke 6f1c…-…  --org \"Harbourside Retail Group\"")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Argument(help: "The token id printed by 'token create' or 'token list'.") var id: String

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                try await store.revokeToken(Identifier(rawValue: id), by: try await store.systemPrincipal(for: org), origin: .commandLine)
                print("revoked \(id)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organisation's tokens (never their secrets).", discussion: "Example:\n  bulwark token list --format json")

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let tokens = try await store.tokens(for: try await store.systemPrincipal(for: org))
                switch format {
                case .json: print(try Terminal.json(tokens))
                case .table:
                    print(
                        Terminal.table(
                            ["id", "name", "role", "prefix", "created", "revoked"],
                            tokens.map { [$0.id.rawValue, $0.name, $0.role.rawValue, $0.prefix + "…", $0.createdAt, $0.revokedAt ?? ""] }))
                }
            }
        }
    }
}
