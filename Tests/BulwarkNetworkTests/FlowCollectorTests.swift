import BulwarkNetwork
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FlowCollectorTests {
    let exporter = HostAddress("192.0.2.1")!

    @Test func fullQueueDropsTheNewcomerAndCountsIt() async {
        let queue = DatagramQueue(capacity: 2)
        let accepted = (0..<5).map { queue.offer(DatagramQueue.Datagram(bytes: [UInt8($0)], exporter: exporter)) }
        #expect(accepted == [true, true, false, false, false])
        #expect(queue.drops == 3)
        #expect(queue.offered == 5)
        queue.finish()
        #expect(!queue.offer(DatagramQueue.Datagram(bytes: [9], exporter: exporter)), "a finished queue takes nothing more")
        #expect(queue.drops == 4)
        var received: [[UInt8]] = []
        for await batch in queue.batches { received += batch.map(\.bytes) }
        #expect(received == [[0], [1]], "the queued datagrams are still delivered, oldest first")
    }

    @Test func aBatchTakesWhatRoomIsLeftAndTheConsumerFreesIt() async {
        let queue = DatagramQueue(capacity: 5)
        let datagrams = (0..<4).map { DatagramQueue.Datagram(bytes: [UInt8($0)], exporter: exporter) }
        #expect(queue.offer(datagrams) == 4)
        // Room for one more: the earliest of the next batch is taken, the rest dropped.
        #expect(queue.offer(datagrams.map { DatagramQueue.Datagram(bytes: $0.bytes.map { $0 + 10 }, exporter: exporter) }) == 1)
        #expect(queue.drops == 3 && queue.waiting == 5 && queue.offered == 8)
        var iterator = queue.batches.makeAsyncIterator()
        #expect(await iterator.next()?.map(\.bytes) == [[0], [1], [2], [3]])
        #expect(queue.waiting == 1, "a batch taken by the consumer frees its room")
        #expect(queue.offer([DatagramQueue.Datagram(bytes: [20], exporter: exporter)]) == 1)
        queue.finish()
        #expect(queue.offer([DatagramQueue.Datagram(bytes: [30], exporter: exporter)]) == 0)
        #expect(await iterator.next()?.map(\.bytes) == [[10]])
        #expect(await iterator.next()?.map(\.bytes) == [[20]])
        #expect(await iterator.next() == nil)
        #expect(queue.waiting == 0 && queue.drops == 4)
    }

    #if os(Linux)
    /// Datagrams sent to a listener before it reads anything overflow a small kernel buffer. What the kernel dropped is
    /// counted with the queue's own drops, so nothing is lost without a count, and what it kept reaches the consumer.
    @Test func datagramsTheKernelDroppedAreCountedAsDrops() async throws {
        let listener = try UDPDatagramListener(address: "127.0.0.1:0", receiveBuffer: 4_096, coalescing: 0)
        let sent = 300
        let payload = [UInt8](repeating: 0xAB, count: 1_000)
        let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(sender >= 0)
        defer { close(sender) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = listener.port.bigEndian
        target.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        for index in 0..<sent {
            var datagram = payload
            datagram[0] = UInt8(index & 0xFF)
            let written = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(sender, datagram, datagram.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(written == datagram.count)
        }
        let queue = DatagramQueue(capacity: 1_000)
        let reported = Tally()
        listener.start(into: queue) { reported.add($0) }
        listener.stop()
        var received = 0
        for await batch in queue.batches {
            received += batch.count
            #expect(batch.allSatisfy { $0.bytes.count == payload.count && $0.exporter == HostAddress("127.0.0.1")! })
        }
        #expect(received > 0, "what the buffer held is delivered")
        #expect(queue.drops > 0, "a 4 KiB buffer cannot hold 300 KB")
        #expect(received + queue.drops == sent, "every datagram is either delivered or counted as dropped")
        #expect(reported.total == queue.drops, "the drop callback hears of the kernel's drops too")
    }

    /// An exporter that never pauses must not keep the listener from stopping.
    @Test func stopsWhileDatagramsKeepComing() async throws {
        let listener = try UDPDatagramListener(address: "127.0.0.1:0")
        let queue = DatagramQueue(capacity: 100_000)
        let stopped = Moment()
        let gaveUp = Tally()
        // The exporter sends until the listener has finished the queue. It gives up 10 s after the stop (the
        // listener's own thread needs far less, however busy the test pool is), or after 2 minutes in any case.
        let sender = Thread {
            let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(descriptor) }
            var target = sockaddr_in()
            target.sin_family = sa_family_t(AF_INET)
            target.sin_port = listener.port.bigEndian
            target.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let datagram = [UInt8](repeating: 7, count: 200)
            let started = Date()
            while !queue.isFinished {
                if let stop = stopped.value, Date().timeIntervalSince(stop) > 10 { return gaveUp.add(1) }
                if Date().timeIntervalSince(started) > 120 { return gaveUp.add(1) }
                _ = withUnsafePointer(to: &target) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, datagram, datagram.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
        }
        sender.start()
        listener.start(into: queue)
        var received = 0
        for await batch in queue.batches {
            received += batch.count
            if received >= 100, stopped.value == nil {
                stopped.value = Date()
                listener.stop()
            }
        }
        #expect(received >= 100)
        #expect(gaveUp.total == 0, "the listener finished the queue while the exporter was still sending")
    }

    final class Moment: @unchecked Sendable {
        private let lock = NSLock()
        private var date: Date?
        var value: Date? {
            get { lock.withLock { date } }
            set { lock.withLock { date = newValue } }
        }
    }

    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var sum = 0
        func add(_ count: Int) { lock.withLock { sum += count } }
        var total: Int { lock.withLock { sum } }
    }
    #endif

    /// Twelve SYNs to port 23 of twelve hosts, split over two export messages with a lost message between them.
    @Test func countsRecordsPacketsBytesAndGapsAndReportsEachAlertOnce() {
        var collector = FlowCollector()
        func syn(_ host: UInt32) -> (src: UInt32, dst: UInt32, sport: UInt16, dport: UInt16, packets: UInt32, bytes: UInt32, flags: UInt8) {
            (src: 0x0A00_0009, dst: 0xC633_6400 + host, sport: UInt16(40_000 + host), dport: 23, packets: 2, bytes: 120, flags: 0x02)
        }
        let first = collector.receive(ExportWriter.v5(sequence: 1, flows: (1...6).map(syn))[...], from: exporter)
        #expect(first.map(\.rule) == ["scan.horizontal"])
        #expect(first.first?.host.description == "10.0.0.9")
        #expect(first.first?.evidenceCount == 6)
        // Sequence 7 would follow; 10 means three flows were lost on the way.
        let second = collector.receive(ExportWriter.v5(sequence: 10, flows: (7...12).map(syn))[...], from: exporter)
        #expect(second.isEmpty, "the scan alert widens but is not reported again")
        #expect(collector.alerts.first?.evidenceCount == 12)
        let counters = collector.counters
        #expect(counters.datagrams == 2)
        #expect(counters.records == 12)
        #expect(counters.flows == 12)
        #expect(counters.packets == 24)
        #expect(counters.bytes == 1440)
        #expect(counters.sequenceGaps == 1)
        #expect(counters.templateErrors == 0)
        #expect(counters.badInput == 1)
        #expect(collector.finish().isEmpty)
    }

    @Test func countsTemplateErrorsAndGarbageWithoutStopping() {
        var collector = FlowCollector()
        // IPFIX data for template 300, which was never sent.
        let orphan = ExportWriter.ipfix(sequence: 0, domain: 1, sets: [ExportWriter.set(300, [UInt8](repeating: 1, count: 12))])
        _ = collector.receive(orphan[...], from: exporter)
        _ = collector.receive([0x00, 0x07, 0xFF][...], from: exporter)
        _ = collector.receive([][...], from: exporter)
        let v5 = ExportWriter.v5(sequence: 1, flows: [(src: 1, dst: 2, sport: 3, dport: 4, packets: 5, bytes: 6, flags: 0x10)])
        _ = collector.receive(v5[...], from: exporter)
        #expect(collector.counters.datagrams == 4)
        #expect(collector.counters.templateErrors == 1)
        #expect(collector.counters.badInput == 3)
        #expect(collector.counters.records == 1)
        #expect(collector.counters.packets == 5)
        collector.countDrops(7)
        #expect(collector.counters.drops == 7)
    }

    @Test func forgetsTheStateOfAnExporterBeyondTheDomainLimit() {
        var decoder = FlowExportDecoder(domainLimit: 2)
        let v5 = ExportWriter.v5(sequence: 1, flows: [(src: 1, dst: 2, sport: 3, dport: 4, packets: 5, bytes: 6, flags: 0x10)])
        for last in 1...3 as ClosedRange<UInt32> {
            decoder.decode(v5[...], exporter: HostAddress(ipv4: 0xC000_0200 + last), place: "m\(last)") { _ in }
        }
        #expect(decoder.domainCount == 2)
        #expect(decoder.diagnostics[.evictedEarly] == 1)
        #expect(decoder.records == 3)
    }
}
