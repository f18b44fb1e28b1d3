import BulwarkCore
import Testing

@Suite struct RoleTests {
    @Test func ranksViewerBelowAnalystBelowOwner() {
        #expect(Role.viewer < .analyst)
        #expect(Role.analyst < .owner)
        #expect(Role.allCases.sorted() == [.viewer, .analyst, .owner])
        #expect(Role.allCases.max() == .owner)
    }

    @Test func onlyTheViewerCannotWrite() {
        #expect(Role.allCases.filter(\.canWrite) == [.owner, .analyst])
    }

    @Test func onlyTheOwnerAdministers() {
        #expect(Role.allCases.filter(\.canAdminister) == [.owner])
    }
}

@Suite struct PrincipalTests {
    let operatorOrg = Identifier<Organisation>(rawValue: "org-operator")
    let insurerOrg = Identifier<Organisation>(rawValue: "org-insurer")
    let strangerOrg = Identifier<Organisation>(rawValue: "org-stranger")

    func principal(
        _ role: Role, of organisation: Identifier<Organisation>, kind: Organisation.Kind, shared: Set<Identifier<Organisation>> = []
    )
        -> Principal
    {
        Principal(
            actor: .user(.init(rawValue: "u1"), email: "pat@example.com"), organisation: organisation, organisationKind: kind, role: role,
            sharedWithMe: shared)
    }

    @Test func readsAndWritesItsOwnOrganisation() {
        let analyst = principal(.analyst, of: operatorOrg, kind: .operator)
        #expect(analyst.canRead(operatorOrg))
        #expect(analyst.canWrite(operatorOrg))
    }

    @Test func aViewerReadsButDoesNotWriteItsOwnOrganisation() {
        let viewer = principal(.viewer, of: operatorOrg, kind: .operator)
        #expect(viewer.canRead(operatorOrg))
        #expect(!viewer.canWrite(operatorOrg))
    }

    @Test func aShareGrantsReadingButNeverWriting() {
        let insurerOwner = principal(.owner, of: insurerOrg, kind: .insurer, shared: [operatorOrg])
        #expect(insurerOwner.canRead(operatorOrg))
        #expect(!insurerOwner.canWrite(operatorOrg))
        #expect(!insurerOwner.canRead(strangerOrg))
    }

    @Test func withoutAShareAnotherOrganisationIsInvisible() {
        let insurerOwner = principal(.owner, of: insurerOrg, kind: .insurer)
        #expect(!insurerOwner.canRead(operatorOrg))
        #expect(!insurerOwner.canWrite(operatorOrg))
    }

    @Test func namesItsActorForTheAuditLog() {
        #expect(principal(.owner, of: operatorOrg, kind: .operator).auditName == "user:pat@example.com")
        let token = Principal(
            actor: .token(.init(rawValue: "0123456789abcdef"), name: "ci"), organisation: operatorOrg, organisationKind: .operator, role: .analyst)
        #expect(token.auditName == "token:ci (01234567)")
        #expect(Principal(actor: .system("cli"), organisation: operatorOrg, organisationKind: .operator, role: .owner).auditName == "system:cli")
    }

    @Test func accessErrorsSayWhatWasRefused() {
        #expect(AccessError.notFound("device X").description == "device X was not found")
        #expect(AccessError.forbidden("viewers cannot import").description == "forbidden: viewers cannot import")
    }
}
