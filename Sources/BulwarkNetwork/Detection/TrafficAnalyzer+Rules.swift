import BulwarkCore
import Foundation

struct BruteForceKey: Hashable {
    var source: HostAddress
    var destination: HostAddress
    var port: UInt16
    var service: InternedName
}

struct BeaconKey: Hashable, StateKey {
    var source: HostAddress
    var destination: HostAddress
    var port: UInt16
    var transport: UInt8

    func hash(seed: UInt64) -> UInt64 {
        destination.hash(seed: source.hash(seed: seed) ^ UInt64(port) << 8 ^ UInt64(transport))
    }
}

struct BeaconSeries: Sendable {
    /// Connection starts in time order; the rule reads the latest ``limit`` of them (`starts[first...]`).
    private var starts: [Double] = []
    private var first = 0
    /// The first flows, for the alert's evidence (written out only when an alert takes them).
    var evidence: [FlowRecord] = []
    var count = 0
    /// `count` when the series was last judged.
    var judgedAt = 0

    /// Enough for the test (255 intervals pin a median and its deviation); older starts say nothing the recent ones do
    /// not.
    static let limit = 256

    /// The latest starts, at most ``limit``, earliest first.
    var latestStarts: ArraySlice<Double> { starts[first...] }

    /// Adds a connection; `true` when the series is due to be judged: once it holds more than `minimumIntervals`
    /// starts, again whenever a quarter of the kept starts (at least `minimumIntervals`) are new while it grows, and
    /// once full whenever all of them are new. A full series is so judged on each start once, a growing one soon
    /// after it turns periodic.
    mutating func add(_ flow: FlowRecord, minimumIntervals: Int) -> Bool {
        // Kept sorted as they come: flows nearly always arrive in start order, so this is an append, and judging
        // needs no sort.
        if let last = starts.last, flow.start < last {
            var low = first
            var high = starts.count
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] <= flow.start { low = middle + 1 } else { high = middle }
            }
            // A start earlier than every kept one is older than what the series keeps.
            if low > first || starts.count - first < Self.limit { starts.insert(flow.start, at: low) }
        } else {
            starts.append(flow.start)
        }
        if starts.count - first > Self.limit { first += 1 }
        // The dropped starts are released in one move once they are as many as the kept ones.
        if first >= Self.limit {
            starts.removeFirst(first)
            first = 0
        }
        count += 1
        if evidence.count < NetworkAlert.evidenceLimit { evidence.append(flow) }
        let kept = starts.count - first
        let due = kept < Self.limit ? kept / 4 : kept
        guard kept > minimumIntervals, count - judgedAt >= Swift.max(minimumIntervals, due) else { return false }
        judgedAt = count
        return true
    }
}

struct DNSKey: Hashable {
    var client: HostAddress
    var domain: String
}

struct DNSSeries: Sendable {
    var names: [String: (Double, String)] = [:]
}

struct VolumeHistory: Sendable {
    var bucketStart: Double
    var bytes: UInt64 = 0
    var buckets = 0
    /// Exponentially weighted mean and variance of past buckets (weight 1/8 per new bucket, about a day of 10-minute buckets remembered).
    var mean = 0.0
    var variance = 0.0
    var evidence: [FlowRecord] = []

    /// A closed bucket that lay above the device's usual, with the history it was judged against.
    struct Unusual {
        var start: Double
        var bytes: UInt64
        var mean: Double
        var deviation: Double
        var evidence: [FlowRecord]
    }

    /// Closes every bucket that ends before the flow starts, then counts the flow; the first closed bucket when it was
    /// unusual (only the first can be: those after it are empty).
    mutating func add(_ flow: FlowRecord, settings: DetectionSettings) -> Unusual? {
        let bucket = settings.volumeBucket
        var unusual: Unusual?
        while flow.start >= bucketStart + bucket {
            if bytes == 0 {
                // A run of empty buckets only shrinks the mean and variance (by 7/8 each); after 1,024 of them they are
                // below 1e-59 of where they started, so the rest of a long silence is counted without folding each in.
                let pending = ((flow.start - bucketStart) / bucket).rounded(.down)
                if pending > 1024 {
                    let skipped = pending - 1024
                    buckets += Int(skipped)
                    bucketStart += skipped * bucket
                }
            }
            // Close the bucket: judge it against history, then fold it in (empty buckets count as zero).
            let value = Double(bytes)
            let sd = variance.squareRoot()
            if buckets >= settings.volumeHistoryBuckets, bytes >= settings.volumeMinimumBytes, value > mean + settings.volumeDeviations * sd {
                unusual = Unusual(start: bucketStart, bytes: bytes, mean: mean, deviation: sd, evidence: evidence)
            }
            let alpha = 1.0 / 8
            let delta = value - mean
            mean += alpha * delta
            variance = (1 - alpha) * (variance + alpha * delta * delta)
            buckets += 1
            bytes = 0
            evidence = []
            bucketStart += bucket
        }
        bytes += flow.originatorBytes
        if evidence.count < NetworkAlert.evidenceLimit { evidence.append(flow) }
        return unusual
    }
}

