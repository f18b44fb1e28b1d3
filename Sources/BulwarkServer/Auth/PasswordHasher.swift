import HummingbirdBcrypt
import NIOPosix

/// bcrypt for user passwords. Hashing runs on the thread pool so a sign-in never stalls the event loop.
public struct PasswordHasher: Sendable {
    /// bcrypt cost; 12 is about a quarter second on current hardware (OWASP Password Storage Cheat Sheet: at least 10).
    public let cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Rules for new passwords (NIST SP 800-63B §5.1.1.2: at least 8 characters, no composition rules, refuse known-bad ones).
    public static func problem(with password: String, email: String) -> String? {
        if password.count < 12 { return "use at least 12 characters" }
        if password.count > 200 { return "use at most 200 characters" }
        if password.lowercased() == email.lowercased() { return "do not use your email address as password" }
        return nil
    }
}
