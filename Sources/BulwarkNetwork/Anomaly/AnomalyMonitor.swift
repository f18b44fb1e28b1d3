import BulwarkCore
import Foundation

/// Runs an ``AnomalyDetector`` over decoded packets and turns the packets it finds anomalous into alerts with their
/// evidence, one alert per sending host and destination, like the rules' alerts.
///
/// Alert state is bounded: at most `trackedPairs` host–destination pairs and ``NetworkAlert/evidenceLimit`` packets of
/// evidence each; anomalies past that are counted, not kept.
public struct AnomalyMonitor: Sendable {
    public static let rule = "anomaly.autoencoder"

    /// What the detector learned and found, for the run's summary.
    public struct Summary: Sendable, Codable, Hashable {
        public var training: String
        public var phase: AnomalyDetector.Phase
        public var packetsSeen: Int
        public var featureGroups: Int
        public var calibrationPackets: Int
        /// The fitted threshold; nil when the stream ended before the training window did.
        public var threshold: Double?
        public var calibrationMaximum: Double
        public var falseAlarmProbability: Double
        public var packetsScored: Int
        public var anomalousPackets: Int
        /// Anomalies whose host pair found no room in the alert table.
        public var anomaliesNotKept: Int
    }

    private struct Pair: Hashable {
        var source: HostAddress
        var destination: HostAddress
    }

    private struct Gathered: Sendable {
        var mac: HardwareAddress?
        var start: Double
        var end: Double
        var count: Int
        var highest: Double
        var evidence: [String]
    }

    public private(set) var detector: AnomalyDetector
    public let trackedPairs: Int
    private var gathered: [Pair: Gathered] = [:]
    private var order: [Pair] = []
    private var scored = 0
    private var anomalous = 0
    private var notKept = 0

    public init(featureCount: Int, training: AnomalyDetector.TrainingWindow, settings: AnomalyDetector.Settings = .init(), trackedPairs: Int = 10_000)
    {
        detector = AnomalyDetector(featureCount: featureCount, training: training, settings: settings)
        self.trackedPairs = trackedPairs
    }

    /// Scores one packet with its features; `origin` names where it came from (file), for the evidence.
    @discardableResult
    public mutating func observe(_ packet: DecodedPacket, features: [Double], origin: String) -> AnomalyDetector.Score? {
        guard let score = detector.process(features, at: packet.seconds) else { return nil }
        if score.phase == .detecting { scored += 1 }
        guard score.isAnomalous, let threshold = detector.threshold else { return score }
        anomalous += 1
        let pair = Pair(source: packet.source, destination: packet.destination)
        var entry: Gathered
        if let existing = gathered[pair] {
            entry = existing
        } else {
            guard gathered.count < trackedPairs else {
                notKept += 1
                return score
            }
            entry = Gathered(mac: packet.sourceMAC, start: packet.seconds, end: packet.seconds, count: 0, highest: 0, evidence: [])
            order.append(pair)
        }
        entry.end = Swift.max(entry.end, packet.seconds)
        entry.count += 1
        entry.highest = Swift.max(entry.highest, score.value)
        if entry.evidence.count < NetworkAlert.evidenceLimit {
            entry.evidence.append(Self.describe(packet, score: score.value, threshold: threshold, origin: origin))
        }
        gathered[pair] = entry
        return score
    }

    static func describe(_ packet: DecodedPacket, score: Double, threshold: Double, origin: String) -> String {
        let transport: String =
            switch packet.transport {
            case 6: "tcp"
            case 17: "udp"
            case 1, 58: "icmp"
            default: "ip proto \(packet.transport)"
            }
        let ports = packet.transport == 6 || packet.transport == 17
        let from = ports ? "\(packet.source):\(packet.sourcePort)" : packet.source.description
        let to = ports ? "\(packet.destination):\(packet.destinationPort)" : packet.destination.description
        return "\(origin) packet \(packet.number) at \(Timestamp.format(Date(timeIntervalSince1970: packet.seconds))): \(from) → \(to) \(transport) "
            + "\(packet.ipLength) B, score \(Self.figure(score)) > threshold \(Self.figure(threshold))"
    }

    public static func figure(_ value: Double) -> String { String(format: "%.4g", value) }

    public var summary: Summary {
        Summary(
            training: detector.training.description, phase: detector.phase, packetsSeen: detector.packets, featureGroups: detector.groups.count,
            calibrationPackets: detector.calibrationPackets, threshold: detector.threshold, calibrationMaximum: detector.calibrationMaximum,
            falseAlarmProbability: detector.settings.falseAlarmProbability, packetsScored: scored, anomalousPackets: anomalous,
            anomaliesNotKept: notKept)
    }

    /// One alert per sending host and destination with anomalous packets, in the order they first appeared.
    public func alerts(devices: DeviceDirectory = DeviceDirectory()) -> [NetworkAlert] {
        guard let threshold = detector.threshold else { return [] }
        return order.compactMap { pair in
            guard let entry = gathered[pair] else { return nil }
            let device = devices.device(mac: entry.mac, address: pair.source)
            return NetworkAlert(
                rule: Self.rule, severity: .medium, title: "Traffic unlike the training window", host: pair.source, mac: entry.mac?.description,
                deviceID: device?.id.rawValue, deviceSerial: device?.serial, target: pair.destination.description, windowStart: entry.start,
                windowEnd: entry.end,
                reason:
                    "\(entry.count) packets to \(pair.destination) scored above the threshold \(Self.figure(threshold)) (highest \(Self.figure(entry.highest))); "
                    + "threshold: log-normal fit of \(detector.calibrationPackets) calibration scores of the \(detector.training.description) training window, "
                    + "false-alarm probability \(detector.settings.falseAlarmProbability)",
                evidence: entry.evidence, evidenceCount: entry.count)
        }
    }
}
