import ArgumentParser
import BulwarkCore
import BulwarkNetwork
import BulwarkServer
import BulwarkStore
import Foundation
import Logging
import ServiceLifecycle

struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collect NetFlow v5, v9 and IPFIX exports over UDP and run the detection rules on the flows.",
        discussion: """
            Listens until --duration has passed or SIGINT/SIGTERM arrives, then stops gracefully: what the socket already \
            received is still decoded. Alerts are printed on standard output as JSON lines ({"alert": …}) when they \
            first fire (beaconing once a host has made enough periodic connections, and again on everything at the stop); the last line is {"summary": …} with the \
            counters (datagrams, records, flows, packets, bytes, drops, template errors, sequence gaps, bad input).

            The socket is read on its own thread into a bounded queue: when the decoder falls behind, datagrams are \
            dropped and counted, never waited for. With --metrics the counters are served as Prometheus metrics \
            (GET /metrics), and printed on standard error when the collector stops. With --org, devices are named from the organisation's inventory and the alerts are stored \
            as its findings when the collector stops.

            Examples:
              bulwark collect --listen 127.0.0.1:2055
              bulwark collect --listen 0.0.0.0:4739 --duration 3600 --metrics 127.0.0.1:9108
              bulwark collect --listen [::1]:2055 --org "Harbourside Retail Group" --indicators iocs.txt
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("UDP address to receive exports on (port 0: any free port, shown on standard error).", valueName: "host:port"))
    var listen = "127.0.0.1:2055"
    @Option(help: ArgumentHelp("Stop after this many seconds (default: until SIGINT or SIGTERM).", valueName: "seconds")) var duration: Double?
    @Option(help: ArgumentHelp("Serve Prometheus metrics over HTTP on this address.", valueName: "host:port")) var metrics: String?
    @Option(help: ArgumentHelp("Datagrams waiting for the decoder before new ones are dropped.", valueName: "count")) var queue = 16_384
    @Option(help: ArgumentHelp("The organisation whose inventory names devices and which receives the alerts as findings.", valueName: "name"))
    var org: String?
    @Option(help: ArgumentHelp("An indicator list: plain text (one IP, network or domain a line) or a STIX 2.1 bundle (.json).", valueName: "file"))
    var indicators: [String] = []

    struct Summary: Encodable {
        var listen: String
        var seconds: Double
        var counters: FlowCollector.Counters
        var queueCapacity: Int
        var receiveBufferBytes: Int
        var badInput: [String: Int]
        var problems: [String]
        var exporterDomains: Int
        var templates: Int
        var alerts: Int
        var stored: Int?
    }

    func validate() throws {
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if queue < 1 { throw ValidationError("--queue must hold at least one datagram") }
    }

    func run() async throws {
        let indicatorSet = try TrafficCommand.loadIndicators(indicators)
        if let org {
            try await database.withStore { store in
                let (organisation, principal, directory) = try await TrafficCommand.devices(of: org, in: store)
                var (summary, collector) = try await collect(directory: directory, indicators: indicatorSet)
                let findings = collector.alerts.map { TrafficCommand.Analyze.finding(from: $0, organisation: organisation.id) }
                let counters = collector.decoder.diagnostics.counts.map { ($0.key.rawValue, $0.value) } + [("drops", collector.counters.drops)]
                let run = TrafficAnalysisRecord(
                    id: Identifier<Finding>.random().rawValue, files: ["udp://\(summary.listen)"], packets: Int(clamping: collector.counters.packets),
                    flows: collector.counters.flows, lookups: 0, badInput: collector.counters.badInput, alerts: findings.count,
                    counters: Dictionary(counters, uniquingKeysWith: +))
                try await store.recordTrafficAnalysis(run, findings: findings, by: principal, origin: .commandLine)
                summary.stored = findings.count
                Self.printLine(["summary": summary])
            }
        } else {
            let (summary, _) = try await collect(directory: DeviceDirectory(), indicators: indicatorSet)
            Self.printLine(["summary": summary])
        }
    }

    func collect(directory: DeviceDirectory, indicators: IndicatorSet) async throws -> (Summary, FlowCollector) {
        let listener: UDPDatagramListener
        do {
            listener = try UDPDatagramListener(address: listen)
        } catch {
            throw CLIError(error.description)
        }
        let collector = FlowCollector(analyzer: TrafficAnalyzer(devices: directory, indicators: indicators))
        let service = FlowCollectorService(listener: listener, collector: collector, queueCapacity: queue) { alert in
            Self.printLine(["alert": alert])
        }
        var logger = Logger(label: "bulwark.collect")
        logger.logLevel = .warning
        var services = [ServiceGroupConfiguration.ServiceConfiguration(service: service, successTerminationBehavior: .gracefullyShutdownGroup)]
        if let metrics {
            guard let colon = metrics.lastIndex(of: ":"), let port = Int(metrics[metrics.index(after: colon)...]) else {
                throw CLIError("--metrics \(metrics) is not HOST:PORT, e.g. 127.0.0.1:9108")
            }
            let host = String(metrics[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            services.append(.init(service: buildMetricsApplication(host: host, port: port, metrics: service.metrics, logger: logger)))
        }
        if let duration { services.append(.init(service: CollectionDeadline(seconds: duration), successTerminationBehavior: .gracefullyShutdownGroup)) }
        // Announced from inside the group, which traps SIGINT and SIGTERM before it starts any service: once the line is
        // out, a signal stops the collector gracefully.
        let announcement =
            "collecting on udp \(listener.boundAddress)" + (metrics.map { ", metrics on http://\($0)/metrics" } ?? "")
            + (duration.map { " for \($0) s" } ?? "; SIGINT or SIGTERM stops")
        services.append(.init(service: Announcement(text: announcement)))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: FlowCollectorService.stopSignals, cancellationSignals: [], logger: logger))
        let started = Date()
        do {
            try await group.run()
        } catch {
            listener.stop()
            throw CLIError("collector stopped: \(error)")
        }
        let result = service.result
        // A scraper may have missed the last increments: the final values go to standard error.
        if metrics != nil { Terminal.printError("final metrics:\n" + service.metrics.text) }
        let summary = Summary(
            listen: listener.boundAddress, seconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000, counters: result.counters,
            queueCapacity: queue, receiveBufferBytes: listener.receiveBufferBytes,
            badInput: Dictionary(uniqueKeysWithValues: result.decoder.diagnostics.counts.map { ($0.key.rawValue, $0.value) }),
            problems: result.decoder.diagnostics.samples.prefix(10).map(\.description), exporterDomains: result.decoder.domainCount,
            templates: result.decoder.templateCount, alerts: result.alerts.count)
        return (summary, result)
    }

    /// One JSON object on one line, written straight to standard output so a reading pipe sees it at once.
    static func printLine(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Prints one line once the service group runs, then waits for the shutdown.
struct Announcement: Service {
    let text: String

    func run() async throws {
        Terminal.printError(text)
        try? await gracefulShutdown()
    }
}

/// Ends a collection after a fixed time by returning, which shuts the service group down gracefully.
struct CollectionDeadline: Service {
    let seconds: Double

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }
}
