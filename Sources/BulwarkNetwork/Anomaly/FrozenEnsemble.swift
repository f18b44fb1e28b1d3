import CAutoencoderScoring

/// A trained autoencoder ensemble laid out for scoring alone: single-precision weights in padded, contiguous rows (the
/// encoder's and, transposed, the decoder's), so that one packet's score is a few hundred vector multiply-adds and
/// sigmoids instead of scalar double-precision loops.
///
/// Training stays in double precision in ``Autoencoder``; once the models are frozen the detector scores with this.
/// The sigmoid is a range-reduced degree-7 polynomial exponential (at most 1.5e−7 relative error), and scores follow
/// the double-precision ``Autoencoder/score(_:)`` closely (2.2e−7 relative at worst on the shared capture
/// malicious-7.pcap; FrozenEnsembleTests bound it). On x86-64 processors with AVX2 the kernel runs eight lanes at a
/// time; elsewhere a portable path runs the same operations in the same order and gives the same score to the bit.
struct FrozenEnsemble: Sendable {
    /// Which kernel scores; ``automatic`` is the fastest this processor has.
    enum Path: Sendable {
        case automatic
        case portable
    }

    /// Float lanes in one AVX2 register: every width is padded to a multiple of it.
    static let lanes = 8

    let featureCount: Int
    private let members: Int
    private let paddedInputs: Int
    private let paddedHidden: Int
    private let shapes: [bulwark_autoencoder_shape]
    private let parameters: [Float]
    private let inputFeatures: [Int32]
    private let inputMinimum: [Double]
    private let inputInverseSpan: [Double]

    /// Whether ``Path/automatic`` runs the vector kernel on this processor.
    static var hasVectorPath: Bool { bulwark_scoring_has_vector_path() != 0 }

    init(featureCount: Int, groups: [[Int]], ensemble: [Autoencoder], output: Autoencoder) {
        precondition(groups.count == ensemble.count && output.inputs == groups.count, "one autoencoder per group, one output per group")
        self.featureCount = featureCount
        members = groups.count
        var shapes: [bulwark_autoencoder_shape] = []
        var parameters: [Float] = []
        var inputFeatures: [Int32] = []
        var inputMinimum: [Double] = []
        var inputInverseSpan: [Double] = []
        for (model, features) in zip(ensemble + [output], groups.map(Optional.some) + [nil]) {
            let shape = Self.append(model, to: &parameters, slotOffset: inputMinimum.count)
            shapes.append(shape)
            if let features {
                precondition(
                    features.count == model.inputs && features.allSatisfy { (0..<featureCount).contains($0) }, "group does not fit its model")
                inputFeatures += features.map { Int32($0) }
            }
            for i in 0..<model.inputs {
                let span = model.maximum[i] - model.minimum[i]
                // As in Autoencoder, a constant input, or one never trained on, scales to 0; so does one whose span is
                // too small (subnormal) to invert.
                let usable = span > 0 && span.isFinite && (1 / span).isFinite
                inputMinimum.append(usable ? model.minimum[i] : 0)
                inputInverseSpan.append(usable ? 1 / span : 0)
            }
        }
        paddedInputs = shapes.reduce(0) { $0 + Int($1.paddedInputs) }
        paddedHidden = shapes.reduce(0) { $0 + Int($1.paddedHidden) }
        self.shapes = shapes
        self.parameters = parameters
        self.inputFeatures = inputFeatures
        self.inputMinimum = inputMinimum
        self.inputInverseSpan = inputInverseSpan
    }

    private static func padded(_ width: Int) -> Int { (width + lanes - 1) / lanes * lanes }

    /// Appends one model's parameters in the layout `bulwark_autoencoder_shape` describes.
    private static func append(_ model: Autoencoder, to parameters: inout [Float], slotOffset: Int) -> bulwark_autoencoder_shape {
        let inputs = model.inputs
        let hidden = model.hidden
        let paddedInputs = padded(inputs)
        let paddedHidden = padded(hidden)
        let offset = parameters.count
        let weight = { (i: Int, j: Int) in Float(model.weights[i * hidden + j]) }
        for i in 0..<inputs {
            for j in 0..<paddedHidden { parameters.append(j < hidden ? weight(i, j) : 0) }
        }
        for j in 0..<paddedHidden { parameters.append(j < hidden ? Float(model.hiddenBias[j]) : 0) }
        for j in 0..<hidden {
            for i in 0..<paddedInputs { parameters.append(i < inputs ? weight(i, j) : 0) }
        }
        for i in 0..<paddedInputs { parameters.append(i < inputs ? Float(model.visibleBias[i]) : 0) }
        return bulwark_autoencoder_shape(
            inputs: Int32(inputs), hidden: Int32(hidden), paddedInputs: Int32(paddedInputs), paddedHidden: Int32(paddedHidden),
            parameterOffset: Int32(offset), slotOffset: Int32(slotOffset))
    }

    /// The output autoencoder's RMSE for one packet's features.
    func score(_ features: UnsafeBufferPointer<Double>, path: Path = .automatic) -> Double {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        return shapes.withUnsafeBufferPointer { shapes in
            parameters.withUnsafeBufferPointer { parameters in
                inputFeatures.withUnsafeBufferPointer { inputFeatures in
                    inputMinimum.withUnsafeBufferPointer { inputMinimum in
                        inputInverseSpan.withUnsafeBufferPointer { inputInverseSpan in
                            var ensemble = bulwark_autoencoder_ensemble(
                                members: Int32(members), paddedInputs: Int32(paddedInputs), paddedHidden: Int32(paddedHidden),
                                shapes: shapes.baseAddress,
                                parameters: parameters.baseAddress, inputFeatures: inputFeatures.baseAddress, inputMinimum: inputMinimum.baseAddress,
                                inputInverseSpan: inputInverseSpan.baseAddress)
                            return bulwark_ensemble_score(
                                &ensemble, features.baseAddress, path == .portable ? bulwark_scoring_portable : bulwark_scoring_automatic)
                        }
                    }
                }
            }
        }
    }

    /// 1/(1 + e^−x) as the kernel computes it, for checking its error.
    static func sigmoid(_ x: Float) -> Float { bulwark_sigmoid(x) }
}
