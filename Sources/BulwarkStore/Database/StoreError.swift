import Foundation

/// Errors from the store, each saying where and what to do.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case badDatabaseURL(url: String, reason: String)
    case unavailable(location: String, reason: String)
    case constraint(String)
    case migration(version: Int, name: String, reason: String)
    case newerSchema(found: Int, known: Int)
    case corrupt(String)
    /// The caller asked for something the data's rules forbid; the message says what to send instead.
    case invalid(String)

    public var description: String {
        switch self {
        case .badDatabaseURL(let url, let reason):
            "cannot use database \(url): \(reason); give a file path for SQLite or postgres://user:password@host:port/database"
        case .unavailable(let location, let reason):
            "database \(location) is unavailable: \(reason)"
        case .constraint(let what):
            "the database refused the change: \(what)"
        case .migration(let version, let name, let reason):
            "migration \(version) (\(name)) failed and was rolled back: \(reason)"
        case .newerSchema(let found, let known):
            "the database schema is at version \(found) but this bulwark only knows up to \(known); upgrade bulwark"
        case .corrupt(let what):
            "stored data is not readable: \(what)"
        case .invalid(let why):
            why
        }
    }

    static func wrap(_ error: any Error, location: String) -> StoreError {
        let text = String(reflecting: error)
        if text.localizedCaseInsensitiveContains("unique") || text.localizedCaseInsensitiveContains("constraint")
            || text.localizedCaseInsensitiveContains("duplicate key")
        {
            return .constraint(text)
        }
        return .unavailable(location: location, reason: text)
    }
}
