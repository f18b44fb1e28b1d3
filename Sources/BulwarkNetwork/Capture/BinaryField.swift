/// Reads fixed-width integers from a byte slice at an offset from the slice's start.
///
/// Callers check the length first; these never trap on short input because every read goes through `has`.
struct BinaryField {
    let bytes: ArraySlice<UInt8>
    let littleEndian: Bool

    init(_ bytes: ArraySlice<UInt8>, littleEndian: Bool = false) {
        self.bytes = bytes
        self.littleEndian = littleEndian
    }

    var count: Int { bytes.count }

    func has(_ offset: Int, _ length: Int) -> Bool { offset >= 0 && length >= 0 && offset + length <= bytes.count }

    func u8(_ offset: Int) -> UInt8 { bytes[bytes.startIndex + offset] }

    func u16(_ offset: Int) -> UInt16 {
        let i = bytes.startIndex + offset
        let a = UInt16(bytes[i])
        let b = UInt16(bytes[i + 1])
        return littleEndian ? a | b << 8 : a << 8 | b
    }

    func u32(_ offset: Int) -> UInt32 {
        // One range check for the four bytes, then one unaligned load.
        precondition(has(offset, 4), "read past the end of a field")
        let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        return littleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
    }

    func u64(_ offset: Int) -> UInt64 {
        let i = bytes.startIndex + offset
        var value: UInt64 = 0
        if littleEndian {
            for k in (0..<8).reversed() { value = value << 8 | UInt64(bytes[i + k]) }
        } else {
            for k in 0..<8 { value = value << 8 | UInt64(bytes[i + k]) }
        }
        return value
    }

    func slice(_ offset: Int, _ length: Int) -> ArraySlice<UInt8> {
        bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + length)]
    }
}
