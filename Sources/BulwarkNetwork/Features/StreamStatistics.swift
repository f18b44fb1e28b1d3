import Foundation

/// Per-stream damped statistics of packet sizes and timing, for each packet, in bounded memory.
///
/// Streams follow Kitsune: the sending host (by MAC and IP), the host pair (channel), the host pair's inter-packet
/// jitter, and the socket pair; each with several decay windows. State whose weight has decayed below
/// `idleWeight` in the slowest window is evicted in sweeps, and no stream kind keeps more than `capacity` entries
/// (past that the stalest are evicted and counted), so memory is bounded whatever the traffic.
public struct StreamStatistics: Sendable {
    struct Channel: Hashable {
        var a: HostAddress
        var b: HostAddress
    }

    struct Socket: Hashable {
        var a: HostAddress
        var b: HostAddress
        var portA: UInt16
        var portB: UInt16
        var transport: UInt8
    }

    struct HostKey: Hashable {
        var mac: UInt64
        var address: HostAddress
    }

    struct Windows<Value: Sendable>: Sendable {
        var values: [Value]
        var lastSeen: Double
    }

    /// Decay rates λ (per second): Kitsune's five windows.
    public let lambdas: [Double]
    public let capacity: Int
    public let idleWeight: Double
    private var hosts: [HostKey: Windows<DampedStatistic>] = [:]
    private var jitter: [Channel: Windows<DampedStatistic>] = [:]
    private var channels: [Channel: Windows<DampedPairStatistic>] = [:]
    private var sockets: [Socket: Windows<DampedPairStatistic>] = [:]
    private var lastSweep = 0.0
    public private(set) var evictedEarly = 0
    public private(set) var evictedIdle = 0
    public private(set) var packets = 0

    public init(lambdas: [Double] = [5, 3, 1, 0.1, 0.01], capacity: Int = 100_000, idleWeight: Double = 0.05) {
        self.lambdas = lambdas
        self.capacity = Swift.max(capacity, 1)
        self.idleWeight = idleWeight
    }

    /// Numbers of features per packet: per window, host (3), jitter (3), channel (7) and socket (7).
    public var featureCount: Int { lambdas.count * 20 }

    /// Streams currently tracked, of every kind.
    public var trackedStreams: Int { hosts.count + jitter.count + channels.count + sockets.count }

    /// Updates every stream the packet belongs to and writes its feature vector into `features` (resized as needed).
    ///
    /// Each stream's state is found with one hash lookup and updated where it lies in its table (a copy taken out
    /// and stored back would copy its window array on every packet), and a new stream is inserted with one more.
    public mutating func update(_ packet: DecodedPacket, features: inout [Double]) {
        packets += 1
        let time = packet.seconds
        let size = Double(packet.ipLength)
        if features.count != featureCount { features = [Double](repeating: 0, count: featureCount) }
        let forward = packet.source <= packet.destination
        let channel = forward ? Channel(a: packet.source, b: packet.destination) : Channel(a: packet.destination, b: packet.source)
        let socket =
            forward
            ? Socket(a: packet.source, b: packet.destination, portA: packet.sourcePort, portB: packet.destinationPort, transport: packet.transport)
            : Socket(a: packet.destination, b: packet.source, portA: packet.destinationPort, portB: packet.sourcePort, transport: packet.transport)
        let host = HostKey(mac: packet.sourceMAC?.value ?? 0, address: packet.source)
        let lambdas = self.lambdas
        let capacity = self.capacity
        var evicted = 0
        features.withUnsafeMutableBufferPointer { features in
            Self.update(
                &hosts, host, capacity: capacity, evicted: &evicted, new: Windows(values: lambdas.map { DampedStatistic(lambda: $0) }, lastSeen: time)
            ) {
                state, _ in
                for index in state.values.indices {
                    state.values[index].add(size, at: time)
                    Self.write(state.values[index], into: features, at: index * 20)
                }
                state.lastSeen = time
            }
            Self.update(
                &jitter, channel, capacity: capacity, evicted: &evicted,
                new: Windows(values: lambdas.map { DampedStatistic(lambda: $0) }, lastSeen: time)
            ) {
                state, existed in
                let gap = existed ? time - state.lastSeen : nil
                for index in state.values.indices {
                    if let gap { state.values[index].add(gap, at: time) } else { state.values[index].decay(to: time) }
                    Self.write(state.values[index], into: features, at: index * 20 + 3)
                }
                state.lastSeen = time
            }
            Self.update(
                &channels, channel, capacity: capacity, evicted: &evicted,
                new: Windows(values: lambdas.map { DampedPairStatistic(lambda: $0) }, lastSeen: time)
            ) {
                state, _ in
                for index in state.values.indices {
                    state.values[index].add(size, forwardDirection: forward, at: time)
                    Self.write(state.values[index], forward: forward, into: features, at: index * 20 + 6)
                }
                state.lastSeen = time
            }
            Self.update(
                &sockets, socket, capacity: capacity, evicted: &evicted,
                new: Windows(values: lambdas.map { DampedPairStatistic(lambda: $0) }, lastSeen: time)
            ) {
                state, _ in
                for index in state.values.indices {
                    state.values[index].add(size, forwardDirection: forward, at: time)
                    Self.write(state.values[index], forward: forward, into: features, at: index * 20 + 13)
                }
                state.lastSeen = time
            }
        }
        evictedEarly += evicted
        if time - lastSweep >= 10 {
            lastSweep = time
            sweep(now: time)
        }
    }

