import BulwarkCore

/// A DNS lookup seen in traffic: who asked, what, and (for responses) the answer code.
public struct DNSObservation: Sendable, Hashable {
    public var time: Double
    public var client: HostAddress
    public var clientMAC: HardwareAddress?
    public var name: String
    public var isResponse: Bool
    public var responseCode: UInt8
    public var origin: String

    public init(time: Double, client: HostAddress, clientMAC: HardwareAddress?, name: String, isResponse: Bool, responseCode: UInt8, origin: String) {
        self.time = time
        self.client = client
        self.clientMAC = clientMAC
        self.name = name
        self.isResponse = isResponse
        self.responseCode = responseCode
        self.origin = origin
    }
}

/// Runs every detection rule over a stream of flows and DNS lookups and gathers their alerts.
///
/// Rule state is per host and bounded (``DetectionSettings/trackedHosts``); windows slide with the traffic's own
/// clock, so a capture from last year is judged as it happened. Alerts for the same rule, host and target are merged:
/// one alert with its whole time window and evidence count, not one per packet.
public struct TrafficAnalyzer: Sendable {
    public let settings: DetectionSettings
    public let devices: DeviceDirectory
    public let indicators: IndicatorSet
    public private(set) var flows = 0
    public private(set) var lookups = 0
    /// Per-host rule state dropped because too many hosts were tracked.
    public internal(set) var stateEvicted = 0

    struct AlertKey: Hashable {
        var rule: String
        var host: HostAddress
        var target: String
    }

    /// Alerts in the order they first fired, changed in place; `alertIndex` finds one by rule, host and target.
    private(set) var alertList: [NetworkAlert] = []
    private var alertIndex: [AlertKey: Int] = [:]
    /// Per alert in ``alertList``, the figures of a reason not yet written out: the alert's `reason` is made from them
    /// when it is read.
    var pendingReasons: [PendingReason?] = []

    /// A reason kept as its figures.
    enum PendingReason {
        /// `failures` of `targets` hosts or ports did not answer or refused.
        case scan(failures: Int, targets: Int, unit: String)
    }
    var scans = ScanState()
    var bruteForce: [BruteForceKey: [(Double, FlowRecord)]] = [:]
    var beacons = StateTable<BeaconKey, BeaconSeries>()
    var floods = StateTable<HostAddress, FloodWindow>()
    var floodAlerts = StateTable<FloodAlertMemory.Key, FloodAlertMemory>()
    var dnsNames: [DNSKey: DNSSeries] = [:]
    var nxDomains: [HostAddress: [(Double, String, String)]] = [:]
    var volumes = StateTable<HostAddress, VolumeHistory>()
    var destinations = StateTable<HostAddress, DestinationMemory>()
    var macs = StateTable<HostAddress, HardwareAddress>()
    /// The flows the scan and flood windows keep as evidence.
    var keptFlows = EvidenceStore()

    public init(settings: DetectionSettings = DetectionSettings(), devices: DeviceDirectory = DeviceDirectory(), indicators: IndicatorSet = IndicatorSet()) {
        self.settings = settings
        self.devices = devices
        self.indicators = indicators
    }

    /// Feeds one flow to every flow rule.
    public mutating func observe(_ flow: FlowRecord) {
        flows += 1
        if let mac = flow.originatorMAC, macs.count < settings.trackedHosts || macs[flow.originator] != nil { macs[flow.originator] = mac }
        // One copy of the flow for every window that keeps it as evidence.
        let kept = keptFlows.store(flow)
        checkScans(flow, kept: kept)
        checkBruteForce(flow)
        recordBeacon(flow)
        checkFloods(flow, kept: kept)
        checkVolume(flow)
        checkNewDestination(flow)
        checkIndicators(flow)
        keptFlows.releaseIfUnheld(kept)
    }

    /// Feeds one DNS question or answer to the DNS rules and the domain indicators.
    public mutating func observe(_ lookup: DNSObservation) {
        lookups += 1
        if let mac = lookup.clientMAC { macs[lookup.client] = mac }
        checkDNS(lookup)
    }

    /// Judges every beacon series once more on all it holds (they are also judged while flows arrive) and returns every
    /// alert, in the order they first fired.
    public mutating func finish() -> [NetworkAlert] {
        for key in beacons.keys.sorted(by: { ($0.source, $0.destination, $0.port) < ($1.source, $1.destination, $1.port) }) {
            evaluateBeacon(key)
        }
        beacons.removeAll()
        return currentAlerts
    }

