import BulwarkCore

/// What a release must satisfy to ship, as a manufacturer writes it for its CI (`bulwark gate --policy`).
///
/// ```yaml
/// fail:
///   severity: high                       # any finding at or above this severity
///   rules: [credentials.default-password] # any finding of these rules (a trailing * matches a prefix)
///   unsigned-image: true                 # the image carries no recognised signature
///   kev: true                            # a component has a vulnerability in CISA's KEV catalogue
/// waive:
///   rules: [update.none]                 # never fail on these
///   files: [/usr/share/doc/*]            # nor on findings in these files
/// ```
public struct ReleasePolicy: Hashable, Sendable, Decodable {
    public struct Fail: Hashable, Sendable, Decodable {
        public var severity: Severity?
        public var rules: [String]?
        public var unsignedImage: Bool?
        public var kev: Bool?

        enum CodingKeys: String, CodingKey {
            case severity, rules, kev
            case unsignedImage = "unsigned-image"
        }

        public init(severity: Severity? = nil, rules: [String]? = nil, unsignedImage: Bool? = nil, kev: Bool? = nil) {
            self.severity = severity
            self.rules = rules
            self.unsignedImage = unsignedImage
            self.kev = kev
        }
    }

    public struct Waive: Hashable, Sendable, Decodable {
        public var rules: [String]?
        public var files: [String]?

        public init(rules: [String]? = nil, files: [String]? = nil) {
            self.rules = rules
            self.files = files
        }
    }

    public var fail: Fail
    public var waive: Waive?

    public init(fail: Fail, waive: Waive? = nil) {
        self.fail = fail
        self.waive = waive
    }

    /// A component vulnerability in the KEV catalogue, as the gate receives it from matching.
    public struct KnownExploited: Hashable, Sendable, Codable {
        public var component: String
        public var version: String
        public var cve: String
        public var dueDate: String?

        public init(component: String, version: String, cve: String, dueDate: String?) {
            self.component = component
            self.version = version
            self.cve = cve
            self.dueDate = dueDate
        }
    }

    /// One reason the release fails.
    public struct Violation: Hashable, Sendable, Codable {
        /// `severity`, `rule`, `unsigned-image` or `kev`.
        public var clause: String
        public var message: String
        /// The finding's rule and location, when a finding caused it.
        public var rule: String?
        public var location: String?
    }

    public struct Verdict: Hashable, Sendable, Codable {
        public var passed: Bool
        public var violations: [Violation]
        /// Findings the policy waived.
        public var waived: Int
    }

    /// Judges a report; `knownExploited` are the KEV-listed vulnerabilities matching found for its components.
    public func evaluate(_ report: FirmwareReport, knownExploited: [KnownExploited] = []) -> Verdict {
        var violations: [Violation] = []
        var waived = 0
        for finding in report.findings {
            if isWaived(finding) {
                waived += 1
                continue
            }
            if let threshold = fail.severity, finding.severity >= threshold {
                violations.append(
                    Violation(
                        clause: "severity", message: "\(finding.severity.rawValue) finding at or above \(threshold.rawValue): \(finding.title)",
                        rule: finding.rule, location: finding.location))
            } else if let rules = fail.rules, rules.contains(where: { Self.matches($0, finding.rule) }) {
                violations.append(
                    Violation(
                        clause: "rule", message: "\(finding.rule) is not allowed: \(finding.title)", rule: finding.rule, location: finding.location))
            }
        }
        if fail.unsignedImage == true, !report.integrity.isSigned, report.size > 0,
            !(report.findings.contains { $0.rule == "image.unsigned" && isWaived($0) })
        {
            let alreadyCounted = violations.contains { $0.rule == "image.unsigned" || $0.rule == "image.signature-invalid" }
            if !alreadyCounted {
                let invalid = report.integrity.verification.map { !$0.valid } ?? false
                violations.append(
                    Violation(
                        clause: "unsigned-image",
                        message: invalid ? "the image's signature does not verify" : "the image carries no recognised signature",
                        rule: invalid ? "image.signature-invalid" : "image.unsigned", location: "image"))
            }
        }
        if fail.kev == true {
            for item in knownExploited {
                violations.append(
                    Violation(
                        clause: "kev",
                        message: "\(item.component) \(item.version) has \(item.cve), which CISA lists as known exploited"
                            + (item.dueDate.map { " (due \($0))" } ?? ""),
                        rule: "component.kev", location: item.component))
            }
        }
        return Verdict(passed: violations.isEmpty, violations: violations, waived: waived)
    }

    private func isWaived(_ finding: FirmwareFinding) -> Bool {
        if let rules = waive?.rules, rules.contains(where: { Self.matches($0, finding.rule) }) { return true }
        if let files = waive?.files, let file = finding.file, files.contains(where: { Self.matches($0, file) }) { return true }
        return false
    }

    /// Exact text, or a prefix when the pattern ends in `*`.
    static func matches(_ pattern: String, _ value: String) -> Bool {
        pattern.hasSuffix("*") ? value.hasPrefix(pattern.dropLast()) : pattern == value
    }
}
