internal import CZlib
import Foundation

/// Firmware wrapper headers that carry no files themselves, only payloads to unpack further.
enum ImageHeaders {
    struct Payload {
        var label: String
        var data: Data
        /// The compression the header declares for the payload, when it declares one.
        var declaredCompression: String?
    }

    // MARK: - U-Boot legacy image (include/image.h in U-Boot: 64-byte big-endian header, magic 0x27051956)

    static let uImageMagic: [UInt8] = [0x27, 0x05, 0x19, 0x56]

    static func isUImage(_ data: Data) -> Bool {
        let reader = ByteReader(data)
        guard reader.count >= 64, reader.hasPrefix(uImageMagic) else { return false }
        return headerCRCMatches(reader)
    }

    private static func headerCRCMatches(_ reader: ByteReader) -> Bool {
        var header = [UInt8](reader.slice(0, 64)!)
        let stored = reader.u32be(4)
        header[4] = 0
        header[5] = 0
        header[6] = 0
        header[7] = 0
        return UInt32(header.withUnsafeBufferPointer { crc32(0, $0.baseAddress, 64) }) == stored
    }

    /// The payload(s) and the length the image occupies.
    static func uImage(_ data: Data, file: String) throws(FirmwareError) -> (payloads: [Payload], length: Int, name: String) {
        let reader = ByteReader(data)
        guard reader.count >= 64, reader.hasPrefix(uImageMagic) else { throw .at(file, offset: 0, "not a U-Boot image (magic 0x27051956)") }
        guard headerCRCMatches(reader) else { throw .at(file, offset: 4, "U-Boot image header CRC does not match; the header is damaged") }
        let size = Int(reader.u32be(12))
        guard let body = reader.slice(64, size) else {
            throw .at(file, offset: 64, "U-Boot image payload is truncated: \(size) bytes announced, \(reader.count - 64) present")
        }
        let dataCRC = UInt32(body.withUnsafeBytes { crc32(0, $0.bindMemory(to: UInt8.self).baseAddress, uInt($0.count)) })
        guard dataCRC == reader.u32be(24) else { throw .at(file, offset: 64, "U-Boot image payload CRC does not match; the payload is damaged") }
        let name = reader.cString(32, 32)
        let compression: String? =
            switch reader.u8(31) {
            case 1: "gzip"
            case 2: "bzip2"
            case 3: "lzma"
            case 4: "lzo"
            case 5: "lz4"
            case 6: "zstd"
            default: nil
            }
        // Image type 4 (IH_TYPE_MULTI): a zero-terminated table of big-endian sizes, then each image padded to 4 bytes.
        if reader.u8(30) == 4 {
            let inner = ByteReader(body)
            var sizes: [Int] = []
            var at = 0
            while at + 4 <= inner.count, inner.u32be(at) != 0 {
                sizes.append(Int(inner.u32be(at)))
                at += 4
            }
            at += 4
            var payloads: [Payload] = []
            for (index, part) in sizes.enumerated() {
                guard let slice = inner.slice(at, part) else { throw .at(file, offset: 64 + at, "U-Boot multi-image part \(index + 1) is truncated") }
                payloads.append(Payload(label: "uImage part \(index + 1)", data: Data(slice), declaredCompression: compression))
                at += (part + 3) & ~3
            }
            return (payloads, 64 + size, name)
        }
        return ([Payload(label: "uImage \"\(name)\"", data: Data(body), declaredCompression: compression)], 64 + size, name)
    }

    // MARK: - TRX (Broadcom/OpenWrt): little-endian "HDR0", length, CRC32, flags/version, then 3 (v1) or 4 (v2) offsets

    static func isTRX(_ data: Data) -> Bool {
        let reader = ByteReader(data)
        guard reader.count >= 28, reader.hasPrefix(Array("HDR0".utf8)) else { return false }
        let length = Int(reader.u32le(4))
        let version = reader.u32le(12) >> 16
        return length >= 28 && (version == 1 || version == 2)
    }

    static func trx(_ data: Data, file: String) throws(FirmwareError) -> (payloads: [Payload], length: Int) {
        let reader = ByteReader(data)
        guard isTRX(data) else { throw .at(file, offset: 0, "not a TRX image (magic HDR0, version 1 or 2)") }
        let length = Int(reader.u32le(4))
        guard length <= reader.count else {
            throw .at(file, offset: 4, "TRX header announces \(length) bytes but the file has \(reader.count); it is truncated")
        }
        let slots = reader.u32le(12) >> 16 == 2 ? 4 : 3
        let offsets = (0..<slots).map { Int(reader.u32le(16 + 4 * $0)) }.filter { $0 != 0 }
        var payloads: [Payload] = []
        for (index, start) in offsets.enumerated() {
            let end = index + 1 < offsets.count ? offsets[index + 1] : length
            guard start >= 12 + 4 * slots, start < end, end <= length else {
                throw .at(file, offset: 16 + 4 * index, "TRX partition \(index + 1) offset \(start) lies outside the image")
            }
            payloads.append(Payload(label: "trx partition \(index + 1)", data: Data(reader.slice(start, end - start)!), declaredCompression: nil))
        }
        return (payloads, length)
    }
}