    /// Alerts so far, in the order they first fired.
    public var currentAlerts: [NetworkAlert] { alerts(from: 0) }

    /// How many distinct alerts have fired so far; with ``alerts(from:)`` a stream reports each one once.
    public var alertCount: Int { alertList.count }

    /// The alerts that first fired after the first `index`, as they stand now.
    public func alerts(from index: Int) -> [NetworkAlert] {
        guard index < alertList.count else { return [] }
        return (Swift.max(0, index)..<alertList.count).map(readAlert)
    }

    /// The alert raised for this rule, host and target, if any.
    func alert(_ key: AlertKey) -> NetworkAlert? { alertIndex[key].map(readAlert) }

    /// The alert at `index` as a reader sees it, its reason written out from pending figures.
    private func readAlert(_ index: Int) -> NetworkAlert {
        var alert = alertList[index]
        switch pendingReasons[index] {
        case .scan(let failures, let targets, let unit)?:
            let p = SignificanceTest.binomialUpperTail(successes: failures, trials: targets, probability: settings.benignFailureRate)
            alert.reason = scanReason(failures: failures, targets: targets, unit: unit, p: p)
        case nil:
            break
        }
        return alert
    }

    /// Raises an alert, or widens the existing one for the same rule, host and target; its place in ``alertList``.
    @discardableResult
    mutating func raise(
        rule: String, severity: Severity, title: String, host: HostAddress, target: String, start: Double, end: Double, reason: String,
        evidence: [String], evidenceCount: Int
    ) -> Int {
        let key = AlertKey(rule: rule, host: host, target: target)
        if let index = alertIndex[key] {
            // Changed where it lies: copying it out would copy its evidence too.
            alertList[index].windowStart = Swift.min(alertList[index].windowStart, start)
            alertList[index].windowEnd = Swift.max(alertList[index].windowEnd, end)
            alertList[index].reason = reason
            pendingReasons[index] = nil
            for item in evidence where alertList[index].evidence.count < NetworkAlert.evidenceLimit && !alertList[index].evidence.contains(item) {
                alertList[index].evidence.append(item)
            }
            alertList[index].evidenceCount = Swift.max(alertList[index].evidenceCount, evidenceCount)
            return index
        }
        let mac = macs[host]
        let device = devices.device(mac: mac, address: host)
        alertList.append(
            NetworkAlert(
                rule: rule, severity: severity, title: title, host: host, mac: mac?.description, deviceID: device?.id.rawValue,
                deviceSerial: device?.serial, target: target, windowStart: start, windowEnd: end, reason: reason,
                evidence: Array(evidence.prefix(NetworkAlert.evidenceLimit)), evidenceCount: evidenceCount))
        pendingReasons.append(nil)
        alertIndex[key] = alertList.count - 1
        return alertList.count - 1
    }

    /// Whether raising this alert would take more evidence: it has not fired yet, or holds less than the limit.
    func wantsEvidence(_ key: AlertKey) -> Bool {
        alertIndex[key].map { alertList[$0].evidence.count < NetworkAlert.evidenceLimit } ?? true
    }

    /// Widens the alert at `index` in ``alertList`` when it holds all the evidence it keeps: its window and count grow
    /// as ``raise(rule:severity:title:host:target:start:end:reason:evidence:evidenceCount:)`` would grow them, and no
    /// text is made (a rule whose figures changed records its reason apart). `false` when it has to be raised in full.
    mutating func widen(at index: Int, start: Double, end: Double, evidenceCount: Int) -> Bool {
        guard alertList[index].evidence.count >= NetworkAlert.evidenceLimit else { return false }
        alertList[index].windowStart = Swift.min(alertList[index].windowStart, start)
        alertList[index].windowEnd = Swift.max(alertList[index].windowEnd, end)
        alertList[index].evidenceCount = Swift.max(alertList[index].evidenceCount, evidenceCount)
        return true
    }

    /// Keeps a per-host table within ``DetectionSettings/trackedHosts`` by dropping an arbitrary old entry.
    static func bound<Key: Hashable, Value>(_ table: inout [Key: Value], adding key: Key, limit: Int) -> Int {
        // The count first: below the limit, as nearly always, no lookup is needed.
        guard table.count >= limit, table[key] == nil, let victim = table.keys.first else { return 0 }
        table[victim] = nil
        return 1
    }

    static func bound<Key, Value>(_ table: inout StateTable<Key, Value>, adding key: Key, limit: Int) -> Int {
        table.bound(adding: key, limit: limit)
    }
}
