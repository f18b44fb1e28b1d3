import Foundation

/// Turns a firmware image or a root directory into a ``FileTree``: wrappers (uImage, TRX) and compressions (gzip, xz,
/// lzma, bzip2) are peeled, archives (tar, cpio, zip) and file systems (SquashFS, ext2/3/4) are read, nested containers
/// are followed within ``UnpackLimits``, and blobs of unknown format are searched for embedded containers.
public struct Unpacker: Sendable {
    public var limits: UnpackLimits

    public init(limits: UnpackLimits = UnpackLimits()) {
        self.limits = limits
    }

    /// Unpacks the image file, or reads the directory, at `path`.
    public func unpack(path: String) throws(FirmwareError) -> FileTree {
        let name = URL(fileURLWithPath: path).lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FirmwareError(file: path, "does not exist")
        }
        let run = UnpackRun(limits: limits)
        if isDirectory.boolValue {
            let entries = try DirectoryReader.read(root: path, limits: limits, context: path)
            try run.admit(entries, mount: "/", origin: [name], extractor: "directory", depth: 0)
            return run.tree
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limits.maxTotalBytes else { throw FirmwareError(file: path, "is \(size) bytes, above the \(limits.maxTotalBytes)-byte budget") }
        guard let data = FileManager.default.contents(atPath: path) else { throw FirmwareError(file: path, "cannot be read") }
        try run.expand(data, origin: [name], mount: "/", depth: 0, leafName: name, strict: true, inTree: false)
        return run.tree
    }

    /// Unpacks an image already in memory.
    public func unpack(_ data: Data, name: String) throws(FirmwareError) -> FileTree {
        let run = UnpackRun(limits: limits)
        try run.expand(data, origin: [name], mount: "/", depth: 0, leafName: name, strict: true, inTree: false)
        return run.tree
    }
}

/// The state of one unpacking: the tree so far and the bytes spent against the budget.
final class UnpackRun {
    let limits: UnpackLimits
    var tree = FileTree()
    private var produced = 0

    init(limits: UnpackLimits) { self.limits = limits }

    private var remaining: Int { max(0, limits.maxTotalBytes - produced) }

    private func charge(_ bytes: Int, _ context: String) throws(FirmwareError) {
        produced += bytes
        if produced > limits.maxTotalBytes {
            throw FirmwareError(
                file: context, "unpacking would produce more than \(limits.maxTotalBytes) bytes in total; refused as a decompression bomb")
        }
    }

    /// Unpacks one blob found at `origin`. Its files go under `mount`; a blob that is no container stays a file named
    /// `leafName` there. Errors are thrown for the image itself (`strict`) and recorded as refusals inside it.
    func expand(_ data: Data, origin: [String], mount: String, depth: Int, leafName: String, strict: Bool, inTree: Bool) throws(FirmwareError) {
        let context = origin.joined(separator: " > ")
        guard depth <= limits.maxDepth else {
            tree.refuse(context, entry: leafName, reason: "nested deeper than \(limits.maxDepth) containers; not unpacked")
            if !inTree { try addLeaf(data, mount: mount, name: leafName, origin: origin, extractor: "raw") }
            return
        }
        guard let format = ContainerFormat.detect(data) else {
            if try !carve(data, origin: origin, mount: mount, depth: depth), !inTree {
                try addLeaf(data, mount: mount, name: leafName, origin: origin, extractor: depth == 0 ? "raw" : origin.last ?? "raw")
            }
            return
        }
        do {
            try expand(data, format: format, origin: origin, mount: mount, depth: depth, leafName: leafName, strict: strict)
        } catch {
            if strict { throw error }
            tree.refuse(context, entry: leafName, reason: error.description)
            if !inTree { try addLeaf(data, mount: mount, name: leafName, origin: origin, extractor: "raw") }
        }
    }

