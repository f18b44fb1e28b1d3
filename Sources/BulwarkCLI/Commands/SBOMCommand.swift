import ArgumentParser
import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation

struct SBOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sbom", abstract: "Read software bills of materials.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the components of a CycloneDX (1.4-1.6) or SPDX (2.2, 2.3) JSON SBOM as those of one firmware release.",
            discussion: """
                The release's components are replaced by the SBOM's, keyed by purl with CPE as the fallback, in one
                transaction. A document that breaks the specification is refused with the JSON path of the problem and
                nothing is stored.

                Examples:
                  bulwark sbom import lumen-os-3.2.0.cdx.json --product LC-200 --release 3.2.0 --org "Lumen Devices Ltd"
                  bulwark sbom import plug.spdx.json --product LP-10 --release 2.4.2 --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Argument(help: ArgumentHelp("The SBOM file.", valueName: "file")) var file: String
        @Option(help: "The product's model, as in the inventory.") var product: String
        @Option(help: "The firmware release (version) the SBOM describes.") var release: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot open \(file): no such file or not readable") }
            guard data.count <= 256 << 20 else { throw CLIError("\(file) is larger than 256 MiB; that is not an SBOM Bulwark reads") }
            let sbom = try SBOM.read(Array(data), file: file)
            var seen = Set<String>()
            let components = sbom.components.filter { seen.insert($0.key).inserted }.map {
                ComponentInput(name: $0.name, version: $0.version ?? "", supplier: $0.supplier, purl: $0.purl, cpe: $0.cpe)
            }
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                try await store.setComponents(
                    components, model: product, version: release, by: try await store.systemPrincipal(for: org), origin: .commandLine)
                switch format {
                case .json:
                    struct Output: Encodable {
                        let format: String
                        let specVersion: String
                        let product: String
                        let release: String
                        let components: Int
                        let withPurl: Int
                        let withCPEOnly: Int
                    }
                    print(
                        try Terminal.json(
                            Output(
                                format: sbom.format, specVersion: sbom.specVersion, product: product, release: release, components: components.count,
                                withPurl: components.filter { $0.purl != nil }.count,
                                withCPEOnly: components.filter { $0.purl == nil && $0.cpe != nil }.count)))
                case .table:
                    print(
                        "\(product) \(release): \(components.count) components from \(sbom.format) \(sbom.specVersion) "
                            + "(\(components.filter { $0.purl != nil }.count) with purl, \(components.filter { $0.purl == nil && $0.cpe != nil }.count) with CPE only)"
                    )
                }
            }
        }
    }
}
