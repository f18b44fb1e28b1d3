/// The thresholds of the detection rules, each with the reason for its value.
public struct DetectionSettings: Sendable, Hashable, Codable {
    /// Scans: connection attempts are judged within this window (Zeek's scan policy uses 5 minutes).
    public var scanWindow: Double = 300
    /// The chance that a benign first contact fails (no answer or refused). Threshold Random Walk (Jung, Paxson, Berger,
    /// Balakrishnan, IEEE S&P 2004) models benign hosts as succeeding 80% of the time.
    public var benignFailureRate: Double = 0.2
    /// A scan alert needs at least this many distinct targets (hosts on one port, or ports on one host) whose every
    /// attempt failed: the default of Stratosphere Slips' port-scan detectors (5 not-established destinations).
    public var scanMinimumFailures = 5
    /// The alert is of medium severity when that many failures are this unlikely for a benign host (TRW's
    /// false-positive target P_F = 0.01), and low otherwise: the failures are then consistent with a flaky network.
    public var scanSignificance: Double = 0.01

    /// Brute force: fail2ban's defaults, maxretry = 5 attempts within findtime = 10 minutes, counted as sessions to one
    /// SSH or Telnet server (recognised by its banner or negotiation, not only its port).
    public var bruteForceWindow: Double = 600
    public var bruteForceAttempts = 5

    /// Beaconing: at least this many intervals between connections of one host to one external service. With 20
    /// intervals, exponential (Poisson) arrivals have a dispersion this low about 1 time in 1,000 (checked in the tests).
    public var beaconMinimumIntervals = 20
    /// Robust dispersion of the intervals, median absolute deviation over median. A timer with uniform jitter of ±j
    /// gives j/2; 0.25 accepts up to ±50% jitter, while Poisson arrivals give about 0.69.
    public var beaconMaximumDispersion = 0.25
    /// Sub-second repetition is streaming or retransmission, not a check-in.
    public var beaconMinimumPeriod = 1.0

    /// DDoS participation, judged in short windows: rates that no IoT device sustains towards one target when working
    /// normally (Mirai's floods run at line rate, thousands of packets per second).
    public var floodWindow: Double = 10
    /// Unanswered or refused TCP attempts to one destination (SYN flood).
    public var synFloodAttempts = 200
    /// UDP conversations to one destination (UDP flood with varying ports).
    public var udpFloodFlows = 200
    /// Distinct destinations (fan-out, reflection).
    public var fanOutDestinations = 200

    /// DNS tunnelling: distinct names under one domain in a window whose mean subdomain length is at least this many
    /// characters; tunnels (iodine, dnscat2) fill labels towards the 63-byte limit of RFC 1035 §2.3.4.
    public var dnsWindow: Double = 600
    public var tunnelDistinctNames = 20
    public var tunnelMeanSubdomainLength = 24.0
    /// Generated domains: NXDOMAIN answers for this many distinct registered domains in the window (a bot walking its
    /// DGA list; Antonakakis et al., "From Throw-Away Traffic to Bots", USENIX Security 2012).
    public var generatedDomainFailures = 10

    /// Outbound volume: bytes sent to the internet per bucket, compared with the device's own damped history.
    public var volumeBucket: Double = 600
    /// Buckets of history before a device is judged.
    public var volumeHistoryBuckets = 6
    /// Standard deviations above the device's mean: by Chebyshev's inequality at most 1/36 of buckets of any
    /// distribution exceed 6σ, so the rule is bounded without assuming normal traffic.
    public var volumeDeviations = 6.0
    /// And never for less than this (bytes): small devices have tiny, noisy baselines.
    public var volumeMinimumBytes: UInt64 = 50_000_000

    /// New external destinations are reported only after a device was observed this long (seconds).
    public var learningPeriod: Double = 86_400
    /// External destinations remembered per device (the oldest are forgotten first).
    public var destinationsPerDevice = 4096

    /// Hosts with state tracked per rule; beyond this the stalest host's state is dropped and counted.
    public var trackedHosts = 50_000

    public init() {}
}
