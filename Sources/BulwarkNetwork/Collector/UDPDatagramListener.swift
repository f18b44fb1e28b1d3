import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Problems starting a collector, each saying what to change.
public enum CollectorError: Error, CustomStringConvertible {
    case badAddress(String)
    case socket(address: String, call: String, errno: Int32)

    public var description: String {
        switch self {
        case .badAddress(let text): "\(text) is not an address to listen on; give HOST:PORT, e.g. 127.0.0.1:2055 or [::1]:2055"
        case .socket(let address, let call, let code):
            "cannot listen on \(address): \(call) failed: \(String(cString: strerror(code)))"
                + (code == EADDRINUSE ? "; another collector (or nfcapd) holds the port, pick another" : "")
        }
    }
}

/// A UDP socket read on a thread of its own, handing every datagram to a ``DatagramQueue`` without waiting.
///
/// A plain socket rather than an event loop: the loop does nothing but `recvfrom` and `offer`, and on ``stop()`` it
/// reads what the kernel still holds before closing, so an export sent before the stop is never lost to it. Only the
/// C library is used, so the module stays free of any server framework.
// @unchecked Sendable: the one mutable value, `stopRequested`, is read and written under `lock`; the rest is `let`.
public final class UDPDatagramListener: @unchecked Sendable {
    /// The address actually bound, as `HOST:PORT` (port 0 asks the kernel for a free port).
    public let boundAddress: String
    public let port: UInt16
    /// The socket's receive buffer as the kernel granted it, in bytes.
    public let receiveBufferBytes: Int
    /// How long, in microseconds, the listener lets datagrams gather in the kernel after the first of a batch.
    public let coalescingMicroseconds: Int
    private let descriptor: Int32
    private let lock = NSLock()
    private var stopRequested = false

    /// Binds `address` (`HOST:PORT`, IPv6 in brackets) and asks for a receive buffer of `receiveBuffer` bytes.
    ///
    /// `coalescing` (microseconds) is how long datagrams may gather in that buffer before they are taken as one batch.
    /// By default it is the time a quarter of the granted buffer takes to fill at 100 MB/s of exports, between 0.1 and
    /// 2 ms: long enough to take a burst at once, short enough that a busy exporter does not overflow the buffer. Flow
    /// records are minutes old when exported, so the delay costs nothing a rule could notice; 0 hands over each
    /// datagram as it comes, and at most a second is taken.
    public init(address: String, receiveBuffer: Int = 8 << 20, coalescing: Int? = nil) throws(CollectorError) {
        guard let (host, port) = Self.split(address) else { throw .badAddress(address) }
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        if host.contains(":") {
            var v6 = sockaddr_in6()
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 else { throw .badAddress(address) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var v4 = sockaddr_in()
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &v4.sin_addr) == 1 else { throw .badAddress(address) }
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        #if canImport(Glibc)
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw .socket(address: address, call: "socket", errno: errno) }
        // Exports come in bursts (softflowd flushes every expired flow at once); a deep kernel buffer absorbs them.
        // SO_RCVBUFFORCE passes rmem_max when running with CAP_NET_ADMIN; otherwise the kernel caps SO_RCVBUF.
        var wanted = Int32(clamping: receiveBuffer)
        #if os(Linux)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &wanted, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wanted, socklen_t(MemoryLayout<Int32>.size))
        }
        #else
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wanted, socklen_t(MemoryLayout<Int32>.size))
        #endif
        // A receive timeout lets the thread notice stop() without a second descriptor to wake it.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .socket(address: address, call: "bind", errno: code)
        }
        var granted: Int32 = 0
        var grantedLength = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &grantedLength)
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) } }
        let (_, actualPort) = Self.peer(actual)
        descriptor = fd
        self.port = actualPort
        receiveBufferBytes = Int(granted)
        coalescingMicroseconds = Swift.min(1_000_000, Swift.max(0, coalescing ?? Swift.min(2_000, Swift.max(100, Int(granted) / 400))))
        boundAddress = host.contains(":") ? "[\(host)]:\(actualPort)" : "\(host):\(actualPort)"
    }

    /// Starts reading on a new thread; every datagram is offered to `queue` (in batches of what the kernel had ready).
    /// `onDrop` is called with the number of datagrams lost each time some are: those the queue refused, and those the
    /// kernel dropped because its receive buffer was full (Linux reports these). The queue is finished when the
    /// listener stops.
    public func start(into queue: DatagramQueue, onDrop: @escaping @Sendable (Int) -> Void = { _ in }) {
        let thread = Thread { [self] in
            self.receive(into: queue, onDrop: onDrop)
        }
        thread.name = "bulwark-collector-udp"
        thread.start()
    }

    /// Asks the thread to stop: it reads what the kernel has already received, closes the socket and finishes the queue.
    public func stop() { lock.withLock { stopRequested = true } }

    private var isStopping: Bool { lock.withLock { stopRequested } }

    /// Datagrams handed over at most in one batch.
    static let batchLimit = 256

    private func receive(into queue: DatagramQueue, onDrop: @Sendable (Int) -> Void) {
        let reader = SocketReader(descriptor: descriptor)
        var batch: [DatagramQueue.Datagram] = []
        func handOver() {
            if !batch.isEmpty {
                let taken = queue.offer(batch)
                if taken < batch.count { onDrop(batch.count - taken) }
                batch.removeAll(keepingCapacity: true)
            }
            let lost = reader.takeKernelDrops()
            if lost > 0 {
                queue.countDropped(lost)
                onDrop(lost)
            }
        }
        /// Takes what the kernel holds without waiting; `false` when the socket failed.
        func takeReady() -> Bool {
            while true {
                switch reader.read(waiting: false) {
                case .datagram(let datagram):
                    batch.append(datagram)
                    if batch.count >= Self.batchLimit { handOver() }
                case .nothing: return true
                case .failed: return false
                }
            }
        }
        reading: while true {
            // Waits for the first datagram of a batch, until the receive timeout so that a stop is noticed.
            switch reader.read(waiting: true) {
            case .datagram(let datagram): batch.append(datagram)
            case .failed: break reading
            case .nothing:
                if isStopping { break reading }
                continue reading
            }
            // Then lets the exporters' next datagrams gather in the kernel's buffer for a moment and takes them all:
            // the consumer is woken once for the batch, and this thread once an interval rather than once a datagram.
            // On one core those wake-ups interrupt the decoder and cost more than decoding a datagram does.
            if coalescingMicroseconds > 0, !isStopping { usleep(useconds_t(coalescingMicroseconds)) }
            guard takeReady() else { break reading }
            handOver()
            // Under steady traffic the wait above never comes back empty, so a stop is looked for here too.
            if isStopping { break reading }
        }
        // What the kernel received before the stop still goes to the consumer.
        _ = takeReady()
        handOver()
        close(descriptor)
        queue.finish()
    }

    static func split(_ address: String) -> (String, UInt16)? {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            let host = String(address[address.index(after: address.startIndex)..<close])
            let rest = address[address.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            return (host, port)
        }
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return nil }
        let host = String(address[..<colon])
        return host.isEmpty || host.contains(":") ? nil : (host, port)
    }

    static func peer(_ storage: sockaddr_storage) -> (HostAddress, UInt16) {
        let family = Int32(storage.ss_family)
        return withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                let v6 = raw.load(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
                let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return (HostAddress(high: high, low: low), UInt16(bigEndian: v6.sin6_port))
            }
            let v4 = raw.load(as: sockaddr_in.self)
            return (HostAddress(ipv4: UInt32(bigEndian: v4.sin_addr.s_addr)), UInt16(bigEndian: v4.sin_port))
        }
    }
}

