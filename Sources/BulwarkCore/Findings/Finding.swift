/// The one currency between analysers and deciders: something observed about a subject, with its evidence and provenance.
///
/// Scores, price changes and compliance verdicts name the findings behind them, which is how "why did my premium change"
/// gets answered.
public struct Finding: Hashable, Sendable, Codable, Identifiable {
    /// What a finding is about.
    public enum Subject: Hashable, Sendable, Codable {
        case organisation(Identifier<Organisation>)
        case productLine(Identifier<ProductLine>)
        case product(Identifier<Product>)
        case release(Identifier<FirmwareRelease>)
        case component(Identifier<Component>)
        case device(Identifier<Device>)

        /// The subject's kind as stored ("device", "release", ...).
        public var kind: String {
            switch self {
            case .organisation: "organisation"
            case .productLine: "product_line"
            case .product: "product"
            case .release: "release"
            case .component: "component"
            case .device: "device"
            }
        }

        /// The subject's identifier text.
        public var identifier: String {
            switch self {
            case .organisation(let id): id.rawValue
            case .productLine(let id): id.rawValue
            case .product(let id): id.rawValue
            case .release(let id): id.rawValue
            case .component(let id): id.rawValue
            case .device(let id): id.rawValue
            }
        }

        /// Rebuilds a subject from its stored kind and identifier.
        public init?(kind: String, identifier: String) {
            switch kind {
            case "organisation": self = .organisation(.init(rawValue: identifier))
            case "product_line": self = .productLine(.init(rawValue: identifier))
            case "product": self = .product(.init(rawValue: identifier))
            case "release": self = .release(.init(rawValue: identifier))
            case "component": self = .component(.init(rawValue: identifier))
            case "device": self = .device(.init(rawValue: identifier))
            default: return nil
            }
        }
    }

    /// What was seen, where, and by which rule.
    public struct Evidence: Hashable, Sendable, Codable {
        public var summary: String
        /// Where it was seen: a file and line, a flow, a packet range, a record key.
        public var location: String?
        /// The rule or check that produced the finding, e.g. `credentials.default-password`.
        public var rule: String

        public init(summary: String, location: String?, rule: String) {
            self.summary = summary
            self.location = location
            self.rule = rule
        }
    }

    /// Where the finding came from and when.
    public struct Provenance: Hashable, Sendable, Codable {
        /// The analyser or feed, e.g. `inventory`, `firmware-scan`, `cisa-kev`.
        public var source: String
        /// RFC 3339 time of observation.
        public var observedAt: String
        /// The version of the rule set or feed that produced it.
        public var version: String

        public init(source: String, observedAt: String, version: String) {
            self.source = source
            self.observedAt = observedAt
            self.version = version
        }
    }

    public let id: Identifier<Finding>
    public let organisation: Identifier<Organisation>
    public var subject: Subject
    /// A stable dotted name for the kind of problem, e.g. `credentials.default`, `firmware.out-of-support`.
    public var kind: String
    public var severity: Severity
    public var title: String
    public var evidence: Evidence
    public var provenance: Provenance

    public init(
        id: Identifier<Finding>, organisation: Identifier<Organisation>, subject: Subject, kind: String, severity: Severity, title: String,
        evidence: Evidence, provenance: Provenance
    ) {
        self.id = id
        self.organisation = organisation
        self.subject = subject
        self.kind = kind
        self.severity = severity
        self.title = title
        self.evidence = evidence
        self.provenance = provenance
    }
}
