import BulwarkCore
import BulwarkVulnerability
import Foundation
import SQLKit

/// Keeps one ``AdvisoryIndex`` between requests. Building it reads every stored advisory, so it is rebuilt only when
/// the feed import log has grown since, and concurrent callers share one build.
actor AdvisoryIndexCache {
    private var generation = -1
    private var built: AdvisoryIndex?
    private var building: (generation: Int, task: Task<AdvisoryIndex, any Error>)?

    func index(generation: Int, load: @escaping @Sendable () async throws -> AdvisoryIndex) async throws -> AdvisoryIndex {
        if let built, self.generation == generation { return built }
        if let building, building.generation == generation { return try await building.task.value }
        let task = Task { try await load() }
        building = (generation, task)
        defer { if building?.generation == generation { building = nil } }
        let index = try await task.value
        if generation >= self.generation {
            self.generation = generation
            built = index
        }
        return index
    }
}

/// One firmware release of an organisation with what matched its components.
public struct ReleaseVulnerabilities: Hashable, Sendable, Codable {
    public var releaseID: String
    public var productModel: String
    public var productName: String
    public var productLine: String?
    public var trunk: String?
    public var version: String
    public var releasedOn: CalendarDay?
    public var supportUntil: CalendarDay?
    public var devices: Int
    public var components: Int
    public var matches: [VulnerabilityMatch]

    /// Matches nobody has marked not affected or fixed.
    public var open: [VulnerabilityMatch] { matches.filter { !($0.vex?.status.suppresses ?? false) } }
}

/// One vulnerability across an organisation's releases: where it is, how many devices carry it, how urgent it is.
public struct FleetVulnerability: Hashable, Sendable, Codable {
    public var id: String
    public var match: VulnerabilityMatch
    public var components: [String]
    public var releases: [String]
    public var devices: Int
    /// Every match of it has a VEX statement of not_affected or fixed.
    public var suppressed: Bool
}

/// Whether a device (or every device on one release) should be updated, and why, in words an owner understands.
public struct UpdateAdvice: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        /// A newer release fixes known vulnerabilities, or this release is out of support and a newer one exists.
        case updateRequired = "update_required"
        /// Out of support and no newer release exists: the device cannot be made safe by updating.
        case unsupported
        /// Known vulnerabilities remain and no newer release fixes them: the manufacturer has an update to ship.
        case noUpdateAvailable = "no_update_available"
        /// No known vulnerabilities and within support.
        case upToDate = "up_to_date"
        /// The device's release is not in the inventory.
        case unknown
    }

    public var status: Status
    public var updateRequired: Bool { status == .updateRequired || status == .unsupported }
    public var currentRelease: String?
    public var recommendedRelease: String?
    public var pastSupport: Bool
    public var supportUntil: CalendarDay?
    /// Vulnerabilities of the current release that the recommended release no longer has.
    public var fixes: [String]
    /// Open vulnerabilities of the current release.
    public var known: [String]
    public var reason: String
}

