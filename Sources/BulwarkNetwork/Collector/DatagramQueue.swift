import Foundation

/// A bounded hand-over between a socket's receive loop and the flow decoder.
///
/// The receiving side never waits: when the consumer falls behind and `capacity` datagrams are already waiting, new
/// datagrams are dropped and counted, as a router drops from a full interface queue. Memory is bounded by `capacity`
/// times the largest datagram (64 KiB for UDP).
///
/// Datagrams travel in batches: a listener hands over at once everything the kernel had ready, so the consumer is woken
/// once for the batch, not once for each datagram (on a busy core those wake-ups cost more than decoding a datagram).
// @unchecked Sendable: the only mutable state, `counts`, is read and written under `lock`; everything else is `let`
// and Sendable (AsyncStream and its continuation are thread-safe). Atomics from Synchronization would need macOS 15.
public final class DatagramQueue: @unchecked Sendable {
    /// One export message as received, with the address of the exporter that sent it.
    public struct Datagram: Sendable {
        public var bytes: [UInt8]
        public var exporter: HostAddress

        public init(bytes: [UInt8], exporter: HostAddress) {
            self.bytes = bytes
            self.exporter = exporter
        }
    }

    public let capacity: Int
    private let stream: AsyncStream<[Datagram]>
    private let continuation: AsyncStream<[Datagram]>.Continuation
    private let lock = NSLock()
    private var counts = (offered: 0, dropped: 0, waiting: 0, finished: false)

    public init(capacity: Int) {
        precondition(capacity > 0, "a queue holds at least one datagram")
        self.capacity = capacity
        // The bound is kept here, in datagrams (`counts.waiting`), so the stream itself need not bound its batches.
        (stream, continuation) = AsyncStream.makeStream(of: [Datagram].self, bufferingPolicy: .unbounded)
    }

    /// Hands a datagram to the consumer without waiting; `false` (and one more drop) when the queue is full or finished.
    @discardableResult
    public func offer(_ datagram: Datagram) -> Bool { offer([datagram]) == 1 }

    /// Hands datagrams to the consumer without waiting, in one batch; how many were taken. When the queue has room for
    /// only some, the earliest are taken and the rest dropped: the exporter's sequence numbers then show one gap rather
    /// than a shuffled tail.
    @discardableResult
    public func offer(_ batch: [Datagram]) -> Int {
        guard !batch.isEmpty else { return 0 }
        let taken = lock.withLock {
            let room = counts.finished ? 0 : Swift.max(0, capacity - counts.waiting)
            let taken = Swift.min(room, batch.count)
            counts.offered += batch.count
            counts.dropped += batch.count - taken
            counts.waiting += taken
            // Yielded under the lock, so batches reach the stream in the order their room was granted.
            if taken > 0 { continuation.yield(taken == batch.count ? batch : Array(batch.prefix(taken))) }
            return taken
        }
        return taken
    }

    /// No more datagrams will be offered; the consumer still receives those already queued.
    public func finish() {
        lock.withLock { counts.finished = true }
        continuation.finish()
    }

    /// The queued batches in arrival order; the sequence ends after ``finish()`` once the waiting ones are consumed.
    /// Iterate it once.
    public var batches: Batches { Batches(queue: self, stream: stream) }

    public struct Batches: AsyncSequence, Sendable {
        public typealias Element = [Datagram]
        let queue: DatagramQueue
        let stream: AsyncStream<[Datagram]>

        public struct AsyncIterator: AsyncIteratorProtocol {
            let queue: DatagramQueue
            var inner: AsyncStream<[Datagram]>.AsyncIterator

            public mutating func next() async -> [Datagram]? {
                guard let batch = await inner.next() else { return nil }
                queue.taken(batch.count)
                return batch
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue, inner: stream.makeAsyncIterator()) }
    }

    private func taken(_ count: Int) { lock.withLock { counts.waiting -= count } }

    /// Counts datagrams lost before they reached the queue (the kernel dropped them from a full receive buffer), so
    /// that ``drops`` tells every datagram the consumer never saw.
    public func countDropped(_ count: Int) {
        guard count > 0 else { return }
        lock.withLock {
            counts.offered += count
            counts.dropped += count
        }
    }

    /// Datagrams lost: refused because the queue was full (or already finished), or counted by ``countDropped(_:)``.
    public var drops: Int { lock.withLock { counts.dropped } }
    /// Datagrams offered, accepted or not.
    public var offered: Int { lock.withLock { counts.offered } }
    /// Whether ``finish()`` was called: nothing more will be queued.
    public var isFinished: Bool { lock.withLock { counts.finished } }
    /// Datagrams queued and not yet taken by the consumer.
    public var waiting: Int { lock.withLock { counts.waiting } }
}