    /// Updates the state of `key` in place, or inserts `new` updated (evicting the stalest entry when the table is
    /// full); `body` learns whether the state existed before.
    @inline(__always)
    private static func update<Key: Hashable, Value>(
        _ table: inout [Key: Windows<Value>], _ key: Key, capacity: Int, evicted: inout Int, new: @autoclosure () -> Windows<Value>,
        _ body: (inout Windows<Value>, Bool) -> Void
    ) {
        if let index = table.index(forKey: key) {
            body(&table.values[index], true)
            return
        }
        if table.count >= capacity, let stalest = table.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
            table[stalest] = nil
            evicted += 1
        }
        var state = new()
        body(&state, false)
        table[key] = state
    }

    /// Weight, mean and standard deviation.
    @inline(__always)
    private static func write(_ statistic: DampedStatistic, into features: UnsafeMutableBufferPointer<Double>, at start: Int) {
        features[start] = statistic.weight
        features[start + 1] = statistic.mean
        features[start + 2] = statistic.standardDeviation
    }

    /// The packet's own direction (weight, mean, standard deviation), then the pair's magnitude, radius, covariance and
    /// correlation.
    @inline(__always)
    private static func write(_ pair: DampedPairStatistic, forward: Bool, into features: UnsafeMutableBufferPointer<Double>, at start: Int) {
        write(forward ? pair.forward : pair.backward, into: features, at: start)
        features[start + 3] = pair.magnitude
        features[start + 4] = pair.radius
        features[start + 5] = pair.covariance
        features[start + 6] = pair.correlation
    }

    /// Removes streams whose slowest window's weight has decayed below `idleWeight`: they no longer say anything.
    public mutating func sweep(now: Double) {
        guard let slowest = lambdas.min() else { return }
        // weight after t idle seconds ≤ w₀·2^(−λt); a stream with weight w₀ is idle once that falls below idleWeight.
        func idle(_ lastSeen: Double, _ weight: Double) -> Bool { weight * exp2(-slowest * (now - lastSeen)) < idleWeight }
        let slowIndex = lambdas.firstIndex(of: slowest)!
        let before = trackedStreams
        hosts = hosts.filter { !idle($0.value.lastSeen, $0.value.values[slowIndex].weight) }
        jitter = jitter.filter { !idle($0.value.lastSeen, Swift.max($0.value.values[slowIndex].weight, 1)) }
        channels = channels.filter { !idle($0.value.lastSeen, $0.value.values[slowIndex].forward.weight + $0.value.values[slowIndex].backward.weight) }
        sockets = sockets.filter { !idle($0.value.lastSeen, $0.value.values[slowIndex].forward.weight + $0.value.values[slowIndex].backward.weight) }
        evictedIdle += before - trackedStreams
    }
}
