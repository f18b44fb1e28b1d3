import BulwarkCore
import Testing

@Suite struct InventoryFindingsTests {
    static let organisation = Identifier<Organisation>(rawValue: "org-1")
    static let today = CalendarDay(year: 2026, month: 11, day: 22)!
    static let observedAt = "2026-11-22T08:00:00Z"

    /// A device with changed credentials on current, supported firmware: nothing to report.
    static func device(
        credentials: CredentialState = .changed, exposed: Bool = false, firmware: String? = "2.4.1", releasedOn: String? = "2026-01-15",
        supportUntil: String? = "2029-12-31"
    ) -> DeviceSummary {
        DeviceSummary(
            id: .derived(from: "device", "CAM-0001"), organisation: organisation, serial: "CAM-0001", model: "LC-200", productName: "Lumen Cam",
            manufacturer: "Lumen", category: "camera", firmwareVersion: firmware, firmwareReleasedOn: releasedOn.flatMap { CalendarDay($0) },
            supportUntil: supportUntil.flatMap { CalendarDay($0) }, site: "Leeds", segment: exposed ? "dmz" : "office", internetExposed: exposed,
            ipAddress: "10.0.0.5", macAddress: "00:1a:2b:3c:4d:5e", credentialState: credentials, lastSeen: nil)
    }

    static func kinds(_ device: DeviceSummary) -> [String] {
        InventoryFindings.evaluate(device, on: today, observedAt: observedAt).map(\.kind)
    }

    @Test func findsNothingWrongWithAWellKeptDevice() {
        #expect(InventoryFindings.evaluate(Self.device(), on: Self.today, observedAt: Self.observedAt).isEmpty)
    }

    @Test func ratesDefaultCredentialsOnAnExposedSegmentCritical() throws {
        let findings = InventoryFindings.evaluate(Self.device(credentials: .default, exposed: true), on: Self.today, observedAt: Self.observedAt)
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.kind == "credentials.default-exposed")
        #expect(finding.severity == .critical)
        #expect(finding.evidence.location == "segment dmz")
        #expect(finding.subject == .device(Self.device().id))
        #expect(finding.provenance == .init(source: "inventory", observedAt: Self.observedAt, version: "inventory-rules/1"))
    }

    @Test func ratesDefaultCredentialsBehindTheFirewallHigh() throws {
        let findings = InventoryFindings.evaluate(Self.device(credentials: .default), on: Self.today, observedAt: Self.observedAt)
        #expect(findings.map(\.kind) == ["credentials.default"])
        #expect(findings.map(\.severity) == [.high])
        #expect(findings.first?.evidence.location == "address 10.0.0.5")
    }

    @Test func ignoresUnknownCredentialsOnAnExposedSegment() {
        #expect(Self.kinds(Self.device(credentials: .unknown, exposed: true)) == [])
    }

    @Test func reportsFirmwareOutOfSupportFromTheDayAfterTheLastSupportedDay() {
        #expect(Self.kinds(Self.device(supportUntil: "2026-11-22")) == [])
        #expect(Self.kinds(Self.device(supportUntil: "2026-11-21")) == ["firmware.out-of-support"])
    }

    @Test func reportsFirmwareReleasedThreeOrMoreYearsAgoAsOld() throws {
        // 3 × 365 days before 2026-11-22 is 2023-11-23.
        #expect(Self.kinds(Self.device(releasedOn: "2023-11-24")) == [])
        let findings = InventoryFindings.evaluate(Self.device(releasedOn: "2023-11-23"), on: Self.today, observedAt: Self.observedAt)
        #expect(findings.map(\.kind) == ["firmware.old"])
        #expect(findings.map(\.severity) == [.medium])
    }

    @Test func reportsOutOfSupportInsteadOfOldWhenBothApply() {
        #expect(Self.kinds(Self.device(releasedOn: "2018-01-01", supportUntil: "2021-01-01")) == ["firmware.out-of-support"])
    }

    @Test func reportsUnknownFirmwareAsLow() {
        let device = Self.device(firmware: nil, releasedOn: nil, supportUntil: nil)
        let findings = InventoryFindings.evaluate(device, on: Self.today, observedAt: Self.observedAt)
        #expect(findings.map(\.kind) == ["inventory.firmware-unknown"])
        #expect(findings.map(\.severity) == [.low])
    }

    @Test func listsTheMostSevereFindingFirst() {
        let device = Self.device(credentials: .default, exposed: true, firmware: nil, releasedOn: nil, supportUntil: "2020-01-01")
        #expect(Self.kinds(device) == ["credentials.default-exposed", "firmware.out-of-support", "inventory.firmware-unknown"])
    }

    @Test func givesTheSameFindingTheSameIdentifierOnReevaluation() {
        let device = Self.device(credentials: .default)
        let first = InventoryFindings.evaluate(device, on: Self.today, observedAt: Self.observedAt)
        let later = InventoryFindings.evaluate(device, on: Self.today.adding(days: 30), observedAt: "2026-12-22T08:00:00Z")
        #expect(first.map(\.id) == later.map(\.id))
        #expect(first.first?.id == .derived(from: "org-1", device.id.rawValue, "credentials.default"))
    }
}
