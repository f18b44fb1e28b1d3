/// A binary min-heap of times with the key each belongs to: the earliest on top.
///
/// The scan rule forgets targets first contacted longer ago than its window; flow exports arrive out of start-time
/// order, so a queue in arrival order would not find them all.
struct EarliestFirst<Key: Sendable>: Sendable {
    private var items: [(time: Double, key: Key)] = []

    var count: Int { items.count }
    var top: (time: Double, key: Key)? { items.first }

    mutating func removeAll(keepingCapacity: Bool) { items.removeAll(keepingCapacity: keepingCapacity) }

    mutating func push(_ time: Double, _ key: Key) {
        items.append((time, key))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].time < items[parent].time else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> (time: Double, key: Key)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let earliest = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].time < items[smallest].time { smallest = left }
            if right < items.count, items[right].time < items[smallest].time { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return earliest
    }
}
