import Foundation

/// An unsupervised, streaming anomaly detector over per-packet feature vectors, learned from the first part of the
/// stream: Kitsune's ensemble of small autoencoders (Mirsky et al., NDSS 2018).
///
/// The training window is split in three, in stream order:
/// 1. **mapping** (`mappingShare` of it): a ``FeatureMapper`` learns which features are correlated;
/// 2. **training**: one ``Autoencoder`` per feature group learns online, and an output autoencoder learns from their
///    reconstruction errors;
/// 3. **calibration** (`calibrationShare`): the models score without learning, and the alert threshold is fitted to
///    those scores — a log-normal fit, threshold at its `1 − falseAlarmProbability` quantile. Labels never enter.
///
/// After the training part the models are frozen, so traffic seen later (an attacker's included) cannot teach them. The
/// score of a packet is the output autoencoder's RMSE. Training runs in double precision; from calibration on, packets
/// are scored by a ``FrozenEnsemble`` built from the trained models (single precision, vectorised), so the threshold is
/// fitted to the same scorer that is compared with it. Memory is fixed once the groups are known; a packet costs one
/// pass through roughly `2 · hiddenRatio · features · groupSize` multiply-adds.
public struct AnomalyDetector: Sendable {
    /// How much of the stream's start is the training window.
    public enum TrainingWindow: Sendable, Hashable, CustomStringConvertible {
        case packets(Int)
        case seconds(Double)

        public var description: String {
            switch self {
            case .packets(let count): "\(count) packets"
            case .seconds(let seconds): "\(seconds) s"
            }
        }
    }

    public struct Settings: Sendable, Hashable {
        /// Largest feature group (Kitsune's m).
        public var maximumGroupSize = 10
        public var hiddenRatio = 0.75
        public var learningRate = 0.1
        public var seed: UInt64 = 0x4B69_7473_756E_6531
        public var mappingShare = 0.1
        public var calibrationShare = 0.2
        /// Chance that a benign packet scores above the threshold, under the log-normal fit.
        public var falseAlarmProbability = 1e-4

        public init() {}
    }

    public enum Phase: String, Sendable, Codable, Hashable { case mapping, training, calibrating, detecting }

    /// The score of one packet, and the phase it was scored in.
    public struct Score: Sendable, Hashable {
        public var value: Double
        public var phase: Phase
        public var isAnomalous: Bool
    }

    public let featureCount: Int
    public let training: TrainingWindow
    public let settings: Settings
    public private(set) var phase = Phase.mapping
    public private(set) var packets = 0
    private var start: Double?
    private var mapper: FeatureMapper?
    public private(set) var groups: [[Int]] = []
    private var ensemble: [Autoencoder] = []
    private var output: Autoencoder?
    private var frozen: FrozenEnsemble?
    private var gathered: [Double] = []
    private var errors: [Double] = []
    private var calibration = LogNormalFit()
    public private(set) var threshold: Double?
    /// The highest calibration score, reported beside the fitted threshold.
    public private(set) var calibrationMaximum = 0.0

    public init(featureCount: Int, training: TrainingWindow, settings: Settings = Settings()) {
        precondition(featureCount > 0, "the detector needs features")
        self.featureCount = featureCount
        self.training = training
        self.settings = settings
        mapper = FeatureMapper(featureCount: featureCount, maximumGroupSize: settings.maximumGroupSize)
    }

    /// Calibration scores the threshold was fitted to.
    public var calibrationPackets: Int { calibration.count }

    /// Numbers the models hold, once built.
    public var parameterCount: Int { ensemble.reduce(output?.parameterCount ?? 0) { $0 + $1.parameterCount } }

