import Synchronization

/// A key of a ``StateTable``: equal keys give equal hashes under one seed.
protocol StateKey: Equatable, Sendable {
    func hash(seed: UInt64) -> UInt64
}

/// Mixing for ``StateKey`` hashes: each word is folded into the state with a full-width multiply (the high and low
/// halves of the 128-bit product xored), which spreads every input bit over the whole word in one instruction.
enum StateHash {
    @inline(__always)
    static func fold(_ state: UInt64, _ word: UInt64) -> UInt64 {
        let product = (state ^ word).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        return product.high ^ product.low
    }
}

/// Seeds for ``StateTable``s: one secret drawn from the system once, mixed with a count of tables made.
///
/// Tables are made often (a decoder's, a host's per-target tables), so each drawing its own from the system would cost
/// a system call every time; seeds made this way are still unknown outside the process and differ between tables.
enum StateSeed {
    private static let secret = UInt64.random(in: .min ... .max)
    private static let issued = Atomic<UInt64>(0)

    static func next() -> UInt64 {
        StateHash.fold(secret, issued.wrappingAdd(1, ordering: .relaxed).oldValue)
    }
}

extension HostAddress: StateKey {
    @inline(__always)
    func hash(seed: UInt64) -> UInt64 { StateHash.fold(StateHash.fold(seed, high), low) }
}

extension UInt16: StateKey {
    @inline(__always)
    func hash(seed: UInt64) -> UInt64 { StateHash.fold(seed, UInt64(self)) }
}

