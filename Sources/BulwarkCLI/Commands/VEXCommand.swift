import ArgumentParser
import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation

struct VEXCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vex", abstract: "State whether vulnerabilities affect your components (VEX), and export CycloneDX or CSAF VEX documents.",
        subcommands: [Set.self, List.self, Export.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark one vulnerability in one component as not_affected, affected, fixed or under_investigation.",
            discussion: """
                COMPONENT is the component's key as matches show it: its purl, else its CPE, else name@version.
                not_affected needs --justification (component_not_present, vulnerable_code_not_present,
                vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary,
                inline_mitigations_already_exist) or an impact statement in --detail; affected needs an action statement
                in --detail. A new statement replaces the earlier one; every change is in the audit log.

                Examples:
                  bulwark vex set CVE-2022-28391 --component pkg:generic/busybox@1.35.0 --status not_affected \\
                      --justification vulnerable_code_not_present --detail "netstat is not built into this busybox"
                  bulwark vex set CVE-2024-1086 --component pkg:generic/linux@5.15.148 --status affected \\
                      --detail "Update to 3.3.0 when released; until then disable unprivileged user namespaces"
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Argument(help: ArgumentHelp("The vulnerability (CVE or advisory id).", valueName: "vulnerability")) var vulnerability: String
        @Option(help: ArgumentHelp("The component's key (purl, CPE or name@version).", valueName: "key")) var component: String
        @Option(help: "not_affected, affected, fixed or under_investigation.") var status: VEXStatement.Status
        @Option(help: "Why it is not affected (see above).") var justification: VEXStatement.Justification?
        @Option(help: "Impact statement (not_affected) or action statement (affected).") var detail: String?

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let statement = try await store.setVEX(
                    vulnerability: vulnerability, component: component, status: status, justification: justification, detail: detail,
                    by: try await store.systemPrincipal(for: org), origin: .commandLine)
                print("\(statement.vulnerability) in \(statement.component): \(statement.status.rawValue)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organisation's VEX statements.",
            discussion: """
                Examples:
                  bulwark vex list --org "Lumen Devices Ltd"
                  bulwark vex list --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let statements = try await store.vexStatements(organisation: org.id, for: try await store.systemPrincipal(for: org))
                switch format {
                case .json: print(try Terminal.json(statements))
                case .table:
                    print(
                        Terminal.table(
                            ["VULNERABILITY", "COMPONENT", "STATUS", "JUSTIFICATION", "BY", "AT"],
                            statements.map { [$0.vulnerability, $0.component, $0.status.rawValue, $0.justification?.rawValue ?? "-", $0.author, $0.timestamp] }))
                }
            }
        }
    }

    enum DocumentFormat: String, ExpressibleByArgument, CaseIterable {
        case cyclonedx
        case csaf
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the vulnerability status of one firmware release as CycloneDX 1.6 VEX or CSAF 2.0 VEX.",
            discussion: """
                Every match of the release's components is included: with the organisation's VEX statement where one was
                made, as under investigation (CSAF) or in_triage (CycloneDX) where none was.

                Examples:
                  bulwark vex export --product LC-200 --release 3.2.0 --format cyclonedx --output lc200-3.2.0.vex.json
                  bulwark vex export --product LC-200 --release 3.2.0 --format csaf --publisher-namespace https://lumen.example
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "The product's model.") var product: String
        @Option(help: "The firmware release (version).") var release: String
        @Option(help: "cyclonedx or csaf.") var format: DocumentFormat = .cyclonedx
        @Option(help: ArgumentHelp("CSAF publisher namespace: a URL the publisher controls (default: a URN naming the organisation).", valueName: "url"))
        var publisherNamespace: String?
        @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?

        func run() async throws {
            let data = try await database.withStore { store -> Data in
                let org = try await organisation.resolve(in: store)
                let releases = try await store.releaseVulnerabilities(organisation: org.id, for: try await store.systemPrincipal(for: org))
                guard let target = releases.first(where: { $0.productModel == product && $0.version == release }) else {
                    let known = releases.filter { $0.productModel == product }.map(\.version)
                    throw CLIError(
                        "\(org.name) has no release \(release) of \(product)"
                            + (known.isEmpty ? "" : "; its releases are \(known.joined(separator: ", "))"))
                }
                let subject = MatchReports.Subject(name: "\(target.productName) (\(target.productModel))", version: target.version, file: nil)
                let now = Timestamp.format(store.clock.now())
                switch format {
                case .cyclonedx:
                    return try MatchReports.cycloneDXVEX(target.matches, subject: subject, serialNumber: UUID(), timestamp: now)
                case .csaf:
                    let category = org.kind == .manufacturer ? "vendor" : "user"
                    let namespace = publisherNamespace ?? "urn:bulwark:organisation:\(org.id.rawValue)"
                    let tracking = "\(product)-\(release)-VEX-\(now.prefix(10))"
                    return try MatchReports.csafVEX(
                        target.matches, subject: subject, publisher: .init(category: category, name: org.name, namespace: namespace),
                        trackingID: tracking, timestamp: now)
                }
            }
            try Terminal.emit(String(decoding: data, as: UTF8.self), to: output)
        }
    }
}

extension VEXStatement.Status: ExpressibleByArgument {}
extension VEXStatement.Justification: ExpressibleByArgument {}
