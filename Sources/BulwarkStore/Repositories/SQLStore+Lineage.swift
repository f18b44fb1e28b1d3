import BulwarkCore
import BulwarkFirmware
import BulwarkVulnerability
import SQLKit

extension SQLStore {
    /// Rows per multi-row insert: ten parameters each keeps a statement far below PostgreSQL's 65,535 parameters.
    static let fingerprintBatch = 200

    /// Replaces a release's file fingerprints inside the caller's transaction.
    static func replaceFingerprints(
        _ fingerprints: [FileFingerprint], release: Identifier<FirmwareRelease>, organisation org: String, _ db: any SQLDatabase
    )
        async throws
    {
        try await db.raw("DELETE FROM firmware_fingerprints WHERE org_id = \(bind: org) AND release_id = \(bind: release.rawValue)").run()
        var seen = Set<String>()
        let unique = fingerprints.filter { seen.insert($0.path).inserted }
        var start = 0
        while start < unique.count {
            let batch = unique[start..<min(start + fingerprintBatch, unique.count)]
            var sql: SQLQueryString =
                """
                INSERT INTO firmware_fingerprints
                (org_id, release_id, path, size, sha256, similarity, block_size, binary_file, component, component_version) VALUES
                """
            for (offset, f) in batch.enumerated() {
                sql += offset == 0 ? " " : ", "
                sql += """
                    (\(bind: org), \(bind: release.rawValue), \(bind: f.path), \(bind: f.size), \(bind: f.sha256), \(bind: f.similarity?.description), \
                    \(bind: f.similarity?.blockSize), \(bind: f.isBinary ? 1 : 0), \(bind: f.component), \(bind: f.componentVersion))
                    """
            }
            try await db.raw(sql).run()
            start += fingerprintBatch
        }
    }

    /// How much code the analysed releases of one readable organisation share across product lines, as a tree from trunk
    /// to product line to release, with the components that come from the same trunk.
    public func firmwareLineage(
        organisation: Identifier<Organisation>?, threshold: Int = FirmwareLineage.defaultThreshold, for principal: Principal
    )
        async throws -> FirmwareLineage
    {
        guard (1...100).contains(threshold) else { throw StoreError.invalid("the similarity threshold must be 1 to 100, not \(threshold)") }
        let org = try readableOrganisation(organisation, for: principal).rawValue
        return try await database.withConnection { db in
            var inputs: [String: FirmwareLineage.Input] = [:]
            for row in try await db.raw(
                """
                SELECT r.id, r.version, p.model, p.name AS product_name, l.name AS line_name, l.trunk FROM firmware_releases r
                JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
                LEFT JOIN product_lines l ON l.id = p.product_line_id AND l.org_id = p.org_id
                WHERE r.org_id = \(bind: org) AND EXISTS (
                    SELECT 1 FROM firmware_fingerprints f WHERE f.org_id = r.org_id AND f.release_id = r.id)
                """
            ).all() {
                inputs[try row.string("id")] = FirmwareLineage.Input(
                    model: try row.string("model"), productName: try row.string("product_name"), version: try row.string("version"),
                    productLine: try row.optionalString("line_name"), trunk: try row.optionalString("trunk"), files: [])
            }
            for row in try await db.raw(
                """
                SELECT release_id, path, size, sha256, similarity, binary_file, component, component_version FROM firmware_fingerprints
                WHERE org_id = \(bind: org) ORDER BY release_id, path
                """
            ).all() {
                let release = try row.string("release_id")
                inputs[release]?.files.append(try Self.fingerprint(from: row))
            }
            return FirmwareLineage(Array(inputs.values), threshold: threshold)
        }
    }

    static func fingerprint(from row: any SQLRow) throws -> FileFingerprint {
        var digest: SimilarityDigest?
        if let text = try row.optionalString("similarity") {
            do {
                digest = try SimilarityDigest(parsing: text)
            } catch {
                throw StoreError.corrupt("fingerprint of \(try row.string("path")): \(error.description)")
            }
        }
        return FileFingerprint(
            path: try row.string("path"), size: try row.int("size"), sha256: try row.string("sha256"), similarity: digest,
            isBinary: try row.int("binary_file") != 0, component: try row.optionalString("component"),
            componentVersion: try row.optionalString("component_version"))
    }

