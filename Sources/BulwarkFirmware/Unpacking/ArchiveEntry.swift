import Foundation

/// One member of an archive as its reader saw it, before its name is checked against the extraction root.
struct ArchiveEntry {
    var name: String
    var kind: FirmwareFile.Kind
    var mode: UInt32
    var uid: Int
    var gid: Int
    var linkTarget: String?
    /// A hard link names an earlier member whose bytes it shares.
    var hardLinkTo: String?
    var content: Data

    /// POSIX `st_mode` file-type bits (S_IFMT) to a kind; `nil` for an unknown type.
    static func kind(ofMode mode: UInt32) -> FirmwareFile.Kind? {
        switch mode & 0o170000 {
        case 0o100000, 0: .file
        case 0o040000: .directory
        case 0o120000: .symlink
        case 0o020000, 0o060000: .device
        case 0o010000: .fifo
        case 0o140000: .socket
        default: nil
        }
    }
}

/// Little helpers to read fixed-layout headers without trapping on short input.
struct ByteReader {
    let bytes: Data

    init(_ bytes: Data) { self.bytes = bytes }

    var count: Int { bytes.count }

    func u8(_ at: Int) -> UInt8 { at >= 0 && at < bytes.count ? bytes[bytes.startIndex + at] : 0 }

    func u16le(_ at: Int) -> UInt16 { UInt16(u8(at)) | UInt16(u8(at + 1)) << 8 }
    func u32le(_ at: Int) -> UInt32 { UInt32(u16le(at)) | UInt32(u16le(at + 2)) << 16 }
    func u64le(_ at: Int) -> UInt64 { UInt64(u32le(at)) | UInt64(u32le(at + 4)) << 32 }
    func u32be(_ at: Int) -> UInt32 { UInt32(u8(at)) << 24 | UInt32(u8(at + 1)) << 16 | UInt32(u8(at + 2)) << 8 | UInt32(u8(at + 3)) }

    /// Bytes `[at, at + length)`, or `nil` when they run past the end.
    func slice(_ at: Int, _ length: Int) -> Data? {
        guard at >= 0, length >= 0, at <= bytes.count, length <= bytes.count - at else { return nil }
        return bytes[(bytes.startIndex + at)..<(bytes.startIndex + at + length)]
    }

    func hasPrefix(_ magic: [UInt8], at: Int = 0) -> Bool {
        guard at >= 0, at + magic.count <= bytes.count else { return false }
        for (i, byte) in magic.enumerated() where bytes[bytes.startIndex + at + i] != byte { return false }
        return true
    }

    /// A NUL-terminated (or field-filling) ASCII string in a fixed-width field.
    func cString(_ at: Int, _ width: Int) -> String {
        guard let field = slice(at, width) else { return "" }
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[field.startIndex..<end], as: UTF8.self)
    }
}
