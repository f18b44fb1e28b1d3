import BulwarkNetwork
import Foundation

/// Shared captures and logs beside the package, and captures re-encoded by the tests in other formats.
enum NetworkFixture {
    /// The shared test data folder beside the package.
    static var sharedData: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    static func path(_ relative: String) -> String { sharedData.appendingPathComponent(relative).path }

    static func bytes(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: sharedData.appendingPathComponent(relative))) }

    /// Every packet of a shared capture.
    static func packets(_ relative: String) throws -> [CapturedPacket] {
        Array(try PacketCaptureReader(path: path(relative)))
    }
}

/// Writes captures byte by byte, so tests can build every variant the readers accept from real packets.
struct CaptureWriter {
    var bytes: [UInt8] = []
    let littleEndian: Bool

    mutating func u16(_ v: UInt16) { bytes += littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
    mutating func u32(_ v: UInt32) {
        let b = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        bytes += littleEndian ? b.reversed() : b
    }

    /// Classic pcap; nanosecond resolution when asked.
    static func pcap(_ packets: [(Int64, [UInt8])], linkType: UInt32, littleEndian: Bool, nanosecond: Bool) -> [UInt8] {
        var w = CaptureWriter(littleEndian: littleEndian)
        w.u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        w.u16(2)
        w.u16(4)
        w.u32(0)
        w.u32(0)
        w.u32(262_144)
        w.u32(linkType)
        for (time, data) in packets {
            w.u32(UInt32(time / 1_000_000_000))
            w.u32(UInt32(nanosecond ? time % 1_000_000_000 : time % 1_000_000_000 / 1000))
            w.u32(UInt32(data.count))
            w.u32(UInt32(data.count))
            w.bytes += data
        }
        return w.bytes
    }

    /// pcapng: one section, one interface with nanosecond timestamps (if_tsresol = 9), enhanced packet blocks.
    static func pcapng(_ packets: [(Int64, [UInt8])], linkType: UInt16, littleEndian: Bool) -> [UInt8] {
        var w = CaptureWriter(littleEndian: littleEndian)
        w.u32(0x0A0D_0D0A)
        w.u32(28)
        w.u32(0x1A2B_3C4D)
        w.u16(1)
        w.u16(0)
        w.u32(0xFFFF_FFFF)
        w.u32(0xFFFF_FFFF)
        w.u32(28)
        // Interface description with an if_tsresol option and the end-of-options marker.
        w.u32(1)
        w.u32(32)
        w.u16(linkType)
        w.u16(0)
        w.u32(0)
        w.u16(9)
        w.u16(1)
        w.bytes += [9, 0, 0, 0]
        w.u16(0)
        w.u16(0)
        w.u32(32)
        // A name-resolution block the reader must skip.
        w.u32(4)
        w.u32(16)
        w.u32(0)
        w.u32(16)
        for (time, data) in packets {
            let padded = (data.count + 3) / 4 * 4
            let length = UInt32(32 + padded)
            w.u32(6)
            w.u32(length)
            w.u32(0)
            w.u32(UInt32(UInt64(time) >> 32))
            w.u32(UInt32(UInt64(time) & 0xFFFF_FFFF))
            w.u32(UInt32(data.count))
            w.u32(UInt32(data.count))
            w.bytes += data + [UInt8](repeating: 0, count: padded - data.count)
            w.u32(length)
        }
        return w.bytes
    }
}
