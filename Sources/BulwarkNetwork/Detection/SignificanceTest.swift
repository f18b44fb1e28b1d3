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

    /// The median, found by selection (expected linear time) rather than by sorting.
    static func median(_ values: [Double]) -> Double {
        var work = values
        return median(reordering: &work)
    }

    /// ``median(_:)`` without a copy: the values are left reordered around their middle.
    static func median(reordering values: inout [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let middle = values.count / 2
        let upper = select(&values, middle)
        guard values.count % 2 == 0 else { return upper }
        // After selection everything before `middle` is at most the upper middle value: the lower one is their largest.
        return (values[..<middle].max()! + upper) / 2
    }

    /// Puts the `k`-th smallest value at index `k`, smaller ones before it and larger ones after (Hoare's selection,
    /// median-of-three pivots), and returns it.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        precondition(values.indices.contains(k), "selecting outside the values")
        // On the buffer: every index below stays within low...high, so the array's own checks on each access and swap
        // (and its uniqueness check) would only repeat what the loop guarantees.
        return values.withUnsafeMutableBufferPointer { values in
            var low = 0
            var high = values.count - 1
            while low < high {
                let middle = low + (high - low) / 2
                // Median of three as the pivot keeps sorted and reversed input linear.
                if values[middle] < values[low] { values.swapAt(middle, low) }
                if values[high] < values[low] { values.swapAt(high, low) }
                if values[high] < values[middle] { values.swapAt(high, middle) }
                let pivot = values[middle]
                var i = low
                var j = high
                while i <= j {
                    while values[i] < pivot { i += 1 }
                    while pivot < values[j] { j -= 1 }
                    if i <= j {
                        values.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j {
                    high = j
                } else if k >= i {
                    low = i
                } else {
                    break
                }
            }
            return values[k]
        }
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
