import BenchmarkSupport
import BulwarkNetwork
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Network throughput on one core, as plain figures.
///
///   NetworkThroughput packets ROUNDS FILE…   # the captures replayed ROUNDS times from memory, clock shifted each round:
///                                            # packets/s for decode; + damped statistics; + flow table and every rule;
///                                            # decode + statistics + the anomaly score (trained on the first round);
///                                            # then bytes per tracked stream from 200,000 distinct conversations
///   NetworkThroughput replay ROUNDS FILE      # a recorded export (4-byte length, then the datagram, repeated) fed
///                                            # straight to the collector's consumer ROUNDS times, the clock moved
///                                            # past the export's span each round: records per second, no socket
///   NetworkThroughput replay ROUNDS FILE decode
///                                            # the same without the rules: the decoder and its counters alone
///   NetworkThroughput shift FILE              # the seconds `replay` moves the clock each round (for the socket replay)
///   NetworkThroughput collect PORT RECORDS   # a UDP collector (listener, bounded queue, decoder, rules) on
///                                            # 127.0.0.1:PORT until RECORDS flow records arrived or 3 s pass without
///                                            # any; prints the records and the CPU seconds they took
///   NetworkThroughput decode PORT RECORDS    # the same collector without the rules: listener, queue, decoder and
///                                            # counters only, the part that does what nfcapd does short of storing
///
/// Run by Benchmarks/network-throughput.sh and Benchmarks/collector-vs-nfcapd.sh.
let arguments = CommandLine.arguments
let clock = ContinuousClock()

func seconds(_ elapsed: Duration) -> Double { Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18 }

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8), let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func usage() -> Never {
    FileHandle.standardError.write(Data("usage: NetworkThroughput packets ROUNDS FILE… | replay ROUNDS FILE [decode] | shift FILE | collect PORT RECORDS | decode PORT RECORDS\n".utf8))
    exit(2)
}

func packets(rounds: Int, files: [String]) throws {
    var packets: [CapturedPacket] = []
    for file in files { packets += Array(try PacketCaptureReader(path: file)) }
    guard let first = packets.map(\.timestamp).min(), let last = packets.map(\.timestamp).max() else { usage() }
    let span = last - first + 1_000_000_000
    let total = packets.count * rounds
    print("packets in memory: \(packets.count) from \(files.count) files, replayed \(rounds) times = \(total)")

    // Decode only.
    var decoder = PacketDecoder(file: "bench")
    var decoded = 0
    var elapsed = clock.measure {
        for round in 0..<rounds {
            for var packet in packets {
                packet.timestamp += Int64(round) * span
                if decoder.decode(packet) != nil { decoded += 1 }
            }
        }
    }
    print("decode:                      \(Int(Double(total) / seconds(elapsed))) packets/s (\(decoded) decoded)")

    // Decode and damped statistics (Kitsune's 100 features a packet).
    var statistics = StreamStatistics()
    var features: [Double] = []
    var checksum = 0.0
    decoder = PacketDecoder(file: "bench")
    elapsed = clock.measure {
        for round in 0..<rounds {
            for var packet in packets {
                packet.timestamp += Int64(round) * span
                guard let item = decoder.decode(packet) else { continue }
                statistics.update(item, features: &features)
                checksum += features.last ?? 0
            }
        }
    }
    print("decode + features:           \(Int(Double(total) / seconds(elapsed))) packets/s (\(statistics.featureCount) features, checksum \(Int(checksum)))")

    // Everything traffic analyze does per packet: decode, features, flow table, DNS and every rule.
    statistics = StreamStatistics()
    decoder = PacketDecoder(file: "bench")
    var table = FlowTable(file: "bench")
    var analyzer = TrafficAnalyzer()
    elapsed = clock.measure {
        for round in 0..<rounds {
            for var packet in packets {
                packet.timestamp += Int64(round) * span
                guard let item = decoder.decode(packet) else { continue }
                statistics.update(item, features: &features)
                if let dns = item.dns {
                    analyzer.observe(
                        DNSObservation(
                            time: item.seconds, client: dns.isResponse ? item.destination : item.source, clientMAC: nil, name: dns.name,
                            isResponse: dns.isResponse, responseCode: dns.responseCode, origin: "bench"))
                }
                table.add(item) { analyzer.observe($0) }
            }
        }
        table.flush { analyzer.observe($0) }
    }
    let alerts = analyzer.finish()
    print("decode + features + rules:   \(Int(Double(total) / seconds(elapsed))) packets/s (\(analyzer.flows) flows, \(alerts.count) alerts)")

    // Decode, features and the anomaly score: the detector learns from the first round (mapping, training,
    // calibration), and the later rounds are scored with it frozen, as in deployment.
    statistics = StreamStatistics()
    decoder = PacketDecoder(file: "bench")
    var detector = AnomalyDetector(featureCount: statistics.featureCount, training: .packets(packets.count))
    for packet in packets {
        guard let item = decoder.decode(packet) else { continue }
        statistics.update(item, features: &features)
        _ = detector.process(features, at: item.seconds)
    }
    var scored = 0
    var anomalous = 0
    elapsed = clock.measure {
        for round in 1..<max(rounds, 2) {
            for var packet in packets {
                packet.timestamp += Int64(round) * span
                guard let item = decoder.decode(packet) else { continue }
                statistics.update(item, features: &features)
                if let score = detector.process(features, at: item.seconds) {
                    scored += 1
                    if score.isAnomalous { anomalous += 1 }
                }
            }
        }
    }
    let scoredPackets = packets.count * (max(rounds, 2) - 1)
    print("decode + features + anomaly: \(Int(Double(scoredPackets) / seconds(elapsed))) packets/s (\(scored) scored, \(anomalous) above the threshold)")

    // Memory per tracked stream: 200,000 conversations between distinct hosts, as raw IPv4/UDP packets.
    var fresh = StreamStatistics(capacity: 2_000_000)
    decoder = PacketDecoder(file: "bench")
    let before = residentBytes()
    for index in 0..<200_000 {
        let source = UInt32(0x0A00_0000) + UInt32(index)
        let destination = UInt32(0xC0A8_0000) + UInt32(index % 65_000)
        var bytes: [UInt8] = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0]
        for value in [source, destination] { bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
        bytes += [0x9C, 0x40, 0x00, 0x35, 0, 8, 0, 0]
        let packet = CapturedPacket(timestamp: 1_700_000_000_000_000_000 + Int64(index) * 1_000, linkType: .raw, originalLength: bytes.count, data: bytes[...], number: index)
        if let item = decoder.decode(packet) { fresh.update(item, features: &features) }
    }
    let grown = residentBytes() - before
    print("memory: \(fresh.trackedStreams) streams tracked, \(grown / max(1, fresh.trackedStreams)) bytes each (resident growth \(grown / 1_048_576) MiB)")
}

