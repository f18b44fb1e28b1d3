import Foundation
import Testing

@testable import BulwarkNetwork

@Suite struct FrozenEnsembleTests {
    @Test func sigmoidStaysWithinItsDocumentedErrorOverTheWholeRange() {
        var worstRelative = 0.0
        var worstAbsolute = 0.0
        var x = -80.0
        while x <= 80 {
            let input = Float(x)
            let exact = 1 / (1 + exp(-Double(input)))
            let error = abs(Double(FrozenEnsemble.sigmoid(input)) - exact)
            worstAbsolute = max(worstAbsolute, error)
            worstRelative = max(worstRelative, error / exact)
            x += 0.001
        }
        // Documented in AutoencoderScoring.c: at most 1.5e−7 relative, 9e−8 absolute over [−80, 80].
        #expect(worstRelative < 1.5e-7, "worst relative error \(worstRelative)")
        #expect(worstAbsolute < 9e-8, "worst absolute error \(worstAbsolute)")
        #expect(FrozenEnsemble.sigmoid(0) == 0.5)
        // Saturated beyond ±80, within 2e−35 of the true value, and never NaN.
        for input: Float in [-1e30, -500, -81, 81, 500, 1e30, -.infinity, .infinity] {
            let exact = 1 / (1 + exp(-Double(input)))
            #expect(abs(Double(FrozenEnsemble.sigmoid(input)) - exact) < 2e-35, "at \(input)")
        }
    }

    /// The shared capture's packets as the detector sees them: their features, with the detector trained on the first
    /// `training` packets; returns the detector and the features of every later packet.
    static func trainedOnCapture(_ file: String, training: Int) throws -> (AnomalyDetector, [[Double]]) {
        var statistics = StreamStatistics()
        var decoder = PacketDecoder(file: file)
        var detector = AnomalyDetector(featureCount: statistics.featureCount, training: .packets(training))
        var features: [Double] = []
        var later: [[Double]] = []
        for packet in try NetworkFixture.packets(file) {
            guard let item = decoder.decode(packet) else { continue }
            statistics.update(item, features: &features)
            if detector.process(features, at: item.seconds)?.phase == .detecting { later.append(features) }
        }
        return (detector, later)
    }

    @Test func frozenScoresFollowTheDoublePrecisionModelsWithinOneTenThousandth() throws {
        let (detector, later) = try Self.trainedOnCapture("pcap/malicious-7.pcap", training: 1000)
        let threshold = try #require(detector.threshold)
        #expect(later.count == 969)
        var worst = 0.0
        var disagreements = 0
        for features in later {
            let reference = try #require(detector.trainedModelScore(features))
            let frozen = try #require(detector.frozenScore(features, path: .automatic))
            worst = max(worst, abs(frozen - reference) / reference)
            if (frozen > threshold) != (reference > threshold) { disagreements += 1 }
        }
        // Single-precision weights and activations: measured worst 2.2e−7 on this capture.
        #expect(worst < 1e-5, "worst relative difference \(worst)")
        #expect(disagreements == 0)
    }

    @Test func frozenScoresFollowTheDoublePrecisionModelsForGroupsWiderThanOneRegister() throws {
        // One group of all 20 features (20 inputs, 15 hidden units: three and two registers) and an output
        // autoencoder of one input.
        var settings = AnomalyDetector.Settings()
        settings.maximumGroupSize = 20
        var traffic = SyntheticTraffic(seed: 4)
        var detector = AnomalyDetector(featureCount: 20, training: .packets(2000), settings: settings)
        for step in 0..<2000 { _ = detector.process(traffic.benign(step), at: Double(step) * 0.01) }
        #expect(detector.groups.count == 1)
        var worst = 0.0
        for step in 0..<500 {
            let features = step % 10 == 0 ? traffic.unusual() : traffic.benign(2000 + step)
            let reference = try #require(detector.trainedModelScore(features))
            let frozen = try #require(detector.process(features, at: 20 + Double(step) * 0.01)?.value)
            worst = max(worst, abs(frozen - reference) / max(reference, 1e-3))
        }
        // Measured worst 2.1e−5, relative to the score or 1e−3, whichever is larger (benign scores here are small).
        #expect(worst < 1e-4, "worst relative difference \(worst)")
    }

    @Test func portableKernelGivesTheVectorKernelsScoresToTheBit() throws {
        // On a processor without AVX2 both paths are the portable one and this checks nothing more than determinism;
        // on x86-64 with AVX2 (the benchmark machine) it compares the two kernels.
        let (detector, later) = try Self.trainedOnCapture("pcap/c2-beacon-capture-1.pcap", training: 3000)
        var compared = 0
        for features in later {
            let vector = try #require(detector.frozenScore(features, path: .automatic))
            let portable = try #require(detector.frozenScore(features, path: .portable))
            #expect(vector.bitPattern == portable.bitPattern, "\(vector) against \(portable)")
            compared += 1
        }
        #expect(compared == 4931)
    }

    @Test func scalesInputsOutsideTheTrainingRangeWithoutOverflowing() throws {
        var traffic = SyntheticTraffic(seed: 6)
        var detector = AnomalyDetector(featureCount: 20, training: .packets(1000))
        for step in 0...1000 { _ = detector.process(traffic.benign(step), at: Double(step) * 0.01) }
        let threshold = try #require(detector.threshold)
        for extreme in [1e300, -1e300, 1e30] {
            let features = [Double](repeating: extreme, count: 20)
            let vector = try #require(detector.frozenScore(features, path: .automatic))
            let portable = try #require(detector.frozenScore(features, path: .portable))
            #expect(vector.isFinite && vector > threshold, "\(vector) at \(extreme)")
            #expect(vector.bitPattern == portable.bitPattern)
        }
    }
}
