import Foundation

/// Reads cpio archives in the SVR4 "newc" form (magic `070701`, or `070702` with checksums) and the POSIX.1 "odc"
/// form (magic `070707`), as described in the cpio(5) manual page; the archive ends at the `TRAILER!!!` member.
enum CPIOReader {
    enum Variant: String {
        case newc = "cpio-newc"
        case odc = "cpio-odc"
    }

    static func variant(of data: Data) -> Variant? {
        let reader = ByteReader(data)
        if reader.hasPrefix(Array("070701".utf8)) || reader.hasPrefix(Array("070702".utf8)) { return .newc }
        if reader.hasPrefix(Array("070707".utf8)) { return .odc }
        return nil
    }

    /// The members, and how many bytes the archive occupied (up to and including its trailer).
    static func read(_ data: Data, file: String) throws(FirmwareError) -> (entries: [ArchiveEntry], length: Int) {
        let reader = ByteReader(data)
        var entries: [ArchiveEntry] = []
        var offset = 0
        while true {
            guard let header = reader.slice(offset, 6) else {
                throw .at(file, offset: offset, "cpio archive ends without its TRAILER!!! member (truncated)")
            }
            let magic = String(decoding: header, as: UTF8.self)
            let fields: (mode: Int, uid: Int, gid: Int, size: Int, nameSize: Int)
            let nameStart: Int
            let newc: Bool
            switch magic {
            case "070701", "070702":
                newc = true
                guard reader.slice(offset, 110) != nil else { throw .at(file, offset: offset, "cpio newc header is truncated") }
                func hex(_ index: Int) throws(FirmwareError) -> Int {
                    let text = String(decoding: reader.slice(offset + 6 + index * 8, 8)!, as: UTF8.self)
                    guard let value = Int(text, radix: 16) else {
                        throw .at(file, offset: offset + 6 + index * 8, "cpio newc field \(index) is not hexadecimal (\"\(text)\")")
                    }
                    return value
                }
                fields = (try hex(1), try hex(2), try hex(3), try hex(6), try hex(11))
                nameStart = offset + 110
            case "070707":
                newc = false
                guard reader.slice(offset, 76) != nil else { throw .at(file, offset: offset, "cpio odc header is truncated") }
                func octal(_ at: Int, _ width: Int) throws(FirmwareError) -> Int {
                    let text = String(decoding: reader.slice(offset + at, width)!, as: UTF8.self)
                    guard let value = Int(text, radix: 8) else {
                        throw .at(file, offset: offset + at, "cpio odc field is not octal (\"\(text)\")")
                    }
                    return value
                }
                fields = (try octal(18, 6), try octal(24, 6), try octal(30, 6), try octal(65, 11), try octal(59, 6))
                nameStart = offset + 76
            default:
                throw .at(file, offset: offset, "expected a cpio header (070701, 070702 or 070707), found \"\(magic.debugDescription)\"")
            }
            guard fields.nameSize > 0, let nameBytes = reader.slice(nameStart, fields.nameSize) else {
                throw .at(file, offset: nameStart, "cpio member name runs past the end of the archive")
            }
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            var dataStart = nameStart + fields.nameSize
            if newc { dataStart = (dataStart + 3) & ~3 }  // newc pads header+name to a multiple of four
            guard let body = reader.slice(dataStart, fields.size) else {
                throw .at(
                    file, offset: dataStart,
                    "cpio member \(name) is truncated: \(fields.size) bytes announced, \(max(0, reader.count - dataStart)) left")
            }
            offset = dataStart + fields.size
            if newc { offset = (offset + 3) & ~3 }
            if name == "TRAILER!!!" { return (entries, min(offset, reader.count)) }
            guard let kind = ArchiveEntry.kind(ofMode: UInt32(truncatingIfNeeded: fields.mode)) else {
                throw .at(file, offset: nameStart, "cpio member \(name) has an unknown file type in mode \(String(fields.mode, radix: 8))")
            }
            var entry = ArchiveEntry(
                name: name, kind: kind, mode: UInt32(truncatingIfNeeded: fields.mode) & 0o7777, uid: fields.uid, gid: fields.gid, linkTarget: nil,
                hardLinkTo: nil, content: Data())
            switch kind {
            case .file: entry.content = Data(body)
            case .symlink: entry.linkTarget = String(decoding: body, as: UTF8.self)
            default: break
            }
            entries.append(entry)
        }
    }
}
