import Testing

@testable import BulwarkNetwork

/// The outbound-volume rule's bucket history across gaps in a device's traffic.
@Suite struct VolumeRuleTests {
    static let device = HostAddress("10.0.0.5")!
    static let server = HostAddress("93.184.216.34")!

    func flow(at time: Double, bytes: UInt64) -> FlowRecord {
        FlowRecord(
            start: time, end: time + 1, originator: Self.device, responder: Self.server, originatorPort: 40_000, responderPort: 443, transport: 6,
            originatorPackets: 10, originatorBytes: bytes, outcome: .established, origin: "test")
    }

    @Test func countsEveryBucketOfALongSilenceAndKeepsUpAfterIt() {
        var analyzer = TrafficAnalyzer()
        let bucket = analyzer.settings.volumeBucket
        let start = 1_700_000_000.0
        analyzer.observe(flow(at: start, bytes: 5_000))
        analyzer.observe(flow(at: start + bucket, bytes: 7_000))
        // Five years of silence: about 263,000 empty buckets.
        let later = start + 5 * 365 * 86_400
        analyzer.observe(flow(at: later, bytes: 1_000))
        let history = analyzer.volumes[Self.device]!
        let expectedBuckets = Int(((later - start) / bucket).rounded(.down))
        #expect(history.buckets == expectedBuckets)
        #expect(history.bucketStart <= later && later < history.bucketStart + bucket)
        #expect(history.bytes == 1_000)
        // The silence has worn the mean down to nothing.
        #expect(history.mean < 1e-50)
        // The next bucket is closed on time, however long the history is.
        analyzer.observe(flow(at: history.bucketStart + bucket, bytes: 2_000))
        #expect(analyzer.volumes[Self.device]!.buckets == expectedBuckets + 1)
        #expect(analyzer.volumes[Self.device]!.bytes == 2_000)
    }

    @Test func leavesOutFlowsWhoseTimeCannotBeBucketed() {
        var analyzer = TrafficAnalyzer()
        analyzer.observe(flow(at: 1_700_000_000, bytes: 5_000))
        // Each of these would stall the bucket loop or trap on conversion if the rule took it.
        for time in [Double.infinity, 1e300, -1e300, .nan] { analyzer.observe(flow(at: time, bytes: 1)) }
        #expect(analyzer.volumes[Self.device]!.bytes == 5_000)
        #expect(analyzer.volumes[Self.device]!.buckets == 0)
        #expect(analyzer.flows == 5)
    }

    @Test func aShortSilenceIsFoldedInBucketByBucket() {
        var analyzer = TrafficAnalyzer()
        let bucket = analyzer.settings.volumeBucket
        let start = 1_700_000_000.0
        analyzer.observe(flow(at: start, bytes: 8_000))
        analyzer.observe(flow(at: start + 4 * bucket, bytes: 1_000))
        let history = analyzer.volumes[Self.device]!
        #expect(history.buckets == 4)
        // One bucket of 8,000 bytes, then three empty ones, each folded in with weight 1/8.
        var mean = 0.0
        for value in [8_000.0, 0, 0, 0] { mean += (value - mean) / 8 }
        #expect(abs(history.mean - mean) < 1e-9)
    }
}
