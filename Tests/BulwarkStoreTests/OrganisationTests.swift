import BulwarkCore
import BulwarkStore
import Testing

@Suite struct OrganisationTests {
    @Test(arguments: TestBackend.available)
    func createsAnOrganisationAndFindsItByName(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let created = try await store.createOrganisation(name: "Northwind Retail", kind: .operator)
            #expect(try await store.organisation(named: "Northwind Retail") == created)
            #expect(try await store.organisation(named: "northwind retail") == nil)
            #expect(created.kind == .operator)
        }
    }

    @Test(arguments: TestBackend.available)
    func refusesASecondOrganisationWithTheSameName(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            try await store.createOrganisation(name: "Harbour Mutual", kind: .insurer)
            let error = await storeError { try await store.createOrganisation(name: "Harbour Mutual", kind: .operator) }
            #expect(error?.description == #"the database refused the change: an organisation named "Harbour Mutual" already exists"#)
            #expect(try await store.allOrganisations().map(\.kind) == [.insurer])
        }
    }

    @Test(arguments: TestBackend.available)
    func listsAllOrganisationsByName(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            for (name, kind) in [("Zephyr Homes", Organisation.Kind.operator), ("Acme Devices", .manufacturer), ("Harbour Mutual", .insurer)] {
                try await store.createOrganisation(name: name, kind: kind)
            }
            #expect(try await store.allOrganisations().map(\.name) == ["Acme Devices", "Harbour Mutual", "Zephyr Homes"])
        }
    }
}

@Suite struct UserTests {
    @Test(arguments: TestBackend.available)
    func storesTheEmailInLowerCaseAndTheHashAsGiven(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let org = try await store.createOrganisation(name: "Northwind Retail", kind: .operator)
            let user = try await store.createUser(
                email: "Alice@Northwind.Example", name: "Alice", role: .analyst, passwordHash: TestDatabase.passwordHash, in: org.id,
                actor: "system:test",
                origin: .commandLine)
            #expect(user.email == "alice@northwind.example")
            let candidate = try #require(try await store.loginCandidate(email: "ALICE@northwind.example"))
            #expect(candidate.user == user)
            #expect(candidate.passwordHash == TestDatabase.passwordHash)
            #expect(try await store.loginCandidate(email: "bob@northwind.example") == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func refusesASecondUserWithTheSameEmailInAnyCase(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let first = try await store.createOrganisation(name: "Northwind Retail", kind: .operator)
            let second = try await store.createOrganisation(name: "Harbour Mutual", kind: .insurer)
            _ = try await store.member(.owner, "alice@example.com", of: first)
            let error = await storeError { _ = try await store.member(.viewer, "ALICE@Example.COM", of: second) }
            #expect(error?.description == "the database refused the change: a user with email alice@example.com already exists")
            let owner = try await store.systemPrincipal(for: second)
            #expect(try await store.users(for: owner).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func listsOnlyTheUsersOfThePrincipalsOrganisation(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            #expect(
                try await store.users(for: tenants.viewer).map(\.email)
                    == ["analyst@northwind.example", "owner@northwind.example", "viewer@northwind.example"])
            #expect(try await store.users(for: tenants.insurer).map(\.email) == ["analyst@harbour.example"])
        }
    }

    @Test(arguments: TestBackend.available)
    func givesAUserThePrincipalOfItsRoleAndOrganisation(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let tenants = try await Tenants.make(in: test.store())
            #expect(tenants.viewer.role == .viewer)
            #expect(tenants.viewer.organisation == tenants.operatorOrg.id)
            #expect(tenants.viewer.organisationKind == .operator)
            #expect(tenants.viewer.auditName == "user:viewer@northwind.example")
            #expect(tenants.insurer.organisationKind == .insurer)
            #expect(tenants.insurer.sharedWithMe == [tenants.operatorOrg.id])
            #expect(tenants.otherInsurer.sharedWithMe.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func replacingAPasswordHashEndsTheUsersSessions(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let org = try await store.createOrganisation(name: "Northwind Retail", kind: .operator)
            let user = try await store.createUser(
                email: "alice@example.com", name: "Alice", role: .owner, passwordHash: TestDatabase.passwordHash, in: org.id, actor: "system:test",
                origin: .commandLine)
            try await store.createSession(for: user, secretHash: "session-digest", csrfToken: "csrf", lifetime: 3600, origin: .commandLine)
            let replacement = "$2b$12$AnotherFixtureSalt22uuAnotherShapeOfADigestForTests.0"
            try await store.setPasswordHash(email: "Alice@Example.com", passwordHash: replacement, actor: "system:test", origin: .commandLine)
            #expect(try await store.loginCandidate(email: "alice@example.com")?.passwordHash == replacement)
            #expect(try await store.session(secretHash: "session-digest") == nil)
            await #expect(throws: AccessError.notFound("user nobody@example.com")) {
                try await store.setPasswordHash(email: "nobody@example.com", passwordHash: replacement, actor: "system:test", origin: .commandLine)
            }
        }
    }
}

