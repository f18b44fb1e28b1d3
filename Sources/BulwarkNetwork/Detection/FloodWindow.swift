/// A flood alert's text inputs when it was last raised: the same figure again gives the same reason, so the alert only
/// widens. Kept apart from the windows so that recording it never copies one.
struct FloodAlertMemory: Sendable {
    struct Key: Hashable, StateKey {
        var rule: UInt8
        var host: HostAddress
        var destination: HostAddress

        func hash(seed: UInt64) -> UInt64 { destination.hash(seed: host.hash(seed: seed ^ UInt64(rule))) }
    }

    var figure: Int
    /// The destination written out, once an alert needed it.
    var target: String?
    /// Where the alert lies in the analyzer's list, once it fired.
    var alert: Int?
}

/// One host's recent flows, for the flood rules, with running counts per destination so that judging a flow does
/// not look at the whole window.
struct FloodWindow: Sendable {
    struct Event: Sendable {
        var time: Double
        var destination: HostAddress
        var port: UInt16
        var transport: UInt8
        var failed: Bool
        /// The flow, held in the analyzer's store while the event is in the window.
        var flow: EvidenceStore.Reference
        /// The number (see ``Chain``) of the next event of the same kind to the same destination, once one came.
        var nextOfKind = -1

        var isFailedTCP: Bool { transport == 6 && failed }
    }

    /// One destination's events of one kind (failed TCP attempts, or UDP flows), linked through the window's events in
    /// arrival order. Events are numbered as they arrive, the window's oldest being `oldestNumber`; the kind's oldest is
    /// also the first of them to leave, so the next one's start is known without keeping the starts apart.
    struct Chain: Sendable {
        var count = 0
        var first = 0
        var last = 0
    }

    struct Destination: Sendable {
        var events = 0
        /// Distinct ports among the events.
        var ports = 0
        var failedTCP = Chain()
        var udp = Chain()
    }

    /// A destination's port, for counting events per port across all destinations in one table.
    struct Port: Hashable, StateKey {
        var destination: HostAddress
        var port: UInt16

        func hash(seed: UInt64) -> UInt64 { destination.hash(seed: seed ^ UInt64(port)) }
    }

    /// The flows of the window in arrival order.
    private(set) var events = ArrivalQueue<Event>()
    /// The number of the window's oldest event: events are numbered from 0 as they arrive, until the window empties.
    private var oldestNumber = 0
    /// Counts per destination. A destination whose events all left keeps its entry (at zero) until such entries
    /// outnumber the live ones; `liveDestinations` counts those with events.
    private(set) var destinations = StateTable<HostAddress, Destination>()
    private var liveDestinations = 0
    /// Events per destination and port; entries at zero are kept and cleared the same way.
    private var portEvents = StateTable<Port, Int>()
    /// The latest start among the window's flows.
    private var newest = -Double.infinity

    /// The window's figures after a flow was added, as the rules read them.
    struct Figures {
        /// Failed TCP attempts and UDP flows to the flow's destination, with the start of the first of each.
        var failedTCP = 0
        var firstFailedTCP: Double?
        var udp = 0
        var firstUDP: Double?
        /// Ports of the flow's destination.
        var ports = 0
        var destinations = 0
        var events = 0
        var firstTime: Double?
    }

    /// Drops what arrived before the first flow that started within the window (all of it when none did) and the oldest
    /// past `limit`, then adds a flow; the figures the rules read. The window holds the flows of its events in `store`
    /// and gives each back as its event leaves.
    mutating func add(_ event: Event, horizon: Double, limit: Int, store: inout EvidenceStore) -> Figures {
        // What leaves the window leaves first (the flow being added never would), so the flow's destination is counted
        // and read in one access.
        if newest < horizon {
            // Every flow of the window started before it: the device was quiet, and all go at once.
            if !events.isEmpty || !destinations.isEmpty {
                giveBack(to: &store)
                events.removeAll(keepingCapacity: true)
                oldestNumber = 0
                destinations.removeAll(keepingCapacity: true)
                portEvents.removeAll(keepingCapacity: true)
                liveDestinations = 0
            }
        } else {
            while let first = events.first(\.time), first < horizon { dropOldest(store: &store) }
        }
        while events.count >= limit { dropOldest(store: &store) }
        if destinations.count > 2 * liveDestinations + 64 { releaseEmptyEntries() }
        let number = oldestNumber + events.count
        events.append(event)
        store.hold(event.flow)
        newest = events.count == 1 ? event.time : Swift.max(newest, event.time)
        let firstOnPort = portEvents[Port(destination: event.destination, port: event.port), default: 0].addOne()
        var figures = Figures(destinations: 0, events: events.count, firstTime: events.first(\.time))
        if destinations[event.destination, default: Destination()].count(
            event, number: number, firstOnPort: firstOnPort, events: &events, oldestNumber: oldestNumber, reportingInto: &figures)
        {
            liveDestinations += 1
        }
        figures.destinations = liveDestinations
        return figures
    }

