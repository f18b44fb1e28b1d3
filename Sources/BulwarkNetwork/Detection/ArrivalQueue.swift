/// A first-in, first-out queue on one array: appended at the back, taken from the front in amortised O(1).
///
/// The rules' windows slide forward in arrival order; taking the front of a plain array would move every element that
/// is left, each time.
struct ArrivalQueue<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }
    var first: Element? { isEmpty ? nil : storage[head] }
    /// Oldest first.
    var elements: ArraySlice<Element> { storage[head...] }

    mutating func append(_ element: Element) { storage.append(element) }

    @discardableResult
    mutating func removeFirst() -> Element {
        let element = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= storage.count {
            // The taken half is dropped once it is as large as what is left: each element moves at most once more.
            storage.removeFirst(head)
            head = 0
        }
        return element
    }
}