/// The collector's counters without its rules: what `decode` mode keeps.
struct DecodeOnly {
    var decoder = FlowExportDecoder()
    var datagrams = 0
    var packets: UInt64 = 0
    var bytes: UInt64 = 0

    mutating func receive(_ datagram: ArraySlice<UInt8>, from exporter: HostAddress) {
        datagrams += 1
        decoder.decode(datagram, exporter: exporter, messageNumber: datagrams) { flow in
            packets &+= flow.originatorPackets &+ flow.responderPackets
            bytes &+= flow.originatorBytes &+ flow.responderBytes
        }
    }
}

func collect(port: String, records wanted: Int, rules: Bool) async throws {
    let listener = try UDPDatagramListener(address: "127.0.0.1:\(port)")
    let queue = DatagramQueue(capacity: 65_536)
    var collector = FlowCollector()
    var decodeOnly = DecodeOnly()
    let startCPU = processCPUSeconds()
    listener.start(into: queue)
    print("listening on \(listener.boundAddress), receive buffer \(listener.receiveBufferBytes) bytes")
    // Stops the listener when nothing arrived for 3 s (the sender is done, or lost the rest).
    let progress = ProgressWatch()
    let watchdog = Task {
        var last = -1
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3))
            let now = progress.value
            if now == last && now > 0 { listener.stop() }
            last = now
        }
    }
    for await batch in queue.batches {
        for datagram in batch {
            if rules {
                _ = collector.receive(datagram.bytes[...], from: datagram.exporter)
            } else {
                decodeOnly.receive(datagram.bytes[...], from: datagram.exporter)
            }
        }
        let records = rules ? collector.counters.records : decodeOnly.decoder.records
        progress.value = records
        if records >= wanted { listener.stop() }
    }
    watchdog.cancel()
    let cpu = processCPUSeconds() - startCPU
    let line: String
    if rules {
        collector.countDrops(queue.drops)
        let c = collector.counters
        line = "records \(c.records) datagrams \(c.datagrams) packets \(c.packets) bytes \(c.bytes) drops \(c.drops) bad-input \(c.badInput)"
    } else {
        let d = decodeOnly
        line = "records \(d.decoder.records) datagrams \(d.datagrams) packets \(d.packets) bytes \(d.bytes) drops \(queue.drops) bad-input \(d.decoder.diagnostics.total)"
    }
    let records = rules ? collector.counters.records : decodeOnly.decoder.records
    print(line + " cpu-seconds \(String(format: "%.3f", cpu)) records-per-cpu-second \(Int(Double(records) / max(cpu, 1e-9)))")
}

