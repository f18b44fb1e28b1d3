extension SimilarityDigest {
    /// How similar the two inputs were, from 0 (nothing in common) to 100 (identical digests).
    ///
    /// Only signatures cut at the same block size compare: the first with the first at equal block sizes, or one's
    /// double signature with the other's first when the block sizes differ by a factor of two. Anything else scores 0.
    public func similarity(to other: SimilarityDigest) -> Int {
        if self == other { return 100 }
        if blockSize == other.blockSize {
            let atSize = Self.score(Self.normalised(signature), Self.normalised(other.signature), blockSize: blockSize)
            let atDouble = Self.score(Self.normalised(doubleSignature), Self.normalised(other.doubleSignature), blockSize: blockSize * 2)
            return max(atSize, atDouble)
        }
        if blockSize == other.blockSize * 2 {
            return Self.score(Self.normalised(signature), Self.normalised(other.doubleSignature), blockSize: blockSize)
        }
        if other.blockSize == blockSize * 2 {
            return Self.score(Self.normalised(doubleSignature), Self.normalised(other.signature), blockSize: other.blockSize)
        }
        return 0
    }

    /// The block sizes a digest of this block size can score against.
    public var comparableBlockSizes: [Int] {
        blockSize > Self.minimumBlockSize ? [blockSize / 2, blockSize, blockSize * 2] : [blockSize, blockSize * 2]
    }

    /// The signature with runs of more than three equal characters cut to three: long runs come from padding and
    /// repeated structures and would otherwise dominate the score.
    static func normalised(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let count = out.count
            if count >= 3, out[count - 1] == byte, out[count - 2] == byte, out[count - 3] == byte { continue }
            out.append(byte)
        }
        return out
    }

    /// Length of the substring two signatures must share before they are scored at all; shorter agreements are chance.
    static let commonRun = 7

    /// Scores two signatures cut at the same block size: 0 without a common run of seven characters, otherwise 100
    /// minus the edit distance scaled to the signatures' combined length. Small block sizes are capped, because short
    /// inputs give too few pieces to claim a high match.
    static func score(_ a: [UInt8], _ b: [UInt8], blockSize: Int) -> Int {
        guard a.count >= commonRun, b.count >= commonRun, sharesRun(a, b) else { return 0 }
        let distance = editDistance(a, b)
        var score = 100 - distance * 100 / (a.count + b.count)
        let uncappedFrom = (99 + window) / window * minimumBlockSize
        if blockSize < uncappedFrom { score = min(score, blockSize / minimumBlockSize * min(a.count, b.count)) }
        return max(0, min(100, score))
    }

    /// Whether `a` and `b` have a substring of `commonRun` characters in common.
    static func sharesRun(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var runs = Set<UInt64>()
        runs.reserveCapacity(a.count)
        for key in runKeys(a) { runs.insert(key) }
        return runKeys(b).contains { runs.contains($0) }
    }

    /// Each run of `commonRun` characters packed into one integer (six bits per base64 character).
    static func runKeys(_ s: [UInt8]) -> [UInt64] {
        guard s.count >= commonRun else { return [] }
        var keys: [UInt64] = []
        keys.reserveCapacity(s.count - commonRun + 1)
        for start in 0...(s.count - commonRun) {
            var key: UInt64 = 0
            for offset in 0..<commonRun { key = key << 8 | UInt64(s[start + offset]) }
            keys.append(key)
        }
        return keys
    }

    /// Edit distance where an insertion or deletion costs 1 and a substitution 2 (a deletion plus an insertion), so the
    /// distance of two signatures is at most their combined length.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 2)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitute)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Keys under which an index files this digest: its runs of seven characters, tagged with the block size they were
    /// cut at. Two digests can score above 0 only if they share a key.
    public var runKeys: Set<RunKey> {
        var keys = Set<RunKey>()
        for key in Self.runKeys(Self.normalised(signature)) { keys.insert(RunKey(blockSize: blockSize, run: key)) }
        for key in Self.runKeys(Self.normalised(doubleSignature)) { keys.insert(RunKey(blockSize: blockSize * 2, run: key)) }
        return keys
    }

    /// A run of seven signature characters at one block size.
    public struct RunKey: Hashable, Sendable {
        public var blockSize: Int
        public var run: UInt64
    }
}
