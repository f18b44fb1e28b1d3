/// Groups features that move together, so that each small autoencoder of the ensemble sees one group.
///
/// Kitsune's feature mapper (Mirsky et al., NDSS 2018, §IV-C): while mapping, keep running sums of every feature and
/// of every pair's products; then cluster the features agglomeratively with single linkage on the correlation distance
/// 1 − r, and cut the dendrogram top-down, splitting any cluster of more than `maximumGroupSize` features into its two
/// children. Memory is quadratic in the feature count (fixed, 100 features give 5,050 sums) and independent of the
/// number of packets.
public struct FeatureMapper: Sendable {
    public let featureCount: Int
    public let maximumGroupSize: Int
    private var count = 0.0
    private var sums: [Double]
    /// Upper triangle, row by row: products of features i ≤ j.
    private var products: [Double]

    public init(featureCount: Int, maximumGroupSize: Int = 10) {
        precondition(featureCount > 0 && maximumGroupSize > 0, "a feature map needs features and a group size")
        self.featureCount = featureCount
        self.maximumGroupSize = maximumGroupSize
        sums = [Double](repeating: 0, count: featureCount)
        products = [Double](repeating: 0, count: featureCount * (featureCount + 1) / 2)
    }

    public var samples: Int { Int(count) }

    public mutating func observe(_ features: UnsafeBufferPointer<Double>) {
        count += 1
        var at = 0
        products.withUnsafeMutableBufferPointer { p in
            for i in 0..<featureCount {
                let x = features[i]
                sums[i] += x
                for j in i..<featureCount {
                    p[at] += x * features[j]
                    at += 1
                }
            }
        }
    }

    private func productIndex(_ i: Int, _ j: Int) -> Int {
        let (a, b) = i <= j ? (i, j) : (j, i)
        return a * featureCount - a * (a - 1) / 2 + (b - a)
    }

    /// Pearson correlation of two features over the samples seen; 0 when either is constant.
    public func correlation(_ i: Int, _ j: Int) -> Double {
        guard count > 1 else { return 0 }
        let meanI = sums[i] / count
        let meanJ = sums[j] / count
        let covariance = products[productIndex(i, j)] / count - meanI * meanJ
        let varianceI = products[productIndex(i, i)] / count - meanI * meanI
        let varianceJ = products[productIndex(j, j)] / count - meanJ * meanJ
        // Variances below this relative size are rounding noise of a constant feature.
        let floorI = 1e-12 * Swift.max(1, meanI * meanI)
        let floorJ = 1e-12 * Swift.max(1, meanJ * meanJ)
        guard varianceI > floorI, varianceJ > floorJ else { return i == j ? 1 : 0 }
        return Swift.min(1, Swift.max(-1, covariance / (varianceI * varianceJ).squareRoot()))
    }

    /// The groups of feature indices, each of at most `maximumGroupSize`, in a deterministic order (by first index).
    public func groups() -> [[Int]] {
        let n = featureCount
        if n == 1 { return [[0]] }
        // Dendrogram nodes: 0..<n are the features, later ones are merges of two earlier nodes.
        var children: [(Int, Int)] = Array(repeating: (-1, -1), count: n)
        var members: [[Int]] = (0..<n).map { [$0] }
        var active = Array(0..<n)
        var distance = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let d = 1 - correlation(i, j)
                distance[i][j] = d
                distance[j][i] = d
            }
        }
        // Distances between active clusters, indexed by position in `active`; single linkage keeps the minimum.
        while active.count > 1 {
            var best = (Double.infinity, 0, 1)
            for a in 0..<active.count {
                for b in (a + 1)..<active.count where distance[a][b] < best.0 { best = (distance[a][b], a, b) }
            }
            let (_, a, b) = best
            let node = children.count
            children.append((active[a], active[b]))
            members.append((members[active[a]] + members[active[b]]).sorted())
            for k in 0..<active.count where k != a && k != b {
                let merged = Swift.min(distance[a][k], distance[b][k])
                distance[a][k] = merged
                distance[k][a] = merged
            }
            active[a] = node
            active.remove(at: b)
            distance.remove(at: b)
            for k in distance.indices { distance[k].remove(at: b) }
        }
        var result: [[Int]] = []
        var pending = [active[0]]
        while let node = pending.popLast() {
            if members[node].count <= maximumGroupSize {
                result.append(members[node])
            } else {
                pending.append(children[node].0)
                pending.append(children[node].1)
            }
        }
        return result.sorted { $0[0] < $1[0] }
    }
}