    private func expand(
        _ data: Data, format: ContainerFormat, origin: [String], mount: String, depth: Int, leafName: String, strict: Bool
    ) throws(FirmwareError) {
        let context = origin.joined(separator: " > ")
        switch format {
        case .compressed(let method):
            let output = try Decompressor.decompress(
                data, method: method, limit: min(limits.maxFileBytes, remaining), seconds: limits.toolSeconds, file: context)
            try charge(output.count, context)
            try expand(
                output, origin: origin + [method.rawValue], mount: mount, depth: depth + 1, leafName: Self.strippingSuffix(leafName, method),
                strict: strict, inTree: false)
        case .uImage:
            let image = try ImageHeaders.uImage(data, file: context)
            for payload in image.payloads {
                try expand(payload, origin: origin, mount: mount, depth: depth, strict: strict)
            }
        case .trx:
            for payload in try ImageHeaders.trx(data, file: context).payloads {
                try expand(payload, origin: origin, mount: mount, depth: depth, strict: false)
            }
        case .tar:
            try admit(try TarReader.read(data, file: context), mount: mount, origin: origin, extractor: "tar", depth: depth)
        case .cpio(let variant):
            try admit(try CPIOReader.read(data, file: context).entries, mount: mount, origin: origin, extractor: variant.rawValue, depth: depth)
        case .zip:
            try admit(
                try ZipReader.read(data, limit: min(limits.maxFileBytes, remaining), file: context), mount: mount, origin: origin, extractor: "zip",
                depth: depth)
        case .squashfs:
            let entries = try FileSystemTools.squashfs(data, limits: limits, budget: remaining, context: context)
            try admit(entries, mount: mount, origin: origin + ["squashfs"], extractor: "unsquashfs", depth: depth)
        case .ext:
            let entries = try FileSystemTools.ext(data, limits: limits, budget: remaining, context: context)
            try admit(entries, mount: mount, origin: origin + ["ext"], extractor: "debugfs", depth: depth)
        }
    }

