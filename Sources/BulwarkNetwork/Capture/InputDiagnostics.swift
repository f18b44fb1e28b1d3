/// Bad input met while reading: counted by kind, with the first few occurrences kept with their place.
///
/// Readers never stop on a bad packet, record or template; they count it here and go on when they can resynchronise.
public struct InputDiagnostics: Sendable, Hashable, Codable {
    /// A kind of bad input, named as the counters are reported.
    public enum Kind: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
        case truncatedFile = "truncated-file"
        case truncatedPacket = "truncated-packet"
        case unknownLinkType = "unknown-link-type"
        case malformedHeader = "malformed-header"
        case malformedBlock = "malformed-block"
        case malformedRecord = "malformed-record"
        case malformedDNS = "malformed-dns"
        case malformedTemplate = "malformed-template"
        case missingTemplate = "missing-template"
        case expiredTemplate = "expired-template"
        case sequenceGap = "sequence-gap"
        case sequenceDuplicate = "sequence-duplicate"
        case sequenceOutOfOrder = "sequence-out-of-order"
        case unsupportedVersion = "unsupported-version"
        case evictedEarly = "state-evicted-early"

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// One occurrence, with where it was found.
    public struct Problem: Sendable, Hashable, Codable, CustomStringConvertible {
        public var kind: Kind
        /// File and place: `capture.pcap: record 12 at byte 4096`, `conn.log:17`, `exporter 10.0.0.1 domain 3`.
        public var place: String
        public var message: String

        public var description: String { "\(place): \(message)" }
    }

    public private(set) var counts: [Kind: Int] = [:]
    public private(set) var samples: [Problem] = []
    /// How many problems are kept with their place; the rest are only counted.
    public static let sampleLimit = 50

    public init() {}

    public mutating func record(_ kind: Kind, at place: String, _ message: String) {
        counts[kind, default: 0] += 1
        if samples.count < Self.sampleLimit { samples.append(Problem(kind: kind, place: place, message: message)) }
    }

    /// Adds another reader's problems to these.
    public mutating func merge(_ other: InputDiagnostics) {
        for (kind, count) in other.counts { counts[kind, default: 0] += count }
        samples.append(contentsOf: other.samples.prefix(max(0, Self.sampleLimit - samples.count)))
    }

    public var total: Int { counts.values.reduce(0, +) }

    public subscript(kind: Kind) -> Int { counts[kind] ?? 0 }
}
