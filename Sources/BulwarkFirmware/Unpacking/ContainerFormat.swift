import Foundation

/// What a blob of bytes is, recognised from its first bytes (and, for ext, the superblock at 1 KiB).
enum ContainerFormat: Equatable {
    case compressed(Decompressor.Method)
    case tar
    case cpio(CPIOReader.Variant)
    case zip
    case squashfs
    case ext
    case uImage
    case trx

    static func detect(_ data: Data) -> ContainerFormat? {
        let reader = ByteReader(data)
        if ImageHeaders.isUImage(data) { return .uImage }
        if ImageHeaders.isTRX(data) { return .trx }
        if SquashFS.looks(like: reader) { return .squashfs }
        if let method = Decompressor.method(of: data) { return .compressed(method) }
        if let variant = CPIOReader.variant(of: data) { return .cpio(variant) }
        if reader.hasPrefix([0x50, 0x4b, 0x03, 0x04]) { return .zip }
        if ExtFileSystem.looks(like: reader) { return .ext }
        if TarReader.looks(like: data) { return .tar }
        return nil
    }

    var name: String {
        switch self {
        case .compressed(let method): method.rawValue
        case .tar: "tar"
        case .cpio(let variant): variant.rawValue
        case .zip: "zip"
        case .squashfs: "squashfs"
        case .ext: "ext2/3/4"
        case .uImage: "uImage"
        case .trx: "trx"
        }
    }
}

/// SquashFS superblock facts (squashfs-tools, squashfs_fs.h): little-endian magic "hsqs", version 4.0, `bytes_used` at 40.
enum SquashFS {
    static func looks(like reader: ByteReader) -> Bool {
        guard reader.count >= 96, reader.hasPrefix(Array("hsqs".utf8)) else { return false }
        let blockSize = reader.u32le(12)
        return reader.u16le(28) == 4 && blockSize.nonzeroBitCount == 1 && (4096...1 << 20).contains(blockSize)
    }

    /// The length of the file system image, for carving it out of a larger blob.
    static func length(_ reader: ByteReader) -> Int { Int(clamping: reader.u64le(40)) }
}

/// ext2/3/4 superblock facts (Linux Documentation/filesystems/ext4, "Super Block"): at byte 1024, magic 0xEF53 at +56.
enum ExtFileSystem {
    static func looks(like reader: ByteReader) -> Bool {
        reader.count >= 2048 && reader.u16le(1024 + 56) == 0xef53 && reader.u32le(1024 + 24) <= 6
    }

    /// Bytes of blocks in use: an upper bound on the file contents (`s_blocks_count_lo - s_free_blocks_count_lo`).
    static func usedBytes(_ reader: ByteReader) -> Int {
        let blockSize = 1024 << Int(reader.u32le(1024 + 24))
        let used = Int(reader.u32le(1024 + 4)) - Int(reader.u32le(1024 + 12))
        return max(0, used) * blockSize
    }
}