/// The rules' per-host state: a hash table with open addressing and linear probing, for keys of a few machine words.
///
/// The rules look up several tables for every flow a collector receives, millions a second. `Dictionary` hashes with
/// SipHash, which is built to resist chosen keys at a cost of tens of nanoseconds a lookup; here a key is folded by
/// multiplication in a few. Chosen keys are still answered: the seed is random for every table, so an exporter
/// cannot precompute colliding addresses, and the rules bound every table's size.
///
/// Removal shifts the following entries of the run back (no tombstones), so a table that churns stays as fast as a
/// fresh one. A value is changed in its slot through either subscript, never copied out and back.
struct StateTable<Key: StateKey, Value>: Sendable where Value: Sendable {
    /// Keys and values in parallel: a probe reads only keys (plain words), never a value's references.
    private var keySlots: [Key?] = []
    private var valueSlots: [Value?] = []
    private var shift: UInt64 = 64
    private let seed = StateSeed.next()
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(_ key: Key) -> Int {
        // Fibonacci hashing: the top bits of the mixed hash pick the slot.
        Int(truncatingIfNeeded: (key.hash(seed: seed) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inline(__always)
    private func find(_ key: Key) -> (index: Int, found: Bool) {
        keySlots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var index = home(key)
            while let candidate = slots[index] {
                if candidate == key { return (index, true) }
                index = (index + 1) & mask
            }
            return (index, false)
        }
    }

    subscript(key: Key) -> Value? {
        get {
            guard count > 0 else { return nil }
            let (index, found) = find(key)
            return found ? valueSlots[index] : nil
        }
        set {
            if let newValue {
                self[key, default: newValue] = newValue
            } else {
                removeValue(forKey: key)
            }
        }
        // Changed in place (`table[key]?.field = …`), in its slot: never copied out and back.
        _modify {
            let (index, found) = count > 0 ? find(key) : (0, false)
            if found {
                defer {
                    if valueSlots[index] == nil {
                        keySlots[index] = nil
                        count -= 1
                        closeHole(at: index)
                    }
                }
                yield &valueSlots[index]
            } else {
                var added: Value? = nil
                defer { if let added { self[key, default: added] = added } }
                yield &added
            }
        }
    }

    /// The value for `key`, inserted as `defaultValue` first when absent; changed in place.
    subscript(key: Key, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            let index = slotForInsertion(key, defaultValue)
            yield &valueSlots[index]!
        }
    }

    private mutating func slotForInsertion(_ key: Key, _ makeValue: () -> Value) -> Int {
        if keySlots.isEmpty || (count + 1) * 4 > keySlots.count * 3 { grow() }
        let (index, found) = find(key)
        if !found {
            keySlots[index] = key
            valueSlots[index] = makeValue()
            count += 1
        }
        return index
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        guard count > 0 else { return nil }
        let (index, found) = find(key)
        guard found else { return nil }
        keySlots[index] = nil
        let removed = valueSlots[index].take()
        count -= 1
        closeHole(at: index)
        return removed
    }

    /// Backward shift after a removal at `index`: later entries of the run move into the hole when their home allows.
    private mutating func closeHole(at index: Int) {
        let mask = keySlots.count - 1
        var hole = index
        var next = (index + 1) & mask
        while let candidate = keySlots[next] {
            let wanted = home(candidate)
            // The entry may move to `hole` when `hole` lies on its probe path, cyclically between `wanted` and `next`.
            if (next - wanted) & mask >= (next - hole) & mask {
                keySlots[hole] = candidate
                keySlots[next] = nil
                valueSlots[hole] = valueSlots[next].take()
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    /// Some key in the table, for dropping an arbitrary entry when a table is full.
    var anyKey: Key? {
        guard count > 0 else { return nil }
        return keySlots.first { $0 != nil } ?? nil
    }

    /// The key whose value gives the smallest `measure`, looked for without copying the entries.
    func key(minimizing measure: (Value) -> Double) -> Key? {
        var best: (key: Key, measure: Double)?
        for index in keySlots.indices {
            guard let key = keySlots[index], let value = valueSlots[index].map(measure) else { continue }
            if best.map({ value < $0.measure }) ?? true { best = (key, value) }
        }
        return best?.key
    }

    var keys: [Key] { keySlots.compactMap { $0 } }

    /// Every value, read in its slot (no array of them is made).
    func forEachValue(_ body: (Value) -> Void) {
        var left = count
        var index = 0
        while left > 0 {
            if let value = valueSlots[index] {
                body(value)
                left -= 1
            }
            index += 1
        }
    }
    var values: [Value] { valueSlots.compactMap { $0 } }

    mutating func removeAll() {
        keySlots = []
        valueSlots = []
        shift = 64
        count = 0
    }

    /// Empties the table; with `keepingCapacity`, a small one keeps its slots for what comes next (one that grew past
    /// 1,024 slots is released all the same).
    mutating func removeAll(keepingCapacity: Bool) {
        guard keepingCapacity, keySlots.count <= 1024 else { return removeAll() }
        var left = count
        // Stops at the last entry: a table that once grew may hold a few entries in many slots.
        var index = 0
        while left > 0 {
            if keySlots[index] != nil {
                keySlots[index] = nil
                valueSlots[index] = nil
                left -= 1
            }
            index += 1
        }
        count = 0
    }

    private mutating func grow() {
        let oldKeys = keySlots
        var oldValues = valueSlots
        let capacity = Swift.max(16, oldKeys.count * 2)
        keySlots = Array(repeating: nil, count: capacity)
        valueSlots = Array(repeating: nil, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        for (index, key) in oldKeys.enumerated() {
            guard let key else { continue }
            let (slot, _) = find(key)
            keySlots[slot] = key
            valueSlots[slot] = oldValues[index].take()
        }
    }
}

extension StateTable {
    /// Keeps a table within `limit` entries by dropping an arbitrary one before `key` is added, handed to `dropping`;
    /// 1 when it dropped one.
    mutating func bound(adding key: Key, limit: Int, dropping: (Value) -> Void = { _ in }) -> Int {
        // The count first: below the limit, as nearly always, no lookup is needed.
        guard count >= limit, self[key] == nil, let victim = anyKey, let value = removeValue(forKey: victim) else { return 0 }
        dropping(value)
        return 1
    }
}
