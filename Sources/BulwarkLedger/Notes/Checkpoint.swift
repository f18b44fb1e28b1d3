import Foundation

/// A log checkpoint in the C2SP tlog-checkpoint format: origin, tree size and root hash, one per line.
///
/// The text is the body of a signed note (`SignedNote`); it always ends with a newline.
public struct Checkpoint: Hashable, Sendable {
    /// The log's unique name, e.g. `bulwark.example/ledger`; also the name of the log's signing key.
    public let origin: String
    public let size: UInt64
    public let root: TreeHash
    /// Optional extension lines, kept as they are; each non-empty.
    public let extensions: [String]

    public init(origin: String, size: UInt64, root: TreeHash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// tlog-checkpoint: origin, decimal size, base64 root, then any extension lines, each ending in a newline.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Reads checkpoint text, as found in a signed note's body.
    public init(text: String) throws(LedgerError) {
        guard text.hasSuffix("\n") else { throw .checkpoint(line: 1, "the text must end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else { throw .checkpoint(line: lines.count + 1, "a checkpoint has an origin, a size and a root hash") }
        guard !lines[0].isEmpty else { throw .checkpoint(line: 1, "the origin is empty") }
        // tlog-checkpoint: the size is an ASCII decimal with no leading zeros and no sign.
        guard let size = UInt64(lines[1]), String(size) == lines[1] else {
            throw .checkpoint(line: 2, "\"\(lines[1])\" is not a tree size in decimal")
        }
        guard let root = TreeHash(base64: lines[2]) else { throw .checkpoint(line: 3, "\"\(lines[2])\" is not a base64 SHA-256 hash") }
        let extensions = Array(lines.dropFirst(3))
        if let empty = extensions.firstIndex(of: "") { throw .checkpoint(line: empty + 4, "extension lines may not be empty") }
        self.init(origin: lines[0], size: size, root: root, extensions: extensions)
    }
}
