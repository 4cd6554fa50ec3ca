// The producer side of a streamed (chunked) response. Producers run on their own dispatch queue and call `write` from there;
// the event loop pulls queued chunks and reports how much is still unsent, which is what backpressure waits on.
import System
import Dispatch

/// Writes one streamed response body. Thread-safe.
public final class StreamWriter: @unchecked Sendable {   // all mutable state is guarded by `lock`
    private let lock = ConditionLock()
    private let loop: EventLoop
    private let fd: Int32
    private let connectionID: UInt64
    private let highWater: Int
    private var chunks: [[UInt8]] = []
    private var queuedBytes = 0      // in `chunks`
    private var unsentBytes = 0      // handed to the connection, not yet written to the socket
    private var finished = false
    private var cancelled = false
    private var notified = false
    private var cancelHandlers: [@Sendable () -> Void] = []

    init(loop: EventLoop, fd: Int32, connectionID: UInt64, highWater: Int) {
        self.loop = loop
        self.fd = fd
        self.connectionID = connectionID
        self.highWater = highWater
    }

    /// True once the client has gone away (or the server closed the connection).
    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Queues `bytes` as one chunk. Blocks while too much is queued and unsent. Returns false once cancelled.
    /// Never call it on an event-loop thread.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty { return !isCancelled }
        lock.lock()
        while !cancelled && queuedBytes + unsentBytes > highWater { lock.wait() }
        if cancelled || finished { lock.unlock(); return false }
        chunks.append(bytes)
        queuedBytes += bytes.count
        let wake = !notified
        notified = true
        lock.unlock()
        if wake { loop.post(.streamReady(fd: fd, id: connectionID)) }
        return true
    }

    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Ends the body. Further writes are ignored.
    public func finish() {
        lock.lock()
        if finished || cancelled { lock.unlock(); return }
        finished = true
        let wake = !notified
        notified = true
        lock.unlock()
        if wake { loop.post(.streamReady(fd: fd, id: connectionID)) }
    }

    /// Registers `handler` to run (off the event loop) when the peer goes away; runs at once if that already happened.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        if cancelled {
            lock.unlock()
            StreamWriter.runHandler(handler)
            return
        }
        cancelHandlers.append(handler)
        lock.unlock()
    }

    // MARK: - Event-loop side

    /// Takes every queued chunk; `ended` is true when the producer has finished and nothing is left.
    func take() -> (chunks: [[UInt8]], ended: Bool) {
        lock.withLock {
            let out = chunks
            chunks.removeAll()
            unsentBytes += queuedBytes
            queuedBytes = 0
            notified = false
            return (out, finished)
        }
    }

    /// The connection reports how many body bytes are still waiting for the socket.
    func reportUnsent(_ n: Int) {
        lock.lock()
        let wasBlocked = queuedBytes + unsentBytes > highWater
        unsentBytes = n
        if wasBlocked && queuedBytes + unsentBytes <= highWater { lock.broadcast() }
        lock.unlock()
    }

    /// The peer went away or the server is closing: wake the producer and run the cancel handlers.
    func cancel() {
        lock.lock()
        if cancelled || finished && chunks.isEmpty && unsentBytes == 0 {
            cancelled = true
            lock.unlock()
            return
        }
        cancelled = true
        let handlers = cancelHandlers
        cancelHandlers.removeAll()
        lock.broadcast()
        lock.unlock()
        for h in handlers { StreamWriter.runHandler(h) }
    }

    /// Cancel handlers must run promptly even when the shared work pool is saturated (blocking outbound calls are
    /// what they usually abort), so each gets its own serial queue, which dispatch serves from its overcommitting pool.
    private static func runHandler(_ handler: @escaping @Sendable () -> Void) {
        DispatchQueue(label: "orchestrator.stream.cancel").async(execute: handler)
    }
}
