import Foundation

/// The unpacked contents of a firmware image or root directory: files by path, plus what was refused and why.
public struct FileTree: Sendable {
    /// Entries by normalised absolute path; a later container never silently replaces an earlier entry (see `conflicts`).
    public private(set) var files: [String: FirmwareFile] = [:]
    /// Entries that were not admitted: paths or links that leave the root, over-limit files, unreadable containers.
    public private(set) var refusals: [Refusal] = []

    /// One entry or container Bulwark declined to take in, with where and why.
    public struct Refusal: Hashable, Sendable, Codable {
        public var source: String
        public var entry: String
        public var reason: String
    }

    public init() {}

    /// Entries sorted by path.
    public var sortedFiles: [FirmwareFile] { files.values.sorted { $0.path < $1.path } }
    public var regularFiles: [FirmwareFile] { sortedFiles.filter { $0.kind == .file } }

    public subscript(path: String) -> FirmwareFile? { files[path] }

    mutating func refuse(_ source: String, entry: String, reason: String) {
        refusals.append(Refusal(source: source, entry: entry, reason: reason))
    }

    mutating func dropRefusals(from index: Int) { refusals.removeSubrange(index...) }

    mutating func removeLeaf(under mount: String, named name: String) {
        if let path = PathRules.normalise(name, under: mount) { files[path] = nil }
    }

    /// Adds an entry whose path has already been normalised; a directory never hides a file or link of the same path.
    mutating func add(_ file: FirmwareFile) {
        if let existing = files[file.path], existing.kind != .directory, file.kind == .directory { return }
        files[file.path] = file
    }

    /// The regular file a path names, following symbolic links inside the tree (at most 16 hops).
    public func resolve(_ path: String) -> FirmwareFile? {
        var current = path
        for _ in 0..<16 {
            guard let entry = files[current] else { return nil }
            guard entry.kind == .symlink, let target = entry.linkTarget else { return entry }
            guard let next = PathRules.resolveLink(target, from: current) else { return nil }
            current = next
        }
        return nil
    }

    /// Files whose name matches, e.g. every `passwd`.
    public func files(named name: String) -> [FirmwareFile] { sortedFiles.filter { $0.name == name } }
}

/// How entry names from archives become paths inside the tree, and when they are refused.
public enum PathRules {
    /// The normalised absolute path for an archive member name under `mount`, or `nil` when `..` would climb above the
    /// extraction root (a "zip slip" entry).
    public static func normalise(_ name: String, under mount: String = "/") -> String? {
        var parts: [Substring] = mount.split(separator: "/")
        let floor = parts.count
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard parts.count > floor else { return nil }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Where a symbolic link at `linkPath` points inside the tree, or `nil` when a relative target climbs above the root.
    ///
    /// An absolute target (`/bin/busybox`) is read inside the image's own root, as the device would read it; it cannot
    /// reach the analysing machine's files because nothing is ever followed on disk.
    public static func resolveLink(_ target: String, from linkPath: String) -> String? {
        if target.hasPrefix("/") { return normalise(target) }
        var parts = linkPath.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