    private func expand(_ payload: ImageHeaders.Payload, origin: [String], mount: String, depth: Int, strict: Bool) throws(FirmwareError) {
        var data = payload.data
        var chain = origin + [payload.label]
        // A header may declare lzma for a stream whose own header is too loose to recognise; trust the declaration.
        if payload.declaredCompression == "lzma", ContainerFormat.detect(data) == nil {
            data = try Decompressor.decompress(
                data, method: .lzma, limit: min(limits.maxFileBytes, remaining), seconds: limits.toolSeconds, file: chain.joined(separator: " > "))
            try charge(data.count, chain.joined(separator: " > "))
            chain.append("lzma")
        }
        let leaf = payload.label.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "\"", with: "")
        try expand(data, origin: chain, mount: mount, depth: depth + 1, leafName: leaf, strict: strict, inTree: false)
    }

    /// Searches a blob of unknown format for containers that start inside it (a kernel followed by a root file system,
    /// a vendor header before a TRX). Returns whether anything was found.
    private func carve(_ data: Data, origin: [String], mount: String, depth: Int) throws(FirmwareError) -> Bool {
        let magics: [[UInt8]] = [
            Array("hsqs".utf8), ImageHeaders.uImageMagic, Array("HDR0".utf8), [0x1f, 0x8b, 0x08], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
            Array("070701".utf8), Array("BZh".utf8),
        ]
        var found = false
        var position = 1
        let bytes = data
        while position < bytes.count - 8 {
            guard let (offset, _) = Self.nextMagic(in: bytes, from: position, magics: magics) else { break }
            let candidate = bytes[(bytes.startIndex + offset)...]
            guard let format = ContainerFormat.detect(Data(candidate.prefix(4096))) ?? ContainerFormat.detect(Data(candidate)) else {
                position = offset + 1
                continue
            }
            var length: Int?
            var piece = Data(candidate)
            switch format {
            case .squashfs:
                length = SquashFS.length(ByteReader(piece))
            case .uImage:
                length = 64 + Int(ByteReader(piece).u32be(12))
            case .compressed(.gzip):
                // Only a stream that inflates cleanly counts; random bytes that look like a gzip header do not.
                guard let inflated = try? Decompressor.gunzip(piece, limit: min(limits.maxFileBytes, remaining), file: "carve"), inflated.consumed > 0
                else {
                    position = offset + 1
                    continue
                }
                length = inflated.consumed
            case .cpio:
                length = (try? CPIOReader.read(piece, file: "carve"))?.length
                if length == nil {
                    position = offset + 1
                    continue
                }
            default: break
            }
            if let length, length > 0, length <= piece.count { piece = piece.prefix(length) }
            let label = "offset 0x\(String(offset, radix: 16)) \(format.name)"
            let before = tree.refusals.count
            try expand(
                piece, origin: origin + [label], mount: mount, depth: depth + 1, leafName: label.replacingOccurrences(of: " ", with: "-"),
                strict: false, inTree: false)
            // A false start (a magic number inside other data that fails to parse) is not worth reporting.
            if tree.refusals.count > before, length == nil, case .compressed = format {
                tree.dropRefusals(from: before)
                tree.removeLeaf(under: mount, named: label.replacingOccurrences(of: " ", with: "-"))
                position = offset + 1
                continue
            }
            found = true
            position = offset + max(length ?? 1, 1)
        }
        return found
    }

    private static func nextMagic(in data: Data, from start: Int, magics: [[UInt8]]) -> (Int, [UInt8])? {
        var best: (Int, [UInt8])?
        for magic in magics {
            let searchStart = data.startIndex + start
            let limit = best.map { data.startIndex + $0.0 } ?? data.endIndex
            guard searchStart < limit, let range = data.range(of: Data(magic), in: searchStart..<limit) else { continue }
            best = (range.lowerBound - data.startIndex, magic)
        }
        return best
    }

    private func addLeaf(_ data: Data, mount: String, name: String, origin: [String], extractor: String) throws(FirmwareError) {
        guard let path = PathRules.normalise(name, under: mount) else { return }
        tree.add(FirmwareFile(path: path, kind: .file, mode: 0o644, content: data, extractor: extractor, origin: origin))
    }

    /// Admits archive or file-system members under `mount`, refusing those whose paths or links leave it, then follows
    /// members that are themselves containers.
    func admit(_ entries: [ArchiveEntry], mount: String, origin: [String], extractor: String, depth: Int) throws(FirmwareError) {
        let context = origin.joined(separator: " > ")
        var nested: [FirmwareFile] = []
        for entry in entries {
            guard let path = PathRules.normalise(entry.name, under: mount) else {
                tree.refuse(context, entry: entry.name, reason: "path leaves the extraction root")
                continue
            }
            guard tree.files.count < limits.maxEntries else {
                throw FirmwareError(file: context, place: entry.name, "more than \(limits.maxEntries) entries; refusing the rest")
            }
            var file = FirmwareFile(
                path: path, kind: entry.kind, mode: entry.mode, uid: entry.uid, gid: entry.gid, linkTarget: entry.linkTarget,
                content: entry.content, extractor: extractor, origin: origin)
            if let target = entry.hardLinkTo {
                guard let targetPath = PathRules.normalise(target, under: mount), let original = tree[targetPath] else {
                    tree.refuse(context, entry: entry.name, reason: "hard link to \(target), which is outside the archive or not in it")
                    continue
                }
                file.content = original.content
            }
            if entry.kind == .symlink {
                guard let target = entry.linkTarget, !target.isEmpty, let resolved = PathRules.resolveLink(target, from: path),
                    target.hasPrefix("/") || resolved.hasPrefix(mount)
                else {
                    tree.refuse(context, entry: entry.name, reason: "symbolic link to \(entry.linkTarget ?? "nothing") leaves the extraction root")
                    continue
                }
            }
            if file.content.count > limits.maxFileBytes {
                tree.refuse(context, entry: entry.name, reason: "\(file.content.count) bytes, above the \(limits.maxFileBytes)-byte file limit")
                continue
            }
            try charge(file.content.count, context)
            tree.add(file)
            if file.kind == .file, file.content.count >= 32,
                ContainerFormat.detect(file.content.prefix(4096)) != nil || ContainerFormat.detect(file.content) != nil
            {
                nested.append(file)
            }
        }
        for file in nested {
            try expand(
                file.content, origin: origin + [file.path], mount: file.path + ".extracted", depth: depth + 1, leafName: file.name, strict: false,
                inTree: true)
        }
    }

    static func strippingSuffix(_ name: String, _ method: Decompressor.Method) -> String {
        let suffixes: [String] =
            switch method {
            case .gzip: [".tgz", ".gz"]
            case .xz: [".txz", ".xz"]
            case .lzma: [".lzma"]
            case .bzip2: [".tbz2", ".bz2"]
            }
        for suffix in suffixes where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count)) + (suffix.hasPrefix(".t") && suffix.count == 4 ? ".tar" : "")
        }
        return name + ".unpacked"
    }
}