struct DestinationMemory: Sendable {
    var firstSeen: Double
    var known = StateTable<HostAddress, Double>()

    /// Notes a contact (forgetting the longest-unseen destination past `limit`); whether it was new, and when the device
    /// was first seen.
    mutating func remember(_ destination: HostAddress, at time: Double, limit: Int) -> (isNew: Bool, firstSeen: Double) {
        let isNew = known[destination] == nil
        known[destination] = time
        if known.count > limit, let oldest = known.key(minimizing: { $0 }) { known[oldest] = nil }
        return (isNew, firstSeen)
    }
}

extension TrafficAnalyzer {
    static func failed(_ flow: FlowRecord) -> Bool? {
        switch flow.outcome {
        case .rejected, .unanswered: return true
        case .established: return false
        case .unknown:
            // A bidirectional UDP record with nothing back is an unanswered probe; one-way exports cannot say.
            guard flow.transport == 17, flow.responderBytes == 0, flow.originatorPackets > 0, !flow.source.isExportRecord else { return nil }
            return flow.responderPackets == 0 ? true : false
        }
    }

    /// The flows' summaries for an alert's evidence, or none when the alert already holds all it keeps.
    func evidence(_ key: AlertKey, _ flows: [FlowRecord]) -> [String] {
        wantsEvidence(key) ? flows.prefix(NetworkAlert.evidenceLimit).map(\.summary) : []
    }

    // MARK: Scans

    mutating func checkScans(_ flow: FlowRecord, kept: EvidenceStore.Reference) {
        guard flow.transport == 6 || flow.transport == 17, let failed = Self.failed(flow), !flow.responder.isMulticastOrBroadcast else { return }
        let window = settings.scanWindow
        let minimum = settings.scanMinimumFailures
        let hKey = ScanState.HorizontalKey(source: flow.originator, port: flow.responderPort, transport: flow.transport)
        stateEvicted += scans.horizontal.bound(adding: hKey, limit: settings.trackedHosts) { $0.giveBack(to: &keptFlows) }
        let horizontal = scans.horizontal[hKey, default: .init()].add(
            flow.responder, time: flow.start, failed: failed, flow: kept, store: &keptFlows, window: window, minimumFailures: minimum
        ) { "port \(flow.responderPort)/\(flow.transportName)" }
        let vKey = ScanState.VerticalKey(source: flow.originator, destination: flow.responder)
        stateEvicted += scans.vertical.bound(adding: vKey, limit: settings.trackedHosts) { $0.giveBack(to: &keptFlows) }
        let vertical = scans.vertical[vKey, default: .init()].add(
            flow.responderPort, time: flow.start, failed: failed, flow: kept, store: &keptFlows, window: window, minimumFailures: minimum
        ) { flow.responder.description }
        if let horizontal { judgeScan(horizontal, rule: "scan.horizontal", host: flow.originator, unit: "hosts", table: \.scans.horizontal, key: hKey) }
        if let vertical { judgeScan(vertical, rule: "scan.vertical", host: flow.originator, unit: "ports", table: \.scans.vertical, key: vKey) }
    }

