import BulwarkCore
import SQLKit

extension SQLStore {
    /// The source name firmware analyses record their findings under; a new analysis of a release replaces them.
    public static let firmwareFindingSource = "firmware-scan"

    /// Stores what one firmware analysis found for a release of the principal's organisation, in one transaction: the
    /// release's components are replaced, its earlier firmware findings are replaced, and the change is audited.
    ///
    /// `findings` receives the release's identifier and returns the findings about it; it runs inside the transaction.
    @discardableResult
    public func recordFirmwareAnalysis(
        model: String, version: String, components: [ComponentInput], by principal: Principal, origin: RequestOrigin,
        findings: @escaping @Sendable (Identifier<FirmwareRelease>) -> [Finding]
    ) async throws -> Identifier<FirmwareRelease> {
        try requireWriter(principal)
        let org = principal.organisation.rawValue
        return try await database.transaction { db in
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
            try await db.raw(
                """
                DELETE FROM findings WHERE org_id = \(bind: org) AND subject_kind = 'release' AND subject_id = \(bind: releaseID.rawValue)
                AND source = \(bind: Self.firmwareFindingSource)
                """
            ).run()
            for f in made {
                try await db.raw("DELETE FROM findings WHERE id = \(bind: f.id.rawValue) AND org_id = \(bind: org)").run()
                try await db.raw(
                    """
                    INSERT INTO findings (id, org_id, subject_kind, subject_id, kind, severity, title, summary, location, rule, source, observed_at, rule_version)
                    VALUES (\(bind: f.id.rawValue), \(bind: org), \(bind: f.subject.kind), \(bind: f.subject.identifier), \(bind: f.kind),
                            \(bind: f.severity.rawValue), \(bind: f.title), \(bind: f.evidence.summary), \(bind: f.evidence.location), \(bind: f.evidence.rule),
                            \(bind: f.provenance.source), \(bind: f.provenance.observedAt), \(bind: f.provenance.version))
                    """
                ).run()
            }
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "firmware.analysis", subject: "\(model) \(version)",
                detail: "\(components.count) components, \(made.count) findings", origin: origin)
            return releaseID
        }
    }
}
