/// The consuming half of a NetFlow/IPFIX collector: decodes export datagrams, runs the detection rules on the flows
/// they carry and keeps the counters an operator watches.
///
/// It owns no socket; a listener hands it datagrams (through a ``DatagramQueue``) and reports the drops it counted.
/// Memory is bounded by the decoder's template cache and the analyzer's per-host limits.
public struct FlowCollector: Sendable {
    /// What the collector has seen, named as the metrics are.
    public struct Counters: Sendable, Hashable, Codable {
        /// Export messages received and handed to the decoder.
        public var datagrams = 0
        /// Flow data records decoded (options records, such as exporter statistics, are counted apart).
        public var records = 0
        public var optionsRecords = 0
        /// Records that became flows for the rules (a record without addresses does not).
        public var flows = 0
        /// Packets and bytes the flows report (the exporter's counts, not the collector's).
        public var packets: UInt64 = 0
        public var bytes: UInt64 = 0
        /// Datagrams the receive side dropped because the decoder fell behind.
        public var drops = 0
        /// Malformed, missing (data before its template) and expired templates.
        public var templateErrors = 0
        /// Gaps in the exporters' sequence numbers: lost export messages (or flows, for NetFlow v5).
        public var sequenceGaps = 0
        /// Every kind of bad input, including the above.
        public var badInput = 0

        public init() {}
    }

    public private(set) var counters = Counters()
    public private(set) var decoder: FlowExportDecoder
    public private(set) var analyzer: TrafficAnalyzer
    private var reportedAlerts = 0

    public init(decoder: FlowExportDecoder = FlowExportDecoder(), analyzer: TrafficAnalyzer = TrafficAnalyzer()) {
        self.decoder = decoder
        self.analyzer = analyzer
    }

    /// Decodes one datagram from `exporter`, feeds its flows to the rules and returns the alerts that fired for the
    /// first time.
    public mutating func receive(_ datagram: ArraySlice<UInt8>, from exporter: HostAddress) -> [NetworkAlert] {
        counters.datagrams += 1
        // The decoder is taken out of `self` while it runs, so each flow goes to the rules as it is decoded (the
        // decoder left behind is empty, which costs nothing, and the one taken out stays uniquely held).
        var decoder = self.decoder
        self.decoder = FlowExportDecoder(templateLifetime: decoder.templateLifetime, domainLimit: decoder.domainLimit)
        decoder.decode(datagram, exporter: exporter, messageNumber: counters.datagrams) { flow in
            counters.flows += 1
            counters.packets &+= flow.originatorPackets &+ flow.responderPackets
            counters.bytes &+= flow.originatorBytes &+ flow.responderBytes
            analyzer.observe(flow)
        }
        self.decoder = decoder
        refreshFromDecoder()
        return newAlerts()
    }

    /// Records datagrams the receive side dropped.
    public mutating func countDrops(_ total: Int) { counters.drops = Swift.max(counters.drops, total) }

    /// Judges every beacon series once more on all it holds and returns the alerts not reported before.
    public mutating func finish() -> [NetworkAlert] {
        _ = analyzer.finish()
        return newAlerts()
    }

    /// Every alert so far, in the order they first fired, with their evidence as it stands now.
    public var alerts: [NetworkAlert] { analyzer.currentAlerts }

    private mutating func refreshFromDecoder() {
        let diagnostics = decoder.diagnostics
        counters.records = decoder.records
        counters.optionsRecords = decoder.optionsRecords
        counters.templateErrors = diagnostics[.malformedTemplate] + diagnostics[.missingTemplate] + diagnostics[.expiredTemplate]
        counters.sequenceGaps = diagnostics[.sequenceGap]
        counters.badInput = diagnostics.total
    }

    private mutating func newAlerts() -> [NetworkAlert] {
        guard analyzer.alertCount > reportedAlerts else { return [] }
        let fresh = analyzer.alerts(from: reportedAlerts)
        reportedAlerts = analyzer.alertCount
        return fresh
    }
}
