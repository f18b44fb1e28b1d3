import BulwarkNetwork
import Foundation
import Testing

/// A seeded synthetic stream: 20 features driven by two hidden signals (features 0–9 follow one, 10–19 the other),
/// plus a little noise; the unusual packets break that structure and leave the trained range.
struct SyntheticTraffic {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    mutating func benign(_ step: Int) -> [Double] {
        let a = 0.5 + 0.4 * sin(Double(step) / 37) + generator.uniform(in: -0.05...0.05)
        let b = 0.5 + 0.4 * cos(Double(step) / 23) + generator.uniform(in: -0.05...0.05)
        return (0..<20).map { index in
            let signal = index < 10 ? a : b
            return Double(index % 10 + 1) * signal + generator.uniform(in: -0.02...0.02)
        }
    }

    mutating func unusual() -> [Double] {
        (0..<20).map { index in index < 10 ? Double(index + 1) * generator.uniform(in: 1.5...2) : generator.uniform(in: -0.5...0) }
    }
}

@Suite struct AnomalyDetectorTests {
    static let trainingPackets = 4000

    /// Trains on `trainingPackets` benign packets, then scores 1,000 benign packets with 50 unusual ones after the 500th.
    static func run(seed: UInt64 = 1) -> (detector: AnomalyDetector, training: [AnomalyDetector.Score], benign: [Double], burst: [Double]) {
        var traffic = SyntheticTraffic(seed: seed)
        var detector = AnomalyDetector(featureCount: 20, training: .packets(trainingPackets))
        var training: [AnomalyDetector.Score] = []
        var benign: [Double] = []
        var burst: [Double] = []
        var step = 0
        for _ in 0..<trainingPackets {
            if let score = detector.process(traffic.benign(step), at: Double(step) * 0.01) { training.append(score) }
            step += 1
        }
        for index in 0..<1050 {
            let isBurst = (500..<550).contains(index)
            let score = detector.process(isBurst ? traffic.unusual() : traffic.benign(step), at: Double(step) * 0.01)!
            if isBurst { burst.append(score.value) } else { benign.append(score.value) }
            step += 1
        }
        return (detector, training, benign, burst)
    }

    @Test func learnsAndScoresTheSameWayForTheSameSeedAndData() {
        let first = Self.run()
        let second = Self.run()
        #expect(first.detector.groups == second.detector.groups)
        #expect(first.detector.threshold == second.detector.threshold)
        #expect(first.benign == second.benign)
        #expect(first.burst == second.burst)
        var otherSeed = AnomalyDetector.Settings()
        otherSeed.seed = 99
        var traffic = SyntheticTraffic(seed: 1)
        var other = AnomalyDetector(featureCount: 20, training: .packets(Self.trainingPackets), settings: otherSeed)
        var last: AnomalyDetector.Score?
        for step in 0..<Self.trainingPackets { last = other.process(traffic.benign(step), at: Double(step) * 0.01) }
        #expect(last?.value != first.training.last?.value, "a different seed starts from different weights")
    }

    @Test func scoresAnInjectedBurstAboveTheThresholdAndBenignPacketsBelow() throws {
        let run = Self.run()
        let threshold = try #require(run.detector.threshold)
        let burstAbove = run.burst.filter { $0 > threshold }.count
        let benignAbove = run.benign.filter { $0 > threshold }.count
        #expect(burstAbove >= 48, "\(burstAbove) of 50 unusual packets above \(threshold)")
        #expect(benignAbove <= 10, "\(benignAbove) of 1000 benign packets above \(threshold)")
        #expect(run.burst.min()! > run.benign.sorted()[990])
    }

    @Test func mapsTheFirstTenthTrainsThenCalibratesOnTheLastFifth() {
        let run = Self.run()
        #expect(run.training.count == Self.trainingPackets - Self.trainingPackets / 10)
        #expect(run.training.filter { $0.phase == .training }.count == Self.trainingPackets * 7 / 10)
        #expect(run.training.filter { $0.phase == .calibrating }.count == Self.trainingPackets / 5)
        #expect(run.detector.calibrationPackets == Self.trainingPackets / 5)
        #expect(run.training.allSatisfy { !$0.isAnomalous })
    }

