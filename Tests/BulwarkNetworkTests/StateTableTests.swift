import Foundation
import Testing

@testable import BulwarkNetwork

/// The rules' hash table and median against the standard library's, on seeded random work.
@Suite struct StateTableTests {
    @Test func agreesWithADictionaryThroughInsertsChangesAndRemovals() {
        var generator = SeededGenerator(seed: 7)
        var table = StateTable<HostAddress, [Int]>()
        var reference: [HostAddress: [Int]] = [:]
        // Few distinct keys, so runs form, collide and are broken up by removals.
        let keys = (0..<300).map { HostAddress(ipv4: 0x0A00_0000 | UInt32($0 * 7919 % 65_536)) }
        for step in 0..<40_000 {
            let key = keys[Int(generator.next() % UInt64(keys.count))]
            switch generator.next() % 6 {
            case 0:
                #expect(table.removeValue(forKey: key) == reference.removeValue(forKey: key))
            case 1:
                // Setting nil through the in-place accessor removes.
                table[key]? = []
                table[key] = nil
                reference[key] = nil
            case 2:
                table[key]?.append(step)
                reference[key]?.append(step)
            default:
                table[key, default: []].append(step)
                reference[key, default: []].append(step)
            }
            #expect(table.count == reference.count)
        }
        for key in keys { #expect(table[key] == reference[key]) }
        #expect(Set(table.keys) == Set(reference.keys))
        if let key = table.anyKey { #expect(reference[key] != nil) }
    }

    @Test func boundsItsSizeByDroppingAnEntry() {
        var table = StateTable<UInt16, Int>()
        var dropped = 0
        for port in UInt16(0)..<100 {
            dropped += table.bound(adding: port, limit: 10)
            table[port] = Int(port)
        }
        #expect(table.count == 10)
        #expect(dropped == 90)
        // A key already held is not a new entry.
        #expect(table.bound(adding: table.anyKey!, limit: 10) == 0)
    }

    @Test func emptiedInPlaceItTakesNewEntriesAsAFreshTableWould() {
        for size in [3, 200, 2_000] {
            var table = StateTable<UInt16, [Int]>()
            for port in UInt16(0)..<UInt16(size) { table[port] = [Int(port)] }
            table.removeAll(keepingCapacity: true)
            #expect(table.count == 0 && table.isEmpty && table.keys.isEmpty)
            #expect(table[7] == nil)
            for port in UInt16(100)..<UInt16(100 + size) { table[port, default: []].append(Int(port)) }
            #expect(table.count == size)
            #expect((UInt16(100)..<UInt16(100 + size)).allSatisfy { table[$0] == [Int($0)] })
            #expect(table[UInt16(99)] == nil)
        }
        var queue = ArrivalQueue<Int>()
        for value in 0..<13 { queue.append(value) }
        for _ in 0..<5 { queue.removeFirst() }
        queue.removeAll(keepingCapacity: true)
        #expect(queue.isEmpty && queue.first == nil)
        for value in 20..<40 { queue.append(value) }
        #expect(queue.elements == Array(20..<40))
    }

    @Test func findsTheKeyOfTheSmallestValue() {
        var table = StateTable<UInt16, Double>()
        for port in UInt16(1)...50 { table[port] = Double((Int(port) * 37) % 101) }
        let expected = (UInt16(1)...50).min { (Int($0) * 37) % 101 < (Int($1) * 37) % 101 }
        #expect(table.key(minimizing: { $0 }) == expected)
    }

    @Test func medianBySelectionEqualsTheMedianOfTheSortedValues() {
        var generator = SeededGenerator(seed: 11)
        for count in [1, 2, 3, 4, 5, 10, 11, 100, 101, 1000] {
            for _ in 0..<20 {
                // Coarse values, so duplicates are common.
                let values = (0..<count).map { _ in Double(generator.next() % 17) / 4 }
                let sorted = values.sorted()
                let middle = count / 2
                let expected = count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
                #expect(SignificanceTest.median(values) == expected)
            }
        }
        #expect(SignificanceTest.median((0..<1000).map(Double.init)) == 499.5)
        #expect(SignificanceTest.median((0..<1001).reversed().map(Double.init)) == 500)
    }
}
