// Completes a deferred request from any thread: the response is posted to the connection's event loop and written there.
import Synchronization

/// Hands one late response back to its connection. Only the first `send`/`fail` counts; later calls are ignored,
/// as is a response for a connection that has gone away meanwhile.
public final class Responder: Sendable {
    let loop: EventLoop
    let fd: Int32
    let connectionID: UInt64
    private let done = Atomic<Bool>(false)
    private let abandoned = Atomic<Bool>(false)

    init(loop: EventLoop, fd: Int32, connectionID: UInt64) {
        self.loop = loop
        self.fd = fd
        self.connectionID = connectionID
        loop.server.deferredRequests.add(1, ordering: .relaxed)
    }

    deinit {
        if !done.load(ordering: .relaxed) { loop.server.deferredRequests.subtract(1, ordering: .relaxed) }
    }

    /// True once the connection that asked has closed: work not started yet for it may be skipped. Any thread.
    public var isAbandoned: Bool { abandoned.load(ordering: .relaxed) }

    /// Called by the connection as it closes (loop thread).
    func abandon() { abandoned.store(true, ordering: .relaxed) }

    /// Sends `response`. May be called from any thread.
    public func send(_ response: Response) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.server.deferredRequests.subtract(1, ordering: .relaxed)
        if isAbandoned { return }   // the connection is gone: drop the (possibly large) answer here, not on the loop
        if case .bytes(let b) = response.body, b.count >= EventLoop.largeAnswerBytes {
            // A large answer waits (on this producer's thread) until the loop has room for it: answers cannot pile up
            // between the workers and the sockets faster than slow readers take them or are shed.
            loop.waitForOutputRoom(b.count) { self.isAbandoned }
            if isAbandoned { return }
            loop.postedOutput.add(b.count, ordering: .relaxed)
        }
        loop.post(.complete(fd: fd, id: connectionID, result: .success(response)))
    }

    /// Answers with the server's mapping of `error`. May be called from any thread.
    public func fail(_ error: any Error) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.server.deferredRequests.subtract(1, ordering: .relaxed)
        loop.post(.complete(fd: fd, id: connectionID, result: .failure(error)))
    }
}