    /// Feeds one packet's features (in the order of ``StreamStatistics``) at its capture time; returns its score, or
    /// nil while the feature map is still being learned.
    public mutating func process(_ features: [Double], at time: Double) -> Score? {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        packets += 1
        let begun = start ?? time
        start = begun
        let progress: Double =
            switch training {
            case .packets(let count): Double(packets - 1) / Double(Swift.max(count, 1))
            case .seconds(let seconds): seconds > 0 ? (time - begun) / seconds : 1
            }
        let next: Phase =
            progress < settings.mappingShare
            ? .mapping
            : progress < 1 - settings.calibrationShare ? .training : progress < 1 ? .calibrating : .detecting
        if next != .mapping, mapper != nil { buildModels() }
        if next == .calibrating || next == .detecting, frozen == nil, let output {
            frozen = FrozenEnsemble(featureCount: featureCount, groups: groups, ensemble: ensemble, output: output)
        }
        if next == .detecting, phase != .detecting { threshold = calibration.upperQuantile(settings.falseAlarmProbability) }
        phase = next
        return features.withUnsafeBufferPointer { buffer -> Score? in
            switch next {
            case .mapping:
                mapper?.observe(buffer)
                return nil
            case .training:
                let value = run(buffer, learning: true)
                return Score(value: value, phase: next, isAnomalous: false)
            case .calibrating:
                let value = frozen!.score(buffer)
                calibration.add(value)
                calibrationMaximum = Swift.max(calibrationMaximum, value)
                return Score(value: value, phase: next, isAnomalous: false)
            case .detecting:
                let value = frozen!.score(buffer)
                return Score(value: value, phase: next, isAnomalous: threshold.map { value > $0 } ?? false)
            }
        }
    }

    private mutating func buildModels() {
        guard let mapper else { return }
        groups = mapper.groups()
        self.mapper = nil
        var generator = SeededGenerator(seed: settings.seed)
        ensemble = groups.map {
            Autoencoder(inputs: $0.count, hiddenRatio: settings.hiddenRatio, learningRate: settings.learningRate, generator: &generator)
        }
        output = Autoencoder(inputs: groups.count, hiddenRatio: settings.hiddenRatio, learningRate: settings.learningRate, generator: &generator)
        gathered = [Double](repeating: 0, count: settings.maximumGroupSize)
        errors = [Double](repeating: 0, count: groups.count)
    }

    /// The score the double-precision models give a packet, without changing them; nil before they exist. For
    /// checking how closely the frozen scorer follows them.
    func trainedModelScore(_ features: [Double]) -> Double? {
        guard output != nil else { return nil }
        var copy = self
        return features.withUnsafeBufferPointer { copy.run($0, learning: false) }
    }

    /// The frozen scorer's score for a packet, by the given kernel; nil before the models are frozen.
    func frozenScore(_ features: [Double], path: FrozenEnsemble.Path) -> Double? {
        features.withUnsafeBufferPointer { buffer in frozen?.score(buffer, path: path) }
    }

    private mutating func run(_ features: UnsafeBufferPointer<Double>, learning: Bool) -> Double {
        for index in groups.indices {
            let group = groups[index]
            for (slot, feature) in group.enumerated() { gathered[slot] = features[feature] }
            errors[index] = gathered.withUnsafeBufferPointer { buffer in
                let view = UnsafeBufferPointer(rebasing: buffer[0..<group.count])
                return learning ? ensemble[index].train(view) : ensemble[index].score(view)
            }
        }
        return errors.withUnsafeBufferPointer { learning ? output!.train($0) : output!.score($0) }
    }
}

/// A running log-normal fit (Welford's mean and variance of ln x) and its upper quantiles.
struct LogNormalFit: Sendable, Hashable {
    private(set) var count = 0
    private var mean = 0.0
    private var squares = 0.0

    mutating func add(_ value: Double) {
        // RMSEs of exactly zero would be −∞ in log space; they sit at the smallest normal double instead.
        let x = log(Swift.max(value, Double.leastNormalMagnitude))
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        squares += delta * (x - mean)
    }

    /// The value exceeded with probability `p` under the fit; nil with fewer than two values.
    func upperQuantile(_ p: Double) -> Double? {
        guard count >= 2 else { return nil }
        let deviation = (squares / Double(count - 1)).squareRoot()
        return exp(mean + Self.standardNormalQuantile(1 - p) * deviation)
    }

    /// Φ⁻¹(q) by bisection on Φ(z) = erfc(−z/√2)/2, to well below any threshold's precision.
    static func standardNormalQuantile(_ q: Double) -> Double {
        var low = -40.0
        var high = 40.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if erfc(-middle / 2.0.squareRoot()) / 2 < q { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
