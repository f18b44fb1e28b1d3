import BulwarkCore
import BulwarkFirmware
import SQLKit

/// A private key or certificate found in a release, by fingerprint.
public struct FirmwareKeyRecord: Hashable, Sendable, Codable {
    public var fingerprint: String
    /// `private-key` or `certificate`.
    public var kind: String
    public var algorithm: String
    public var file: String

    public init(fingerprint: String, kind: String, algorithm: String, file: String) {
        self.fingerprint = fingerprint
        self.kind = kind
        self.algorithm = algorithm
        self.file = file
    }
}

/// One key found in more than one release of an organisation.
public struct SharedFirmwareKey: Hashable, Sendable, Codable {
    public var fingerprint: String
    public var kind: String
    public var algorithm: String
    /// `model version` of each release holding it, sorted.
    public var releases: [String]
    /// Where it sits in those images.
    public var files: [String]
}

extension SQLStore {
    /// The source name firmware analyses record their findings under; a new analysis of a release replaces them.
    public static let firmwareFindingSource = "firmware-scan"

    /// Stores what one firmware analysis found for a release of the principal's organisation, in one transaction: the
    /// release's components are replaced, its earlier firmware findings are replaced, and the change is audited.
    ///
    /// `fingerprints` replace the release's file fingerprints (see `firmwareLineage`).
    ///
    /// `findings` receives the release's identifier and returns the findings about it; it runs inside the transaction.
    @discardableResult
    public func recordFirmwareAnalysis(
        model: String, version: String, components: [ComponentInput], keys: [FirmwareKeyRecord] = [], fingerprints: [FileFingerprint] = [],
        by principal: Principal, origin: RequestOrigin,
        findings: @escaping @Sendable (Identifier<FirmwareRelease>) -> [Finding]
    ) async throws -> Identifier<FirmwareRelease> {
        try requireWriter(principal)
        let org = principal.organisation.rawValue
        return try await database.transactionSession { session in
            let db = session.sql
            let recordedAt = self.now()
            guard
                let row = try await db.raw(
                    """
                    SELECT r.id FROM firmware_releases r JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
                    WHERE r.org_id = \(bind: org) AND p.model = \(bind: model) AND r.version = \(bind: version)
                    """
                ).first()
            else { throw AccessError.notFound("release \(version) of \(model)") }
            let releaseID = Identifier<FirmwareRelease>(rawValue: try row.string("id"))
            let made = findings(releaseID)
            for finding in made where finding.organisation != principal.organisation || finding.subject != .release(releaseID) {
                throw AccessError.forbidden("finding \(finding.id) is not about release \(version) of \(model) of this organisation")
            }
            try await db.raw("DELETE FROM components WHERE org_id = \(bind: org) AND release_id = \(bind: releaseID.rawValue)").run()
            for c in components {
                let id = Identifier<Component>.derived(from: org, releaseID.rawValue, c.name, c.version).rawValue
                try await db.raw(
                    """
                    INSERT INTO components (id, org_id, release_id, name, version, supplier, purl, cpe)
                    VALUES (\(bind: id), \(bind: org), \(bind: releaseID.rawValue), \(bind: c.name), \(bind: c.version), \(bind: c.supplier), \(bind: c.purl), \(bind: c.cpe))
                    """
                ).run()
            }
            try await db.raw("DELETE FROM firmware_keys WHERE org_id = \(bind: org) AND release_id = \(bind: releaseID.rawValue)").run()
            for key in Set(keys) {
                try await db.raw(
                    """
                    INSERT INTO firmware_keys (org_id, release_id, fingerprint, kind, algorithm, file)
                    VALUES (\(bind: org), \(bind: releaseID.rawValue), \(bind: key.fingerprint), \(bind: key.kind), \(bind: key.algorithm), \(bind: key.file))
                    """
                ).run()
            }
            try await Self.replaceFingerprints(fingerprints, release: releaseID, organisation: org, db)
            try await db.raw(
                """
                DELETE FROM findings WHERE org_id = \(bind: org) AND subject_kind = 'release' AND subject_id = \(bind: releaseID.rawValue)
                AND source = \(bind: Self.firmwareFindingSource)
                """
            ).run()
            try await Self.store(made, organisation: principal.organisation, recordedAt: recordedAt, session)
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "firmware.analysis", subject: "\(model) \(version)",
                detail: "\(components.count) components, \(keys.count) keys, \(fingerprints.count) files, \(made.count) findings", origin: origin)
            return releaseID
        }
    }

    /// Keys that occur in more than one release of an organisation the principal may read: one private key shipped to
    /// every device of several releases or products.
    public func sharedFirmwareKeys(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [SharedFirmwareKey] {
        let org = try readableOrganisation(organisation, for: principal)
        let rows = try await database.withConnection { db in
            try await db.raw(
                """
                SELECT k.fingerprint, k.kind, k.algorithm, k.file, p.model, r.version FROM firmware_keys k
                JOIN firmware_releases r ON r.id = k.release_id AND r.org_id = k.org_id
                JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
                WHERE k.org_id = \(bind: org.rawValue) AND k.fingerprint IN (
                    SELECT fingerprint FROM firmware_keys WHERE org_id = \(bind: org.rawValue) GROUP BY fingerprint HAVING COUNT(DISTINCT release_id) > 1)
                ORDER BY k.fingerprint
                """
            ).all().map { row in
                (
                    fingerprint: try row.string("fingerprint"), kind: try row.string("kind"), algorithm: try row.string("algorithm"),
                    file: try row.string("file"), release: "\(try row.string("model")) \(try row.string("version"))"
                )
            }
        }
        var shared: [String: SharedFirmwareKey] = [:]
        for row in rows {
            var key =
                shared[row.fingerprint]
                ?? SharedFirmwareKey(fingerprint: row.fingerprint, kind: row.kind, algorithm: row.algorithm, releases: [], files: [])
            if !key.releases.contains(row.release) { key.releases.append(row.release) }
            if !key.files.contains(row.file) { key.files.append(row.file) }
            shared[row.fingerprint] = key
        }
        return shared.values.map { key in
            var sorted = key
            sorted.releases.sort()
            sorted.files.sort()
            return sorted
        }.sorted { ($0.releases.count, $1.fingerprint) > ($1.releases.count, $0.fingerprint) }
    }
}