/// Datagrams of a recorded export: each one a 4-byte big-endian length, then the bytes.
func recordedDatagrams(_ path: String) throws -> [[UInt8]] {
    let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var datagrams: [[UInt8]] = []
    var index = 0
    while index + 4 <= data.count {
        let length = data[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
        guard index + 4 + length <= data.count else { break }
        datagrams.append(Array(data[index + 4..<index + 4 + length]))
        index += 4 + length
    }
    return datagrams
}

/// How far to move a recorded export's clock each round so that a round starts an hour after the previous one's
/// last flow ended: a replay is then a longer capture, not the same minutes over again (which the flood rules would
/// rightly call a flood). Also the export's records a round and its span.
func roundShift(_ datagrams: [[UInt8]]) -> (shift: UInt32, records: Int, span: Double) {
    var probe = FlowExportDecoder()
    var earliest = Double.infinity
    var latest = -Double.infinity
    for datagram in datagrams {
        probe.decode(datagram[...], exporter: HostAddress(ipv4: 0x7F00_0001), place: "probe") {
            earliest = min(earliest, $0.start)
            latest = max(latest, $0.end)
        }
    }
    let span = max(0, latest - earliest)
    return (UInt32(span) + 3600, probe.records, span)
}

func replay(rounds: Int, file: String, rules: Bool) throws {
    var datagrams = try recordedDatagrams(file)
    let exporter = HostAddress(ipv4: 0x7F00_0001)
    let (shift, recordsPerRound, span) = roundShift(datagrams)
    print("export: \(datagrams.count) datagrams, \(recordsPerRound) records a round, flows span \(Int(span)) s; \(rounds) rounds, clock moved \(shift) s a round")
    var collector = FlowCollector()
    var decodeOnly = DecodeOnly()
    var sequence: UInt32 = 0
    let startCPU = processCPUSeconds()
    let elapsed = clock.measure {
        for _ in 0..<rounds {
            for index in datagrams.indices {
                datagrams[index].withUnsafeMutableBytes { bytes in
                    guard bytes.load(as: UInt16.self).bigEndian == 9 else { return }
                    // RFC 3954 header: export seconds at byte 8, sequence at byte 12.
                    let seconds = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).bigEndian
                    bytes.storeBytes(of: (seconds &+ shift).bigEndian, toByteOffset: 8, as: UInt32.self)
                    bytes.storeBytes(of: sequence.bigEndian, toByteOffset: 12, as: UInt32.self)
                }
                sequence &+= 1
                if rules {
                    _ = collector.receive(datagrams[index][...], from: exporter)
                } else {
                    decodeOnly.receive(datagrams[index][...], from: exporter)
                }
            }
        }
    }
    let cpu = processCPUSeconds() - startCPU
    if rules {
        // Which rules fired: a replay repeats every flow once a round, so the beacon rule sees each repeated key as periodic.
        let tally = Dictionary(grouping: collector.alerts, by: \.rule).map { "\($0.key) \($0.value.count)" }.sorted()
        print("alerts by rule: \(tally.isEmpty ? "none" : tally.joined(separator: ", "))")
    }
    let records = rules ? collector.counters.records : decodeOnly.decoder.records
    let what =
        rules
        ? "records \(records) flows \(collector.counters.flows) bad-input \(collector.counters.badInput) alerts \(collector.alerts.count)"
        : "records \(records) packets \(decodeOnly.packets) bad-input \(decodeOnly.decoder.diagnostics.total), no rules"
    print(
        "\(what): \(Int(Double(records) / seconds(elapsed))) records/s, "
            + "\(Int(Double(records) / max(cpu, 1e-9))) records per CPU-second, \(String(format: "%.0f", seconds(elapsed) * 1e9 / Double(max(records, 1)))) ns a record")
}

/// The consumer's progress, read by the watchdog task.
// @unchecked Sendable: `stored` is only touched under `lock`.
final class ProgressWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

switch arguments.dropFirst().first {
case "packets":
    guard arguments.count >= 4, let rounds = Int(arguments[2]) else { usage() }
    try packets(rounds: rounds, files: Array(arguments[3...]))
case "replay":
    guard arguments.count == 4 || (arguments.count == 5 && arguments[4] == "decode"), let rounds = Int(arguments[2]) else { usage() }
    try replay(rounds: rounds, file: arguments[3], rules: arguments.count == 4)
case "shift":
    guard arguments.count == 3 else { usage() }
    print(roundShift(try recordedDatagrams(arguments[2])).shift)
case "collect", "decode":
    guard arguments.count == 4, let wanted = Int(arguments[3]) else { usage() }
    try await collect(port: arguments[2], records: wanted, rules: arguments[1] == "collect")
default:
    usage()
}
