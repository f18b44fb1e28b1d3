/// Why an inventory file was refused. Every case names the place, so the user can fix the file and run again.
public enum ImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A value in a row is missing or malformed.
    case field(source: String, line: Int, field: String, message: String)
    /// The file as a whole cannot be read (bad encoding, bad JSON, no header).
    case format(source: String, line: Int, message: String)
    /// The file is larger than the import limit.
    case tooLarge(source: String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .field(let source, let line, let field, let message):
            "\(source):\(line): field '\(field)': \(message); nothing was imported"
        case .format(let source, let line, let message):
            "\(source):\(line): \(message); nothing was imported"
        case .tooLarge(let source, let bytes, let limit):
            "\(source): \(bytes) bytes is more than the import limit of \(limit) bytes; split the file"
        }
    }

    /// The line the error points at.
    public var line: Int {
        switch self {
        case .field(_, let line, _, _), .format(_, let line, _): line
        case .tooLarge: 0
        }
    }
}
