import Foundation

/// SquashFS and ext2/3/4 images, extracted by the tools that own those formats (squashfs-tools' `unsquashfs`,
/// e2fsprogs' `debugfs`) into a private temporary directory, then read back without following links. Metadata the
/// extraction loses without root privileges (owners, set-user-ID bits, device nodes) comes from the tools' listings.
enum FileSystemTools {
    static func squashfs(_ data: Data, limits: UnpackLimits, budget: Int, context: String) throws(FirmwareError) -> [ArchiveEntry] {
        let work = try Workspace(context: context)
        defer { work.remove() }
        let image = try work.write(data, name: "image.squashfs")
        let tool = ExternalTool(name: "unsquashfs", package: "squashfs-tools")
        // -lln: long listing with numeric owners; the paths start with the -d directory name given.
        let listing = try tool.run(["-lln", "-d", "sqroot", image], seconds: limits.toolSeconds, outputLimit: 64 << 20, context: context)
        guard listing.status == 0, !listing.timedOut else {
            throw FirmwareError(
                file: context, "SquashFS image cannot be listed (\(listing.timedOut ? "timed out" : lastLine(listing.errorText, listing.status)))")
        }
        var metadata: [String: (kind: FirmwareFile.Kind, mode: UInt32, uid: Int, gid: Int)] = [:]
        var announced = 0
        for line in String(decoding: listing.output, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 5, let pathStart = line.range(of: " sqroot/") else { continue }
            var path = String(line[line.index(after: pathStart.lowerBound)...].dropFirst("sqroot/".count))
            if let arrow = path.range(of: " -> ") { path = String(path[..<arrow.lowerBound]) }
            let owner = fields[1].split(separator: "/")
            guard let (kind, mode) = parsePermissions(String(fields[0])) else { continue }
            if kind == .file, let size = Int(fields[2]) { announced += size }
            metadata[path] = (kind, mode, Int(owner.first ?? "0") ?? 0, Int(owner.last ?? "0") ?? 0)
        }
        guard announced <= budget, announced <= limits.maxTotalBytes else {
            throw FirmwareError(file: context, "SquashFS image holds \(announced) bytes of files, above the remaining budget of \(budget) bytes")
        }
        let output = work.path + "/root"
        let extraction = try tool.run(
            ["-no-xattrs", "-ignore-errors", "-no-exit-code", "-quiet", "-d", output, image], seconds: limits.toolSeconds, outputLimit: 1 << 20,
            fileSizeLimit: limits.maxFileBytes, context: context)
        if extraction.timedOut { throw FirmwareError(file: context, "unsquashfs took longer than \(Int(limits.toolSeconds)) s; stopped") }
        var entries = try DirectoryReader.read(root: output, limits: limits, context: context)
        var seen = Set<String>()
        for index in entries.indices {
            seen.insert(entries[index].name)
            guard let facts = metadata[entries[index].name] else { continue }
            entries[index].mode = facts.mode
            entries[index].uid = facts.uid
            entries[index].gid = facts.gid
        }
        // Device nodes and FIFOs cannot be created without privileges; the listing still knows them.
        for (path, facts) in metadata
        where !seen.contains(path) && !path.isEmpty && facts.kind != .file && facts.kind != .directory && facts.kind != .symlink {
            entries.append(ArchiveEntry(name: path, kind: facts.kind, mode: facts.mode, uid: facts.uid, gid: facts.gid, content: Data()))
        }
        return entries
    }

