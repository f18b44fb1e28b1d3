import ArgumentParser
import BulwarkCore
import BulwarkNetwork
import BulwarkStore
import Foundation

struct TrafficCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traffic", abstract: "Analyse captured traffic, logs and flow exports.", subcommands: [Analyze.self])

    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the detection rules over pcap, pcapng, Zeek conn.log, IPFIX or NetFlow v5 files and show the alerts with their evidence.",
            discussion: """
                Files are recognised by their first bytes. Packets are read as a stream, so files of any size fit in memory.
                Bad input (truncated packets, unknown link types, malformed templates, sequence gaps) is counted and shown,
                never fatal. With --org, devices are named from that organisation's inventory (by MAC, then IP) and the
                alerts are stored as its findings, with the run's counters, in one audited transaction.

                Rules: scan.horizontal, scan.vertical, bruteforce.ssh, bruteforce.telnet, c2.beacon, ddos.syn-flood,
                ddos.udp-flood, ddos.fan-out, dns.tunnel, dns.generated-domains, exfiltration.volume, destination.new,
                indicator.ip, indicator.domain; with --train, anomaly.autoencoder (an ensemble of small autoencoders learned from
                the start of the traffic, its threshold fitted to the scores of that benign window).

                Examples:
                  bulwark traffic analyze capture.pcap
                  bulwark traffic analyze conn.log flows.ipfix --format json
                  bulwark traffic analyze capture.pcap --train 60s
                  bulwark traffic analyze capture.pcapng --indicators iocs.txt --indicators bundle.json --org "Harbourside Retail Group"
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: ArgumentHelp("Capture, log or flow-export files.", valueName: "file")) var files: [String]
        @Option(help: ArgumentHelp("The organisation whose inventory names devices and which receives the alerts as findings.", valueName: "name"))
        var org: String?
        @Option(help: ArgumentHelp("An indicator list: plain text (one IP, network or domain a line) or a STIX 2.1 bundle (.json).", valueName: "file"))
        var indicators: [String] = []
        @Option(help: "table or json.") var format: OutputFormat = .table
        @Option(help: ArgumentHelp("Train the anomaly detector on the first N packets, or Ns seconds, of the traffic (assumed benign).", valueName: "N|Ns"))
        var train: TrainingWindowArgument?
        @Option(help: .hidden) var exportScores: String?

        struct Output: Encodable {
            var files: [TrafficFile.Summary]
            var alerts: [NetworkAlert]
            var anomaly: AnomalyMonitor.Summary?
            var stored: Int?
        }

        func run() async throws {
            let indicatorSet = try TrafficCommand.loadIndicators(indicators)
            if let org {
                try await database.withStore { store in
                    let (organisation, principal, directory) = try await TrafficCommand.devices(of: org, in: store)
                    var output = try analyze(directory: directory, indicators: indicatorSet)
                    let findings = output.alerts.map { Self.finding(from: $0, organisation: organisation.id) }
                    let run = TrafficAnalysisRecord(
                        id: Identifier<Finding>.random().rawValue, files: files, packets: output.files.reduce(0) { $0 + $1.packets },
                        flows: output.files.reduce(0) { $0 + $1.flows }, lookups: output.files.reduce(0) { $0 + $1.lookups },
                        badInput: output.files.reduce(0) { $0 + $1.diagnostics.total }, alerts: findings.count,
                        counters: Dictionary(output.files.flatMap { $0.diagnostics.counts.map { ($0.key.rawValue, $0.value) } }, uniquingKeysWith: +))
                    try await store.recordTrafficAnalysis(run, findings: findings, by: principal, origin: .commandLine)
                    output.stored = findings.count
                    try show(output, organisation: organisation.name)
                }
            } else {
                try show(try analyze(directory: DeviceDirectory(), indicators: indicatorSet), organisation: nil)
            }
        }

        func analyze(directory: DeviceDirectory, indicators: IndicatorSet) throws -> Output {
            var analyzer = TrafficAnalyzer(devices: directory, indicators: indicators)
            var statistics = StreamStatistics()
            var summaries: [TrafficFile.Summary] = []
            var anomaly = try train.map { try TrafficAnomalyRun(training: $0.window, featureCount: statistics.featureCount, exportPath: exportScores) }
            for file in files {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
                do {
                    summaries.append(
                        try TrafficFile.analyze(path: file, into: &analyzer, statistics: &statistics) { read in
                            if let size, size > 0 { Terminal.progress("\(file): \(read * 100 / size)% read") }
                        } featuresOf: { anomaly?.observe($0, features: $1, file: file) })
                } catch {
                    Terminal.endProgress()
                    throw CLIError(error.description)
                }
            }
            Terminal.endProgress()
            anomaly?.finish()
            let anomalies = anomaly?.monitor.alerts(devices: directory) ?? []
            return Output(files: summaries, alerts: analyzer.finish() + anomalies, anomaly: anomaly?.monitor.summary, stored: nil)
        }

        func show(_ output: Output, organisation: String?) throws {
            switch format {
            case .json:
                print(try Terminal.json(output))
            case .table:
                for summary in output.files {
                    var line = "\(summary.file) (\(summary.kind.rawValue)): "
                    if summary.packets > 0 { line += "\(summary.packets) packets, " }
                    line += "\(summary.flows) flows, \(summary.lookups) DNS lookups, \(summary.diagnostics.total) bad input"
                    print(line)
                    for (kind, count) in summary.diagnostics.counts.sorted(by: { $0.key < $1.key }) { print("  \(kind.rawValue): \(count)") }
                    for problem in summary.diagnostics.samples.prefix(5) { print("  \(problem)") }
                }
                if let anomaly = output.anomaly {
                    let threshold = anomaly.threshold.map { "threshold \(AnomalyMonitor.figure($0)) from \(anomaly.calibrationPackets) calibration packets" }
                    print(
                        "anomaly detector: trained on \(anomaly.training), \(anomaly.featureGroups) feature groups, "
                            + (threshold.map { "\($0), \(anomaly.anomalousPackets) of \(anomaly.packetsScored) later packets above it" }
                                ?? "the traffic ended inside the training window (\(anomaly.packetsSeen) packets): nothing scored"))
                }
                print("")
                if output.alerts.isEmpty {
                    print("no alerts")
                } else {
                    for alert in output.alerts {
                        let device = alert.deviceSerial.map { " (device \($0))" } ?? ""
                        print("[\(alert.severity.rawValue)] \(alert.rule): \(alert.title)")
                        print("  host \(alert.host)\(device), \(alert.windowText)")
                        print("  \(alert.reason)")
                        for item in alert.evidence { print("    \(item)") }
                        if alert.evidenceCount > alert.evidence.count { print("    … \(alert.evidenceCount - alert.evidence.count) more") }
                    }
                }
                if let stored = output.stored, let organisation { print("\nstored \(stored) findings for \(organisation)") }
            }
        }

        /// An alert as a finding: about the inventory device when known, otherwise about the organisation, with a
        /// stable id so that analysing the same traffic again replaces rather than repeats it.
        static func finding(from alert: NetworkAlert, organisation: Identifier<Organisation>) -> Finding {
            let subject: Finding.Subject = alert.deviceID.map { .device(.init(rawValue: $0)) } ?? .organisation(organisation)
            return Finding(
                id: .derived(from: organisation.rawValue, alert.rule, alert.host.description, alert.target, String(alert.windowStart)),
                organisation: organisation, subject: subject, kind: "network.\(alert.rule)", severity: alert.severity, title: alert.title,
                evidence: .init(
                    summary: "host \(alert.host), \(alert.windowText): \(alert.reason); " + alert.evidence.prefix(3).joined(separator: "; "),
                    location: alert.evidence.first, rule: alert.rule),
                provenance: .init(source: "traffic", observedAt: Timestamp.format(Date(timeIntervalSince1970: alert.windowStart)), version: "network-rules-1"))
        }
    }
}

extension TrafficCommand {
    /// Reads indicator lists: STIX 2.1 bundles (`.json`) and plain text; skipped entries are reported on standard error.
    /// The organisation named, the principal its traffic runs are stored as, and its devices' addresses, so that
    /// alerts name devices.
    static func devices(of org: String, in store: SQLStore) async throws -> (Organisation, Principal, DeviceDirectory) {
        guard let organisation = try await store.organisation(named: org) else {
            throw CLIError("no organisation named \"\(org)\"; create one with 'bulwark org create'")
        }
        let principal = try await store.systemPrincipal(for: organisation)
        let identities = try await store.deviceNetworkIdentities(organisation: organisation.id, for: principal)
        return (organisation, principal, DeviceDirectory(identities: identities.map { ($0.id, $0.serial, $0.ipAddress, $0.macAddress) }))
    }

    static func loadIndicators(_ files: [String]) throws -> IndicatorSet {
        var indicatorSet = IndicatorSet()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
            if file.hasSuffix(".json") {
                try indicatorSet.loadSTIX(data, file: file)
            } else {
                indicatorSet.loadList(String(decoding: data, as: UTF8.self), file: file)
            }
        }
        for problem in indicatorSet.diagnostics.samples { Terminal.printError("skipped indicator: \(problem)") }
        return indicatorSet
    }
}
