/// The scan rules' state: per host and port (horizontal) or host pair (vertical), the targets tried within the window.
struct ScanState: Sendable {
    struct HorizontalKey: Hashable, StateKey {
        var source: HostAddress
        var port: UInt16
        var transport: UInt8

        func hash(seed: UInt64) -> UInt64 { source.hash(seed: seed ^ UInt64(port) << 8 ^ UInt64(transport)) }
    }

    struct VerticalKey: Hashable, StateKey {
        var source: HostAddress
        var destination: HostAddress

        func hash(seed: UInt64) -> UInt64 { destination.hash(seed: source.hash(seed: seed)) }
    }

    /// Per target (a host, or a port): first attempt time, whether any attempt succeeded, and the first flow when it
    /// failed (the evidence). Counts are kept as targets come and go, so judging costs the same however many targets there are.
    struct Attempts<Target: StateKey & Hashable>: Sendable {
        struct Entry: Sendable {
            var time: Double
            var succeeded: Bool
            /// The first attempt's flow, held in the analyzer's store while the target failed (only failures are
            /// evidence).
            var flow: EvidenceStore.Reference?
        }

        private(set) var targets = StateTable<Target, Entry>()
        /// First-attempt times, earliest on top: expired targets leave in O(log n) each.
        private var expiry = EarliestFirst<Target>()
        /// Targets whose every attempt failed.
        private(set) var failures = 0
        /// The latest first-attempt time among the targets.
        private(set) var latest = -Double.infinity
        /// The binomial tail last computed, with the counts it was computed for.
        var tail: (failures: Int, targets: Int, p: Double)?
        /// The counts the alert was last raised with: the same counts again only widen its window.
        var raised: (failures: Int, targets: Int)?
        /// The alert's target as text, made once.
        var label: String?
        /// Where the alert for these attempts lies in the analyzer's list, once it fired.
        var alert: Int?
        /// Whether a target came, went or first succeeded since the attempts were last judged.
        private var changedSinceJudged = true

        var earliest: Double? { expiry.top?.time }

        /// What the scan rule needs after an attempt: the counts, the window, whether the alert's text would be the
        /// same as when it was last raised, and the target as text.
        struct Judgement {
            var failures: Int
            var targets: Int
            var earliest: Double
            var latest: Double
            var unchanged: Bool
            var label: String
            var alert: Int?
        }

        /// Adds an attempt; for a failed one that brings the failures to `minimumFailures`, the judgement. The flows of
        /// failed targets are held in `store` and given back when the target leaves or succeeds.
        mutating func add(
            _ target: Target, time: Double, failed: Bool, flow: EvidenceStore.Reference, store: inout EvidenceStore, window: Double,
            minimumFailures: Int, label makeLabel: () -> String
        ) -> Judgement? {
            add(target, time: time, failed: failed, flow: flow, store: &store, window: window)
            // Nothing changed since the last judgement (a known target tried again): it would say the same again.
            guard failed, failures >= minimumFailures, changedSinceJudged else { return nil }
            changedSinceJudged = false
            let n = targets.count
            let unchanged = raised.map { $0.failures == failures && $0.targets == n } ?? false
            raised = (failures, n)
            let text = label ?? makeLabel()
            label = text
            return Judgement(failures: failures, targets: n, earliest: earliest ?? 0, latest: latest, unchanged: unchanged, label: text, alert: alert)
        }

        /// The chance that a benign host fails this often (binomial tail at `benignFailureRate`), computed again only
        /// when the counts changed.
        mutating func tailProbability(benignFailureRate: Double) -> Double {
            let n = targets.count
            if let tail, tail.failures == failures, tail.targets == n { return tail.p }
            let p = SignificanceTest.binomialUpperTail(successes: failures, trials: n, probability: benignFailureRate)
            tail = (failures, n, p)
            return p
        }

        /// Gives back the flows of every target: when the attempts are dropped whole.
        func giveBack(to store: inout EvidenceStore) {
            targets.forEachValue { if let flow = $0.flow { store.release(flow) } }
        }

        private mutating func add(_ target: Target, time: Double, failed: Bool, flow: EvidenceStore.Reference, store: inout EvidenceStore, window: Double) {
            // Targets first tried longer than the window ago are forgotten first, so trying one again later is a new
            // first attempt. When even the latest is that old, all go at once (a device's next burst after a quiet spell).
            if time - latest > window {
                if !targets.isEmpty {
                    giveBack(to: &store)
                    targets.removeAll(keepingCapacity: true)
                    expiry.removeAll(keepingCapacity: true)
                    failures = 0
                    changedSinceJudged = true
                }
                latest = -Double.infinity
            } else {
                while let top = expiry.top, time - top.time > window {
                    expiry.pop()
                    if let removed = targets.removeValue(forKey: top.key) {
                        if let kept = removed.flow { store.release(kept) }
                        if !removed.succeeded { failures -= 1 }
                    }
                    changedSinceJudged = true
                }
            }
            if let known = targets[target] {
                if !known.succeeded, !failed {
                    targets[target] = Entry(time: known.time, succeeded: true, flow: nil)
                    if let kept = known.flow { store.release(kept) }
                    failures -= 1
                    changedSinceJudged = true
                }
            } else {
                targets[target] = Entry(time: time, succeeded: !failed, flow: failed ? flow : nil)
                expiry.push(time, target)
                if failed {
                    store.hold(flow)
                    failures += 1
                }
                latest = Swift.max(latest, time)
                changedSinceJudged = true
            }
        }
    }

    var horizontal = StateTable<HorizontalKey, Attempts<HostAddress>>()
    var vertical = StateTable<VerticalKey, Attempts<UInt16>>()
}
