import Foundation

/// A one-dimensional statistic over a stream with exponential forgetting: weight, linear sum and squared sum, each
/// multiplied by 2^(−λ·Δt) before a new value is added (the damped windows of Mirsky et al., "Kitsune", NDSS 2018).
///
/// Constant memory per stream; larger λ forgets faster (λ = 5 keeps about the last 0.2 s, λ = 0.01 about 100 s).
public struct DampedStatistic: Sendable, Hashable {
    public let lambda: Double
    public private(set) var weight = 0.0
    public private(set) var linearSum = 0.0
    public private(set) var squaredSum = 0.0
    public private(set) var lastTime: Double?

    public init(lambda: Double) {
        self.lambda = lambda
    }

    /// Forgets according to the time elapsed since the last update.
    public mutating func decay(to time: Double) {
        guard let last = lastTime else {
            lastTime = time
            return
        }
        let elapsed = time - last
        guard elapsed > 0 else { return }
        let factor = exp2(-lambda * elapsed)
        weight *= factor
        linearSum *= factor
        squaredSum *= factor
        lastTime = time
    }

    /// Forgets by a factor already computed for the time elapsed since the last update (by a pair statistic whose
    /// clock runs with this one's), saving the exponential.
    mutating func decay(to time: Double, by factor: Double) {
        weight *= factor
        linearSum *= factor
        squaredSum *= factor
        lastTime = time
    }

    public mutating func add(_ value: Double, at time: Double) {
        decay(to: time)
        weight += 1
        linearSum += value
        squaredSum += value * value
    }

    public var mean: Double { weight > 0 ? linearSum / weight : 0 }
    public var variance: Double { weight > 0 ? Swift.max(0, squaredSum / weight - mean * mean) : 0 }
    public var standardDeviation: Double { variance.squareRoot() }
}

/// Two damped statistics of the opposite directions of one conversation, with their damped sum of residual products,
/// giving the Kitsune 2-D features: magnitude, radius, approximate covariance and correlation coefficient.
public struct DampedPairStatistic: Sendable {
    public private(set) var forward: DampedStatistic
    public private(set) var backward: DampedStatistic
    private var residualProducts = 0.0
    private var residualWeight = 0.0
    private var lastForwardResidual = 0.0
    private var lastBackwardResidual = 0.0
    private var lastTime: Double?

    public init(lambda: Double) {
        forward = DampedStatistic(lambda: lambda)
        backward = DampedStatistic(lambda: lambda)
    }

    public mutating func add(_ value: Double, forwardDirection: Bool, at time: Double) {
        if let last = lastTime, time > last {
            let factor = exp2(-forward.lambda * (time - last))
            residualProducts *= factor
            residualWeight *= factor
            // Every update decays both directions to the same time as the residuals (and none goes back in time), so
            // both were last decayed at `last` too and this factor is exactly the one each would compute.
            forward.decay(to: time, by: factor)
            backward.decay(to: time, by: factor)
        }
        lastTime = Swift.max(lastTime ?? time, time)
        if forwardDirection {
            forward.add(value, at: time)
            backward.decay(to: time)
            lastForwardResidual = value - forward.mean
            residualProducts += lastForwardResidual * lastBackwardResidual
        } else {
            backward.add(value, at: time)
            forward.decay(to: time)
            lastBackwardResidual = value - backward.mean
            residualProducts += lastForwardResidual * lastBackwardResidual
        }
        residualWeight += 1
    }

    public var magnitude: Double { (forward.mean * forward.mean + backward.mean * backward.mean).squareRoot() }
    public var radius: Double { (forward.variance + backward.variance).squareRoot() }
    public var covariance: Double { residualWeight > 0 ? residualProducts / residualWeight : 0 }
    public var correlation: Double {
        let scale = forward.standardDeviation * backward.standardDeviation
        return scale > 0 ? covariance / scale : 0
    }
}
