import BulwarkCore
import BulwarkLedger
import SQLKit

/// Where a finding is in the evidence ledger.
public struct FindingLedgerEntry: Hashable, Sendable {
    /// The leaf index of the entry that logs the finding.
    public let index: UInt64
    /// Whether a published checkpoint covers the entry, so that a proof bundle can be made for it now.
    public let provable: Bool
}

extension SQLStore {
    /// Appends findings of `organisation` to the ledger and notes which entry logs which, inside the caller's transaction.
    static func logFindings(
        _ findings: [Finding], organisation: Identifier<Organisation>, recordedAt: String, _ session: DatabaseSession
    ) async throws -> Range<UInt64> {
        let items = try findings.map { try LedgerItem(kind: LedgerEntry.Kind.finding, value: $0) }
        let range = try await appendEntries(items, organisation: organisation.rawValue, recordedAt: recordedAt, session)
        var rows: [[DatabaseSession.Value]] = []
        for (index, (finding, item)) in zip(range, zip(findings, items)) {
            rows.append([.text(organisation.rawValue), .text(finding.id.rawValue), .integer(Int(index)), .text(Self.digest(item.payload))])
        }
        for chunk in stride(from: 0, to: rows.count, by: 1000) {
            try await session.insert(
                into: "ledger_findings", columns: ["org_id", "finding_id", "idx", "payload_sha256"],
                values: Array(rows[chunk..<min(chunk + 1000, rows.count)]))
        }
        return range
    }

    /// For each finding that is logged exactly as given, the newest entry that logs it.
    ///
    /// A finding never logged, or changed since it was logged, has no entry; so does one of an organisation the
    /// principal may not read.
    public func ledgerEntries(of findings: [Finding], for principal: Principal) async throws -> [Identifier<Finding>: FindingLedgerEntry] {
        let readable = findings.filter { principal.canRead($0.organisation) }
        guard !readable.isEmpty else { return [:] }
        var wanted: [String: [Identifier<Finding>: String]] = [:]
        for finding in readable {
            wanted[finding.organisation.rawValue, default: [:]][finding.id] = Self.digest(
                try LedgerItem(kind: LedgerEntry.Kind.finding, value: finding).payload)
        }
        let digests = wanted
        return try await database.withConnection { db in
            let covered =
                try await db.raw("SELECT size FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").first().map { UInt64(try $0.int("size")) } ?? 0
            var found: [Identifier<Finding>: FindingLedgerEntry] = [:]
            for (organisation, digests) in digests {
                var query = SQLQueryString("SELECT finding_id, idx, payload_sha256 FROM ledger_findings WHERE org_id = ")
                query.appendInterpolation(bind: organisation)
                query.appendLiteral(" AND finding_id IN (")
                for (offset, id) in digests.keys.enumerated() {
                    if offset > 0 { query.appendLiteral(", ") }
                    query.appendInterpolation(bind: id.rawValue)
                }
                query.appendLiteral(")")
                for row in try await db.raw(query).all() {
                    let id = Identifier<Finding>(rawValue: try row.string("finding_id"))
                    let index = UInt64(try row.int("idx"))
                    guard digests[id] == (try row.string("payload_sha256")), index >= found[id]?.index ?? 0 else { continue }
                    found[id] = FindingLedgerEntry(index: index, provable: index < covered)
                }
            }
            return found
        }
    }

    static func digest(_ payload: String) -> String {
        var digest = EvidenceDigest()
        digest.update(Array(payload.utf8))
        return digest.finalize()
    }
}
