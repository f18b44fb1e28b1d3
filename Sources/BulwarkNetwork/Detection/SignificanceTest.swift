import Foundation

/// Small exact statistics the rules use to turn counts into decisions with a stated false-alarm rate.
enum SignificanceTest {
    /// P(X ≥ k) for X ~ Binomial(n, p), summed exactly in log space.
    static func binomialUpperTail(successes k: Int, trials n: Int, probability p: Double) -> Double {
        guard k > 0 else { return 1 }
        guard k <= n else { return 0 }
        var total = 0.0
        for i in k...n {
            let logTerm = lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) + Double(i) * log(p) + Double(n - i) * log1p(-p)
            total += exp(logTerm)
        }
        return Swift.min(1, total)
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ text: Substring) -> Double {
        var counts: [UInt8: Int] = [:]
        for byte in text.utf8 { counts[byte, default: 0] += 1 }
        let total = Double(text.utf8.count)
        guard total > 0 else { return 0 }
        return counts.values.reduce(0) { sum, count in
            let p = Double(count) / total
            return sum - p * log2(p)
        }
    }
}
