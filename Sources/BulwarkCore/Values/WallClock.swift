import Foundation

/// Where the current time comes from. Named `WallClock` so it does not shadow the standard library's `Clock`.
///
/// Production code uses `SystemClock`; tests inject `FixedClock` so that every timestamp is known.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that always says the same instant.
public struct FixedClock: WallClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}