@Suite struct DataShareTests {
    @Test(arguments: TestBackend.available)
    func anOperatorOwnerSharesWithAnInsurer(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            #expect(try await store.organisations(visibleTo: tenants.insurer).map(\.name) == ["Harbour Mutual", "Northwind Retail"])
            #expect(try await store.organisations(visibleTo: tenants.otherInsurer).map(\.name) == ["Gable Re"])
            #expect(try await store.organisations(visibleTo: tenants.owner).map(\.name) == ["Northwind Retail"])
        }
    }

    @Test(arguments: TestBackend.available)
    func sharingTwiceKeepsOneShareAndOneAuditEvent(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            let events = try await store.auditEventCount(organisation: tenants.operatorOrg.id)
            try await store.share(with: tenants.insurerOrg.id, by: tenants.owner, origin: .commandLine)
            #expect(try await store.auditEventCount(organisation: tenants.operatorOrg.id) == events)
            let insurer = try await store.systemPrincipal(for: tenants.insurerOrg)
            #expect(insurer.sharedWithMe == [tenants.operatorOrg.id])
        }
    }

    @Test(arguments: TestBackend.available)
    func refusesToShareWithAnOrganisationThatIsNotAnInsurer(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            // Another tenant that is not an insurer is answered exactly like a missing one: its name and kind stay private.
            await #expect(throws: AccessError.notFound("insurer \(tenants.otherOperatorOrg.id)")) {
                try await store.share(with: tenants.otherOperatorOrg.id, by: tenants.owner, origin: .commandLine)
            }
            await #expect(throws: AccessError.notFound("insurer no-such-org")) {
                try await store.share(with: .init(rawValue: "no-such-org"), by: tenants.owner, origin: .commandLine)
            }
            #expect(try await store.systemPrincipal(for: tenants.otherOperatorOrg).sharedWithMe.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func onlyAnOperatorsOwnerMayShare(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            for (principal, role) in [(tenants.analyst, "analyst"), (tenants.viewer, "viewer")] {
                await #expect(throws: AccessError.forbidden("only an owner may do this; you are \(role)")) {
                    try await store.share(with: tenants.otherInsurerOrg.id, by: principal, origin: .commandLine)
                }
            }
            let insurerOwner = try await store.systemPrincipal(for: tenants.insurerOrg)
            await #expect(throws: AccessError.forbidden("only an operator shares its fleet data")) {
                try await store.share(with: tenants.otherInsurerOrg.id, by: insurerOwner, origin: .commandLine)
            }
            #expect(try await store.systemPrincipal(for: tenants.otherInsurerOrg).sharedWithMe.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func withdrawingAShareHidesTheFleetFromTheInsurer(_ backend: TestBackend) async throws {
        try await withTestDatabase(backend) { test in
            let store = test.store()
            let tenants = try await Tenants.make(in: store)
            try await store.unshare(with: tenants.insurerOrg.id, by: tenants.owner, origin: .commandLine)
            let insurer = try await store.systemPrincipal(for: tenants.insurerOrg)
            #expect(insurer.sharedWithMe.isEmpty)
            await #expect(throws: AccessError.notFound("organisation \(tenants.operatorOrg.id)")) {
                try await store.devices(DeviceQuery(organisation: tenants.operatorOrg.id), for: insurer)
            }
        }
    }
}
