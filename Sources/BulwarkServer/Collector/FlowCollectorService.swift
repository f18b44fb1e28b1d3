import BulwarkNetwork
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle
import UnixSignals

/// A NetFlow v5/v9/IPFIX collector as a ServiceLifecycle service: a ``UDPDatagramListener`` feeding a bounded
/// ``DatagramQueue``, drained by a ``FlowCollector`` that runs the detection rules.
///
/// On graceful shutdown the listener reads what the kernel already holds, the queue is drained, the rules that need
/// the whole series run, and ``result`` holds the final counters and alerts.
public final class FlowCollectorService: Service {
    public let listener: UDPDatagramListener
    public let queue: DatagramQueue
    public let metrics: CollectorMetrics
    private let onAlert: @Sendable (NetworkAlert) -> Void
    private let state: NIOLockedValueBox<FlowCollector>

    /// - Parameters:
    ///   - queueCapacity: datagrams waiting for the decoder before new ones are dropped.
    ///   - onAlert: called once for every alert, when it first fires (beacons too: their series are judged as flows arrive).
    public init(
        listener: UDPDatagramListener, collector: FlowCollector, queueCapacity: Int = 16_384, metrics: CollectorMetrics = CollectorMetrics(),
        onAlert: @escaping @Sendable (NetworkAlert) -> Void
    ) {
        self.listener = listener
        queue = DatagramQueue(capacity: queueCapacity)
        self.metrics = metrics
        self.onAlert = onAlert
        state = NIOLockedValueBox(collector)
    }

    /// The signals that stop a collector gracefully (a service manager's stop, and Ctrl-C).
    public static let stopSignals: [UnixSignal] = [.sigterm, .sigint]

    /// The collector as it stands: final once ``run()`` has returned.
    public var result: FlowCollector { state.withLockedValue { $0 } }

    public func run() async throws {
        let metrics = self.metrics
        listener.start(into: queue) { metrics.recordDrops($0) }
        try await withGracefulShutdownHandler {
            try await consume()
        } onGracefulShutdown: { [listener] in
            listener.stop()
        }
    }

    private func consume() async throws {
        // The collector lives in this task while it runs; the shared box sees it only at the end.
        var collector = state.withLockedValue { $0 }
        for await batch in queue.batches {
            let before = collector.counters
            var fresh: [NetworkAlert] = []
            for datagram in batch { fresh += collector.receive(datagram.bytes[...], from: datagram.exporter) }
            collector.countDrops(queue.drops)
            metrics.advance(from: before, to: collector.counters, alertsRaised: fresh.count)
            for alert in fresh { onAlert(alert) }
        }
        let before = collector.counters
        collector.countDrops(queue.drops)
        let last = collector.finish()
        metrics.advance(from: before, to: collector.counters, alertsRaised: last.count)
        for alert in last { onAlert(alert) }
        state.withLockedValue { $0 = collector }
    }
}

/// A small HTTP server answering `GET /metrics` with the collector's Prometheus counters.
public func buildMetricsApplication(host: String, port: Int, metrics: CollectorMetrics, logger: Logger) -> some Hummingbird.ApplicationProtocol {
    let router = Router()
    router.get("/metrics") { _, _ in
        var buffer: [UInt8] = []
        metrics.registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
    return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Bulwark collector"), logger: logger)
}
