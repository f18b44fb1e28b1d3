import BulwarkCore
import Foundation

/// Something a detection rule saw, with the evidence behind it: who, when, against whom, and which flows or packets.
public struct NetworkAlert: Sendable, Hashable, Codable {
    /// The rule's stable name, e.g. `scan.horizontal`, `bruteforce.ssh`, `c2.beacon`.
    public var rule: String
    public var severity: Severity
    public var title: String
    /// The host the alert is about (the actor: scanner, beaconing device, flooding device).
    public var host: HostAddress
    public var mac: String?
    /// The inventory device behind `host`, when an inventory was given and it knows the address.
    public var deviceID: String?
    public var deviceSerial: String?
    /// The other side: the scanned port, the brute-forced server, the beacon's destination.
    public var target: String
    /// Seconds since 1970 UTC: first and last evidence.
    public var windowStart: Double
    public var windowEnd: Double
    /// Why the rule fired, with its figures.
    public var reason: String
    /// The first flows, packets or lookups that triggered the rule (at most ``NetworkAlert/evidenceLimit``).
    public var evidence: [String]
    /// How many pieces of evidence there were in all.
    public var evidenceCount: Int

    public static let evidenceLimit = 10

    public var windowText: String { Timestamp.format(.init(timeIntervalSince1970: windowStart)) + " – " + Timestamp.format(.init(timeIntervalSince1970: windowEnd)) }
}
