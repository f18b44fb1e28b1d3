import BulwarkCore
import Foundation
import SQLKit

/// A device's network identity, for telling which device a packet or flow belongs to.
public struct DeviceNetworkIdentity: Hashable, Sendable {
    public var id: Identifier<Device>
    public var serial: String
    public var ipAddress: String?
    public var macAddress: String?
}

/// The counters of one traffic analysis: what was read, how much of it was bad, how many alerts came of it.
public struct TrafficAnalysisRecord: Hashable, Sendable, Codable {
    public var id: String
    public var files: [String]
    public var packets: Int
    public var flows: Int
    public var lookups: Int
    public var badInput: Int
    public var alerts: Int
    /// Bad-input counters by kind, e.g. `["truncated-packet": 3]`.
    public var counters: [String: Int]

    public init(id: String, files: [String], packets: Int, flows: Int, lookups: Int, badInput: Int, alerts: Int, counters: [String: Int]) {
        self.id = id
        self.files = files
        self.packets = packets
        self.flows = flows
        self.lookups = lookups
        self.badInput = badInput
        self.alerts = alerts
        self.counters = counters
    }
}

extension SQLStore {
    /// The network identities of the devices of an organisation the principal may read.
    public func deviceNetworkIdentities(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [DeviceNetworkIdentity] {
        let org = try readableOrganisation(organisation, for: principal)
        return try await database.withConnection { db in
            try await db.raw("SELECT id, serial, ip, mac FROM devices WHERE org_id = \(bind: org.rawValue) AND (ip IS NOT NULL OR mac IS NOT NULL)").all()
                .map { row in
                    DeviceNetworkIdentity(
                        id: .init(rawValue: try row.string("id")), serial: try row.string("serial"), ipAddress: try row.optionalString("ip"),
                        macAddress: try row.optionalString("mac"))
                }
        }
    }

    /// Stores a traffic analysis's counters and its alerts as findings of the principal's organisation, with the audit
    /// event, in one transaction: all of it or nothing. A finding with a known id is replaced, so analysing the same
    /// capture again does not duplicate its alerts.
    public func recordTrafficAnalysis(_ run: TrafficAnalysisRecord, findings: [Finding], by principal: Principal, origin: RequestOrigin) async throws {
        try requireWriter(principal)
        for finding in findings where finding.organisation != principal.organisation {
            throw AccessError.forbidden("finding \(finding.id) belongs to another organisation")
        }
        let counters = String(decoding: try JSONEncoder.sorted.encode(run.counters), as: UTF8.self)
        let files = String(decoding: try JSONEncoder.sorted.encode(run.files), as: UTF8.self)
        let org = principal.organisation.rawValue
        try await database.transactionSession { session in
            let db = session.sql
            let recordedAt = self.now()
            try await Self.store(findings, organisation: principal.organisation, recordedAt: recordedAt, session)
            try await db.raw(
                """
                INSERT INTO traffic_analyses (id, org_id, at, files, packets, flows, lookups, bad_input, alerts, counters)
                VALUES (\(bind: run.id), \(bind: org), \(bind: now()), \(bind: files), \(bind: run.packets), \(bind: run.flows), \(bind: run.lookups),
                        \(bind: run.badInput), \(bind: run.alerts), \(bind: counters))
                """
            ).run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "traffic.analyse", subject: run.files.joined(separator: ", "),
                detail: "\(run.packets) packets, \(run.flows) flows, \(run.badInput) bad input, \(findings.count) alerts", origin: origin)
        }
    }

    /// The traffic analyses of an organisation the principal may read, newest first.
    public func trafficAnalyses(organisation: Identifier<Organisation>?, for principal: Principal, limit: Int = 50) async throws -> [TrafficAnalysisRecord] {
        let org = try readableOrganisation(organisation, for: principal)
        let limit = min(max(limit, 1), 1000)
        return try await database.withConnection { db in
            try await db.raw(
                """
                SELECT id, files, packets, flows, lookups, bad_input, alerts, counters FROM traffic_analyses
                WHERE org_id = \(bind: org.rawValue) ORDER BY at DESC, id DESC LIMIT \(bind: limit)
                """
            ).all().map { row in
                TrafficAnalysisRecord(
                    id: try row.string("id"), files: (try? JSONDecoder().decode([String].self, from: Data(try row.string("files").utf8))) ?? [],
                    packets: try row.int("packets"), flows: try row.int("flows"), lookups: try row.int("lookups"), badInput: try row.int("bad_input"),
                    alerts: try row.int("alerts"),
                    counters: (try? JSONDecoder().decode([String: Int].self, from: Data(try row.string("counters").utf8))) ?? [:])
            }
        }
    }
}

extension JSONEncoder {
    fileprivate static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