    private mutating func judgeScan<K: StateKey, T>(
        _ judgement: ScanState.Attempts<T>.Judgement, rule: String, host: HostAddress, unit: String,
        table: WritableKeyPath<TrafficAnalyzer, StateTable<K, ScanState.Attempts<T>>>, key attemptsKey: K
    ) {
        let k = judgement.failures
        let n = judgement.targets
        // An alert that holds all its evidence only widens; when the counts changed, so does its reason, whose text is
        // made when the alert is read (a scan changes it with every new target, and is read once).
        if let position = judgement.alert, widen(at: position, start: judgement.earliest, end: judgement.latest, evidenceCount: k) {
            if !judgement.unchanged { pendingReasons[position] = .scan(failures: k, targets: n, unit: unit) }
            return
        }
        let target = judgement.label
        let key = AlertKey(rule: rule, host: host, target: target)
        var evidence: [String] = []
        if wantsEvidence(key), let attempts = self[keyPath: table][attemptsKey] {
            evidence = attempts.targets.values.filter { !$0.succeeded }.sorted { $0.time < $1.time }.compactMap { $0.flow.map { keptFlows[$0].summary } }
        }
        let kind = rule == "scan.horizontal" ? "Horizontal scan of \(target)" : "Vertical scan of \(target)"
        let rate = settings.benignFailureRate
        let p = self[keyPath: table][attemptsKey]?.tailProbability(benignFailureRate: rate)
            ?? SignificanceTest.binomialUpperTail(successes: k, trials: n, probability: rate)
        let position = raise(
            rule: rule, severity: p <= settings.scanSignificance ? .medium : .low, title: kind, host: host, target: target,
            start: judgement.earliest, end: judgement.latest, reason: scanReason(failures: k, targets: n, unit: unit, p: p),
            evidence: evidence, evidenceCount: k)
        self[keyPath: table][attemptsKey]?.alert = position
    }

    func scanReason(failures k: Int, targets n: Int, unit: String, p: Double) -> String {
        "\(k) of \(n) \(unit) contacted within \(Int(settings.scanWindow)) s did not answer or refused; a benign host would fail this often with probability \(Self.format(p))"
    }

    static func format(_ p: Double) -> String {
        p < 1e-6 ? "< 1e-6" : String(format: "%.1e", p)
    }

    // MARK: Brute force

    mutating func checkBruteForce(_ flow: FlowRecord) {
        guard flow.transport == 6, let service = flow.serviceName, service == .ssh || service == .telnet, flow.outcome == .established else { return }
        let key = BruteForceKey(source: flow.originator, destination: flow.responder, port: flow.responderPort, service: service)
        stateEvicted += Self.bound(&bruteForce, adding: key, limit: settings.trackedHosts)
        // Taken out of the table while it changes, so the array is not copied.
        var sessions = bruteForce.removeValue(forKey: key) ?? []
        sessions.append((flow.start, flow))
        sessions.removeAll { flow.start - $0.0 > settings.bruteForceWindow }
        if sessions.count > 10_000 { sessions.removeFirst(sessions.count - 10_000) }
        bruteForce[key] = sessions
        guard sessions.count >= settings.bruteForceAttempts else { return }
        let target = "\(flow.responder):\(flow.responderPort)"
        let rule = "bruteforce.\(service)"
        raise(
            rule: rule, severity: .high, title: "\(service == .ssh ? "SSH" : "Telnet") password guessing against \(target)", host: flow.originator,
            target: target, start: sessions.first!.0, end: flow.end,
            reason: "\(sessions.count) \(service) sessions to one server within \(Int(settings.bruteForceWindow)) s (limit \(settings.bruteForceAttempts))",
            evidence: evidence(AlertKey(rule: rule, host: flow.originator, target: target), sessions.map(\.1)), evidenceCount: sessions.count)
    }

    // MARK: Beaconing

    mutating func recordBeacon(_ flow: FlowRecord) {
        guard !flow.responder.isLocal, flow.responderPort != 53, flow.responderPort != 123 else { return }
        let key = BeaconKey(source: flow.originator, destination: flow.responder, port: flow.responderPort, transport: flow.transport)
        stateEvicted += Self.bound(&beacons, adding: key, limit: settings.trackedHosts)
        // Judged while the traffic runs, so a collector raises the alert while the device is still beaconing; judged
        // only when a good part of the series is new (see `BeaconSeries.add`), at a cost of a few intervals a flow.
        if beacons[key, default: BeaconSeries()].add(flow, minimumIntervals: settings.beaconMinimumIntervals) { evaluateBeacon(key) }
    }

