import BulwarkAPI
import BulwarkCore
import BulwarkFirmware
import BulwarkStore
import BulwarkVulnerability
import Foundation

/// Conversions from domain values to the generated API schemas.
enum APIMapping {
    static func organisation(_ o: Organisation) -> Components.Schemas.Organisation {
        .init(id: o.id.rawValue, name: o.name, kind: .init(rawValue: o.kind.rawValue)!)
    }

    static func role(_ role: Role) -> Components.Schemas.Role { .init(rawValue: role.rawValue)! }

    static func device(_ d: DeviceSummary, on day: CalendarDay) -> Components.Schemas.Device {
        .init(
            id: d.id.rawValue, organisation: d.organisation.rawValue, serial: d.serial, model: d.model, productName: d.productName,
            manufacturer: d.manufacturer, category: d.category, firmwareVersion: d.firmwareVersion,
            firmwareReleasedOn: d.firmwareReleasedOn?.description,
            supportUntil: d.supportUntil?.description, outOfSupport: d.isOutOfSupport(on: day), site: d.site, segment: d.segment,
            internetExposed: d.internetExposed, ipAddress: d.ipAddress, macAddress: d.macAddress,
            credentialState: .init(rawValue: d.credentialState.rawValue)!,
            lastSeen: d.lastSeen.flatMap { Timestamp.parse($0) })
    }

    static func finding(_ f: Finding) -> Components.Schemas.Finding {
        .init(
            id: f.id.rawValue, kind: f.kind, severity: .init(rawValue: f.severity.rawValue)!, title: f.title, summary: f.evidence.summary,
            location: f.evidence.location, rule: f.evidence.rule, source: f.provenance.source,
            observedAt: Timestamp.parse(f.provenance.observedAt) ?? Date(timeIntervalSince1970: 0), ruleVersion: f.provenance.version)
    }

    static func overview(_ o: FleetOverview) -> Components.Schemas.FleetOverview {
        .init(
            totalDevices: o.totalDevices, byProduct: o.byProduct.map { .init(label: $0.label, count: $0.count) },
            byFirmwareAge: o.byFirmwareAge.map { .init(label: $0.label, count: $0.count) }, outOfSupport: o.outOfSupport,
            defaultCredentials: o.defaultCredentials, internetExposed: o.internetExposed,
            exposedWithDefaultCredentials: o.exposedWithDefaultCredentials,
            sites: o.sites)
    }

    static func product(_ p: ProductSummary) -> Components.Schemas.ProductSummary {
        .init(
            id: p.product.id.rawValue, model: p.product.model, name: p.product.name, manufacturer: p.product.manufacturer,
            category: p.product.category,
            productLine: p.productLineName, trunk: p.trunk,
            releases: p.releases.map {
                .init(id: $0.id.rawValue, version: $0.version, releasedOn: $0.releasedOn?.description, supportUntil: $0.supportUntil?.description)
            }, deviceCount: p.deviceCount)
    }

    static func token(_ t: APIToken) -> Components.Schemas.Token {
        .init(
            id: t.id.rawValue, name: t.name, role: role(t.role), prefix: t.prefix,
            createdAt: Timestamp.parse(t.createdAt) ?? Date(timeIntervalSince1970: 0),
            revokedAt: t.revokedAt.flatMap { Timestamp.parse($0) })
    }
}

extension APIMapping {
    static func vulnerability(_ v: FleetVulnerability) -> Components.Schemas.FleetVulnerability {
        let m = v.match
        return .init(
            id: v.id, advisories: m.ids, priority: .init(rawValue: m.priority.level.rawValue)!, summary: m.summary, cvss: m.severity?.score,
            cvssVector: m.severity?.vector, severity: m.severity?.severity, kevDueDate: m.kev?.dueDate, epssProbability: m.epss?.probability,
            epssPercentile: m.epss?.percentile, components: v.components, releases: v.releases, devices: v.devices,
            confidence: .init(rawValue: m.confidence.rawValue)!, reason: m.reason.explanation, fixedIn: m.fixedIn,
            vexStatus: m.vex.map { .init(rawValue: $0.status.rawValue)! }, suppressed: v.suppressed)
    }

    static func update(_ a: UpdateAdvice) -> Components.Schemas.UpdateAdvice {
        .init(
            status: .init(rawValue: a.status.rawValue)!, updateRequired: a.updateRequired, currentRelease: a.currentRelease,
            recommendedRelease: a.recommendedRelease, pastSupport: a.pastSupport, supportUntil: a.supportUntil?.description, fixes: a.fixes,
            known: a.known, reason: a.reason)
    }

    static func vex(_ s: VEXStatement) -> Components.Schemas.VEXStatement {
        .init(
            vulnerability: s.vulnerability, component: s.component, status: .init(rawValue: s.status.rawValue)!,
            justification: s.justification.map { .init(rawValue: $0.rawValue)! }, detail: s.detail, author: s.author,
            timestamp: Timestamp.parse(s.timestamp) ?? Date(timeIntervalSince1970: 0))
    }

    static func blastRadius(_ r: BlastRadius) -> Components.Schemas.BlastRadius {
        .init(
            query: r.query.description,
            productLines: r.productLines.map { line in
                .init(
                    name: line.name, trunk: line.trunk,
                    products: line.products.map { product in
                        .init(
                            model: product.model, name: product.name, devices: product.devices,
                            releases: product.releases.map {
                                .init(version: $0.version, releasedOn: $0.releasedOn, componentVersions: $0.componentVersions, devices: $0.devices)
                            })
                    })
            },
            trunkBinaries: r.trunkBinaries.map {
                .init(
                    productLine: $0.productLine, trunk: $0.trunk, model: $0.model, productName: $0.productName, version: $0.version,
                    releasedOn: $0.releasedOn, file: $0.file, component: $0.component, identifiedVersion: $0.identifiedVersion,
                    match: $0.match == "identical" ? .identical : .similar, score: $0.score, devices: $0.devices)
            }, productCount: r.productCount, releaseCount: r.releaseCount, deviceCount: r.deviceCount)
    }

    static func lineage(_ l: FirmwareLineage) -> Components.Schemas.FirmwareLineage {
        .init(
            threshold: l.threshold,
            trunks: l.trunks.map { trunk in
                .init(
                    name: trunk.name,
                    productLines: trunk.productLines.map { line in
                        .init(
                            name: line.name, sharedPercent: line.sharedPercent,
                            releases: line.releases.map {
                                .init(
                                    model: $0.model, productName: $0.productName, version: $0.version, files: $0.files, bytes: Int64($0.bytes),
                                    identicalBytes: Int64($0.identicalBytes), similarBytes: Int64($0.similarBytes), sharedPercent: $0.sharedPercent)
                            })
                    },
                    components: trunk.components.map {
                        .init(
                            name: $0.name, versions: $0.versions, releases: $0.releases, files: $0.files,
                            match: $0.match == "identical" ? .identical : .similar, score: $0.score)
                    })
            },
            pairs: l.pairs.map {
                .init(
                    first: $0.first, second: $0.second, identicalFiles: $0.identicalFiles, identicalBytes: Int64($0.identicalBytes),
                    similarBinaries: $0.similarBinaries, similarBytes: Int64($0.similarBytes), sharedPercent: $0.sharedPercent)
            })
    }
}
