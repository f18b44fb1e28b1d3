import BulwarkNetwork
import Prometheus

/// The collector's counters as Prometheus counters (`bulwark_collector_*_total`).
///
/// The decoder's side is advanced by the difference between two ``FlowCollector/Counters`` snapshots; drops are
/// counted by the receive thread itself, so they show even while the decoder is stuck.
public struct CollectorMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let datagrams, records, flows, packets, bytes, drops, templateErrors, sequenceGaps, badInput, alerts: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "bulwark", subsystem: "collector", metricName: name, unitName: "total", helpText: help))
        }
        datagrams = counter("datagrams", "NetFlow/IPFIX export datagrams decoded.")
        records = counter("records", "Flow data records decoded.")
        flows = counter("flows", "Flows handed to the detection rules.")
        packets = counter("packets", "Packets reported by the decoded flows.")
        bytes = counter("bytes", "Bytes reported by the decoded flows.")
        drops = counter("drops", "Datagrams dropped because the decoder fell behind (queue full, or the kernel's receive buffer full).")
        templateErrors = counter("template_errors", "Malformed, missing or expired templates.")
        sequenceGaps = counter("sequence_gaps", "Gaps in exporter sequence numbers.")
        badInput = counter("bad_input", "Bad input of every kind, including template errors and sequence problems.")
        alerts = counter("alerts", "Alerts raised by the detection rules.")
    }

    /// Advances every decoder-side counter from `old` to `new`.
    func advance(from old: FlowCollector.Counters, to new: FlowCollector.Counters, alertsRaised: Int) {
        func step(_ counter: Counter, _ before: Int, _ after: Int) { if after > before { counter.increment(by: Int64(after - before)) } }
        step(datagrams, old.datagrams, new.datagrams)
        step(records, old.records, new.records)
        step(flows, old.flows, new.flows)
        if new.packets > old.packets { packets.increment(by: Int64(clamping: new.packets - old.packets)) }
        if new.bytes > old.bytes { bytes.increment(by: Int64(clamping: new.bytes - old.bytes)) }
        step(templateErrors, old.templateErrors, new.templateErrors)
        step(sequenceGaps, old.sequenceGaps, new.sequenceGaps)
        step(badInput, old.badInput, new.badInput)
        if alertsRaised > 0 { alerts.increment(by: Int64(alertsRaised)) }
    }

    func recordDrops(_ count: Int) { drops.increment(by: Int64(count)) }

    /// The exposition text (Prometheus text format 0.0.4).
    public var text: String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
