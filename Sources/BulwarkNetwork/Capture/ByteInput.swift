#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes read front to back from a file or from memory, a bounded chunk at a time, so that a capture of any size is read
/// in constant memory.
public final class ByteInput {
    private var buffer: [UInt8]
    private var start = 0
    private let descriptor: Int32?
    private let chunkSize: Int
    private var exhausted: Bool
    /// Bytes handed out so far: the offset of the next byte in the whole input.
    public private(set) var offset = 0

    /// Reads the file at `path`; throws when it cannot be opened.
    public init(path: String, chunkSize: Int = 1 << 20) throws(CaptureError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CaptureError.unreadable(file: path, reason: String(cString: strerror(errno))) }
        self.descriptor = fd
        self.chunkSize = max(chunkSize, 4096)
        self.buffer = []
        self.exhausted = false
    }

    /// Reads bytes already in memory.
    public init(bytes: [UInt8]) {
        self.descriptor = nil
        self.chunkSize = 0
        self.buffer = bytes
        self.exhausted = true
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    /// Bytes available without reading further.
    private var available: Int { buffer.count - start }

    /// Reads until `count` bytes are buffered or the input ends; returns how many are buffered.
    @discardableResult
    public func fill(_ count: Int) -> Int {
        while available < count, !exhausted, let descriptor {
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let want = max(chunkSize, count - available)
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: want))
            let got = buffer.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress! + old, want) }
            if got <= 0 {
                buffer.removeLast(want)
                exhausted = true
            } else {
                buffer.removeLast(want - got)
            }
        }
        return available
    }

    /// The next `count` bytes, or `nil` when fewer remain (nothing is consumed then).
    public func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, fill(count) >= count else { return nil }
        let slice = buffer[start..<(start + count)]
        start += count
        offset += count
        return slice
    }

    /// The next `count` bytes without consuming them, or `nil` when fewer remain.
    public func peek(_ count: Int) -> ArraySlice<UInt8>? {
        guard fill(count) >= count else { return nil }
        return buffer[start..<(start + count)]
    }

    /// Skips up to `count` bytes; returns how many were skipped.
    @discardableResult
    public func skip(_ count: Int) -> Int {
        var left = count
        while left > 0 {
            let have = fill(min(left, max(chunkSize, 1)))
            if have == 0 { break }
            let step = min(have, left)
            start += step
            offset += step
            left -= step
        }
        return count - left
    }

    /// Whether every byte has been consumed.
    public var atEnd: Bool { fill(1) == 0 }

    /// Everything left, consumed (for the tail of a truncated input).
    public func remaining() -> Int {
        var total = 0
        while true {
            let n = skip(1 << 20)
            total += n
            if n == 0 { return total }
        }
    }

    /// The next line without its line ending, or `nil` at the end of the input; a line longer than `maximumLength`
    /// is cut there and the rest comes back as the next line.
    public func nextLine(maximumLength: Int = 1 << 20) -> ArraySlice<UInt8>? {
        var scanned = 0
        while true {
            let have = available
            if let newline = buffer[(start + scanned)..<(start + have)].firstIndex(of: UInt8(ascii: "\n")) {
                var line = take(newline - start + 1)!.dropLast()
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                return line
            }
            scanned = have
            if scanned >= maximumLength { return take(scanned) }
            if fill(have + max(chunkSize, 1)) == have {
                return have == 0 ? nil : take(have)
            }
        }
    }
}
