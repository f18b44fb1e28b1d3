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
        var hostState = hosts[host] ?? Windows(values: lambdas.map { DampedStatistic(lambda: $0) }, lastSeen: time)
        var jitterState = jitter[channel] ?? Windows(values: lambdas.map { DampedStatistic(lambda: $0) }, lastSeen: time)
        var channelState = channels[channel] ?? Windows(values: lambdas.map { DampedPairStatistic(lambda: $0) }, lastSeen: time)
        var socketState = sockets[socket] ?? Windows(values: lambdas.map { DampedPairStatistic(lambda: $0) }, lastSeen: time)
        let gap = jitter[channel] == nil ? nil : time - jitterState.lastSeen
        var at = 0
        for index in lambdas.indices {
            hostState.values[index].add(size, at: time)
            let h = hostState.values[index]
            features[at] = h.weight
            features[at + 1] = h.mean
            features[at + 2] = h.standardDeviation
            if let gap { jitterState.values[index].add(gap, at: time) } else { jitterState.values[index].decay(to: time) }
            let j = jitterState.values[index]
            features[at + 3] = j.weight
            features[at + 4] = j.mean
            features[at + 5] = j.standardDeviation
            channelState.values[index].add(size, forwardDirection: forward, at: time)
            socketState.values[index].add(size, forwardDirection: forward, at: time)
            for (offset, pair) in [(6, channelState.values[index]), (13, socketState.values[index])] {
                let own = forward ? pair.forward : pair.backward
                features[at + offset] = own.weight
                features[at + offset + 1] = own.mean
                features[at + offset + 2] = own.standardDeviation
                features[at + offset + 3] = pair.magnitude
                features[at + offset + 4] = pair.radius
                features[at + offset + 5] = pair.covariance
                features[at + offset + 6] = pair.correlation
            }
            at += 20
        }
        hostState.lastSeen = time
        jitterState.lastSeen = time
        channelState.lastSeen = time
        socketState.lastSeen = time
        var evicted = Self.store(&hosts, host, hostState, capacity: capacity)
        evicted += Self.store(&jitter, channel, jitterState, capacity: capacity)
        evicted += Self.store(&channels, channel, channelState, capacity: capacity)
        evicted += Self.store(&sockets, socket, socketState, capacity: capacity)
        evictedEarly += evicted
        if time - lastSweep >= 10 {
            lastSweep = time
            sweep(now: time)
        }
    }

    private static func store<Key: Hashable, Value>(_ table: inout [Key: Windows<Value>], _ key: Key, _ value: Windows<Value>, capacity: Int) -> Int {
        var evicted = 0
        if table[key] == nil, table.count >= capacity, let stalest = table.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
            table[stalest] = nil
            evicted = 1
        }
        table[key] = value
        return evicted
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