    /// Releases outside `matched` that carry a binary identical or near-identical (score at least `threshold`) to a binary
    /// in which the component `names` was identified in a matched release: the same trunk binary, found by digest even
    /// where no version string was identified.
    func trunkBinaryReleases(
        names: Set<String>, matched: Set<String>, organisation org: String, threshold: Int = FirmwareLineage.defaultThreshold, _ db: any SQLDatabase
    ) async throws -> [BlastRadius.TrunkBinaryRelease] {
        guard !names.isEmpty, !matched.isEmpty else { return [] }
        var sources: [FileFingerprint] = []
        var sql: SQLQueryString =
            """
            SELECT release_id, path, size, sha256, similarity, binary_file, component, component_version FROM firmware_fingerprints
            WHERE org_id = \(bind: org) AND binary_file = 1 AND component IN (
            """
        for (index, name) in names.sorted().enumerated() { sql += index == 0 ? "\(bind: name)" : ", \(bind: name)" }
        sql += ")"
        for row in try await db.raw(sql).all() where matched.contains(try row.string("release_id")) {
            sources.append(try Self.fingerprint(from: row))
        }
        guard !sources.isEmpty else { return [] }
        let hashes = Set(sources.map(\.sha256))
        let blockSizes = Set(sources.compactMap(\.similarity).flatMap(\.comparableBlockSizes))
        var candidates: SQLQueryString =
            """
            SELECT f.release_id, f.path, f.size, f.sha256, f.similarity, f.binary_file, f.component, f.component_version,
                   r.version, r.released_on, p.model, p.name AS product_name, l.name AS line_name, l.trunk,
                   (SELECT COUNT(*) FROM devices d WHERE d.release_id = r.id AND d.org_id = r.org_id) AS devices
            FROM firmware_fingerprints f
            JOIN firmware_releases r ON r.id = f.release_id AND r.org_id = f.org_id
            JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
            LEFT JOIN product_lines l ON l.id = p.product_line_id AND l.org_id = p.org_id
            WHERE f.org_id = \(bind: org) AND f.binary_file = 1 AND (f.sha256 IN (
            """
        for (index, hash) in hashes.sorted().enumerated() { candidates += index == 0 ? "\(bind: hash)" : ", \(bind: hash)" }
        candidates += ")"
        if !blockSizes.isEmpty {
            candidates += " OR f.block_size IN ("
            for (index, size) in blockSizes.sorted().enumerated() { candidates += index == 0 ? "\(bind: size)" : ", \(bind: size)" }
            candidates += ")"
        }
        candidates += ")"
        var index = SimilarityIndex<FileFingerprint>()
        for source in sources { if let digest = source.similarity { index.insert(digest, source) } }
        var best: [String: BlastRadius.TrunkBinaryRelease] = [:]
        for row in try await db.raw(candidates).all() {
            let releaseID = try row.string("release_id")
            guard !matched.contains(releaseID) else { continue }
            let candidate = try Self.fingerprint(from: row)
            var hit: (source: FileFingerprint, score: Int)?
            if let same = sources.first(where: { $0.sha256 == candidate.sha256 }) {
                hit = (same, 100)
            } else if let digest = candidate.similarity {
                hit = index.matches(digest, threshold: threshold).max { $0.score < $1.score }.map { ($0.value, $0.score) }
            }
            guard let hit else { continue }
            let found = BlastRadius.TrunkBinaryRelease(
                productLine: try row.optionalString("line_name") ?? FirmwareLineage.noProductLine, trunk: try row.optionalString("trunk"),
                model: try row.string("model"), productName: try row.string("product_name"), version: try row.string("version"),
                releasedOn: try row.optionalString("released_on"), file: candidate.path, component: hit.source.component ?? "",
                identifiedVersion: candidate.component == hit.source.component ? candidate.componentVersion : nil,
                match: hit.score == 100 && candidate.sha256 == hit.source.sha256 ? "identical" : "similar", score: hit.score,
                devices: try row.int("devices"))
            if let existing = best[releaseID], existing.score >= found.score { continue }
            best[releaseID] = found
        }
        return best.values.sorted { ($0.productLine, $0.model, $0.version) < ($1.productLine, $1.model, $1.version) }
    }
}
