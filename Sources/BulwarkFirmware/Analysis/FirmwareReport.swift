import BulwarkCore
import Foundation

/// Everything one analysis of an image found: what was unpacked and how, accounts, components, keys, findings.
public struct FirmwareReport: Sendable, Codable {
    public struct Extraction: Hashable, Sendable, Codable {
        public var entries: Int
        public var regularFiles: Int
        public var bytes: Int
        /// How many entries each extractor produced (`tar`, `unsquashfs`, ...).
        public var byExtractor: [String: Int]
        public var refusals: [FileTree.Refusal]
    }

    /// One unpacked file and the extractor that produced it.
    public struct FileRecord: Hashable, Sendable, Codable {
        public var path: String
        public var kind: FirmwareFile.Kind
        public var mode: String
        public var size: Int
        public var extractor: String
        public var origin: String
    }

    public var image: String
    public var sha256: String
    public var size: Int
    public var analysedAt: Date
    public var extraction: Extraction
    public var files: [FileRecord]
    /// SHA-256 and, for binaries, similarity digest of every regular file: what lineage between releases is traced by.
    public var fingerprints: [FileFingerprint]
    public var accounts: [CredentialScanner.Account]
    public var components: [IdentifiedComponent]
    public var keys: [KeyMaterial]
    public var integrity: ImageIntegrity
    public var updateMechanism: [String]
    public var findings: [FirmwareFinding]
    public var signatureSetVersion: String

    /// Finding counts by severity, most severe first.
    public var severityCounts: [(Severity, Int)] {
        Severity.allCases.reversed().map { severity in (severity, findings.filter { $0.severity == severity }.count) }.filter { $0.1 > 0 }
    }
}

extension FileTree.Refusal {
    public var description: String { "\(source): \(entry): \(reason)" }
}
