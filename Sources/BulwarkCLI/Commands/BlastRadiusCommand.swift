import ArgumentParser
import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation

struct BlastRadiusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blast-radius",
        abstract: "Show every product line, product, firmware release and deployed device that contains a component.",
        discussion: """
            COMPONENT is a purl (pkg:generic/busybox@1.31.1; without @version it matches every version), a component
            name with an optional @version or @range (busybox@<1.36, openssl@>=1.1.0,<1.1.1n), or an advisory id
            (CVE-2024-1086, GHSA-…), which reaches every component that advisory matches. The answer is a tree:
            trunk and product line, product, release, devices.

            Examples:
              bulwark blast-radius pkg:generic/busybox@1.29.3 --org "Lumen Devices Ltd"
              bulwark blast-radius "busybox@<1.36" --org "Lumen Devices Ltd"
              bulwark blast-radius CVE-2024-1086 --org "Harbourside Retail Group" --format json
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var organisation: OrganisationOption
    @Argument(help: ArgumentHelp("A purl, a component name with an optional @version or @range, or an advisory id.", valueName: "component")) var component: String
    @Option(help: "table or json.") var format: OutputFormat = .table

    func run() async throws {
        try await database.withStore { store in
            let org = try await organisation.resolve(in: store)
            let radius = try await store.blastRadius(
                BlastRadius.Query(component), organisation: org.id, for: try await store.systemPrincipal(for: org))
            switch format {
            case .json: print(try Terminal.json(radius))
            case .table:
                print(
                    "\(radius.query) in \(org.name): \(radius.productLines.count) product lines, \(radius.productCount) products, "
                        + "\(radius.releaseCount) releases, \(radius.deviceCount) deployed devices")
                for line in radius.productLines {
                    print("\(line.name)\(line.trunk.map { " (trunk \($0))" } ?? "")")
                    for product in line.products {
                        print("  \(product.name) \(product.model): \(product.devices) devices")
                        for release in product.releases {
                            print(
                                "    \(release.version)\(release.releasedOn.map { " (\($0))" } ?? ""): \(release.componentVersions.joined(separator: ", ")), \(release.devices) devices"
                            )
                        }
                    }
                }
                if !radius.trunkBinaries.isEmpty {
                    print("\nsame trunk binary, by digest (version not identified or different):")
                    for r in radius.trunkBinaries {
                        print(
                            "  \(r.productLine) \(r.productName) \(r.model) \(r.version): \(r.file) \(r.match) to \(r.component) (score \(r.score)), "
                                + "identified version \(r.identifiedVersion ?? "none"), \(r.devices) devices")
                    }
                }
            }
        }
    }
}