    @Test func takesTheThresholdFromTheCalibrationScoresAlone() throws {
        let run = Self.run()
        let logs = run.training.filter { $0.phase == .calibrating }.map { log($0.value) }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let deviation = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count - 1)).squareRoot()
        // Φ⁻¹(1 − 1e-4) = 3.7190164854556804
        let expected = exp(mean + 3.7190164854556804 * deviation)
        let threshold = try #require(run.detector.threshold)
        #expect(abs(threshold - expected) / expected < 1e-9)
        // Whatever follows the training window, benign or not, the threshold stays where the calibration put it.
        var detector = run.detector
        var traffic = SyntheticTraffic(seed: 5)
        for step in 0..<200 { _ = detector.process(traffic.unusual(), at: 100 + Double(step)) }
        #expect(detector.threshold == threshold)
    }

    @Test func keepsAFixedNumberOfParametersWhateverTheStreamLength() {
        var detector = Self.run().detector
        let parameters = detector.parameterCount
        #expect(parameters > 0)
        var traffic = SyntheticTraffic(seed: 3)
        for step in 0..<5000 { _ = detector.process(traffic.benign(step), at: 200 + Double(step) * 0.01) }
        #expect(detector.parameterCount == parameters)
    }

    @Test func reportsNothingBeforeTheTrainingWindowEnds() {
        var detector = AnomalyDetector(featureCount: 20, training: .seconds(100))
        var traffic = SyntheticTraffic(seed: 2)
        var anomalous = 0
        for step in 0..<900 where detector.process(traffic.unusual(), at: Double(step) * 0.1)?.isAnomalous == true { anomalous += 1 }
        #expect(anomalous == 0)
        #expect(detector.threshold == nil)
        #expect(detector.phase == .calibrating)
    }
}

@Suite struct FeatureMapperTests {
    @Test func groupsCorrelatedFeaturesWithinTheSizeLimit() {
        var mapper = FeatureMapper(featureCount: 12, maximumGroupSize: 4)
        var generator = SeededGenerator(seed: 11)
        var row = [Double](repeating: 0, count: 12)
        for _ in 0..<2000 {
            let signals = (0..<3).map { _ in generator.uniform(in: 0...1) }
            // Features 0, 3, 6, 9 follow signal 0; 1, 4, 7, 10 signal 1; 2, 5, 8, 11 signal 2.
            for index in 0..<12 { row[index] = Double(index + 1) * signals[index % 3] + generator.uniform(in: -0.01...0.01) }
            row.withUnsafeBufferPointer { mapper.observe($0) }
        }
        #expect(mapper.correlation(0, 3) > 0.99)
        #expect(abs(mapper.correlation(0, 1)) < 0.1)
        #expect(mapper.groups() == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]])
        var tight = FeatureMapper(featureCount: 12, maximumGroupSize: 2)
        for _ in 0..<200 {
            let signals = (0..<3).map { _ in generator.uniform(in: 0...1) }
            for index in 0..<12 { row[index] = signals[index % 3] + generator.uniform(in: -0.01...0.01) }
            row.withUnsafeBufferPointer { tight.observe($0) }
        }
        let groups = tight.groups()
        #expect(groups.allSatisfy { $0.count <= 2 })
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<12))
        #expect(groups.allSatisfy { group in group.allSatisfy { $0 % 3 == group[0] % 3 } })
    }
}

@Suite struct AnomalyMonitorTests {
    @Test func raisesAlertsWithPacketEvidenceOnARealCaptureAndBoundsThem() throws {
        var statistics = StreamStatistics()
        var monitor = AnomalyMonitor(featureCount: statistics.featureCount, training: .packets(5000), trackedPairs: 2)
        var analyzer = TrafficAnalyzer()
        var scored = 0
        let path = NetworkFixture.path("pcap/c2-beacon-capture-1.pcap")
        _ = try TrafficFile.analyze(path: path, into: &analyzer, statistics: &statistics) { _ in
        } featuresOf: { packet, features in
            if monitor.observe(packet, features: features, origin: "c2.pcap")?.phase == .detecting { scored += 1 }
        }
        let summary = monitor.summary
        #expect(summary.packetsSeen == 7931)
        #expect(summary.packetsScored == 2931)
        #expect(scored == 2931)
        #expect(summary.calibrationPackets == 1000)
        let threshold = try #require(summary.threshold)
        let alerts = monitor.alerts()
        #expect(alerts.count <= 2)
        #expect(summary.anomalousPackets == alerts.reduce(0) { $0 + $1.evidenceCount } + summary.anomaliesNotKept)
        for alert in alerts {
            #expect(alert.rule == "anomaly.autoencoder")
            #expect(alert.evidence.count == min(alert.evidenceCount, NetworkAlert.evidenceLimit))
            #expect(alert.evidence.allSatisfy { $0.hasPrefix("c2.pcap packet ") && $0.hasSuffix("> threshold \(AnomalyMonitor.figure(threshold))") })
        }
    }
}
