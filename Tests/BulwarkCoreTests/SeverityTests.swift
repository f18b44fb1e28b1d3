import BulwarkCore
import Testing

@Suite struct SeverityTests {
    // CVSS v3.1 specification §5, qualitative severity rating scale. A score of 0.0 ("None") maps to info.
    @Test(arguments: [
        (0.0, Severity.info), (0.05, .info), (0.1, .low), (3.9, .low), (4.0, .medium), (6.9, .medium), (7.0, .high), (8.9, .high),
        (9.0, .critical), (10.0, .critical),
    ])
    func mapsCVSSScoresOntoTheQualitativeScale(_ score: Double, _ severity: Severity) {
        #expect(Severity(cvssScore: score) == severity)
    }

    @Test func ordersFromInfoToCritical() {
        #expect(Severity.allCases.sorted() == [.info, .low, .medium, .high, .critical])
        #expect(Severity.high > .medium)
    }
}
