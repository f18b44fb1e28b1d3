/// Similarity digests filed by their runs of seven signature characters, so that finding the digests that score against
/// one costs a few lookups instead of a comparison with every digest held.
public struct SimilarityIndex<Value: Sendable>: Sendable {
    private var digests: [SimilarityDigest] = []
    private var values: [Value] = []
    private var byRun: [SimilarityDigest.RunKey: [Int]] = [:]

    public init() {}

    public mutating func insert(_ digest: SimilarityDigest, _ value: Value) {
        let slot = digests.count
        digests.append(digest)
        values.append(value)
        for key in digest.runKeys { byRun[key, default: []].append(slot) }
    }

    /// Every value whose digest scores at least `threshold` against `digest`, with the score, in insertion order.
    public func matches(_ digest: SimilarityDigest, threshold: Int) -> [(value: Value, score: Int)] {
        var candidates = Set<Int>()
        for key in digest.runKeys { candidates.formUnion(byRun[key] ?? []) }
        return candidates.sorted().compactMap { slot in
            let score = digest.similarity(to: digests[slot])
            return score >= threshold ? (values[slot], score) : nil
        }
    }
}
