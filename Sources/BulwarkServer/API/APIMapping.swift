import BulwarkAPI
import BulwarkCore
import BulwarkStore
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
