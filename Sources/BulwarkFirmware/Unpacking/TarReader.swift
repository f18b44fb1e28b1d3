import Foundation

/// Reads POSIX ustar, GNU and pax tar archives (POSIX.1-2017 `pax` format description; GNU tar manual, "Basic Tar
/// Format"): long names (GNU `L`/`K`, pax `path`/`linkpath`), base-256 sizes, hard and symbolic links.
enum TarReader {
    /// Whether a 512-byte block is a tar header: its checksum field matches the sum of its bytes.
    static func looks(like data: Data) -> Bool {
        let reader = ByteReader(data)
        guard reader.count >= 512 else { return false }
        if reader.hasPrefix(Array("ustar".utf8), at: 257) { return checksumMatches(reader, at: 0) }
        return reader.u8(0) != 0 && checksumMatches(reader, at: 0)
    }

    static func read(_ data: Data, file: String) throws(FirmwareError) -> [ArchiveEntry] {
        let reader = ByteReader(data)
        var entries: [ArchiveEntry] = []
        var offset = 0
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        var globalPax: [String: String] = [:]
        while offset + 512 <= reader.count {
            if reader.slice(offset, 512)!.allSatisfy({ $0 == 0 }) { break }  // end-of-archive marker: two zero blocks
            guard checksumMatches(reader, at: offset) else {
                throw .at(file, offset: offset, "tar header checksum does not match; the archive is damaged here")
            }
            let type = reader.u8(offset + 156)
            guard let size = number(reader, at: offset + 124, width: 12), size >= 0 else {
                throw .at(file, offset: offset + 124, "tar size field is not a number")
            }
            let effectiveSize = pax["size"].flatMap(Int.init) ?? size
            let dataStart = offset + 512
            guard effectiveSize >= 0 else { throw .at(file, offset: offset, "pax size record is negative") }
            guard effectiveSize <= reader.count - dataStart else {
                throw .at(file, offset: dataStart, "tar member is truncated: \(effectiveSize) bytes announced, \(reader.count - dataStart) left")
            }
            let body = reader.slice(dataStart, type == 0x35 ? 0 : effectiveSize)!
            let next = dataStart + (effectiveSize + 511) / 512 * 512
            defer { offset = next }
            switch type {
            case UInt8(ascii: "L"):
                longName = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "K"):
                longLink = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "x"):
                pax = try paxRecords(body, file: file, offset: dataStart)
                continue
            case UInt8(ascii: "g"):
                globalPax.merge(try paxRecords(body, file: file, offset: dataStart)) { $1 }
                continue
            default: break
            }
            var name = reader.cString(offset, 100)
            let prefix = reader.hasPrefix(Array("ustar\0".utf8), at: 257) ? reader.cString(offset + 345, 155) : ""
            if !prefix.isEmpty { name = prefix + "/" + name }
            name = pax["path"] ?? longName ?? globalPax["path"] ?? name
            let link = pax["linkpath"] ?? longLink ?? reader.cString(offset + 157, 100)
            let mode = UInt32(number(reader, at: offset + 100, width: 8) ?? 0) & 0o7777
            let uid = pax["uid"].flatMap(Int.init) ?? number(reader, at: offset + 108, width: 8) ?? 0
            let gid = pax["gid"].flatMap(Int.init) ?? number(reader, at: offset + 116, width: 8) ?? 0
            longName = nil
            longLink = nil
            pax = [:]
            var entry = ArchiveEntry(name: name, kind: .file, mode: mode, uid: uid, gid: gid, linkTarget: nil, hardLinkTo: nil, content: Data())
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): entry.content = Data(body)
            case UInt8(ascii: "1"): entry.hardLinkTo = link
            case UInt8(ascii: "2"):
                entry.kind = .symlink
                entry.linkTarget = link
            case UInt8(ascii: "3"), UInt8(ascii: "4"): entry.kind = .device
            case UInt8(ascii: "5"): entry.kind = .directory
            case UInt8(ascii: "6"): entry.kind = .fifo
            default: continue  // vendor extensions (GNU sparse, volume labels) carry no file Bulwark inspects
            }
            entries.append(entry)
        }
        return entries
    }

    /// Octal text, or GNU base-256 when the first byte's high bit is set.
    private static func number(_ reader: ByteReader, at: Int, width: Int) -> Int? {
        guard let field = reader.slice(at, width) else { return nil }
        if let first = field.first, first & 0x80 != 0 {
            var value = Int(first & 0x3f)
            for byte in field.dropFirst() {
                guard value < Int.max >> 9 else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let text = String(decoding: field.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return 0 }
        return Int(text, radix: 8)
    }

    private static func checksumMatches(_ reader: ByteReader, at offset: Int) -> Bool {
        guard let header = reader.slice(offset, 512) else { return false }
        let stored = String(decoding: header.dropFirst(148).prefix(8).prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
        guard let expected = Int(stored, radix: 8) else { return false }
        var unsigned = 0
        var signed = 0
        for (i, byte) in header.enumerated() {
            let value = (148..<156).contains(i) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        return expected == unsigned || expected == signed
    }

    /// pax extended header records: "<length> <key>=<value>\n", the length counting the whole record.
    private static func paxRecords(_ body: Data, file: String, offset: Int) throws(FirmwareError) -> [String: String] {
        var records: [String: String] = [:]
        var bytes = Substring(String(decoding: body, as: UTF8.self))
        while !bytes.isEmpty, bytes.first != "\0" {
            guard let space = bytes.firstIndex(of: " "), let length = Int(bytes[bytes.startIndex..<space]), length > 0,
                length <= bytes.utf8.count
            else { throw .at(file, offset: offset, "pax header record has no valid length") }
            let record = bytes.utf8.prefix(length)
            let text = String(Substring(record).dropFirst(bytes.distance(from: bytes.startIndex, to: space) + 1).dropLast())
            if let equals = text.firstIndex(of: "=") { records[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
            bytes = Substring(bytes.utf8.dropFirst(length))
        }
        return records
    }
}
