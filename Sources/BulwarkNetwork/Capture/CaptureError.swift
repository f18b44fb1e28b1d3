/// Why a capture or log file could not be read at all. Problems inside a readable file are counted in ``InputDiagnostics``.
public enum CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    /// The first bytes are not a format this module reads.
    case unknownFormat(file: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot be read: \(reason)"
        case .unknownFormat(let file, let detail): "\(file): \(detail)"
        }
    }
}