    mutating func evaluateBeacon(_ key: BeaconKey) {
        guard let series = beacons[key] else { return }
        let starts = series.latestStarts
        var intervals: [Double] = []
        intervals.reserveCapacity(starts.count)
        for (a, b) in zip(starts, starts.dropFirst()) where b - a > 0 { intervals.append(b - a) }
        guard intervals.count >= settings.beaconMinimumIntervals else { return }
        // The intervals are reordered by the first median and then become their own deviations: no copies.
        let median = SignificanceTest.median(reordering: &intervals)
        guard median >= settings.beaconMinimumPeriod else { return }
        for index in intervals.indices { intervals[index] = abs(intervals[index] - median) }
        let deviation = SignificanceTest.median(reordering: &intervals)
        let dispersion = deviation / median
        guard dispersion <= settings.beaconMaximumDispersion else { return }
        let target = "\(key.destination):\(key.port)"
        raise(
            rule: "c2.beacon", severity: .high, title: "Periodic connections to \(target), like a command-and-control beacon", host: key.source, target: target,
            start: starts.first!, end: starts.last!,
            reason: "\(series.count) connections every \(Self.round(median)) s (median), dispersion \(Self.round(dispersion)) (limit \(settings.beaconMaximumDispersion))",
            evidence: evidence(AlertKey(rule: "c2.beacon", host: key.source, target: target), series.evidence), evidenceCount: series.count)
    }

    static func round(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return String(scaled)
    }

    // MARK: DDoS participation

    mutating func checkFloods(_ flow: FlowRecord, kept: EvidenceStore.Reference) {
        stateEvicted += floods.bound(adding: flow.originator, limit: settings.trackedHosts) { $0.giveBack(to: &keptFlows) }
        let failed = Self.failed(flow) ?? false
        let event = FloodWindow.Event(time: flow.start, destination: flow.responder, port: flow.responderPort, transport: flow.transport, failed: failed, flow: kept)
        let figures = floods[flow.originator, default: FloodWindow()].add(
            event, horizon: flow.start - settings.floodWindow, limit: 20_000, store: &keptFlows)
        // The window's flows are read only for the evidence of an alert that still takes some.
        func evidence(_ key: AlertKey, _ include: (FloodWindow.Event) -> Bool) -> [String] {
            guard wantsEvidence(key), let window = floods[flow.originator] else { return [] }
            return window.events.elements.filter(include).map { keptFlows[$0.flow].summary }
        }
        if flow.transport == 6, figures.failedTCP >= settings.synFloodAttempts, figures.ports <= 2 {
            let count = figures.failedTCP
            let start = figures.firstFailedTCP ?? flow.start
            let memoryKey = FloodAlertMemory.Key(rule: 0, host: flow.originator, destination: flow.responder)
            if !widenFlood(memoryKey, figure: count, start: start, end: flow.start) {
                let key = AlertKey(rule: "ddos.syn-flood", host: flow.originator, target: floodTarget(memoryKey))
                let position = raise(
                    rule: key.rule, severity: .high, title: "SYN flood towards \(flow.responder)", host: flow.originator, target: key.target,
                    start: start, end: flow.start,
                    reason: "\(count) unanswered or refused TCP attempts to one host within \(Int(settings.floodWindow)) s",
                    evidence: evidence(key) { $0.destination == flow.responder && $0.isFailedTCP }, evidenceCount: count)
                floodAlerts[memoryKey]?.alert = position
            }
        }
        if flow.transport == 17, figures.udp >= settings.udpFloodFlows {
            let count = figures.udp
            let start = figures.firstUDP ?? flow.start
            let memoryKey = FloodAlertMemory.Key(rule: 1, host: flow.originator, destination: flow.responder)
            if !widenFlood(memoryKey, figure: count, start: start, end: flow.start) {
                let key = AlertKey(rule: "ddos.udp-flood", host: flow.originator, target: floodTarget(memoryKey))
                let position = raise(
                    rule: key.rule, severity: .high, title: "UDP flood towards \(flow.responder)", host: flow.originator, target: key.target,
                    start: start, end: flow.start, reason: "\(count) UDP conversations with one host within \(Int(settings.floodWindow)) s",
                    evidence: evidence(key) { $0.destination == flow.responder && $0.transport == 17 }, evidenceCount: count)
                floodAlerts[memoryKey]?.alert = position
            }
        }
        let fanOut = figures.destinations
        if fanOut >= settings.fanOutDestinations {
            let events = figures.events
            let start = figures.firstTime ?? flow.start
            let memoryKey = FloodAlertMemory.Key(rule: 2, host: flow.originator, destination: flow.originator)
            if !widenFlood(memoryKey, figure: fanOut, start: start, end: flow.start, evidenceCount: events) {
                let key = AlertKey(rule: "ddos.fan-out", host: flow.originator, target: "many hosts")
                let position = raise(
                    rule: key.rule, severity: .medium, title: "Traffic to \(fanOut) hosts in \(Int(settings.floodWindow)) s", host: flow.originator,
                    target: key.target, start: start, end: flow.start,
                    reason: "\(fanOut) distinct destinations within \(Int(settings.floodWindow)) s (limit \(settings.fanOutDestinations))",
                    evidence: evidence(key) { _ in true }, evidenceCount: events)
                floodAlerts[memoryKey]?.alert = position
            }
        }
    }

