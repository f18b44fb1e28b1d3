import Foundation

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads a directory on disk (a root file system, or what an extraction tool wrote) into archive entries, never
/// following a symbolic link: links are read as links, so nothing outside the directory is ever touched.
enum DirectoryReader {
    static func read(root: String, limits: UnpackLimits, context: String) throws(FirmwareError) -> [ArchiveEntry] {
        var entries: [ArchiveEntry] = []
        var pending = [""]
        var total = 0
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                throw FirmwareError(file: context, place: relative.isEmpty ? "/" : relative, "directory cannot be listed")
            }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                let full = root + "/" + child
                var info = stat()
                guard lstat(full, &info) == 0 else { throw FirmwareError(file: context, place: child, "cannot be examined") }
                let mode = UInt32(info.st_mode)
                guard let kind = ArchiveEntry.kind(ofMode: mode) else { continue }
                var entry = ArchiveEntry(name: child, kind: kind, mode: mode & 0o7777, uid: Int(info.st_uid), gid: Int(info.st_gid), content: Data())
                switch kind {
                case .directory:
                    pending.append(child)
                case .symlink:
                    entry.linkTarget = try? FileManager.default.destinationOfSymbolicLink(atPath: full)
                case .file:
                    let size = Int(info.st_size)
                    guard size <= limits.maxFileBytes else {
                        throw FirmwareError(file: context, place: child, "\(size) bytes, above the \(limits.maxFileBytes)-byte file limit")
                    }
                    total += size
                    guard total <= limits.maxTotalBytes else {
                        throw FirmwareError(
                            file: context, place: child, "the directory holds more than \(limits.maxTotalBytes) bytes; raise the budget to read it")
                    }
                    guard let data = FileManager.default.contents(atPath: full) else {
                        throw FirmwareError(file: context, place: child, "cannot be read")
                    }
                    entry.content = data
                default: break
                }
                entries.append(entry)
            }
        }
        return entries
    }
}
