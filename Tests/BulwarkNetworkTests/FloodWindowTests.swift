import Testing

@testable import BulwarkNetwork

/// A flood window's running figures against the same figures counted afresh from the events it holds.
@Suite struct FloodWindowTests {
    @Test func runningFiguresEqualACountOfTheEventsInTheWindow() {
        var generator = SplitMix(seed: 5)
        var window = FloodWindow()
        var store = EvidenceStore()
        let flow = FlowRecord(start: 0, end: 0, originator: HostAddress(ipv4: 1), responder: HostAddress(ipv4: 2), originatorPort: 1, responderPort: 2, transport: 6, origin: "test")
        var time = 0.0
        for step in 0..<30_000 {
            generator.wander(&time, step: 0.05, back: 1, quiet: 60, quietEvery: 500)
            let transport: UInt8 = [6, 6, 17, 1][Int(generator.next() % 4)]
            let event = FloodWindow.Event(
                time: time, destination: HostAddress(ipv4: UInt32(generator.next() % 6)), port: UInt16(generator.next() % 4), transport: transport,
                failed: generator.next() % 2 == 0, flow: store.store(flow))
            // A limit below the window's usual size, so the oldest also leave by count.
            let figures = window.add(event, horizon: time - 10, limit: 150, store: &store)
            let held = window.events.elements
            let mine = held.filter { $0.destination == event.destination }
            let failedTCP = mine.filter(\.isFailedTCP)
            let udp = mine.filter { $0.transport == 17 }
            // Counts and first starts side by side, the counts as doubles.
            let expected: [Double?] = [
                Double(failedTCP.count), failedTCP.first?.time, Double(udp.count), udp.first?.time, Double(Set(mine.map(\.port)).count),
                Double(Set(held.map(\.destination)).count), Double(held.count), held.first?.time,
            ]
            let actual: [Double?] = [
                Double(figures.failedTCP), figures.firstFailedTCP, Double(figures.udp), figures.firstUDP, Double(figures.ports),
                Double(figures.destinations), Double(figures.events), figures.firstTime,
            ]
            #expect(actual == expected, "step \(step)")
            guard actual == expected else { break }
            #expect(store.count == held.count)
        }
    }
}
