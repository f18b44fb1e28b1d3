import Foundation

/// One entry of an unpacked image: a file, directory, link or device node at a path inside the image's root.
public struct FirmwareFile: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case file, directory, symlink, device, fifo, socket
    }

    /// The absolute path inside the unpacked tree, normalised (`/etc/passwd`); never contains `..`.
    public var path: String
    public var kind: Kind
    /// Permission and special bits (`0o4755` for a setuid binary); the file-type bits are in `kind`.
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    /// A symbolic link's target as stored.
    public var linkTarget: String?
    /// A regular file's bytes; empty for everything else.
    public var content: Data
    /// The reader or tool that produced the entry, e.g. `tar`, `cpio-newc`, `unsquashfs`.
    public var extractor: String
    /// The containers the entry was found in, outermost first, e.g. `["firmware.bin", "trx partition 2", "squashfs"]`.
    public var origin: [String]

    public init(
        path: String, kind: Kind, mode: UInt32, uid: Int = 0, gid: Int = 0, linkTarget: String? = nil, content: Data = Data(),
        extractor: String, origin: [String]
    ) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.linkTarget = linkTarget
        self.content = content
        self.extractor = extractor
        self.origin = origin
    }

    /// The last path component.
    public var name: String { path.split(separator: "/").last.map(String.init) ?? "" }
    public var isSetUID: Bool { mode & 0o4000 != 0 }
    public var isSetGID: Bool { mode & 0o2000 != 0 }
    public var isWorldWritable: Bool { mode & 0o002 != 0 }
    public var isExecutable: Bool { mode & 0o111 != 0 }

    /// The entry's origin and extractor in one line, for reports.
    public var provenance: String { (origin + [extractor]).joined(separator: " > ") }
}