extension SQLStore {
    /// Every stored advisory, filed for matching; kept in memory and rebuilt after a feed import.
    public func advisoryIndex() async throws -> AdvisoryIndex {
        let generation = try await database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM feed_imports").first()?.int("n") ?? 0
        }
        let database = database
        return try await advisoryCache.index(generation: generation) { try await Self.loadIndex(database) }
    }

    private static func loadIndex(_ database: Database) async throws -> AdvisoryIndex {
        let records = try await database.withConnection { db in
            try await db.raw("SELECT id, record FROM advisories WHERE withdrawn IS NULL ORDER BY id").all().map {
                (try $0.string("id"), try $0.string("record"))
            }
        }
        // Decoding is most of the cost: spread it over the cores.
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let chunk = (records.count + workers - 1) / max(workers, 1)
        let parts = try await withThrowingTaskGroup(of: (Int, [Advisory]).self) { group in
            for worker in 0..<workers where worker * chunk < records.count {
                let slice = records[(worker * chunk)..<min(records.count, (worker + 1) * chunk)]
                group.addTask {
                    let decoder = JSONDecoder()
                    return (
                        worker,
                        try slice.map { id, record in
                            do {
                                return try decoder.decode(Advisory.self, from: Data(record.utf8))
                            } catch {
                                throw StoreError.corrupt("advisory \(id): its stored record does not decode (\(error))")
                            }
                        }
                    )
                }
            }
            var parts: [(Int, [Advisory])] = []
            for try await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        return AdvisoryIndex(parts)
    }

    /// Matches components against every stored advisory, with KEV and EPSS beside each match. No tenant data is read.
    public func match(_ components: [ComponentIdentity]) async throws -> [VulnerabilityMatch] {
        try await enrich(try await advisoryIndex().matches(for: components), vex: [:])
    }

    /// Matches components and adds the VEX statements an organisation the principal may read has made about them.
    public func match(
        _ components: [ComponentIdentity], organisation: Identifier<Organisation>?, for principal: Principal
    ) async throws -> [VulnerabilityMatch] {
        let org = try readableOrganisation(organisation, for: principal)
        let statements = try await vexIndex(org)
        return try await enrich(try await advisoryIndex().matches(for: components), vex: statements)
    }

    func enrich(_ matches: [VulnerabilityMatch], vex: [String: VEXStatement]) async throws -> [VulnerabilityMatch] {
        let cves = Array(Set(matches.compactMap(\.cve)))
        let kev = try await kevEntries(for: cves)
        let epss = try await epssScores(for: cves)
        return matches.map { match in
            var match = match
            if let cve = match.cve {
                if let entry = kev[cve] {
                    match.kev = KEVStatus(dateAdded: entry.dateAdded, dueDate: entry.dueDate, knownRansomwareUse: entry.knownRansomwareCampaignUse == "Known")
                }
                match.epss = epss[cve]
            }
            match.vex = match.ids.lazy.compactMap { vex[Self.vexKey($0, match.component.key)] }.first
            return match
        }
    }

    /// EPSS figures of CVEs.
    public func epssScores(for cves: [String]) async throws -> [String: EPSSStatus] {
        try await database.withConnection { db in
            var found: [String: EPSSStatus] = [:]
            for chunk in Self.batches(cves.map { [$0] }, size: 500) {
                var sql: SQLQueryString = "SELECT cve_id, probability, percentile FROM epss_scores WHERE cve_id IN ("
                for (index, row) in chunk.enumerated() { sql += index == 0 ? "\(bind: row[0])" : ", \(bind: row[0])" }
                sql += ")"
                for row in try await db.raw(sql).all() {
                    guard let probability = Double(try row.string("probability")), let percentile = Double(try row.string("percentile")) else {
                        throw StoreError.corrupt("EPSS score of \(try row.string("cve_id")) is not a number")
                    }
                    found[try row.string("cve_id")] = EPSSStatus(probability: probability, percentile: percentile)
                }
            }
            return found
        }
    }

    // MARK: VEX

    static func vexKey(_ vulnerability: String, _ component: String) -> String { vulnerability + "\u{1F}" + component }

    private func vexIndex(_ org: Identifier<Organisation>) async throws -> [String: VEXStatement] {
        var index: [String: VEXStatement] = [:]
        for statement in try await vexStatements(org) { index[Self.vexKey(statement.vulnerability, statement.component)] = statement }
        return index
    }

    private func vexStatements(_ org: Identifier<Organisation>) async throws -> [VEXStatement] {
        try await database.withConnection { db in
            try await db.raw(
                """
                SELECT vulnerability, component, status, justification, detail, author, stated_at FROM vex_statements
                WHERE org_id = \(bind: org.rawValue) ORDER BY vulnerability, component
                """
            ).all().map { row in
                let status = try row.string("status")
                guard let parsed = VEXStatement.Status(rawValue: status) else { throw StoreError.corrupt("VEX status \"\(status)\" is not one Bulwark knows") }
                return VEXStatement(
                    vulnerability: try row.string("vulnerability"), component: try row.string("component"), status: parsed,
                    justification: try row.optionalString("justification").flatMap(VEXStatement.Justification.init(rawValue:)),
                    detail: try row.optionalString("detail"), author: try row.string("author"), timestamp: try row.string("stated_at"))
            }
        }
    }

    /// The VEX statements of an organisation the principal may read.
    public func vexStatements(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [VEXStatement] {
        try await vexStatements(try readableOrganisation(organisation, for: principal))
    }

    /// Records the principal's organisation's verdict on one vulnerability in one component, replacing an earlier one.
    @discardableResult
    public func setVEX(
        vulnerability: String, component: String, status: VEXStatement.Status, justification: VEXStatement.Justification?, detail: String?,
        by principal: Principal, origin: RequestOrigin
    ) async throws -> VEXStatement {
        try requireWriter(principal)
        if let problem = VEXStatement.problem(status: status, justification: justification, detail: detail) { throw StoreError.invalid(problem) }
        guard !vulnerability.isEmpty, vulnerability.count <= 200, !component.isEmpty, component.count <= 2_000 else {
            throw StoreError.invalid("a VEX statement names one vulnerability id (at most 200 characters) and one component key")
        }
        let statement = VEXStatement(
            vulnerability: vulnerability, component: component, status: status, justification: justification, detail: detail,
            author: principal.auditName, timestamp: now())
        let org = principal.organisation.rawValue
        try await database.transaction { db in
            try await db.raw(
                "DELETE FROM vex_statements WHERE org_id = \(bind: org) AND vulnerability = \(bind: vulnerability) AND component = \(bind: component)"
            ).run()
            try await db.raw(
                """
                INSERT INTO vex_statements (org_id, vulnerability, component, status, justification, detail, author, stated_at)
                VALUES (\(bind: org), \(bind: vulnerability), \(bind: component), \(bind: status.rawValue), \(bind: justification?.rawValue),
                        \(bind: detail), \(bind: statement.author), \(bind: statement.timestamp))
                """
            ).run()
            try await audit(
                db, organisation: principal.organisation, actor: principal.auditName, action: "vex.set", subject: "\(vulnerability) in \(component)",
                detail: status.rawValue + (justification.map { " (\($0.rawValue))" } ?? ""), origin: origin)
        }
        return statement
    }

    // MARK: Releases, fleet, updates

    /// Every release of a readable organisation that lists components, with its matches (KEV, EPSS and the
    /// organisation's VEX statements included) and the number of devices running it.
    public func releaseVulnerabilities(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [ReleaseVulnerabilities] {
        let org = try readableOrganisation(organisation, for: principal)
        let o = org.rawValue
        let (releases, components) = try await database.withConnection { db in
            let releases = try await db.raw(
                """
                SELECT r.id, p.model, p.name AS product_name, l.name AS line_name, l.trunk, r.version, r.released_on, r.support_until,
                       (SELECT COUNT(*) FROM devices d WHERE d.org_id = r.org_id AND d.release_id = r.id) AS devices
                FROM firmware_releases r JOIN products p ON p.id = r.product_id AND p.org_id = r.org_id
                LEFT JOIN product_lines l ON l.id = p.product_line_id AND l.org_id = p.org_id
                WHERE r.org_id = \(bind: o) ORDER BY p.model, r.released_on, r.version
                """
            ).all().map { row in
                ReleaseVulnerabilities(
                    releaseID: try row.string("id"), productModel: try row.string("model"), productName: try row.string("product_name"),
                    productLine: try row.optionalString("line_name"), trunk: try row.optionalString("trunk"), version: try row.string("version"),
                    releasedOn: try row.day("released_on"), supportUntil: try row.day("support_until"), devices: try row.int("devices"), components: 0,
                    matches: [])
            }
            var components: [String: [ComponentIdentity]] = [:]
            for row in try await db.raw("SELECT release_id, name, version, purl, cpe FROM components WHERE org_id = \(bind: o)").all() {
                components[try row.string("release_id"), default: []].append(
                    ComponentIdentity(
                        name: try row.string("name"), version: try row.string("version"), purl: try row.optionalString("purl"),
                        cpe: try row.optionalString("cpe")))
            }
            return (releases, components)
        }
        let index = try await advisoryIndex()
        var byComponent: [String: [VulnerabilityMatch]] = [:]
        var raw: [VulnerabilityMatch] = []
        for list in components.values {
            for component in list where byComponent[component.key] == nil {
                let found = index.matches(for: component)
                byComponent[component.key] = found
                raw += found
            }
        }
        var enriched: [String: [VulnerabilityMatch]] = [:]
        for match in try await enrich(raw, vex: try await vexIndex(org)) { enriched[match.component.key, default: []].append(match) }
        return releases.map { release in
            var release = release
            let list = components[release.releaseID] ?? []
            release.components = list.count
            release.matches = list.flatMap { enriched[$0.key] ?? [] }.sorted { ($0.priority, $0.advisoryID) < ($1.priority, $1.advisoryID) }
            return release
        }
    }

    /// An organisation's vulnerabilities, most urgent first, each with the releases and number of devices that carry it.
    public func fleetVulnerabilities(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [FleetVulnerability] {
        Self.fleetVulnerabilities(in: try await releaseVulnerabilities(organisation: organisation, for: principal))
    }

    /// The vulnerabilities of releases already matched (one organisation's), grouped and ordered as above.
    public static func fleetVulnerabilities(in releases: [ReleaseVulnerabilities]) -> [FleetVulnerability] {
        var grouped: [String: FleetVulnerability] = [:]
        for release in releases {
            for match in release.matches {
                let id = match.cve ?? match.advisoryID
                let component = "\(match.component.name) \(match.component.version)"
                let name = "\(release.productModel) \(release.version)"
                var entry = grouped[id] ?? FleetVulnerability(id: id, match: match, components: [], releases: [], devices: 0, suppressed: true)
                if !entry.components.contains(component) { entry.components.append(component) }
                if !entry.releases.contains(name) {
                    entry.releases.append(name)
                    entry.devices += release.devices
                }
                if match.confidence > entry.match.confidence { entry.match = match }
                entry.suppressed = entry.suppressed && (match.vex?.status.suppresses ?? false)
                grouped[id] = entry
            }
        }
        return grouped.values.sorted { a, b in
            if a.suppressed != b.suppressed { return !a.suppressed }
            if a.match.priority != b.match.priority { return a.match.priority < b.match.priority }
            if a.devices != b.devices { return a.devices > b.devices }
            return a.id < b.id
        }
    }

    /// Update advice for every release of a readable organisation, by release id.
    public func updateAdvice(organisation: Identifier<Organisation>?, for principal: Principal) async throws -> [String: UpdateAdvice] {
        updateAdvice(for: try await releaseVulnerabilities(organisation: organisation, for: principal))
    }

    /// Update advice for releases already matched (all of one organisation's), by release id, as of the store's clock.
    public func updateAdvice(for releases: [ReleaseVulnerabilities]) -> [String: UpdateAdvice] {
        let today = CalendarDay(clock.now())
        var advice: [String: UpdateAdvice] = [:]
        for release in releases {
            let newer = releases.filter { $0.productModel == release.productModel && $0.releaseID != release.releaseID && Self.isNewer($0, than: release) }
            let supported = newer.filter { ($0.supportUntil.map { $0 >= today } ?? true) }
            let best = (supported.isEmpty ? newer : supported).max { Self.isNewer($1, than: $0) }
            advice[release.releaseID] = Self.advice(for: release, best: best, today: today)
        }
        return advice
    }

    /// Update advice for one device of a readable organisation, by serial.
    public func updateAdvice(serial: String, organisation: Identifier<Organisation>?, for principal: Principal) async throws -> UpdateAdvice {
        let org = try readableOrganisation(organisation, for: principal)
        let row = try await database.withConnection { db in
            try await db.raw("SELECT release_id FROM devices WHERE org_id = \(bind: org.rawValue) AND serial = \(bind: serial)").first()
        }
        guard let row else { throw AccessError.notFound("device \(serial)") }
        guard let releaseID = try row.optionalString("release_id") else {
            return UpdateAdvice(
                status: .unknown, currentRelease: nil, recommendedRelease: nil, pastSupport: false, supportUntil: nil, fixes: [], known: [],
                reason: "the inventory does not say which firmware this device runs")
        }
        let all = try await updateAdvice(organisation: org, for: principal)
        guard let advice = all[releaseID] else { throw StoreError.corrupt("device \(serial) names release \(releaseID), which is not stored") }
        return advice
    }

    static func isNewer(_ a: ReleaseVulnerabilities, than b: ReleaseVulnerabilities) -> Bool {
        if let x = a.releasedOn, let y = b.releasedOn, x != y { return x > y }
        return VersionScheme.generic.compare(a.version, b.version) == .greater
    }

    static func advice(for release: ReleaseVulnerabilities, best: ReleaseVulnerabilities?, today: CalendarDay) -> UpdateAdvice {
        let known = Array(Set(release.open.map { $0.cve ?? $0.advisoryID })).sorted()
        let pastSupport = release.supportUntil.map { $0 < today } ?? false
        let remaining = Set((best?.open ?? []).map { $0.cve ?? $0.advisoryID })
        let fixes = best == nil ? [] : known.filter { !remaining.contains($0) }
        var reasons: [String] = []
        if let best, !fixes.isEmpty {
            let listed = fixes.prefix(5).joined(separator: ", ") + (fixes.count > 5 ? " and \(fixes.count - 5) more" : "")
            reasons.append("release \(best.version) fixes \(fixes.count) of the \(known.count) known vulnerabilities of \(release.version) (\(listed))")
        }
        if pastSupport, let until = release.supportUntil {
            reasons.append("release \(release.version) has been out of support since \(until)")
        }
        let status: UpdateAdvice.Status
        switch (fixes.isEmpty, pastSupport, best) {
        case (false, _, _):
            status = .updateRequired
        case (true, true, let best?):
            status = .updateRequired
            reasons.append("release \(best.version) is newer")
        case (true, true, nil):
            status = .unsupported
            reasons.append("no newer release exists, so updating cannot fix it")
        case (true, false, _) where known.isEmpty:
            status = .upToDate
            reasons.append("no known vulnerabilities in release \(release.version)")
        case (true, false, _):
            status = .noUpdateAvailable
            reasons.append(
                "no newer release fixes \(known.count == 1 ? "the known vulnerability" : "the \(known.count) known vulnerabilities") of "
                    + "\(release.version) (\(known.prefix(5).joined(separator: ", ")))")
        }
        return UpdateAdvice(
            status: status, currentRelease: release.version, recommendedRelease: status == .updateRequired ? best?.version : nil,
            pastSupport: pastSupport, supportUntil: release.supportUntil, fixes: fixes, known: known, reason: reasons.joined(separator: "; "))
    }
}

extension SQLStore {
    /// How many imports of one feed source the log records.
    public func feedImportCount(source: String) async throws -> Int {
        try await database.withConnection { db in
            try await db.raw("SELECT COUNT(*) AS n FROM feed_imports WHERE source = \(bind: source)").first()?.int("n") ?? 0
        }
    }
}
