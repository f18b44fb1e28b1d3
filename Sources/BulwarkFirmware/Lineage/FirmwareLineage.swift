/// How much code releases of different product lines share, as a tree from trunk to product line to release, the pairs
/// of releases that share code, and the components that come from the same trunk.
///
/// A file of one release is *shared* with another release when that release holds a file with the same SHA-256
/// (identical bytes) or, for binaries, a similarity digest scoring at least `threshold` (a near-identical build).
public struct FirmwareLineage: Hashable, Sendable, Codable {
    /// One analysed release and the fingerprints of its files, as the lineage is computed from.
    public struct Input: Sendable {
        public var model: String
        public var productName: String
        public var version: String
        public var productLine: String?
        public var trunk: String?
        public var files: [FileFingerprint]

        public init(model: String, productName: String, version: String, productLine: String?, trunk: String?, files: [FileFingerprint]) {
            self.model = model
            self.productName = productName
            self.version = version
            self.productLine = productLine
            self.trunk = trunk
            self.files = files
        }

        public var label: String { "\(model) \(version)" }
    }

    /// One release: its size and how much of it also ships in releases of the trunk's other product lines.
    public struct Release: Hashable, Sendable, Codable {
        public var model: String
        public var productName: String
        public var version: String
        public var files: Int
        public var bytes: Int
        /// Bytes in files identical to a file of another product line of the trunk.
        public var identicalBytes: Int
        /// Bytes in binaries that are not identical but near-identical to one of another product line of the trunk.
        public var similarBytes: Int
        /// `identicalBytes + similarBytes` as a whole percentage of `bytes`.
        public var sharedPercent: Int
    }

    public struct ProductLine: Hashable, Sendable, Codable {
        public var name: String
        public var releases: [Release]
        /// The line's shared bytes as a whole percentage of all its releases' bytes.
        public var sharedPercent: Int
    }

    /// A component whose binary is identical or near-identical in releases of more than one product line of a trunk.
    public struct TrunkComponent: Hashable, Sendable, Codable {
        public var name: String
        /// The versions identified, sorted.
        public var versions: [String]
        /// `model version` of each release carrying the binary, sorted.
        public var releases: [String]
        /// Where the binary sits, sorted.
        public var files: [String]
        /// `identical` when every pair found has the same SHA-256, else `similar`.
        public var match: String
        /// The lowest score of the pairs that tie the releases together (100 for identical bytes).
        public var score: Int
    }

    public struct Trunk: Hashable, Sendable, Codable {
        /// The trunk the product lines declare, or `(no trunk)`.
        public var name: String
        public var productLines: [ProductLine]
        public var components: [TrunkComponent]
    }

    /// Two releases of different product lines and the code they share.
    public struct Pair: Hashable, Sendable, Codable {
        public var first: String
        public var second: String
        public var identicalFiles: Int
        public var identicalBytes: Int
        public var similarBinaries: Int
        public var similarBytes: Int
        /// Shared bytes of both releases as a whole percentage of both releases' bytes.
        public var sharedPercent: Int
    }

    public var threshold: Int
    public var trunks: [Trunk]
    /// Pairs sharing anything, most shared first.
    public var pairs: [Pair]

    /// The default similarity score at or above which two binaries count as near-identical builds.
    public static let defaultThreshold = 70
    /// Name of the tree's group for product lines without a declared trunk.
    public static let noTrunk = "(no trunk)"
    /// Name of the group for products without a product line.
    public static let noProductLine = "(no product line)"

