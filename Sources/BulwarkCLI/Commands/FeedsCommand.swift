import ArgumentParser
import BulwarkCore
import BulwarkStore
import BulwarkVulnerability
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct FeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds", abstract: "Import vulnerability feeds (OSV, NVD, CISA KEV, FIRST EPSS) and see what is stored.",
        subcommands: [Import.self, Status.self])

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case osv, nvd, kev, epss
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import one feed from a file, a directory (OSV) or a URL. Re-importing stores only what changed.",
            discussion: """
                osv   one OSV record (.json), a directory of them, or a zip dump such as an ecosystem's all.zip
                nvd   an NVD CVE JSON 2.0 file (plain or .gz)
                kev   the CISA Known Exploited Vulnerabilities catalogue (JSON)
                epss  a FIRST EPSS daily scores file (CSV, plain or .gz)

                A malformed record is reported with its file and JSON path and skipped; with --strict the import stops at it
                and nothing is stored. Every import is logged with its source, file and counts.

                Examples:
                  bulwark feeds import kev known_exploited_vulnerabilities.json
                  bulwark feeds import osv ~/mirror/osv/Alpine/all.zip
                  bulwark feeds import epss https://epss.example.org/epss_scores-current.csv.gz
                  bulwark feeds import nvd nvdcve-2.0-2024.json.gz --strict --format json
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "osv, nvd, kev or epss.") var kind: Kind
        @Argument(help: ArgumentHelp("A file, a directory (osv) or an http(s) URL.", valueName: "source")) var source: String
        @Flag(help: "Stop at the first malformed record instead of skipping it.") var strict = false
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            let local = try await Self.localPath(source)
            defer { if local.downloaded { try? FileManager.default.removeItem(atPath: local.path) } }
            Terminal.progress("reading \(source)…")
            try await database.withStore { store in
                let report: FeedImportReport
                var problems: [FeedError] = []
                switch kind {
                case .osv:
                    let batch = try OSVReader.read(path: local.path, strict: strict)
                    problems = batch.skipped
                    report = try await store.importAdvisories(batch.records, source: "osv", file: source, skipped: batch.skipped.count) {
                        done, total in
                        Terminal.progress("storing advisories: \(done) of \(total)")
                    }
                case .nvd:
                    let batch = try NVDFeed.read(try Self.read(local.path), file: source, strict: strict)
                    problems = batch.skipped
                    report = try await store.importAdvisories(batch.records, source: "nvd", file: source, skipped: batch.skipped.count) {
                        done, total in
                        Terminal.progress("storing advisories: \(done) of \(total)")
                    }
                case .kev:
                    let (catalogue, skipped) = try KEVCatalogue.read(try Self.read(local.path), file: source, strict: strict)
                    problems = skipped
                    report = try await store.importKEV(catalogue, file: source, skipped: skipped.count)
                case .epss:
                    let (scores, skipped) = try EPSSScores.read(try Self.read(local.path), file: source, strict: strict)
                    problems = skipped
                    report = try await store.importEPSS(scores, file: source, skipped: skipped.count)
                }
                Terminal.endProgress()
                for problem in problems.prefix(20) { Terminal.printError("skipped: \(problem)") }
                if problems.count > 20 { Terminal.printError("skipped: … and \(problems.count - 20) more") }
                switch format {
                case .json: print(try Terminal.json(report))
                case .table: print(report.summary)
                }
            }
        }

        static func read(_ path: String) throws -> Data {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
            return data
        }

        /// A file path for the source: the path itself, or a temporary copy of a URL's body.
        static func localPath(_ source: String) async throws -> (path: String, downloaded: Bool) {
            guard source.hasPrefix("http://") || source.hasPrefix("https://"), let url = URL(string: source) else { return (source, false) }
            let data: Data = try await withCheckedThrowingContinuation { continuation in
                URLSession.shared.dataTask(with: url) { data, response, error in
                    if let error {
                        continuation.resume(throwing: CLIError("cannot download \(source): \(error.localizedDescription)"))
                    } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                        continuation.resume(throwing: CLIError("cannot download \(source): HTTP \(http.statusCode)"))
                    } else {
                        continuation.resume(returning: data ?? Data())
                    }
                }.resume()
            }
            let name = url.lastPathComponent.isEmpty ? "feed" : url.lastPathComponent
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-\(UUID().uuidString)-\(name)").path
            guard FileManager.default.createFile(atPath: path, contents: data) else { throw CLIError("cannot write the download to \(path)") }
            return (path, true)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how many advisories each feed has stored.", discussion: "Example:\n  bulwark feeds status --format json")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await database.withStore { store in
                let counts = try await store.advisoryCounts()
                switch format {
                case .json: print(try Terminal.json(counts))
                case .table: print(Terminal.table(["source", "advisories"], counts.keys.sorted().map { [$0, String(counts[$0]!)] }))
                }
            }
        }
    }
}