    static func ext(_ data: Data, limits: UnpackLimits, budget: Int, context: String) throws(FirmwareError) -> [ArchiveEntry] {
        let used = ExtFileSystem.usedBytes(ByteReader(data))
        guard used <= budget else {
            throw FirmwareError(file: context, "ext image uses \(used) bytes of blocks, above the remaining budget of \(budget) bytes")
        }
        let work = try Workspace(context: context)
        defer { work.remove() }
        let image = try work.write(data, name: "image.ext")
        let output = work.path + "/root"
        try? FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let tool = ExternalTool(name: "debugfs", package: "e2fsprogs")
        let dump = try tool.run(
            ["-R", "rdump / \(output)", image], seconds: limits.toolSeconds, outputLimit: 1 << 20, fileSizeLimit: limits.maxFileBytes,
            context: context)
        if dump.timedOut { throw FirmwareError(file: context, "debugfs took longer than \(Int(limits.toolSeconds)) s; stopped") }
        if dump.errorText.contains("Bad magic number") || dump.errorText.contains("Filesystem not open") || dump.errorText.contains("Short read") {
            throw FirmwareError(file: context, "ext image cannot be opened (\(lastLine(dump.errorText, dump.status)))")
        }
        var entries = try DirectoryReader.read(root: output, limits: limits, context: context)
        // rdump drops set-user-ID bits and special files; `ls -p` prints /inode/mode/uid/gid/name/size/ for each entry.
        let directories = [""] + entries.filter { $0.kind == .directory }.map(\.name)
        let commands = directories.map { "ls -p \"/\($0)\"" }.joined(separator: "\n") + "\n"
        let commandFile = try work.write(Data(commands.utf8), name: "commands")
        let listing = try tool.run(["-f", commandFile, image], seconds: limits.toolSeconds, outputLimit: 64 << 20, context: context)
        var metadata: [String: (kind: FirmwareFile.Kind, mode: UInt32, uid: Int, gid: Int)] = [:]
        var directory = ""
        for line in String(decoding: listing.output, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("debugfs: ls -p ") {
                directory = String(line.dropFirst("debugfs: ls -p ".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"/"))
                continue
            }
            let fields = line.split(separator: "/", omittingEmptySubsequences: false)
            guard fields.count >= 6, let mode = UInt32(fields[2], radix: 8), let kind = ArchiveEntry.kind(ofMode: mode) else { continue }
            let name = String(fields[5])
            guard name != ".", name != ".." else { continue }
            metadata[directory.isEmpty ? name : directory + "/" + name] = (kind, mode & 0o7777, Int(fields[3]) ?? 0, Int(fields[4]) ?? 0)
        }
        var seen = Set<String>()
        for index in entries.indices {
            seen.insert(entries[index].name)
            guard let facts = metadata[entries[index].name] else { continue }
            entries[index].mode = facts.mode
            entries[index].uid = facts.uid
            entries[index].gid = facts.gid
        }
        for (path, facts) in metadata where !seen.contains(path) && facts.kind != .file && facts.kind != .directory && facts.kind != .symlink {
            entries.append(ArchiveEntry(name: path, kind: facts.kind, mode: facts.mode, uid: facts.uid, gid: facts.gid, content: Data()))
        }
        return entries.filter { $0.name != "lost+found" }
    }

    /// `ls -l` permissions (`-rwsr-xr-x`) to a kind and mode bits.
    static func parsePermissions(_ text: String) -> (FirmwareFile.Kind, UInt32)? {
        let chars = Array(text)
        guard chars.count == 10 else { return nil }
        let kind: FirmwareFile.Kind
        switch chars[0] {
        case "-": kind = .file
        case "d": kind = .directory
        case "l": kind = .symlink
        case "c", "b": kind = .device
        case "p": kind = .fifo
        case "s": kind = .socket
        default: return nil
        }
        var mode: UInt32 = 0
        let bits: [UInt32] = [0o400, 0o200, 0o100, 0o040, 0o020, 0o010, 0o004, 0o002, 0o001]
        for (index, bit) in bits.enumerated() where chars[index + 1] != "-" && chars[index + 1] != "S" && chars[index + 1] != "T" {
            mode |= bit
        }
        if chars[3] == "s" || chars[3] == "S" { mode |= 0o4000 }
        if chars[6] == "s" || chars[6] == "S" { mode |= 0o2000 }
        if chars[9] == "t" || chars[9] == "T" { mode |= 0o1000 }
        return (kind, mode)
    }

    private static func lastLine(_ text: String, _ status: Int32) -> String {
        text.split(separator: "\n").last.map(String.init) ?? "exit status \(status)"
    }
}

/// A private temporary directory, removed when the extraction is done.
struct Workspace {
    let path: String

    init(context: String) throws(FirmwareError) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-unpack-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FirmwareError(file: context, "cannot create a temporary directory to extract into")
        }
    }

    func write(_ data: Data, name: String) throws(FirmwareError) -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: data) else { throw FirmwareError(file: file, "cannot be written") }
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
