import BulwarkCore

/// One problem found in an image, with the file, line and rule that show it and the provision it bears on.
public struct FirmwareFinding: Hashable, Sendable, Codable {
    /// A stable dotted rule name, e.g. `credentials.default-password`.
    public var rule: String
    public var severity: Severity
    public var title: String
    /// The path inside the unpacked image; `nil` for findings about the image as a whole.
    public var file: String?
    /// The 1-based line in a text file.
    public var line: Int?
    /// What was seen.
    public var evidence: String
    /// The ETSI EN 303 645 provision the finding bears on, e.g. `5.1-1`.
    public var provision: String?
    /// The extractor and containers the file came from.
    public var source: String?

    public init(
        rule: String, severity: Severity, title: String, file: String?, line: Int? = nil, evidence: String, provision: String? = nil,
        source: String? = nil
    ) {
        self.rule = rule
        self.severity = severity
        self.title = title
        self.file = file
        self.line = line
        self.evidence = evidence
        self.provision = provision
        self.source = source
    }

    /// `file:line`, `file`, or `image`.
    public var location: String {
        guard let file else { return "image" }
        return line.map { "\(file):\($0)" } ?? file
    }
}
