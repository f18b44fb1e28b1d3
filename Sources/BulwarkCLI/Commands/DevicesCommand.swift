import ArgumentParser
import BulwarkCore
import BulwarkStore
import Foundation

struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "Look at the device inventory.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List devices, filtered, as a table or JSON.",
            discussion: """
                Examples:
                  bulwark devices list --org "Harbourside Retail Group" --credential default --exposed
                  bulwark devices list --model LC-200 --site "Leeds distribution centre" --all --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Option(help: "Only this product model.") var model: String?
        @Option(help: "Only this site.") var site: String?
        @Option(help: "Only this network segment.") var segment: String?
        @Option(help: "Only devices whose password state is default, changed or unknown.") var credential: CredentialState?
        @Flag(inversion: .prefixedNo, help: "Only devices on internet-exposed (or, with --no-exposed, internal) segments.") var exposed: Bool?
        @Option(help: "Serial, IP or MAC address starts with this.") var search: String?
        @Option(help: "Page number, from 1.") var page = 1
        @Option(help: "Devices per page (at most 500).") var perPage = 50
        @Flag(help: "Every matching device, not one page.") var all = false
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let principal = try await store.systemPrincipal(for: org)
                var query = DeviceQuery(
                    organisation: org.id, model: model, site: site, segment: segment, credentialState: credential, internetExposed: exposed,
                    search: search,
                    page: all ? 1 : page, perPage: all ? DeviceQuery.maximumPerPage : perPage)
                var result = try await store.devices(query, for: principal)
                var devices = result.devices
                while all, query.page < result.pageCount {
                    query.page += 1
                    result = try await store.devices(query, for: principal)
                    devices += result.devices
                }
                let today = CalendarDay(store.clock.now())
                switch format {
                case .json:
                    struct Output: Encodable {
                        let total: Int
                        let page: Int
                        let perPage: Int
                        let devices: [DeviceSummary]
                    }
                    print(
                        try Terminal.json(
                            Output(total: result.total, page: all ? 1 : result.page, perPage: all ? result.total : result.perPage, devices: devices)))
                case .table:
                    print(
                        Terminal.table(
                            ["serial", "model", "firmware", "site", "segment", "exposed", "ip", "password", "support"],
                            devices.map {
                                [
                                    $0.serial, $0.model, $0.firmwareVersion ?? "?", $0.site ?? "", $0.segment ?? "",
                                    $0.internetExposed ? "yes" : "no", $0.ipAddress ?? "",
                                    $0.credentialState.rawValue, $0.isOutOfSupport(on: today) ? "ended" : "ok",
                                ]
                            }))
                    Terminal.printError(all ? "\(result.total) devices" : "\(result.total) devices match; page \(result.page) of \(result.pageCount)")
                }
            }
        }
    }
}
