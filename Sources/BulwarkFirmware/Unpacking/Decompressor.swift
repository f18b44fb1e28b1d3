internal import CZlib
import Foundation

/// The stream compressions firmware uses: gzip natively through zlib, xz, lzma and bzip2 through xz-utils and bzip2.
enum Decompressor {
    enum Method: String {
        case gzip, xz, lzma, bzip2

        var tool: ExternalTool {
            switch self {
            case .gzip, .xz, .lzma: ExternalTool(name: "xz", package: "xz-utils")
            case .bzip2: ExternalTool(name: "bzip2", package: "bzip2")
            }
        }
    }

    static func method(of data: Data) -> Method? {
        let reader = ByteReader(data)
        // RFC 1952 §2.3.1: ID1 ID2 CM=8 (deflate); reserved flag bits 5–7 must be zero.
        if reader.hasPrefix([0x1f, 0x8b, 0x08]), reader.u8(3) & 0xe0 == 0 { return .gzip }
        if reader.hasPrefix([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }  // xz file format 1.0.4 §2.1.1.1
        // bzip2: "BZh" + block size '1'…'9' + the block magic 0x314159265359 (pi).
        if reader.hasPrefix(Array("BZh".utf8)), (0x31...0x39).contains(reader.u8(3)), reader.hasPrefix([0x31, 0x41, 0x59, 0x26, 0x53, 0x59], at: 4) {
            return .bzip2
        }
        // LZMA "alone" header (lzma-file-format.txt): properties byte 0x5d (lc=3 lp=0 pb=2), a power-of-two dictionary
        // size of 4 KiB…1 GiB, and an uncompressed size that is either unknown (all ones) or below 4 GiB.
        if reader.u8(0) == 0x5d, reader.count > 13 {
            let dictionary = reader.u32le(1)
            let size = reader.u64le(5)
            if dictionary.nonzeroBitCount == 1, (1 << 12...1 << 30).contains(dictionary), size == .max || size < 1 << 32 { return .lzma }
        }
        return nil
    }

    /// Decompresses one stream; the result is at most `limit` bytes, else the input is refused as a decompression bomb.
    static func decompress(_ data: Data, method: Method, limit: Int, seconds: Double, file: String) throws(FirmwareError) -> Data {
        if method == .gzip { return try gunzip(data, limit: limit, file: file).output }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-\(UUID().uuidString).\(method.rawValue)")
        guard FileManager.default.createFile(atPath: input.path, contents: data) else {
            throw FirmwareError(file: file, "cannot write a temporary copy to decompress")
        }
        defer { try? FileManager.default.removeItem(at: input) }
        let arguments: [String] =
            switch method {
            case .xz: ["--decompress", "--stdout", "--single-stream", "--format=xz", input.path]
            case .lzma: ["--decompress", "--stdout", "--format=lzma", input.path]
            case .bzip2: ["--decompress", "--stdout", input.path]
            case .gzip: []
            }
        let outcome = try method.tool.run(arguments, seconds: seconds, outputLimit: limit, context: file)
        if outcome.overLimit {
            throw FirmwareError(file: file, "\(method.rawValue) stream expands to more than \(limit) bytes; refused as a decompression bomb")
        }
        if outcome.timedOut { throw FirmwareError(file: file, "\(method.rawValue) decompression took longer than \(Int(seconds)) s; stopped") }
        // A stream followed by padding is common in flash images; keep what decoded when the tool only objects to the tail.
        if outcome.status != 0 && (outcome.output.isEmpty || !outcome.errorText.contains("garbage")) {
            let detail = outcome.errorText.split(separator: "\n").last.map(String.init) ?? "exit status \(outcome.status)"
            throw FirmwareError(
                file: file, "\(method.rawValue) stream is corrupt or truncated after \(outcome.output.count) decoded bytes (\(detail))")
        }
        return outcome.output
    }

    /// Inflates gzip members (RFC 1952) one after another until the data stops being gzip; returns the bytes consumed,
    /// so that a carved stream followed by other data ends where its member ends.
    static func gunzip(_ data: Data, limit: Int, file: String) throws(FirmwareError) -> (output: Data, consumed: Int) {
        var output = Data()
        var consumed = 0
        while consumed < data.count {
            let rest = data[(data.startIndex + consumed)...]
            if consumed > 0 && method(of: Data(rest.prefix(16))) != .gzip { break }
            let member = try inflateOne(rest, limit: limit - output.count, file: file, at: consumed)
            output.append(member.output)
            consumed += member.consumed
        }
        return (output, consumed)
    }

    /// Inflates raw deflate (RFC 1951) data, as stored in zip entries.
    static func inflateRaw(_ data: Data, limit: Int, file: String) throws(FirmwareError) -> Data {
        try inflateOne(data, limit: limit, file: file, at: 0, raw: true).output
    }

    private static func inflateOne(
        _ input: Data, limit: Int, file: String, at base: Int, raw: Bool = false
    ) throws(FirmwareError) -> (output: Data, consumed: Int) {
        var stream = z_stream()
        // Window bits 15, +16 for a gzip wrapper, negated for raw deflate (zlib manual, inflateInit2).
        guard inflateInit2_(&stream, raw ? -15 : 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FirmwareError(file: file, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var failure: FirmwareError?
        var consumed = 0
        input.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let start = buffer.bindMemory(to: UInt8.self).baseAddress else {
                failure = .at(file, offset: base, "compressed stream is empty")
                return
            }
            stream.next_in = UnsafeMutablePointer(mutating: start)
            stream.avail_in = uInt(buffer.count)
            while true {
                var status: Int32 = Z_OK
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit {
                    failure = .at(file, offset: base, "compressed stream expands to more than \(limit) bytes; refused as a decompression bomb")
                    return
                }
                if status == Z_STREAM_END {
                    consumed = buffer.count - Int(stream.avail_in)
                    return
                }
                if status != Z_OK && !(status == Z_BUF_ERROR && produced > 0) || (produced == 0 && stream.avail_in == 0) {
                    let position = base + buffer.count - Int(stream.avail_in)
                    failure = .at(
                        file, offset: position,
                        stream.avail_in == 0
                            ? "deflate stream is truncated after \(output.count) decoded bytes" : "deflate stream is corrupt (zlib status \(status))")
                    return
                }
            }
        }
        if let failure { throw failure }
        return (output, consumed)
    }
}
