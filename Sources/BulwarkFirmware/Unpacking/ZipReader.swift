import BulwarkVulnerability
import Foundation

/// Zip members (PKWARE APPNOTE 6.3, stored and deflate), read through the central directory by ``ZipArchive``.
enum ZipReader {
    static func read(_ data: Data, limit: Int, file: String) throws(FirmwareError) -> [ArchiveEntry] {
        do {
            let archive = try ZipArchive(data, name: file)
            var budget = limit
            var entries: [ArchiveEntry] = []
            for entry in archive.entries {
                if entry.name.hasSuffix("/") {
                    entries.append(ArchiveEntry(name: entry.name, kind: .directory, mode: 0o755, uid: 0, gid: 0, content: Data()))
                    continue
                }
                let content = try archive.contents(of: entry, limit: budget)
                budget -= content.count
                entries.append(ArchiveEntry(name: entry.name, kind: .file, mode: 0o644, uid: 0, gid: 0, content: content))
            }
            return entries
        } catch {
            switch error {
            case .file(_, let message): throw FirmwareError(file: file, message)
            case .record(_, let path, let message): throw FirmwareError(file: file, place: path, message)
            }
        }
    }
}

extension ArchiveEntry {
    init(name: String, kind: FirmwareFile.Kind, mode: UInt32, uid: Int, gid: Int, content: Data) {
        self.init(name: name, kind: kind, mode: mode, uid: uid, gid: gid, linkTarget: nil, hardLinkTo: nil, content: content)
    }
}