    /// Computes the lineage of `inputs`; `threshold` is the lowest similarity score that counts as near-identical.
    public init(_ inputs: [Input], threshold: Int = defaultThreshold) {
        self.threshold = threshold
        let releases = inputs.sorted { ($0.model, $0.version) < ($1.model, $1.version) }
        let lines = releases.map { $0.productLine ?? Self.noProductLine }
        var bySHA: [String: [(release: Int, file: Int)]] = [:]
        var index = SimilarityIndex<(release: Int, file: Int)>()
        for (r, release) in releases.enumerated() {
            for (f, file) in release.files.enumerated() {
                bySHA[file.sha256, default: []].append((r, f))
                if file.isBinary, let digest = file.similarity { index.insert(digest, (r, f)) }
            }
        }

        // For each file, its best counterpart in every other release of another product line: (release, score, file).
        var counterparts: [[[Int: (score: Int, file: Int)]]] = releases.map { $0.files.map { _ in [:] } }
        for (r, release) in releases.enumerated() {
            for (f, file) in release.files.enumerated() {
                for other in bySHA[file.sha256] ?? [] where lines[other.release] != lines[r] {
                    counterparts[r][f][other.release] = (100, other.file)
                }
                guard file.isBinary, let digest = file.similarity else { continue }
                for hit in index.matches(digest, threshold: threshold) where lines[hit.value.release] != lines[r] {
                    if let existing = counterparts[r][f][hit.value.release], existing.score >= hit.score { continue }
                    counterparts[r][f][hit.value.release] = (hit.score, hit.value.file)
                }
            }
        }

        func identical(_ r: Int, _ f: Int, _ other: Int) -> Bool {
            guard let hit = counterparts[r][f][other] else { return false }
            return releases[other].files[hit.file].sha256 == releases[r].files[f].sha256
        }

        // Pairs across product lines.
        var pairs: [Pair] = []
        for a in releases.indices {
            for b in releases.indices where b > a && lines[a] != lines[b] {
                var pair = Pair(
                    first: releases[a].label, second: releases[b].label, identicalFiles: 0, identicalBytes: 0, similarBinaries: 0, similarBytes: 0,
                    sharedPercent: 0)
                var shared = 0
                for (r, other) in [(a, b), (b, a)] {
                    for (f, file) in releases[r].files.enumerated() where counterparts[r][f][other] != nil {
                        shared += file.size
                        // Counted once, from the first release's side.
                        guard r == a else { continue }
                        if identical(r, f, other) {
                            pair.identicalFiles += 1
                            pair.identicalBytes += file.size
                        } else {
                            pair.similarBinaries += 1
                            pair.similarBytes += file.size
                        }
                    }
                }
                let total = releases[a].files.reduce(0) { $0 + $1.size } + releases[b].files.reduce(0) { $0 + $1.size }
                pair.sharedPercent = Self.percent(shared, of: total)
                if shared > 0 { pairs.append(pair) }
            }
        }
        self.pairs = pairs.sorted { ($0.sharedPercent, $1.first, $1.second) > ($1.sharedPercent, $0.first, $0.second) }

        // The tree: per trunk, shared means shared with another product line of the same trunk.
        let trunkOf = releases.map { $0.trunk ?? Self.noTrunk }
        var trunks: [Trunk] = []
        for trunkName in Set(trunkOf).sorted() {
            let members = releases.indices.filter { trunkOf[$0] == trunkName }
            var productLines: [ProductLine] = []
            for lineName in Set(members.map { lines[$0] }).sorted() {
                var lineReleases: [Release] = []
                for r in members where lines[r] == lineName {
                    var identicalBytes = 0
                    var similarBytes = 0
                    for (f, file) in releases[r].files.enumerated() {
                        let others = counterparts[r][f].keys.filter { trunkOf[$0] == trunkName }
                        guard !others.isEmpty else { continue }
                        if others.contains(where: { identical(r, f, $0) }) { identicalBytes += file.size } else { similarBytes += file.size }
                    }
                    let bytes = releases[r].files.reduce(0) { $0 + $1.size }
                    lineReleases.append(
                        Release(
                            model: releases[r].model, productName: releases[r].productName, version: releases[r].version,
                            files: releases[r].files.count, bytes: bytes, identicalBytes: identicalBytes, similarBytes: similarBytes,
                            sharedPercent: Self.percent(identicalBytes + similarBytes, of: bytes)))
                }
                let bytes = lineReleases.reduce(0) { $0 + $1.bytes }
                let shared = lineReleases.reduce(0) { $0 + $1.identicalBytes + $1.similarBytes }
                productLines.append(ProductLine(name: lineName, releases: lineReleases, sharedPercent: Self.percent(shared, of: bytes)))
            }
            trunks.append(
                Trunk(
                    name: trunkName, productLines: productLines, components: Self.components(releases, members: members, counterparts: counterparts)))
        }
        self.trunks = trunks
    }

    /// Components whose binary in one release has a counterpart in a release of another product line of the trunk.
    private static func components(_ releases: [Input], members: [Int], counterparts: [[[Int: (score: Int, file: Int)]]]) -> [TrunkComponent] {
        let inTrunk = Set(members)
        var found: [String: TrunkComponent] = [:]
        for r in members {
            for (f, file) in releases[r].files.enumerated() {
                guard let name = file.component else { continue }
                for (other, hit) in counterparts[r][f] where inTrunk.contains(other) {
                    let counterpart = releases[other].files[hit.file]
                    var entry =
                        found[name] ?? TrunkComponent(name: name, versions: [], releases: [], files: [], match: "identical", score: 100)
                    for (release, fingerprint) in [(releases[r], file), (releases[other], counterpart)] {
                        if let version = fingerprint.componentVersion, !entry.versions.contains(version) { entry.versions.append(version) }
                        if !entry.releases.contains(release.label) { entry.releases.append(release.label) }
                        if !entry.files.contains(fingerprint.path) { entry.files.append(fingerprint.path) }
                    }
                    if counterpart.sha256 != file.sha256 { entry.match = "similar" }
                    entry.score = min(entry.score, hit.score)
                    found[name] = entry
                }
            }
        }
        return found.values.map { entry in
            var sorted = entry
            sorted.versions.sort()
            sorted.releases.sort()
            sorted.files.sort()
            return sorted
        }.sorted { $0.name < $1.name }
    }

    static func percent(_ part: Int, of whole: Int) -> Int { whole == 0 ? 0 : part * 100 / whole }
}
