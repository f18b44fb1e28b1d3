import BulwarkCore
import BulwarkStore
import Foundation
import Testing

/// A SHA-256 digest in hex, as the server would store for a token or cookie secret; the store never sees the secret.
let tokenDigest = "9f2c0b7e5d4a3f1e8c6b2a0d9e7f5c3b1a8d6e4f2c0b9a7e5d3c1f8e6a4b2c0d"

@Suite struct APITokenTests {
    @Test(arguments: TestBackend.available)
    func findsThePrincipalForTheStoredDigestOnly(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let token = try await store.createToken(
                name: "ci-import", role: .analyst, secretHash: tokenDigest, prefix: "bwk_3f9a", by: tenants.owner, origin: .commandLine)
            #expect(token.createdAt == "2026-11-22T08:00:00Z")
            #expect(token.revokedAt == nil)
            let principal = try #require(try await store.principal(forTokenHash: tokenDigest))
            #expect(principal.actor == .token(token.id, name: "ci-import"))
            #expect(principal.organisation == tenants.operatorOrg.id)
            #expect(principal.role == .analyst)
            #expect(try await store.principal(forTokenHash: "bwk_3f9a-the-secret-itself") == nil)
            #expect(try await store.tokens(for: tenants.owner) == [token])
        }
    }

    @Test(arguments: TestBackend.available)
    func givesATokenOfAnInsurerItsShares(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let insurerOwner = try await store.systemPrincipal(for: tenants.insurerOrg)
            _ = try await store.createToken(
                name: "pricing", role: .viewer, secretHash: tokenDigest, prefix: "bwk_0001", by: insurerOwner, origin: .commandLine)
            #expect(try await store.principal(forTokenHash: tokenDigest)?.sharedWithMe == [tenants.operatorOrg.id])
        }
    }

    @Test(arguments: TestBackend.available)
    func onlyAnOwnerCreatesOrListsTokens(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            await #expect(throws: AccessError.forbidden("only an owner may do this; you are analyst")) {
                try await store.createToken(
                    name: "x", role: .viewer, secretHash: tokenDigest, prefix: "bwk_x", by: tenants.analyst, origin: .commandLine)
            }
            await #expect(throws: AccessError.forbidden("only an owner may do this; you are viewer")) { try await store.tokens(for: tenants.viewer) }
            #expect(try await store.principal(forTokenHash: tokenDigest) == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func aRevokedTokenIsRefusedAtOnce(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let tenants = try await Tenants.make(in: test.store())
            let token = try await test.store().createToken(
                name: "ci-import", role: .analyst, secretHash: tokenDigest, prefix: "bwk_3f9a", by: tenants.owner, origin: .commandLine)
            let later = test.store(after: 90)
            try await later.revokeToken(token.id, by: tenants.owner, origin: .commandLine)
            #expect(try await later.principal(forTokenHash: tokenDigest) == nil)
            #expect(try await later.tokens(for: tenants.owner).map(\.revokedAt) == ["2026-11-22T08:01:30Z"])
            // Revoking again changes nothing and records nothing.
            let events = try await later.auditEventCount(organisation: tenants.operatorOrg.id)
            try await test.store(after: 600).revokeToken(token.id, by: tenants.owner, origin: .commandLine)
            #expect(try await later.auditEventCount(organisation: tenants.operatorOrg.id) == events)
            #expect(try await later.tokens(for: tenants.owner).map(\.revokedAt) == ["2026-11-22T08:01:30Z"])
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherOrganisationCannotRevokeOrSeeAToken(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let token = try await store.createToken(
                name: "ci-import", role: .analyst, secretHash: tokenDigest, prefix: "bwk_3f9a", by: tenants.owner, origin: .commandLine)
            await #expect(throws: AccessError.notFound("token \(token.id)")) {
                try await store.revokeToken(token.id, by: tenants.otherOperatorOwner, origin: .commandLine)
            }
            #expect(try await store.tokens(for: tenants.otherOperatorOwner).isEmpty)
            #expect(try await store.principal(forTokenHash: tokenDigest)?.organisation == tenants.operatorOrg.id)
        }
    }
}

@Suite struct SessionTests {
    static func alice(_ store: SQLStore) async throws -> User {
        let org = try await store.createOrganisation(name: "Northwind Retail", kind: .operator)
        return try await store.createUser(
            email: "alice@northwind.example", name: "Alice", role: .analyst, passwordHash: TestDatabase.passwordHash, in: org.id,
            actor: "system:test",
            origin: .commandLine)
    }

