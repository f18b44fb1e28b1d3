/// Findings that follow from the inventory alone, before any firmware or traffic has been analysed.
///
/// Each rule names the provision it serves, so a finding on a device page can be traced to a requirement.
public enum InventoryFindings {
    /// The version of this rule set, recorded in each finding's provenance.
    public static let ruleVersion = "inventory-rules/1"

    /// Evaluates one device on a given day. Finding ids are derived from device and rule, so re-evaluation gives the same ids.
    public static func evaluate(_ device: DeviceSummary, on day: CalendarDay, observedAt: String) -> [Finding] {
        var findings: [Finding] = []
        func add(_ rule: String, _ severity: Severity, _ title: String, _ summary: String, location: String?) {
            findings.append(
                Finding(
                    id: .derived(from: device.organisation.rawValue, device.id.rawValue, rule), organisation: device.organisation,
                    subject: .device(device.id), kind: rule, severity: severity, title: title,
                    evidence: .init(summary: summary, location: location, rule: rule),
                    provenance: .init(source: "inventory", observedAt: observedAt, version: ruleVersion)))
        }
        if device.credentialState == .default {
            if device.internetExposed {
                // A default password reachable from the internet is what Mirai-style scanners find first.
                add(
                    "credentials.default-exposed", .critical, "Default password on an internet-exposed device",
                    "The device still accepts its factory password and sits on segment \(device.segment ?? "?"), which is reachable from the internet "
                        + "(EN 303 645 provision 5.1-1).", location: device.segment.map { "segment \($0)" })
            } else {
                add(
                    "credentials.default", .high, "Default password still in use",
                    "The device still accepts its factory password (EN 303 645 provision 5.1-1; UK PSTI Schedule 1 §1).",
                    location: device.ipAddress.map { "address \($0)" })
            }
        }
        if let until = device.supportUntil, until < day {
            add(
                "firmware.out-of-support", .high, "Firmware past its support period",
                "Firmware \(device.firmwareVersion ?? "?") has had no security updates promised since \(until) "
                    + "(EN 303 645 provision 5.3-13; UK PSTI Schedule 1 §3).", location: device.firmwareVersion.map { "firmware \($0)" })
        } else if let age = device.firmwareAgeInDays(on: day), age >= 3 * 365 {
            add(
                "firmware.old", .medium, "Firmware older than three years",
                "Firmware \(device.firmwareVersion ?? "?") was released on \(device.firmwareReleasedOn!) (\(age / 365) years ago); check for updates "
                    + "(EN 303 645 provision 5.3-2).", location: device.firmwareVersion.map { "firmware \($0)" })
        }
        if device.firmwareVersion == nil {
            add(
                "inventory.firmware-unknown", .low, "Installed firmware unknown",
                "The inventory does not say which firmware this device runs, so vulnerabilities cannot be matched to it.", location: nil)
        }
        return findings.sorted { $0.severity > $1.severity }
    }
}