    /// Notes a flood's figure; when it is the one its alert was last raised with (so the reason is the same), widens
    /// that alert in place and returns `true`. `false` when the alert has to be raised in full.
    private mutating func widenFlood(_ key: FloodAlertMemory.Key, figure: Int, start: Double, end: Double, evidenceCount: Int? = nil) -> Bool {
        guard let known = floodAlerts[key] else {
            floodAlerts[key] = FloodAlertMemory(figure: figure)
            return false
        }
        floodAlerts[key]?.figure = figure
        guard known.figure == figure, let position = known.alert else { return false }
        return widen(at: position, start: start, end: end, evidenceCount: evidenceCount ?? figure)
    }

    /// A flood alert's target, its destination written out once.
    private mutating func floodTarget(_ key: FloodAlertMemory.Key) -> String {
        if let target = floodAlerts[key]?.target { return target }
        let target = key.destination.description
        floodAlerts[key]?.target = target
        return target
    }

    // MARK: Volume

    mutating func checkVolume(_ flow: FlowRecord) {
        // Buckets are counted in doubles: beyond 1e12 s a bucket's end would round to its start. Readers refuse such
        // times; a flow made some other way with one is left out of this rule rather than stall it.
        guard flow.originator.isLocal, !flow.responder.isLocal, abs(flow.start) < 1e12 else { return }
        stateEvicted += Self.bound(&volumes, adding: flow.originator, limit: settings.trackedHosts)
        // Changed in place; a bucket that closes above the device's usual is reported once the history is back.
        let unusual = volumes[flow.originator, default: VolumeHistory(bucketStart: flow.start)].add(flow, settings: settings)
        guard let unusual else { return }
        let bucket = settings.volumeBucket
        raise(
            rule: "exfiltration.volume", severity: .medium, title: "Unusual outbound volume from \(flow.originator)", host: flow.originator,
            target: "internet", start: unusual.start, end: unusual.start + bucket,
            reason: "\(unusual.bytes) bytes out in \(Int(bucket)) s; this device's usual is \(Int(unusual.mean)) ± \(Int(unusual.deviation))",
            evidence: evidence(AlertKey(rule: "exfiltration.volume", host: flow.originator, target: "internet"), unusual.evidence),
            evidenceCount: unusual.evidence.count)
    }

    // MARK: New destinations

    mutating func checkNewDestination(_ flow: FlowRecord) {
        guard flow.originator.isLocal, !flow.responder.isLocal, !flow.responder.isMulticastOrBroadcast else { return }
        stateEvicted += Self.bound(&destinations, adding: flow.originator, limit: settings.trackedHosts)
        // Changed in place, so its known destinations are not copied.
        let (isNew, firstSeen) = destinations[flow.originator, default: DestinationMemory(firstSeen: flow.start)]
            .remember(flow.responder, at: flow.start, limit: settings.destinationsPerDevice)
        guard isNew, flow.start - firstSeen >= settings.learningPeriod else { return }
        raise(
            rule: "destination.new", severity: .low, title: "New external destinations from \(flow.originator)", host: flow.originator, target: "new destinations",
            start: flow.start, end: flow.start,
            reason: "contacted a destination not seen in its first \(Int(settings.learningPeriod / 3600)) h of observation",
            evidence: evidence(AlertKey(rule: "destination.new", host: flow.originator, target: "new destinations"), [flow]),
            evidenceCount: newDestinationCount(host: flow.originator) + 1)
    }

    func newDestinationCount(host: HostAddress) -> Int {
        alert(AlertKey(rule: "destination.new", host: host, target: "new destinations"))?.evidenceCount ?? 0
    }

