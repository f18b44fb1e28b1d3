/// Why an image, a container inside it or a file in it could not be read: the file (with the chain of containers it
/// was found in), the byte offset or line where the problem is, and what to do about it.
public struct FirmwareError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file or container, e.g. `router.bin > trx partition 2 > squashfs`.
    public var file: String
    /// A byte offset, a line, or an entry name; `nil` when the problem concerns the whole file.
    public var place: String?
    public var message: String

    public init(file: String, place: String? = nil, _ message: String) {
        self.file = file
        self.place = place
        self.message = message
    }

    /// An error at a byte offset.
    public static func at(_ file: String, offset: Int, _ message: String) -> FirmwareError {
        FirmwareError(file: file, place: "byte \(offset)", message)
    }

    public var description: String {
        if let place { return "\(file): \(place): \(message)" }
        return "\(file): \(message)"
    }
}
