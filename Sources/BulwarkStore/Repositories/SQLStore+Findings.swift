import BulwarkCore
import SQLKit

extension SQLStore {
    /// Stores findings of the principal's own organisation in one transaction; a finding with a known id is replaced.
    ///
    /// Each finding is also appended to the evidence ledger in the same transaction, so a stored finding is a logged one
    /// and the dashboard can link it to its proof bundle.
    public func record(_ findings: [Finding], by principal: Principal, origin: RequestOrigin) async throws {
        try requireWriter(principal)
        for finding in findings where finding.organisation != principal.organisation {
            throw AccessError.forbidden("finding \(finding.id) belongs to another organisation")
        }
        guard !findings.isEmpty else { return }
        let recordedAt = now()
        try await database.transactionSession { session in
            let db = session.sql
            let logged = try await Self.store(findings, organisation: principal.organisation, recordedAt: recordedAt, session)
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "findings.record",
                subject: "\(findings.count) findings",
                detail: Set(findings.map(\.kind)).sorted().joined(separator: ", ") + "; ledger entries \(logged.lowerBound)..<\(logged.upperBound)",
                origin: origin)
        }
    }

    /// Stored findings about one subject of an organisation the principal may read, most severe first.
    /// Writes findings (replacing any with the same id) and logs each in the evidence ledger, inside the caller's
    /// transaction: every path that stores findings goes through here, so a stored finding is always a logged one.
    @discardableResult
    static func store(
        _ findings: [Finding], organisation: Identifier<Organisation>, recordedAt: String, _ session: DatabaseSession
    ) async throws -> Range<UInt64> {
        let db = session.sql
        let org = organisation.rawValue
        for f in findings {
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
        guard !findings.isEmpty else { return 0..<0 }
        return try await logFindings(findings, organisation: organisation, recordedAt: recordedAt, session)
    }

    public func findings(about subject: Finding.Subject, organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [Finding]
    {
        let org = try readableOrganisation(organisation, for: principal)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id, org_id, subject_kind, subject_id, kind, severity, title, summary, location, rule, source, observed_at, rule_version
                FROM findings WHERE org_id = \(bind: org.rawValue) AND subject_kind = \(bind: subject.kind) AND subject_id = \(bind: subject.identifier)
                """
            ).all().map(Self.finding(from:)).sorted { $0.severity > $1.severity }
        }
    }

    static func finding(from row: any SQLRow) throws -> Finding {
        guard let subject = Finding.Subject(kind: try row.string("subject_kind"), identifier: try row.string("subject_id")),
            let severity = Severity(rawValue: try row.string("severity"))
        else { throw StoreError.corrupt("finding \(try row.string("id")) has an unknown subject kind or severity") }
        return Finding(
            id: .init(rawValue: try row.string("id")), organisation: .init(rawValue: try row.string("org_id")), subject: subject,
            kind: try row.string("kind"), severity: severity, title: try row.string("title"),
            evidence: .init(summary: try row.string("summary"), location: try row.optionalString("location"), rule: try row.string("rule")),
            provenance: .init(source: try row.string("source"), observedAt: try row.string("observed_at"), version: try row.string("rule_version")))
    }
}
