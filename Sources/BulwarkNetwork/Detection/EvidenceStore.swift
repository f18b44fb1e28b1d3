/// The flows that the rules' windows keep as evidence, each stored once and named by its slot.
///
/// A flood window keeps every flow of its host, and each scan keeps a target's first failed attempt, so one flow is
/// often kept by three windows. An object per flow would cost an allocation and atomic reference counting for every
/// record a collector receives. Here the flows lie in one array of slots, each with a count of the windows that hold
/// it. A window takes a hold when it keeps a flow and gives it back when the flow leaves it; a slot nobody holds is
/// free to be used again.
struct EvidenceStore: Sendable {
    /// A stored flow's slot: a plain number, copied without reference counting.
    struct Reference: Sendable, Hashable {
        fileprivate let slot: Int
    }

    /// A slot nobody holds keeps its last flow until it is used again: emptying it would cost a write of the whole
    /// record for every flow.
    private var flows: [FlowRecord] = []
    private var holds: [Int] = []
    private var freeSlots: [Int] = []

    /// Flows stored now.
    var count: Int { flows.count - freeSlots.count }

    /// Stores a flow that no window holds yet; ``releaseIfUnheld(_:)`` frees its slot again when none took it.
    mutating func store(_ flow: FlowRecord) -> Reference {
        if let slot = freeSlots.popLast() {
            flows[slot] = flow
            return Reference(slot: slot)
        }
        flows.append(flow)
        holds.append(0)
        return Reference(slot: flows.count - 1)
    }

    /// One more window keeps the flow.
    mutating func hold(_ reference: Reference) {
        holds[reference.slot] += 1
    }

    /// A window let the flow go; the last one to do so frees its slot.
    mutating func release(_ reference: Reference) {
        let slot = reference.slot
        precondition(holds[slot] > 0, "a kept flow was given back more often than it was held")
        holds[slot] -= 1
        if holds[slot] == 0 { freeSlots.append(slot) }
    }

    /// Frees the slot of a stored flow that no window took.
    mutating func releaseIfUnheld(_ reference: Reference) {
        if holds[reference.slot] == 0 { freeSlots.append(reference.slot) }
    }

    subscript(reference: Reference) -> FlowRecord {
        precondition(holds[reference.slot] > 0, "a kept flow was read after its last window let it go")
        return flows[reference.slot]
    }
}

extension TrafficAnalyzer {
    /// The kept flows that the flood and scan windows refer to now, each once. After every flow the store holds these
    /// and nothing else: a flow given back too soon could not be read as evidence, one never given back would stay.
    var flowsTheWindowsHold: Set<EvidenceStore.Reference> {
        var held: Set<EvidenceStore.Reference> = []
        floods.forEachValue { window in window.events.forEach { held.insert($0.flow) } }
        scans.horizontal.forEachValue { attempts in attempts.targets.forEachValue { if let flow = $0.flow { held.insert(flow) } } }
        scans.vertical.forEachValue { attempts in attempts.targets.forEachValue { if let flow = $0.flow { held.insert(flow) } } }
        return held
    }
}
