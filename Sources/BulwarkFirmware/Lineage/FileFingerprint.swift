internal import Crypto
import Foundation

/// What a regular file of a release is, for telling where releases share code: its SHA-256, and for binaries a
/// similarity digest that still matches after a rebuild or a small patch.
public struct FileFingerprint: Hashable, Sendable, Codable {
    public var path: String
    public var size: Int
    /// Lower-case hex.
    public var sha256: String
    /// For binaries of at least `FileFingerprint.minimumDigestSize` bytes.
    public var similarity: SimilarityDigest?
    /// An ELF file, a kernel module or a file with an execute bit.
    public var isBinary: Bool
    /// The component identified in this file (`busybox`), when one was.
    public var component: String?
    /// That component's identified version.
    public var componentVersion: String?

    public init(
        path: String, size: Int, sha256: String, similarity: SimilarityDigest?, isBinary: Bool, component: String? = nil,
        componentVersion: String? = nil
    ) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.similarity = similarity
        self.isBinary = isBinary
        self.component = component
        self.componentVersion = componentVersion
    }

    /// Fingerprints `content`: its SHA-256 always, a similarity digest when it is a binary of at least
    /// `minimumDigestSize` bytes.
    public init(path: String, content: Data, isBinary: Bool, component: String? = nil, componentVersion: String? = nil) {
        self.init(
            path: path, size: content.count, sha256: SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined(),
            similarity: isBinary && content.count >= Self.minimumDigestSize ? SimilarityDigest(of: content) : nil, isBinary: isBinary,
            component: component, componentVersion: componentVersion)
    }

    /// Below this size a similarity digest has too few pieces to mean anything; the SHA-256 alone speaks for the file.
    public static let minimumDigestSize = 4096

    /// Fingerprints every regular file of `tree`, naming the component found in each binary.
    public static func all(in tree: FileTree, components: [IdentifiedComponent]) -> [FileFingerprint] {
        var owner: [String: IdentifiedComponent] = [:]
        for component in components.sorted(by: { $0.key < $1.key }) {
            for evidence in component.evidence where owner[evidence.file] == nil { owner[evidence.file] = component }
        }
        return tree.regularFiles.map { file in
            let binary = isBinary(file)
            let named = binary ? owner[file.path] : nil
            return FileFingerprint(path: file.path, content: file.content, isBinary: binary, component: named?.name, componentVersion: named?.version)
        }
    }

    static func isBinary(_ file: FirmwareFile) -> Bool {
        let elf = file.content.starts(with: [0x7F, 0x45, 0x4C, 0x46])
        return elf || file.path.hasSuffix(".ko") || (file.isExecutable && !file.content.starts(with: [0x23, 0x21]))
    }
}
