/// A first-in, first-out queue on a ring of slots: appended at the back, taken from the front, both in O(1).
///
/// The rules' windows slide forward in arrival order; taking the front of a plain array would move every element that
/// is left, each time. The ring doubles when full (its size stays a power of two) and never moves elements otherwise.
struct ArrivalQueue<Element: Sendable>: Sendable {
    private var slots: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var first: Element? { isEmpty ? nil : slots[head] }

    /// One field of the oldest element, read in place (the whole element is not copied out).
    @inline(__always)
    func first<Field>(_ field: (Element) -> Field) -> Field? { isEmpty ? nil : field(slots[head]!) }

    /// Oldest first.
    var elements: [Element] { (0..<count).compactMap { slots[(head + $0) & (slots.count - 1)] } }

    /// The element `offset` places behind the oldest, read or changed in place.
    subscript(offset offset: Int) -> Element {
        get {
            precondition(offset >= 0 && offset < count, "no element \(offset) in a queue of \(count)")
            return slots[(head + offset) & (slots.count - 1)]!
        }
        _modify {
            precondition(offset >= 0 && offset < count, "no element \(offset) in a queue of \(count)")
            yield &slots[(head + offset) & (slots.count - 1)]!
        }
    }

    /// Every element, oldest first, read in place.
    func forEach(_ body: (Element) -> Void) {
        for offset in 0..<count { body(slots[(head + offset) & (slots.count - 1)]!) }
    }

    mutating func append(_ element: Element) {
        if count == slots.count { grow() }
        slots[(head + count) & (slots.count - 1)] = element
        count += 1
    }

    /// Empties the queue; with `keepingCapacity` its ring stays for what comes next.
    mutating func removeAll(keepingCapacity: Bool) {
        guard keepingCapacity else { return self = ArrivalQueue() }
        for index in 0..<count { slots[(head + index) & (slots.count - 1)] = nil }
        head = 0
        count = 0
    }

    @discardableResult
    mutating func removeFirst() -> Element {
        let element = slots[head].take()!
        head = (head + 1) & (slots.count - 1)
        count -= 1
        return element
    }

    private mutating func grow() {
        var larger = [Element?](repeating: nil, count: Swift.max(8, slots.count * 2))
        for index in 0..<count { larger[index] = slots[(head + index) & (slots.count - 1)].take() }
        slots = larger
        head = 0
    }
}
