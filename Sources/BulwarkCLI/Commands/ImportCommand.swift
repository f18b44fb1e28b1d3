import ArgumentParser
import BulwarkCore
import BulwarkStore
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import data from files.", subcommands: [Inventory.self])

    struct Inventory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import products, firmware releases and devices from CSV or JSON, all or nothing.",
            discussion: """
                CSV: one device per row with a header. Required columns: serial, model. Optional: product_name, manufacturer, \
                product_line, trunk, category, firmware, released_on, support_until, site, segment, internet_exposed, ip, mac, \
                credential_state (default|changed|unknown), last_seen.

                JSON: {"products": [...], "releases": [...], "segments": [...], "devices": [...]} or an array of devices, with \
                the same fields in camelCase or snake_case.

                A bad row stops the import with its line and field, and nothing is written. Importing the same file twice \
                changes nothing: devices are keyed by serial, products by model. Empty cells leave stored values as they are.

                Examples:
                  bulwark import inventory fleet.csv --org "Harbourside Retail Group"
                  curl -s https://cmdb.example/export.json | bulwark import inventory - --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var organisation: OrganisationOption
        @Argument(help: ArgumentHelp("The CSV or JSON file, or - for standard input.", valueName: "file")) var file: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let source = file == "-" ? "standard input" : file
            let bytes: [UInt8]
            if file == "-" {
                bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let handle = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot open \(file): no such file or not readable") }
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
                if size > InventoryDocument.maximumBytes {
                    throw ImportError.tooLarge(source: source, bytes: size, limit: InventoryDocument.maximumBytes)
                }
                bytes = Array(handle.readDataToEndOfFile())
            }
            Terminal.progress("reading \(source) (\(bytes.count) bytes)…")
            let document = try InventoryDocument.parse(bytes, source: source)
            try await database.withStore { store in
                let org = try await organisation.resolve(in: store)
                let started = Date()
                let report = try await store.importInventory(document, by: try await store.systemPrincipal(for: org), origin: .commandLine) {
                    done, total in
                    Terminal.progress("importing devices: \(done) of \(total)")
                }
                Terminal.endProgress()
                switch format {
                case .json: print(try Terminal.json(report))
                case .table:
                    print("\(org.name): \(report.summary) (\(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
                }
            }
        }
    }
}
