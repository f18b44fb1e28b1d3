import BulwarkCore
import Foundation
import Testing

@testable import BulwarkFirmware

/// Builds firmware-like images on disk with the same Debian tools vendors use (tar, cpio, gzip, xz, bzip2,
/// mksquashfs, mke2fs, mkimage), from root directories the tests fill with planted files.
struct Workbench {
    let directory: URL

    static var sharedData: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("firmware-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes a file under the workbench, creating directories, with a mode.
    @discardableResult
    func write(_ relative: String, _ content: Data, mode: Int = 0o644) throws -> String {
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url.path
    }

    @discardableResult
    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws -> String { try write(relative, Data(text.utf8), mode: mode) }

    func symlink(_ relative: String, to target: String) throws {
        let url = directory.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    /// Runs a program in the workbench directory and returns its standard output; fails the test on a non-zero exit.
    @discardableResult
    func run(_ command: String, _ arguments: [String], input: Data? = nil) throws -> Data {
        try Self.run(command, arguments, in: directory, input: input)
    }

    @discardableResult
    static func run(_ command: String, _ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The caller's PATH first (its python3 is the one scripts/test.sh installs packages into), then the sbin
        // directories where mke2fs and debugfs live for users whose PATH lacks them.
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        process.arguments = ["PATH=\(inherited):/usr/local/sbin:/usr/sbin:/sbin", command] + arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let input {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("in-\(UUID().uuidString)")
            try input.write(to: file)
            process.standardInput = try FileHandle(forReadingFrom: file)
            defer { try? FileManager.default.removeItem(at: file) }
            try process.run()
            process.waitUntilExit()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        let output = (try? Data(contentsOf: out)) ?? Data()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: output + ((try? Data(contentsOf: err)) ?? Data()), as: UTF8.self)
            throw FixtureError("\(command) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(message)")
        }
        return output
    }

    static func text(_ command: String, _ arguments: [String], input: Data? = nil) throws -> String {
        String(decoding: try run(command, arguments, input: input), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether a program is installed (tests that need it say so when it is not).
    static func has(_ command: String) -> Bool {
        ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", "/usr/local/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + command) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Bytes that look like an ELF binary and carry the given strings, separated by NULs as a compiler lays them out.
func elf(_ strings: [String], padding: Int = 512) -> Data {
    var data = Data([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00])
    data.append(Data(repeating: 0, count: 56))
    var generator = SeededBytes(seed: UInt64(strings.joined().count))
    data.append(generator.next(padding))
    for text in strings {
        data.append(0)
        data.append(Data(text.utf8))
        data.append(0)
        data.append(generator.next(64))
    }
    return data
}

/// Deterministic pseudo-random bytes (SplitMix64) so that fixtures are the same on every run.
struct SeededBytes {
    var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9e37_79b9_7f4a_7c15 }

    mutating func next(_ count: Int) -> Data {
        var data = Data(capacity: count)
        while data.count < count {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            z ^= z >> 31
            withUnsafeBytes(of: z) { data.append(contentsOf: $0.prefix(count - data.count)) }
        }
        return data
    }
}

/// `count` bytes from a fresh generator seeded with `seed`.
func seeded(_ seed: UInt64, _ count: Int) -> Data {
    var generator = SeededBytes(seed: seed)
    return generator.next(count)
}

/// CRC-32 (IEEE 802.3, reflected 0xEDB88320), as U-Boot headers use.
func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return ~crc
}

extension Data {
    mutating func appendBigEndian(_ value: UInt32) { Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) } }
    mutating func appendLittleEndian(_ value: UInt32) { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
}

/// A legacy U-Boot image (include/image.h) around a payload: 64-byte header with header and data CRCs.
func uImage(_ payload: Data, name: String, compression: UInt8, type: UInt8 = 2) -> Data {
    var header = Data()
    header.appendBigEndian(0x2705_1956)
    header.appendBigEndian(0)  // header CRC, filled below
    header.appendBigEndian(1_700_000_000)
    header.appendBigEndian(UInt32(payload.count))
    header.appendBigEndian(0x8000_8000)
    header.appendBigEndian(0x8000_8000)
    header.appendBigEndian(crc32(payload))
    header.append(contentsOf: [5, 2, type, compression])  // Linux, ARM, kernel, compression
    var nameField = Data(name.utf8.prefix(31))
    nameField.append(Data(repeating: 0, count: 32 - nameField.count))
    header.append(nameField)
    let crc = crc32(header)
    header.replaceSubrange(4..<8, with: withUnsafeBytes(of: crc.bigEndian) { Data($0) })
    return header + payload
}

/// A TRX v1 image: 28-byte little-endian header and up to three partitions.
func trx(_ partitions: [Data]) -> Data {
    var offsets: [UInt32] = []
    var body = Data()
    for partition in partitions {
        offsets.append(UInt32(28 + body.count))
        body.append(partition)
        while body.count % 4 != 0 { body.append(0) }
    }
    while offsets.count < 3 { offsets.append(0) }
    var header = Data("HDR0".utf8)
    header.appendLittleEndian(UInt32(28 + body.count))
    header.appendLittleEndian(0)
    header.appendLittleEndian(1 << 16)
    for offset in offsets { header.appendLittleEndian(offset) }
    return header + body
}