    /// Gives back the flows of every event in the window: when it empties, or is dropped whole.
    func giveBack(to store: inout EvidenceStore) {
        events.forEach { store.release($0.flow) }
    }

    private mutating func dropOldest(store: inout EvidenceStore) {
        let event = events.removeFirst()
        oldestNumber += 1
        store.release(event.flow)
        let lastOnPort = portEvents[Port(destination: event.destination, port: event.port)]?.subtractOne() ?? false
        if destinations[event.destination]?.uncount(event, lastOnPort: lastOnPort) == 0 { liveDestinations -= 1 }
    }

    /// Drops the entries at zero; run when they outnumber the live ones, so each costs O(1) over the adds that made it.
    private mutating func releaseEmptyEntries() {
        for destination in destinations.keys where destinations[destination]?.events == 0 { destinations[destination] = nil }
        for port in portEvents.keys where portEvents[port] == 0 { portEvents[port] = nil }
    }

}

extension FloodWindow.Destination {
    /// Takes the window's oldest event out of the counts; the events left.
    fileprivate mutating func uncount(_ event: FloodWindow.Event, lastOnPort: Bool) -> Int {
        events -= 1
        if lastOnPort { ports -= 1 }
        if event.isFailedTCP { failedTCP.removeFirst(next: event.nextOfKind) }
        if event.transport == 17 { udp.removeFirst(next: event.nextOfKind) }
        return events
    }

    /// Counts event `number`, linking it behind the last of its kind in `events`, then writes this destination's
    /// counts into `figures`; `true` when it had no events before.
    fileprivate mutating func count(
        _ event: FloodWindow.Event, number: Int, firstOnPort: Bool, events window: inout ArrivalQueue<FloodWindow.Event>, oldestNumber: Int,
        reportingInto figures: inout FloodWindow.Figures
    ) -> Bool {
        events += 1
        if firstOnPort { ports += 1 }
        if event.isFailedTCP { failedTCP.append(number, in: &window, oldestNumber: oldestNumber) }
        if event.transport == 17 { udp.append(number, in: &window, oldestNumber: oldestNumber) }
        figures.failedTCP = failedTCP.count
        figures.firstFailedTCP = failedTCP.firstStart(in: window, oldestNumber: oldestNumber)
        figures.udp = udp.count
        figures.firstUDP = udp.firstStart(in: window, oldestNumber: oldestNumber)
        figures.ports = ports
        return events == 1
    }
}

extension FloodWindow.Chain {
    /// Links event `number` (just appended to `window`) behind the kind's last.
    fileprivate mutating func append(_ number: Int, in window: inout ArrivalQueue<FloodWindow.Event>, oldestNumber: Int) {
        if count > 0 { window[offset: last - oldestNumber].nextOfKind = number } else { first = number }
        last = number
        count += 1
    }

    /// The kind's oldest event left the window; `next` is the one linked behind it.
    fileprivate mutating func removeFirst(next: Int) {
        count -= 1
        if count > 0 { first = next }
    }

    /// The start of the kind's oldest event in the window, if it has any.
    fileprivate func firstStart(in window: ArrivalQueue<FloodWindow.Event>, oldestNumber: Int) -> Double? {
        count > 0 ? window[offset: first - oldestNumber].time : nil
    }
}

extension Int {
    /// Adds one; `true` when the count was zero before.
    fileprivate mutating func addOne() -> Bool {
        self += 1
        return self == 1
    }

    /// Takes one away; `true` when the count is now zero.
    fileprivate mutating func subtractOne() -> Bool {
        self -= 1
        return self == 0
    }
}