    @Test(arguments: TestBackend.available)
    func findsALiveSessionByItsDigest(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let user = try await Self.alice(store)
            try await store.createSession(for: user, secretHash: tokenDigest, csrfToken: "csrf-1234", lifetime: 3600, origin: .commandLine)
            let session = try #require(try await store.session(secretHash: tokenDigest))
            #expect(session.user == user)
            #expect(session.csrfToken == "csrf-1234")
            #expect(session.expiresAt == "2026-11-22T09:00:00Z")
            #expect(session.principal.actor == .user(user.id, email: "alice@northwind.example"))
            #expect(session.principal.role == .analyst)
            #expect(try await store.session(secretHash: "unknown-digest") == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func aSessionEndsWhenItsLifetimeIsUp(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let user = try await Self.alice(test.store())
            try await test.store().createSession(for: user, secretHash: tokenDigest, csrfToken: "csrf-1234", lifetime: 3600, origin: .commandLine)
            #expect(try await test.store(after: 3599).session(secretHash: tokenDigest)?.csrfToken == "csrf-1234")
            #expect(try await test.store(after: 3600).session(secretHash: tokenDigest) == nil)
            #expect(try await test.store(after: 7200).session(secretHash: tokenDigest) == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func startingASessionSweepsExpiredOnes(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let user = try await Self.alice(test.store())
            try await test.store().createSession(for: user, secretHash: "old-digest", csrfToken: "a", lifetime: 60, origin: .commandLine)
            try await test.store(after: 120).createSession(for: user, secretHash: tokenDigest, csrfToken: "b", lifetime: 60, origin: .commandLine)
            // Seen from before its expiry, a swept session would still be live; it is gone because the second sign-in removed it.
            #expect(try await test.store(after: 30).session(secretHash: "old-digest") == nil)
            #expect(try await test.store(after: 150).session(secretHash: tokenDigest)?.csrfToken == "b")
        }
    }

    @Test(arguments: TestBackend.available)
    func signingOutEndsTheSessionAndIsAudited(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let user = try await Self.alice(store)
            try await store.createSession(for: user, secretHash: tokenDigest, csrfToken: "csrf-1234", lifetime: 3600, origin: .commandLine)
            let origin = RequestOrigin(remoteAddress: "198.51.100.4")
            try await store.endSession(secretHash: tokenDigest, origin: origin)
            #expect(try await store.session(secretHash: tokenDigest) == nil)
            let owner = try await store.systemPrincipal(for: try #require(try await store.organisation(named: "Northwind Retail")))
            let logout = try #require(try await store.auditEvents(for: owner).first { $0.action == "session.logout" })
            #expect(logout.actor == "user:alice@northwind.example")
            #expect(logout.remoteAddress == "198.51.100.4")
            // Signing out of an unknown session is not an error and records nothing.
            let events = try await store.auditEventCount(organisation: owner.organisation)
            try await store.endSession(secretHash: "unknown-digest", origin: origin)
            #expect(try await store.auditEventCount(organisation: owner.organisation) == events)
        }
    }
}

@Suite struct FailedLoginTests {
    @Test(arguments: TestBackend.available)
    func countsFailuresPerKeyInsideTheWindow(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let windowStart = TestDatabase.start.addingTimeInterval(-900)
            var counts: [Int] = []
            for minute in 0..<3 {
                counts.append(try await test.store(after: TimeInterval(60 * minute)).recordFailedLogin(key: "alice@example.com", since: windowStart))
            }
            #expect(counts == [1, 2, 3])
            #expect(try await test.store().recordFailedLogin(key: "203.0.113.9", since: windowStart) == 1)
            #expect(try await test.store().failedLogins(key: "alice@example.com", since: windowStart) == 3)
            #expect(try await test.store().failedLogins(key: "bob@example.com", since: windowStart) == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func forgetsFailuresOlderThanTheWindow(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let window: TimeInterval = 900
            _ = try await test.store().recordFailedLogin(key: "alice@example.com", since: TestDatabase.start.addingTimeInterval(-window))
            _ = try await test.store(after: 600).recordFailedLogin(
                key: "alice@example.com", since: TestDatabase.start.addingTimeInterval(600 - window))
            let later = test.store(after: 1200)
            let since = TestDatabase.start.addingTimeInterval(1200 - window)
            #expect(try await later.failedLogins(key: "alice@example.com", since: since) == 1)
            #expect(try await later.recordFailedLogin(key: "alice@example.com", since: since) == 2)
        }
    }

    @Test(arguments: TestBackend.available)
    func aSuccessfulSignInClearsTheCount(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let since = TestDatabase.start.addingTimeInterval(-900)
            for _ in 0..<4 { _ = try await store.recordFailedLogin(key: "alice@example.com", since: since) }
            _ = try await store.recordFailedLogin(key: "bob@example.com", since: since)
            try await store.clearFailedLogins(key: "alice@example.com")
            #expect(try await store.failedLogins(key: "alice@example.com", since: since) == 0)
            #expect(try await store.failedLogins(key: "bob@example.com", since: since) == 1)
        }
    }
}
