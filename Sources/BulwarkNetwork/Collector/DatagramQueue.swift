import Foundation

/// A bounded hand-over between a socket's receive loop and the flow decoder.
///
/// The receiving side never waits: when the consumer falls behind and `capacity` datagrams are already waiting, the
/// new datagram is dropped and counted, as a router drops from a full interface queue. Memory is bounded by
/// `capacity` times the largest datagram (64 KiB for UDP).
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
    /// Datagrams in arrival order; the sequence ends after ``finish()`` once the waiting ones are consumed.
    public let datagrams: AsyncStream<Datagram>
    private let continuation: AsyncStream<Datagram>.Continuation
    private let lock = NSLock()
    private var counts = (offered: 0, dropped: 0)

    public init(capacity: Int) {
        precondition(capacity > 0, "a queue holds at least one datagram")
        self.capacity = capacity
        // bufferingOldest keeps what is already queued and refuses the newcomer: the exporter's sequence numbers
        // then show one gap rather than a shuffled tail.
        (datagrams, continuation) = AsyncStream.makeStream(of: Datagram.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Hands a datagram to the consumer without waiting; `false` (and one more drop) when the queue is full or finished.
    @discardableResult
    public func offer(_ datagram: Datagram) -> Bool {
        let accepted: Bool
        switch continuation.yield(datagram) {
        case .enqueued: accepted = true
        case .dropped, .terminated: accepted = false
        @unknown default: accepted = false
        }
        lock.withLock {
            counts.offered += 1
            if !accepted { counts.dropped += 1 }
        }
        return accepted
    }

    /// No more datagrams will be offered; the consumer still receives those already queued.
    public func finish() { continuation.finish() }

    /// Datagrams refused because the queue was full (or already finished).
    public var drops: Int { lock.withLock { counts.dropped } }
    /// Datagrams offered, accepted or not.
    public var offered: Int { lock.withLock { counts.offered } }
}
