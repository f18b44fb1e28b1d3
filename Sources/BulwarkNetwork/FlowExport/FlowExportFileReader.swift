/// Reads export messages stored back to back in a file: IPFIX files (RFC 5655 §7, each message framed by its own length)
/// and NetFlow v5 dumps (each datagram's length follows from its record count). NetFlow v9 messages carry no length and
/// cannot be framed this way; read them from a capture of the export traffic instead.
public struct FlowExportFileReader: IteratorProtocol, Sequence {
    public let file: String
    /// `file`, as the origins of the records read from it name it.
    private let name: InternedName
    public private(set) var diagnostics = InputDiagnostics()
    private let input: ByteInput
    private var index = 0

    public init(path: String) throws(CaptureError) {
        try self.init(input: ByteInput(path: path), file: path)
    }

    public init(bytes: [UInt8], file: String) throws(CaptureError) {
        try self.init(input: ByteInput(bytes: bytes), file: file)
    }

    public init(input: ByteInput, file: String) throws(CaptureError) {
        self.input = input
        self.file = file
        name = InternedName(file)
        guard let head = input.peek(2), Self.looksLikeExport(head) else {
            throw CaptureError.unknownFormat(file: file, detail: "not an IPFIX or NetFlow v5 file (expected version 10 or 5 in the first two bytes)")
        }
    }

    static func looksLikeExport(_ head: ArraySlice<UInt8>) -> Bool {
        guard head.count >= 2 else { return false }
        let version = BinaryField(head).u16(0)
        return version == 10 || version == 5
    }

    /// The next message and its place in the file.
    public mutating func next() -> (message: ArraySlice<UInt8>, place: FlowRecord.MessagePlace)? {
        let offset = input.offset
        guard let head = input.peek(4) else {
            let left = input.remaining()
            if left > 0 { diagnostics.record(.truncatedFile, at: "\(file): byte \(offset)", "message header cut short (\(left) bytes)") }
            return nil
        }
        let field = BinaryField(head)
        let length: Int
        switch field.u16(0) {
        case 10: length = Int(field.u16(2))
        case 5: length = 24 + 48 * Int(field.u16(2))
        case let version:
            diagnostics.record(.unsupportedVersion, at: "\(file): byte \(offset)", "version \(version) here; the rest of the file cannot be framed")
            return nil
        }
        guard length >= 16 else {
            diagnostics.record(.malformedHeader, at: "\(file): byte \(offset)", "message length \(length) is too small; the rest cannot be framed")
            return nil
        }
        guard let message = input.take(length) else {
            let left = input.remaining()
            diagnostics.record(.truncatedFile, at: "\(file): byte \(offset)", "message cut short (\(left) of \(length) bytes)")
            return nil
        }
        index += 1
        return (message, .fileMessage(file: name, number: index, offset: offset))
    }
}