/// Reads datagrams from a bound UDP socket, with their sender's address, and on Linux the kernel's count of datagrams
/// it dropped because the socket's receive buffer was full (`SO_MEMINFO`).
/// Used by the listener's one thread only.
final class SocketReader {
    enum Read {
        case datagram(DatagramQueue.Datagram)
        /// Nothing was ready (or the receive timeout passed).
        case nothing
        /// The socket failed: closed, or an error other than an interruption.
        case failed
    }

    let descriptor: Int32
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
    private var source = sockaddr_storage()
    /// The socket's memory figures (`SK_MEMINFO_VARS` of them), read into the same place each time.
    private var memoryFigures = [UInt32](repeating: 0, count: 9)
    /// The kernel's drop count when last taken by ``takeKernelDrops()`` (it wraps at 2^32).
    private var takenDrops: UInt32 = 0

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { buffer.deallocate() }

    /// One datagram; with `waiting` false, only if one is ready now.
    func read(waiting: Bool) -> Read {
        while true {
            var sourceLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &source) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, buffer.baseAddress, buffer.count, waiting ? 0 : Int32(MSG_DONTWAIT), $0, &sourceLength)
                }
            }
            if count >= 0 {
                let (exporter, _) = UDPDatagramListener.peer(source)
                return .datagram(DatagramQueue.Datagram(bytes: Array(buffer[0..<count]), exporter: exporter))
            }
            let code = errno
            if code == EINTR { continue }
            return code == EAGAIN || code == EWOULDBLOCK ? .nothing : .failed
        }
    }

    /// Datagrams the kernel dropped since the last call (always 0 where the kernel does not tell).
    func takeKernelDrops() -> Int {
        #if os(Linux)
        // SO_MEMINFO (<asm-generic/socket.h>) fills the socket's memory figures; SK_MEMINFO_DROPS, the ninth, counts
        // datagrams dropped for want of buffer space.
        let memoryInformation: Int32 = 55
        var length = socklen_t(memoryFigures.count * MemoryLayout<UInt32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, memoryInformation, &memoryFigures, &length) == 0, length >= 36 else { return 0 }
        let lost = memoryFigures[8] &- takenDrops
        takenDrops = memoryFigures[8]
        return Int(lost)
        #else
        return 0
        #endif
    }
}
