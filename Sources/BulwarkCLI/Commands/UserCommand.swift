import ArgumentParser
import BulwarkCore
import BulwarkServer
import BulwarkStore
import Foundation

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage dashboard users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user who signs in to the dashboard.",
            discussion: """
                The password is read without echo from the terminal, or as one line from standard input, and stored \
                only as a bcrypt hash. It needs at least 12 characters.

                Examples:
                  bulwark user create --org "Harbourside Retail Group" --email ana@harbourside.example --name "Ana Lima" --role analyst
                  printf '%s\\n' "$PASSWORD" | bulwark user create --email ci@example.com --name CI --role viewer
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "Sign-in email, unique across the database.") var email: String
        @Option(help: "Display name.") var name: String
        @Option(help: "owner, analyst or viewer.") var role: Role = .viewer
        @Option(help: .hidden) var bcryptCost: UInt8 = 12

        func run() async throws {
            let address = email.trimmingCharacters(in: .whitespaces).lowercased()
            guard address.contains("@"), address.count <= 254, !address.contains(" ") else { throw CLIError("\"\(email)\" is not an email address") }
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                guard let password = Terminal.readSecret(prompt: "Password for \(address): "), !password.isEmpty else {
                    throw CLIError("no password given; type it at the prompt or pipe it on standard input")
                }
                if let problem = PasswordHasher.problem(with: password, email: address) { throw CLIError("password refused: \(problem)") }
                let hash = try await PasswordHasher(cost: bcryptCost).hash(password)
                let user = try await store.createUser(
                    email: address, name: name, role: role, passwordHash: hash, in: org.id, actor: "system:cli", origin: .commandLine)
                print("created \(user.role.rawValue) \(user.email) in \(org.name)")
            }
        }
    }
}
