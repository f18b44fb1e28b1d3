import Foundation

/// A small denoising-free autoencoder with tied weights, trained online one sample at a time; its reconstruction
/// error (RMSE) on a sample is how unusual that sample is to it.
///
/// One hidden layer of sigmoid units, `ceil(hiddenRatio · inputs)` wide, with the decoder using the transpose of the
/// encoder's weights, as in the ensemble layer of Kitsune (Mirsky et al., NDSS 2018, §IV-D). Inputs are scaled to
/// [0, 1] by the minimum and maximum seen while training; the gradient is that of the cross-entropy loss of a sigmoid
/// output layer, so each step is one outer product per layer. Memory is fixed at construction.
public struct Autoencoder: Sendable {
    public let inputs: Int
    public let hidden: Int
    public let learningRate: Double
    /// `weights[i * hidden + j]` joins input i and hidden unit j.
    private(set) var weights: [Double]
    private(set) var hiddenBias: [Double]
    private(set) var visibleBias: [Double]
    private(set) var minimum: [Double]
    private(set) var maximum: [Double]
    private var scaled: [Double]
    private var code: [Double]
    private var output: [Double]
    public private(set) var samplesTrained = 0

    /// Weights start uniform in ±1/inputs from `generator`, so equal seeds give equal models.
    public init(inputs: Int, hiddenRatio: Double = 0.75, learningRate: Double = 0.1, generator: inout SeededGenerator) {
        precondition(inputs > 0, "an autoencoder needs at least one input")
        self.inputs = inputs
        hidden = Swift.max(1, Int((hiddenRatio * Double(inputs)).rounded(.up)))
        self.learningRate = learningRate
        let bound = 1 / Double(inputs)
        weights = (0..<(inputs * hidden)).map { _ in generator.uniform(in: -bound...bound) }
        hiddenBias = [Double](repeating: 0, count: hidden)
        visibleBias = [Double](repeating: 0, count: inputs)
        minimum = [Double](repeating: .infinity, count: inputs)
        maximum = [Double](repeating: -.infinity, count: inputs)
        scaled = [Double](repeating: 0, count: inputs)
        code = [Double](repeating: 0, count: hidden)
        output = [Double](repeating: 0, count: inputs)
    }

    /// Learns from one sample and returns its reconstruction error before the update.
    public mutating func train(_ sample: UnsafeBufferPointer<Double>) -> Double {
        for i in 0..<inputs {
            minimum[i] = Swift.min(minimum[i], sample[i])
            maximum[i] = Swift.max(maximum[i], sample[i])
        }
        let error = reconstruct(sample)
        let rate = learningRate
        weights.withUnsafeMutableBufferPointer { w in
            // Output error δz = x − z (cross-entropy with sigmoid outputs); hidden error δy_j = (Σ_i W_ij δz_i)·y_j(1 − y_j).
            for j in 0..<hidden {
                var sum = 0.0
                for i in 0..<inputs { sum += w[i * hidden + j] * (scaled[i] - output[i]) }
                let y = code[j]
                let delta = sum * y * (1 - y)
                hiddenBias[j] += rate * delta
                for i in 0..<inputs { w[i * hidden + j] += rate * (scaled[i] * delta + (scaled[i] - output[i]) * y) }
            }
        }
        for i in 0..<inputs { visibleBias[i] += rate * (scaled[i] - output[i]) }
        samplesTrained += 1
        return error
    }

    /// The reconstruction error of a sample, leaving the model as it is.
    public mutating func score(_ sample: UnsafeBufferPointer<Double>) -> Double {
        reconstruct(sample)
    }

    private mutating func reconstruct(_ sample: UnsafeBufferPointer<Double>) -> Double {
        for i in 0..<inputs {
            let span = maximum[i] - minimum[i]
            // A constant input (or one never trained on) maps to 0 rather than dividing by zero.
            scaled[i] = span > 0 && span.isFinite ? (sample[i] - minimum[i]) / span : 0
        }
        var squared = 0.0
        weights.withUnsafeBufferPointer { w in
            for j in 0..<hidden {
                var sum = hiddenBias[j]
                for i in 0..<inputs { sum += w[i * hidden + j] * scaled[i] }
                code[j] = Self.sigmoid(sum)
            }
            for i in 0..<inputs {
                var sum = visibleBias[i]
                let row = i * hidden
                for j in 0..<hidden { sum += w[row + j] * code[j] }
                output[i] = Self.sigmoid(sum)
                let difference = scaled[i] - output[i]
                squared += difference * difference
            }
        }
        return (squared / Double(inputs)).squareRoot()
    }

    @inline(__always) static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Numbers this model holds: weights, biases and scaling bounds.
    public var parameterCount: Int { weights.count + hiddenBias.count + visibleBias.count + 2 * inputs }
}

/// SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): a small, fast generator whose sequence depends only on its seed,
/// so a detector built with the same seed and data is the same detector on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in a closed range, from the top 53 bits.
    public mutating func uniform(in range: ClosedRange<Double>) -> Double {
        let unit = Double(next() >> 11) / Double(1 << 53)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }
}