    // MARK: Indicators

    mutating func checkIndicators(_ flow: FlowRecord) {
        guard !indicators.isEmpty else { return }
        for (address, other) in [(flow.responder, flow.originator), (flow.originator, flow.responder)] {
            guard let indicator = indicators.match(address) else { continue }
            raise(
                rule: "indicator.ip", severity: .high, title: "Traffic with \(address), a listed indicator", host: other, target: address.description,
                start: flow.start, end: flow.end, reason: "\(address) matches \(indicator)", evidence: [flow.summary],
                evidenceCount: 1 + (alert(AlertKey(rule: "indicator.ip", host: other, target: address.description))?.evidenceCount ?? 0))
        }
    }

    // MARK: DNS

    mutating func checkDNS(_ lookup: DNSObservation) {
        let name = lookup.name
        guard !name.isEmpty else { return }
        if let indicator = indicators.match(domain: name) {
            let count = alert(AlertKey(rule: "indicator.domain", host: lookup.client, target: name))?.evidenceCount ?? 0
            raise(
                rule: "indicator.domain", severity: .high, title: "Lookup of \(name), a listed indicator", host: lookup.client, target: name, start: lookup.time,
                end: lookup.time, reason: "\(name) matches \(indicator)", evidence: ["\(name) (\(lookup.origin))"], evidenceCount: count + 1)
        }
        guard !name.hasSuffix(".local"), !name.hasSuffix(".arpa") else { return }
        let domain = Self.registeredDomain(name)
        if !lookup.isResponse {
            let key = DNSKey(client: lookup.client, domain: domain)
            stateEvicted += Self.bound(&dnsNames, adding: key, limit: settings.trackedHosts)
            var series = dnsNames[key, default: DNSSeries()]
            if series.names[name] == nil, series.names.count < 4096 { series.names[name] = (lookup.time, lookup.origin) }
            series.names = series.names.filter { lookup.time - $0.value.0 <= settings.dnsWindow }
            dnsNames[key] = series
            let subdomains = series.names.keys.map { $0.count - domain.count - 1 }
            let mean = Double(subdomains.reduce(0, +)) / Double(Swift.max(subdomains.count, 1))
            if series.names.count >= settings.tunnelDistinctNames, mean >= settings.tunnelMeanSubdomainLength {
                let sorted = series.names.sorted { $0.value.0 < $1.value.0 }
                raise(
                    rule: "dns.tunnel", severity: .high, title: "DNS tunnelling through \(domain)", host: lookup.client, target: domain,
                    start: sorted.first!.value.0, end: lookup.time,
                    reason: "\(series.names.count) distinct names under \(domain) within \(Int(settings.dnsWindow)) s, mean subdomain \(Int(mean)) characters",
                    evidence: sorted.map { "\($0.key) (\($0.value.1))" }, evidenceCount: series.names.count)
            }
        } else if lookup.responseCode == 3 {
            stateEvicted += Self.bound(&nxDomains, adding: lookup.client, limit: settings.trackedHosts)
            var failures = nxDomains[lookup.client, default: []]
            if !failures.contains(where: { $0.1 == domain }) { failures.append((lookup.time, domain, "\(name) (\(lookup.origin))")) }
            failures.removeAll { lookup.time - $0.0 > settings.dnsWindow }
            if failures.count > 4096 { failures.removeFirst(failures.count - 4096) }
            nxDomains[lookup.client] = failures
            if failures.count >= settings.generatedDomainFailures {
                raise(
                    rule: "dns.generated-domains", severity: .high, title: "Lookups of many non-existent domains, like a domain generation algorithm",
                    host: lookup.client, target: "NXDOMAIN", start: failures.first!.0, end: lookup.time,
                    reason: "\(failures.count) distinct domains answered NXDOMAIN within \(Int(settings.dnsWindow)) s",
                    evidence: failures.map(\.2), evidenceCount: failures.count)
            }
        }
    }

    /// The last two labels, or three under common two-level public suffixes (co.uk, com.au, …).
    static func registeredDomain(_ name: String) -> String {
        let labels = name.split(separator: ".")
        guard labels.count > 2 else { return name }
        let secondLevel: Set<Substring> = ["co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"]
        let take = secondLevel.contains(labels[labels.count - 2]) && labels.last!.count == 2 ? 3 : 2
        return labels.suffix(take).joined(separator: ".")
    }
}
